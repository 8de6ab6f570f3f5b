"""French geography rules shared by the apps: the order of territory levels, the Organisation
column of each level, the département of a commune code, and the communes a filter on a commune
must match (Paris, Lyon and Marseille are split into municipal arrondissements)."""

import time

from .enums import CommuneKind, TerritoryLevel
from .models import Commune

# From the widest to the narrowest.
LEVEL_DEPTH: dict[str, int] = {
    TerritoryLevel.REGION: 0,
    TerritoryLevel.DEPARTEMENT: 1,
    TerritoryLevel.EPCI: 2,
    TerritoryLevel.EPT: 3,
    TerritoryLevel.COMMUNE: 4,
}
# The Organisation (and CommunePlace) attribute holding the code of each level.
LEVEL_COLUMN: dict[str, str] = {
    TerritoryLevel.REGION: "region_code",
    TerritoryLevel.DEPARTEMENT: "departement_code",
    TerritoryLevel.EPCI: "epci_code",
    TerritoryLevel.EPT: "ept_code",
    TerritoryLevel.COMMUNE: "commune_code",
}


def commune_departement(code: str) -> str:
    """INSEE rule: the département of a commune is the first 2 characters of its code (3 for the
    overseas départements 971-976)."""
    return code[:3] if code.startswith("97") else code[:2]


# Municipal arrondissements by parent commune, read once per process from the reference (45
# rows). Only a non-empty answer is kept, so a lookup made before the reference is loaded does not
# stick; `reference_labels_forget` (run by the reference loader and between tests) drops it, and
# it expires like the label caches.
_ARRONDISSEMENTS_TTL_SECONDS = 300.0
_arrondissements: list[tuple[float, dict[str, list[str]]]] = []


def _arrondissements_by_parent() -> dict[str, list[str]]:
    now = time.monotonic()
    if _arrondissements and now - _arrondissements[0][0] <= _ARRONDISSEMENTS_TTL_SECONDS:
        return _arrondissements[0][1]
    found: dict[str, list[str]] = {}
    rows = (
        Commune.objects.filter(kind=CommuneKind.MUNICIPAL_ARRONDISSEMENT, parent__isnull=False)
        .order_by("code")
        .values_list("parent_id", "code")
    )
    for parent, code in rows:
        found.setdefault(parent, []).append(code)
    _arrondissements.clear()
    if found:
        _arrondissements.append((now, found))
    return found


def commune_codes(code: str) -> list[str]:
    """The commune codes a filter on commune `code` must match: the code itself, then those of its
    municipal arrondissements (Paris 75056 → 75101…75120, Lyon, Marseille), from the reference."""
    return [code, *_arrondissements_by_parent().get(code, [])]


def arrondissement_parents() -> dict[str, str]:
    """Municipal arrondissement code -> its parent commune's code (75119 -> 75056), from the
    reference."""
    return {arm: parent for parent, arms in _arrondissements_by_parent().items() for arm in arms}


def geography_forget() -> None:
    """Drop the cached arrondissements."""
    _arrondissements.clear()
