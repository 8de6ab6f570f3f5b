"""Searches around a place and in a map area: the organisations with an open establishment
within `rayon` km of a commune or a point (`autour=`, `lat`/`lon`), and those with an open
establishment in a box (`zone=minlon,minlat,maxlon,maxlat`, the map's "Rechercher dans cette
zone").

Here both are read from the database, then applied as one condition (`AnyOf("id", …)`) that the
indexes and SQL all understand: for the plain list, the map and the exports. The search from the
indexes measures the same distances on the indexes instead (around_index.py). Candidates come
from a bounding box on the establishments' map coordinates (`mx`/`my`, the covering index
`directory_establishment_map_key` of migration 0003: a range of map columns and of `my`), then
the exact great-circle distance (haversine) of each candidate, from the position of its map
pixel (read with the index entry, not from the table row); an organisation's distance is that of
its nearest open establishment.
Results are cached per process for the data version "directory" (a write anywhere moves it)."""

from __future__ import annotations

import math
import re
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db.models import Func, IntegerField
from django.utils.translation import gettext as _

from atelier.search import versions
from atelier.territories.enums import TerritoryLevel
from atelier.territories.names import place_key
from atelier.territories.selectors import (
    commune_place,
    communes_named,
    postcode_communes,
    territory_get,
)

from ..geo import MAX_LATITUDE, WORLD_PIXELS, lonlat_to_world
from ..indexes import VERSION
from ..models import Establishment

MIN_RADIUS_KM = 2
MAX_RADIUS_KM = 100
DEFAULT_RADIUS_KM = 10
EARTH_RADIUS_KM = 6371.0088
KEY_SHIFT = 12  # the map columns of directory_establishment_map_key: (mx >> 12)
MAX_KEY_COLUMNS = 64
CACHE_ENTRIES = 32


class AroundError(ValueError):
    """A value of autour, lat/lon, rayon or zone that cannot be used (a French sentence)."""


@dataclass(frozen=True)
class Center:
    """The point a search is around: a commune's position, or the visitor's own."""

    latitude: float
    longitude: float
    label: str  # "Montreuil (93)", or "votre position"
    commune_code: str = ""  # empty for a point


@dataclass(frozen=True)
class Zone:
    west: float
    south: float
    east: float
    north: float

    @property
    def value(self) -> str:
        """The canonical `zone` parameter (6 decimals, ~10 cm)."""
        return ",".join(decimal_text(v) for v in self.box)

    @property
    def box(self) -> tuple[float, float, float, float]:
        return (self.west, self.south, self.east, self.north)


def decimal_text(value: float) -> str:
    """`value` with at most 6 decimals, without trailing zeros ("2.35", "-0.5", "48")."""
    return f"{value:.6f}".rstrip("0").rstrip(".")


# -- parsing ---------------------------------------------------------------------------------


def parse_radius(raw: str | None) -> int:
    """`rayon` in whole km (absent: DEFAULT_RADIUS_KM), or AroundError."""
    raw = (raw or "").strip().replace(",", ".")
    if not raw:
        return DEFAULT_RADIUS_KM
    try:
        value = float(raw) if raw.isascii() else math.nan
    except ValueError:
        value = math.nan
    if not math.isfinite(value) or not MIN_RADIUS_KM <= value <= MAX_RADIUS_KM:
        raise AroundError(
            _(
                "Le rayon « %(value)s » n'est pas valide : indiquez un nombre de %(min)d "
                "à %(max)d km."
            )
            % {"value": raw[:20], "min": MIN_RADIUS_KM, "max": MAX_RADIUS_KM}
        )
    return round(value)


def _number(raw: str) -> float:
    raw = raw.strip()
    try:
        value = float(raw) if raw.isascii() else math.nan
    except ValueError:
        value = math.nan
    return value if math.isfinite(value) else math.nan


def parse_point(lat: str | None, lon: str | None) -> Center | None:
    """The visitor's point from `lat`/`lon` (both or neither), or AroundError."""
    lat, lon = (lat or "").strip(), (lon or "").strip()
    if not lat and not lon:
        return None
    la, lo = _number(lat), _number(lon)
    if not (-MAX_LATITUDE <= la <= MAX_LATITUDE and -180 <= lo <= 180):
        raise AroundError(
            _(
                "La position « %(lat)s, %(lon)s » n'est pas valide : lat (latitude, de -85 à 85) "
                "et lon (longitude, de -180 à 180) sont des nombres en degrés."
            )
            % {"lat": lat[:20], "lon": lon[:20]}
        )
    return Center(round(la, 6), round(lo, 6), _("votre position"))


