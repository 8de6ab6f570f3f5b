"""A profile's commune resolved once to the "level:code" keys of every territory containing it,
which the rules match against the schemes' perimeters and the routing against the support
structures' territories, and the labels of those keys.

Keys: `commune:<code>`; for a municipal arrondissement (Paris, Lyon, Marseille: 75119 = Paris
19e) `arrondissement:<code>`, `commune:<code>` (the Atlas names arrondissements so) and
`commune:<parent>` (75056 = Paris); then `ept:`, `epci:`, `departement:`, `region:` and
`country:FR`. Read through atelier.territories.selectors, kept per process (the reference
changes only when `atelier load-reference` runs: `places_forget`)."""

from __future__ import annotations

import re
import time
from collections.abc import Iterable
from dataclasses import dataclass

from atelier.territories.selectors import (
    arrondissement_parents,
    commune_territories,
    naf_section_labels,
    postcode_communes,
    territory_get,
    territory_labels,
    territory_lookup,
)

COUNTRY = "country:FR"
LEVELS = ("country", "region", "departement", "epci", "ept", "commune", "arrondissement")
NAF_SECTIONS = tuple("ABCDEFGHIJKLMNOPQRSTU")
_TTL_SECONDS = 300.0
# What an INSEE commune or arrondissement code can be (2A/2B: Corsica): anything else is
# unknown without a query (and never reaches the database: PostgreSQL refuses NUL bytes).
_COMMUNE_CODE = re.compile(r"^(?:\d{5}|2[AB]\d{3})$")


@dataclass(frozen=True, slots=True)
class Place:
    code: str
    name: str
    keys: frozenset[str]


_places: dict[str, tuple[float, Place]] = {}


def places_forget() -> None:
    _places.clear()


def places_resolve(codes: Iterable[str]) -> dict[str, Place]:
    """Code -> Place of the communes (or municipal arrondissements) `codes` the reference
    knows; unknown codes are absent."""
    now = time.monotonic()
    wanted = {code for code in codes if _COMMUNE_CODE.match(code)}
    found: dict[str, Place] = {}
    missing = []
    for code in wanted:
        hit = _places.get(code)
        if hit is not None and now - hit[0] <= _TTL_SECONDS:
            found[code] = hit[1]
        else:
            missing.append(code)
    if missing:
        parents = arrondissement_parents()
        for code, (name, departement, region, epci, ept) in commune_territories(missing).items():
            keys = {f"commune:{code}", f"departement:{departement}", COUNTRY}
            keys.add(f"region:{region}")
            if epci:
                keys.add(f"epci:{epci}")
            if ept:
                keys.add(f"ept:{ept}")
            if code in parents:
                keys |= {f"arrondissement:{code}", f"commune:{parents[code]}"}
            found[code] = Place(code, name, frozenset(keys))
            _places[code] = (now, found[code])
    return found


def commune_territory_keys(code: str) -> frozenset[str]:
    """Every key containing the commune or municipal arrondissement `code` (empty when the
    reference does not know it)."""
    place = places_resolve([code]).get(code)
    return place.keys if place is not None else frozenset()


def territory_key_valid(key: str) -> bool:
    """Whether `key` names an existing territory in its canonical spelling (a municipal
    arrondissement is `arrondissement:…`, never `commune:…`): the routing filters' forms."""
    return key_exists(key) and canonical_key(key) == key.strip()


def key_exists(key: str) -> bool:
    """Whether `key` names a territory of the reference (`arrondissement:` a municipal
    arrondissement, `country:FR` France)."""
    level, _sep, code = key.partition(":")
    if level not in LEVELS or not code.isalnum() or not code.isascii():
        return False
    if level == "country":
        return code == "FR"
    if level == "arrondissement":
        return code in arrondissement_parents()
    return territory_get(level, code) is not None


def canonical_key(key: str) -> str:
    """`commune:75119` -> `arrondissement:75119` (the perimeter's spelling of an
    arrondissement); any other key unchanged."""
    level, _sep, code = key.strip().partition(":")
    if level == "commune" and code in arrondissement_parents():
        return f"arrondissement:{code}"
    return f"{level}:{code}"


def key_labels(keys: Iterable[str]) -> dict[str, str]:
    """Labels of "level:code" keys: "Paris (75)", "Paris 19e Arrondissement (75)", "France"."""
    by_level: dict[str, list[str]] = {}
    for key in keys:
        level, _sep, code = key.partition(":")
        by_level.setdefault("commune" if level == "arrondissement" else level, []).append(code)
    found = {}
    for level, codes in by_level.items():
        if level == "country":
            found.update({f"country:{c}": "France" for c in codes if c == "FR"})
            continue
        labels = territory_labels(level, codes)
        for code in codes:
            if code in labels:
                found[f"{level}:{code}"] = labels[code]
                found[f"arrondissement:{code}"] = labels[code]
    return {key: found.get(key, key) for key in keys}


def sector_labels() -> dict[str, str]:
    """NAF rév. 2 section letter -> label."""
    return naf_section_labels(NAF_SECTIONS)


def communes_matching(text: str, *, limit: int) -> list[tuple[str, str]]:
    """(INSEE code, label) of the communes and municipal arrondissements a place typed by a
    person may be (an INSEE code, a postcode, a name), at most `limit`, the likeliest first."""
    text = text.strip()
    if not text:
        return []
    compact = text.replace(" ", "")
    # A postcode: its communes, only its arrondissements when it serves some (75019: Paris 19e).
    refs = []
    if len(compact) == 5 and (compact.isdigit() or compact[:2].upper() in ("2A", "2B")):
        # An INSEE code (a pre-filled head office, or typed) and the communes of a postcode.
        code = compact.upper()
        refs = [
            r for r in territory_lookup(code, limit=1) if r.level == "commune" and r.code == code
        ]
        refs += [r for r in postcode_communes(compact) if r.code not in {x.code for x in refs}]
    refs = refs or [r for r in territory_lookup(text, limit=limit * 2) if r.level == "commune"]
    return [(r.code, r.label) for r in refs[:limit]]
