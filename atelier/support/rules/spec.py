"""A scheme as the rules read it: plain values copied from the catalogue (no database)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date


@dataclass(frozen=True, slots=True)
class SchemeSpec:
    id: int
    slug: str
    name: str
    kind: str
    rule: str
    perimeter: tuple[str, ...]  # "level:code" keys
    state: str = "open"
    audiences: frozenset[str] = frozenset()
    stages: frozenset[str] = frozenset()
    projects: frozenset[str] = frozenset()
    legal_forms: frozenset[str] = frozenset()
    needs: frozenset[str] = frozenset()
    sectors: frozenset[str] = frozenset()
    opens_on: date | None = None
    closes_on: date | None = None
    operator_id: int | None = None
    operator_name: str = ""
    variant_of: str = ""  # slug of the national scheme this one is a local variant of
    summary: str = ""
    last_checked_on: date | None = None
    sources: tuple[dict[str, str], ...] = field(default=())


# Depth of each territory level, from the widest: the most specific key a profile matches in
# a scheme's perimeter says how local the scheme is (ranking).
LEVEL_DEPTH = {
    "country": 0,
    "region": 1,
    "departement": 2,
    "epci": 3,
    "ept": 4,
    "commune": 5,
    "arrondissement": 6,
}


def key_depth(key: str) -> int:
    return LEVEL_DEPTH.get(key.partition(":")[0], 0)