_WITH_DEPARTEMENT = re.compile(r"^(.+?)\s*\((\w{2,3})\)$")


def parse_commune(raw: str | None) -> Center | None:
    """The commune of `autour`: an INSEE code, `commune:<code>`, a postcode (its most populated
    commune), a name with its département as the page shows it ("Saint-Denis (93)") or a name
    alone (the most populated of its homonyms); None when absent, AroundError when unknown."""
    raw = (raw or "").strip()
    if not raw:
        return None
    code = (raw.partition(":")[2] if raw.startswith("commune:") else raw).upper()
    ref = territory_get(TerritoryLevel.COMMUNE, code) if len(code) == 5 else None
    if ref is None and len(code) == 5 and code.isdigit():
        ref = next(iter(postcode_communes(code)), None)
    if ref is None:
        m = _WITH_DEPARTEMENT.match(raw)
        name, dep = (m.group(1), m.group(2).upper()) if m else (raw, "")
        named = communes_named([place_key(name)]).get(place_key(name), [])
        named = [c for c in named if not dep or c.ref.label.endswith(f"({dep})")]
        ref = named[0].ref if named else None
    place = commune_place(ref.code) if ref is not None else None
    if ref is None or place is None:
        raise AroundError(
            _(
                "« %(value)s » n'est pas une commune connue : indiquez son nom (par exemple "
                "Montreuil) ou son code INSEE (93048)."
            )
            % {"value": raw[:60]}
        )
    return Center(place.latitude, place.longitude, ref.label, ref.code)


_FLOAT = re.compile(r"^\s*-?\d+(?:\.\d+)?\s*$")


def parse_zone(raw: str | None) -> Zone | None:
    """`zone=minlon,minlat,maxlon,maxlat` (degrees), None when absent, or AroundError."""
    raw = (raw or "").strip()
    if not raw:
        return None
    parts = raw.split(",")
    if len(parts) != 4 or not all(_FLOAT.match(p) and p.isascii() for p in parts):
        raise AroundError(
            _(
                "La zone « %(value)s » n'est pas valide : quatre nombres séparés par des virgules "
                "sont attendus (ouest,sud,est,nord, en degrés)."
            )
            % {"value": raw[:80]}
        )
    west, south, east, north = (float(p) for p in parts)
    if not (-180 <= west < east <= 180 and -90 <= south < north <= 90):
        raise AroundError(
            _(
                "La zone « %(value)s » n'est pas valide : l'ouest doit être inférieur à l'est "
                "(longitudes de -180 à 180) et le sud au nord (latitudes de -90 à 90)."
            )
            % {"value": raw[:80]}
        )
    return Zone(west, south, east, north)


# -- reading ---------------------------------------------------------------------------------


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(a)))


class _MapColumn(Func):
    """`(mx >> 12)` written as in the index expression (a bound parameter would not match)."""

    template = f"(%(expressions)s >> {KEY_SHIFT})"
    output_field = IntegerField()


def _open_in_box(west: float, south: float, east: float, north: float):
    """Open, placed establishments whose map coordinates fall in the box (degrees)."""
    south = max(-MAX_LATITUDE, min(MAX_LATITUDE, south))
    north = max(-MAX_LATITUDE, min(MAX_LATITUDE, north))
    x0, y0 = lonlat_to_world(west, north)
    x1, y1 = lonlat_to_world(east, south)
    qs = Establishment.objects.order_by().filter(
        is_open=True, mx__gte=x0, mx__lte=x1, my__gte=y0, my__lte=y1
    )
    k0, k1 = x0 >> KEY_SHIFT, x1 >> KEY_SHIFT
    qs = qs.alias(map_column=_MapColumn("mx"))
    if k1 - k0 < MAX_KEY_COLUMNS:
        return qs.filter(map_column__in=range(k0, k1 + 1))
    return qs.filter(map_column__gte=k0, map_column__lte=k1)


