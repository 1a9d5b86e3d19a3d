"""The catalogue of Rennes mobility datasets. The catalogue is data: one record per dataset.

A record says who produces the dataset, under which licence, where the official
copy lives (``urls``), in which format, how often it changes, what it covers,
which file(s) stand for it in the offline bundle (``bundle_files``, globs
relative to the bundle directory) and which loader reads it
(``"module:function"``, resolved lazily so importing the catalogue is cheap).
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from typing import Any, Callable

from .errors import DatasetNotFound


@dataclass(frozen=True)
class Licence:
    id: str
    name: str
    url: str
    attribution: str


ODBL = "ODbL-1.0"
ETALAB = "etalab-2.0"
LICENCES = {
    ODBL: Licence(ODBL, "Open Database License 1.0", "https://opendatacommons.org/licenses/odbl/1-0/", ""),
    ETALAB: Licence(ETALAB, "Licence Ouverte / Open Licence 2.0 (Etalab)",
                    "https://www.etalab.gouv.fr/licence-ouverte-open-licence/", ""),
}


@dataclass(frozen=True)
class Dataset:
    """One catalogue record."""

    id: str
    title_fr: str
    title_en: str
    producer: str
    licence_id: str
    attribution: str
    urls: tuple[str, ...]
    format: str
    update_frequency_days: float | None
    coverage: str
    bundle_files: tuple[str, ...]
    loader: str | None
    description_fr: str = ""
    theme: str = "mobility"
    landing_page: str = ""
    published: str | None = None  # date of the bundle snapshot (ISO)
    optional: bool = False  # absent from the bundle is fine
    options: dict[str, Any] = field(default_factory=dict)

    @property
    def licence(self) -> Licence:
        base = LICENCES.get(self.licence_id) or Licence(self.licence_id, self.licence_id, "", "")
        return Licence(base.id, base.name, base.url, self.attribution)

    def load_function(self) -> Callable[..., Any]:
        if not self.loader:
            raise DatasetNotFound(f"dataset {self.id!r} has no loader")
        module, _, name = self.loader.partition(":")
        return getattr(importlib.import_module(module), name)


# Filled below; the order is the display order.
CATALOGUE: dict[str, Dataset] = {}


def register(ds: Dataset) -> Dataset:
    CATALOGUE[ds.id] = ds
    return ds


def get(dataset_id: str) -> Dataset:
    try:
        return CATALOGUE[dataset_id]
    except KeyError:
        raise DatasetNotFound(
            f"no dataset {dataset_id!r} in the catalogue; known: {', '.join(CATALOGUE)}") from None


def all_datasets() -> list[Dataset]:
    return list(CATALOGUE.values())


# --- records ------------------------------------------------------------------------------
# Helper H1 completes the official URLs / licences; ids, bundle files and loaders are fixed.
