"""What the read modules of territories share: `TerritoryRef` (a territory as the search filters
and the API name it) and the per-process cache of the reference (labels, names).

Other apps reach both through atelier.territories.selectors."""

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from .enums import TerritoryLevel
from .geography import geography_forget


@dataclass(frozen=True, slots=True)
class TerritoryRef:
    """A territory at any level, as the search filters and the API name it: `level:code`."""

    level: str  # TerritoryLevel value: region, departement, epci, ept, commune
    code: str
    name: str
    label: str  # for people: "Saint-Denis (93)", "Seine-Saint-Denis (93)", "Plaine Commune (EPT)"

    @property
    def key(self) -> str:
        return f"{self.level}:{self.code}"


def ref_region(code: str, name: str) -> TerritoryRef:
    return TerritoryRef(TerritoryLevel.REGION, code, name, name)


def ref_departement(code: str, name: str) -> TerritoryRef:
    return TerritoryRef(TerritoryLevel.DEPARTEMENT, code, name, f"{name} ({code})")


def ref_grouping(code: str, name: str, kind: str) -> TerritoryRef:
    level = TerritoryLevel.EPT if kind == "EPT" else TerritoryLevel.EPCI
    return TerritoryRef(level, code, name, f"{name} ({kind})")


def ref_commune(code: str, name: str, departement_code: str) -> TerritoryRef:
    return TerritoryRef(TerritoryLevel.COMMUNE, code, name, f"{name} ({departement_code})")


# Nomenclature and territory labels and names change only when `atelier load-reference` runs:
# searches read them from a per-process cache instead of querying them each time (a code not yet
# cached reloads them; the communes, the largest, weigh a few MB).
_LABEL_TTL_SECONDS = 300.0
_reference_cache: dict[str, tuple[float, Any]] = {}
T = TypeVar("T")


def cached(key: str, build: Callable[[], T], covers: Callable[[T], bool] | None = None) -> T:
    """The value cached under `key`, built again when older than the TTL or when `covers`
    says it lacks what is asked for."""
    hit = _reference_cache.get(key)
    now = time.monotonic()
    if hit is None or now - hit[0] > _LABEL_TTL_SECONDS or (covers and not covers(hit[1])):
        hit = (now, build())
        _reference_cache[key] = hit
    return hit[1]


def reference_labels_forget() -> None:
    """Drop the cached labels, commune, département and région names and arrondissements
    (after a reference load, and between tests)."""
    _reference_cache.clear()
    geography_forget()