class LruCache:
    """A small per-process cache: the `entries` last used values, by key."""

    def __init__(self, entries: int) -> None:
        self.entries = entries
        self._values: OrderedDict[tuple, Any] = OrderedDict()

    def get(self, key: tuple, build: Callable[[], Any]) -> Any:
        if key in self._values:
            self._values.move_to_end(key)
            return self._values[key]
        value = self._values[key] = build()
        while len(self._values) > self.entries:
            self._values.popitem(last=False)
        return value

    def clear(self) -> None:
        self._values.clear()


_cache = LruCache(CACHE_ENTRIES)


def _cached(key: tuple, build: Callable[[], Any]) -> Any:
    return _cache.get((*key, versions.current(VERSION)), build)


def distances_forget() -> None:
    _cache.clear()


def pixel_km(center: Center) -> Callable[[float, float], float]:
    """The great-circle km from `center` to the centre of world pixel (x, y): the haversine
    written out for the loops over many establishments."""
    lat0, lon0 = math.radians(center.latitude), center.longitude
    cos0, two_r = math.cos(lat0), 2 * EARTH_RADIUS_KM
    k, degrees_per_pixel = 2 * math.pi / WORLD_PIXELS, 360.0 / WORLD_PIXELS
    sin, cos, asin, sqrt = math.sin, math.cos, math.asin, math.sqrt
    atan, sinh, radians, pi = math.atan, math.sinh, math.radians, math.pi

    def km(x: float, y: float) -> float:
        lat = atan(sinh(pi - k * (y + 0.5)))
        dl = radians((x + 0.5) * degrees_per_pixel - 180.0 - lon0)
        a = sin((lat - lat0) / 2) ** 2 + cos0 * cos(lat) * sin(dl / 2) ** 2
        return two_r * asin(min(1.0, sqrt(a)))

    return km


def organisation_distances(center: Center, radius_km: int) -> list[tuple[int, float]]:
    """(organisation id, km to its nearest open establishment) within `radius_km` of `center`,
    nearest first (equal distances by id)."""

    def build() -> list[tuple[int, float]]:
        dlat = math.degrees(radius_km / EARTH_RADIUS_KM)
        cos_lat = max(math.cos(math.radians(center.latitude)), 0.01)
        dlon = min(180.0, dlat / cos_lat)
        qs = _open_in_box(
            max(-180.0, center.longitude - dlon),
            center.latitude - dlat,
            min(180.0, center.longitude + dlon),
            center.latitude + dlat,
        )
        # The map coordinates come with the index entries (no read of the table rows, half the
        # time of reading latitude/longitude); the distance is computed from the pixel's centre
        # (15 cm at the equator).
        km = pixel_km(center)
        nearest: dict[int, float] = {}
        rows = qs.values_list("organisation_id", "mx", "my")
        for org, mx, my in rows.iterator(chunk_size=20_000):
            d = km(mx, my)
            if d <= radius_km and d < nearest.get(org, math.inf):
                nearest[org] = d
        return sorted(nearest.items(), key=lambda item: (item[1], item[0]))

    return _cached(("around", center.latitude, center.longitude, radius_km), build)


def zone_organisations(zone: Zone) -> tuple[int, ...]:
    """Ids of the organisations with an open establishment in the zone, in order."""

    def build() -> tuple[int, ...]:
        qs = _open_in_box(*zone.box).values_list("organisation_id", flat=True).distinct()
        return tuple(sorted(qs))

    return _cached(("zone", zone.box), build)


# Around a place, a page is the nearest matching organisations: the ids within the radius are
# checked in this many at a time, nearest first, until the page is full.
NEAREST_CHUNK = 2000


def nearest_page(
    near: list[tuple[int, float]], matching: Callable[[list[int]], set[int]], start: int, size: int
) -> list[int]:
    """Ids `start`..`start + size` of `near` (nearest first) that `matching` keeps."""
    kept: list[int] = []
    for i in range(0, len(near), NEAREST_CHUNK):
        chunk = [pk for pk, _d in near[i : i + NEAREST_CHUNK]]
        found = matching(chunk)
        kept.extend(pk for pk in chunk if pk in found)
        if len(kept) >= start + size:
            break
    return kept[start : start + size]
