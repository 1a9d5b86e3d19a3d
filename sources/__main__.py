"""``python -m sources``: see :mod:`sources.cli`."""

from .cli import main

raise SystemExit(main())
