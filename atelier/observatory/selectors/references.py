"""Published reference figures (data/observatory/reference_figures.json): the key figures the
founding documents quote, each with its source and year. Context shown beside the live figures
(labelled "chiffre de référence publié"), never mixed into them: nothing computes with them.

The file is the source of truth (versioned with the code); it is read once per process and
checked (every figure names a known source, a level and a numeric value), so reading it again
changes nothing (idempotent)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from django.conf import settings
from django.utils.formats import number_format

from ..enums import Level
from .territory import Territory, france

REFERENCE_FILE = Path(settings.BASE_DIR) / "data" / "observatory" / "reference_figures.json"


class ReferenceFileError(ValueError):
    """The reference figures file is malformed (said at first use, not silently skipped)."""


@dataclass(frozen=True, slots=True)
class ReferenceFigure:
    id: str
    level: str
    code: str
    figure: str
    value: float
    unit: str
    qualifier: str
    year: str
    source: str  # the document's title
    quote: str

    @property
    def value_text(self) -> str:
        decimals = 0 if float(self.value).is_integer() else 1
        number = number_format(self.value, decimals, use_l10n=True, force_grouping=True)
        unit = "\u00a0%" if self.unit == "%" else f" {self.unit}"
        prefix = f"{self.qualifier} " if self.qualifier and self.qualifier != "+" else ""
        sign = "+" if self.qualifier == "+" else ""
        return f"{prefix}{sign}{number}{unit}"


@dataclass(frozen=True, slots=True)
class ReferenceGroup:
    territory: Territory
    figures: tuple[ReferenceFigure, ...]


def parse_reference_figures(data: dict) -> tuple[ReferenceFigure, ...]:
    sources = data.get("sources")
    if not isinstance(sources, dict):
        raise ReferenceFileError("« sources » manquant")
    levels = {str(level) for level in Level}
    found, seen = [], set()
    for row in data.get("figures", []):
        rid = str(row.get("id", ""))
        if not rid or rid in seen:
            raise ReferenceFileError(f"identifiant absent ou répété : {rid!r}")
        seen.add(rid)
        if row.get("level") not in levels or not row.get("code"):
            raise ReferenceFileError(f"{rid} : territoire inconnu")
        if row.get("source") not in sources:
            raise ReferenceFileError(f"{rid} : source inconnue {row.get('source')!r}")
        value = row.get("value")
        if not isinstance(value, int | float) or isinstance(value, bool):
            raise ReferenceFileError(f"{rid} : valeur non numérique")
        found.append(
            ReferenceFigure(
                rid,
                row["level"],
                str(row["code"]),
                str(row.get("figure", "")),
                float(value),
                str(row.get("unit", "")),
                str(row.get("qualifier", "")),
                str(row.get("year", "")),
                str(sources[row["source"]]),
                str(row.get("quote", "")),
            )
        )
    return tuple(found)


@lru_cache(maxsize=1)
def reference_figures() -> tuple[ReferenceFigure, ...]:
    with REFERENCE_FILE.open(encoding="utf-8") as handle:
        return parse_reference_figures(json.load(handle))


def references_for(territory: Territory) -> list[ReferenceGroup]:
    """The published figures of the territory, then of its parents and of France (context),
    only the territories that have some."""
    chain = [territory, *territory.parents]
    if territory.level != Level.FRANCE:
        chain.append(france())
    groups = []
    figures = reference_figures()
    for t in chain:
        mine = tuple(f for f in figures if (f.level, f.code) == (t.level, t.code))
        if mine:
            groups.append(ReferenceGroup(t, mine))
    return groups
