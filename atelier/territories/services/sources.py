"""The reference sources, the load report and its errors."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings

ILE_DE_FRANCE = "11"

Progress = Callable[[str], None]


class ReferenceSourceError(Exception):
    """A source file is missing or unreadable; the message says which and what to do."""


@dataclass(frozen=True)
class ReferenceSources:
    decoupage_dir: Path
    codes_postaux_file: Path
    legal_categories_file: Path

    @classmethod
    def default(cls) -> ReferenceSources:
        node = Path(settings.BASE_DIR) / "node_modules"
        return cls(
            decoupage_dir=node / "@etalab" / "decoupage-administratif" / "data",
            codes_postaux_file=node / "codes-postaux" / "codes-postaux.json",
            legal_categories_file=Path(settings.BASE_DIR) / "data" / "legal_categories.csv",
        )


@dataclass
class ReferenceLoadReport:
    skipped: bool = False
    elapsed: float = 0.0
    counts: dict[str, int] = field(default_factory=dict)
    changes: dict[str, list[int]] = field(
        default_factory=dict
    )  # table -> [created, updated, deleted]
    kept: dict[str, int] = field(default_factory=dict)  # stale rows still referenced, kept
    geonames_rate: float = 0.0  # share of current communes placed by GeoNames
    idf_rate: float | None = None  # same, Île-de-France only
    precisions: dict[str, int] = field(default_factory=dict)

    def summary(self) -> dict[str, Any]:
        return {
            "counts": self.counts,
            "geonames_rate": self.geonames_rate,
            "idf_rate": self.idf_rate,
            "precisions": self.precisions,
        }
