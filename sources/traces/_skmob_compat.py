"""The one place that imports scikit-mobility, after shimming the two APIs it needs.

scikit-mobility 1.3.1 was written against shapely 1 and geopandas 0.x:

- ``shapely.ops.cascaded_union`` was removed in shapely 2: it becomes ``unary_union``;
- ``geopandas.sjoin(op=...)`` became ``predicate=...``: the wrapper translates it;
- ``skmob.io.file`` imports ``fiona`` at top level only for ``load_gpx`` (the project
  reads GPX with gpxpy): when fiona is not installed, a placeholder module is
  visible *only while skmob is imported* and raises if skmob ever calls it;
- ``FlowDataFrame._constructor``: pandas 2 rebuilds subclass frames from a plain
  DataFrame (``head()``, column subsets, ``sort_values`` ...), which skmob's constructor
  refuses without a tessellation; the patched constructor passes the parent's
  tessellation on, and gives a plain DataFrame when the flow columns are gone.

It also relies on pandas 2 behaviour (``groupby().apply`` keeping the grouping
columns, ``DataFrame`` subclass constructors taking a BlockManager); pandas 3 would
break it silently, so :func:`load_skmob` refuses it with a clear error.

Every use of skmob in the project goes through this module::

    from sources.traces._skmob_compat import load_skmob
    skmob = load_skmob()

Nothing happens at import time: the patches are applied on the first call.
"""

from __future__ import annotations

import contextlib
import functools
import warnings
from collections.abc import Iterator
from types import ModuleType
from typing import Any

SUPPORTED_PANDAS_MAJOR = 2


class SkmobUnavailableError(ImportError):
    """scikit-mobility cannot be used in this environment (missing or incompatible)."""


def _check_pandas() -> None:
    import pandas as pd

    major = int(pd.__version__.split(".")[0])
    if major != SUPPORTED_PANDAS_MAJOR:
        raise SkmobUnavailableError(
            f"scikit-mobility 1.3.1 needs pandas {SUPPORTED_PANDAS_MAJOR}.x; pandas {pd.__version__} "
            "is installed (pandas 3 changes groupby/apply and subclass construction, which "
            "skmob relies on and would break silently)")


def _patch_shapely() -> None:
    import shapely.ops

    if not hasattr(shapely.ops, "cascaded_union"):
        shapely.ops.cascaded_union = shapely.ops.unary_union  # type: ignore[attr-defined]


def _patch_geopandas() -> None:
    import geopandas

    if getattr(geopandas.sjoin, "_spmd_op_shim", False):
        return
    original = geopandas.sjoin

    @functools.wraps(original)
    def sjoin(*args: Any, op: str | None = None, **kwargs: Any) -> Any:
        if op is not None:
            kwargs.setdefault("predicate", op)
        return original(*args, **kwargs)

    sjoin._spmd_op_shim = True  # type: ignore[attr-defined]
    geopandas.sjoin = sjoin  # type: ignore[assignment]
    geopandas.tools.sjoin = sjoin  # type: ignore[attr-defined]


def _fiona_placeholder() -> ModuleType:
    module = ModuleType("fiona")

    def _unavailable(*_args: Any, **_kwargs: Any) -> Any:
        raise SkmobUnavailableError(
            "fiona is not installed: skmob.io.load_gpx is unavailable; "
            "use sources.traces.load.load_traces_gpx (gpxpy) instead")

    module.open = _unavailable  # type: ignore[attr-defined]
    module.__spmd_placeholder__ = True  # type: ignore[attr-defined]
    return module


def _import_skmob() -> ModuleType:
    import importlib.util
    import sys

    placeholder = None
    if "fiona" not in sys.modules and importlib.util.find_spec("fiona") is None:
        placeholder = sys.modules["fiona"] = _fiona_placeholder()
    try:
        import skmob
        import skmob.measures.individual
        import skmob.preprocessing.compression
        import skmob.preprocessing.detection
        import skmob.preprocessing.filtering
        import skmob.privacy.attacks  # noqa: F401
    finally:
        # never let geopandas (or anyone) believe fiona is installed
        if placeholder is not None and sys.modules.get("fiona") is placeholder:
            del sys.modules["fiona"]
    return skmob


def _patch_flowdataframe(skmob: ModuleType) -> None:
    import pandas as pd

    fdf_class = skmob.core.flowdataframe.FlowDataFrame
    if getattr(fdf_class, "_spmd_constructor_shim", False):
        return
    needed = {"origin", "destination", "flow"}

    def _constructor(self: Any) -> Any:
        tessellation = self.__dict__.get("_tessellation")
        parameters = self.__dict__.get("_parameters") or {}

        def make(data: Any = None, *args: Any, **kwargs: Any) -> Any:
            if (not args and not kwargs and isinstance(data, pd.DataFrame)
                    and tessellation is not None and needed <= set(data.columns)):
                return fdf_class(data, tessellation=tessellation, parameters=dict(parameters))
            if isinstance(data, pd.DataFrame) and not args and not kwargs:
                return pd.DataFrame(data)
            return fdf_class(data, *args, **kwargs)

        return make

    fdf_class._constructor = property(_constructor)
    fdf_class._spmd_constructor_shim = True


@functools.cache
def load_skmob() -> ModuleType:
    """Patch shapely/geopandas, then import and return the ``skmob`` package.

    Also imports the submodules the project uses (preprocessing, measures, privacy),
    so that ``skmob.preprocessing.filtering`` and friends are reachable.

    Raises
    ------
    SkmobUnavailableError
        pandas is not 2.x, or scikit-mobility is not installed.
    """
    _check_pandas()
    _patch_shapely()
    _patch_geopandas()
    try:
        skmob = _import_skmob()
        _patch_flowdataframe(skmob)
        return skmob
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise SkmobUnavailableError(f"scikit-mobility cannot be imported: {exc}") from exc


@contextlib.contextmanager
def quiet() -> Iterator[None]:
    """Silence the FutureWarnings skmob 1.3.1 triggers on pandas 2.x (``groupby().apply``)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        warnings.simplefilter("ignore", DeprecationWarning)
        yield


def __getattr__(name: str) -> Any:
    # ``from sources.traces._skmob_compat import skmob`` works too, lazily.
    if name == "skmob":
        return load_skmob()
    raise AttributeError(name)
