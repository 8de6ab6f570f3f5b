"""A search around a place, answered by the indexes (the search's read model) rather than by
reading every establishment within the radius from the database (selectors/around.py, kept for
the plain list, the map and the exports).

Every organisation document holds the tiles of its open, placed establishments at every level
(`near`, atelier.search.spatial.TILE_SHIFTS); every establishment document its organisation's
`id` and its point (`x`, `y`, world pixels of geo.BASE_ZOOM). The disk of `rayon` km around the
centre is covered by tiles (`disk_cover`): those wholly inside it (any level: a few hundred
terms), and the finest ones its circle crosses (the edge). So

- the organisations within the radius are those holding an inside tile, and those of the edge
  tiles whose nearest establishment is within the radius: the edge establishments' points are
  read from the establishments index and measured exactly (`near_condition`);
- the nearest page grows a disk from the centre until it holds enough matching organisations
  (counted on the organisations index), then measures those candidates exactly
  (`nearest_page`): a few dozen distances instead of every organisation of the radius.

Distances are great circles (haversine) from the centre to the centre of the establishment's
map pixel, as selectors/around.py computes them: both paths select the same organisations."""

from __future__ import annotations

import math
from dataclasses import dataclass

import tantivy

from atelier.search import Handle
from atelier.search.conditions import AnyOf, Condition, Either, all_of, any_of
from atelier.search.spatial import TILE_SHIFTS, tile

from ..geo import WORLD_PIXELS, lonlat_to_world
from .around import EARTH_RADIUS_KM, Center, LruCache, pixel_km

# The edge tiles of the radius are at most 1/EDGE_RATIO of it a side (the organisations measured
# one by one hold about 2.6 / EDGE_RATIO of its area); those of a disk grown for the nearest page
# may be coarser (its candidates are all measured anyway).
EDGE_RATIO = 32
RING_RATIO = 8
# The disks grown for the nearest page: radius × RING_STEP ** -k, never smaller than MIN_RING_KM.
RING_STEP = math.sqrt(2)
MIN_RING_KM = 0.05
# Establishments of a disk measured at most (beyond, a smaller disk is tried first).
MAX_CANDIDATES = 800
CACHE_ENTRIES = 512


@dataclass(frozen=True)
class DiskCover:
    inside: tuple[int, ...]  # tile terms wholly within the radius
    edge: tuple[int, ...]  # terms of the finest tiles its circle crosses


def _km_per_pixel(latitude: float) -> float:
    return 2 * math.pi * EARTH_RADIUS_KM * math.cos(math.radians(latitude)) / WORLD_PIXELS


def _row_latitude(py: int) -> float:
    """The latitude (radians) of the edge between pixel rows py - 1 and py."""
    return math.atan(math.sinh(math.pi - 2 * math.pi * py / WORLD_PIXELS))


def _pixel_column(longitude: float) -> float:
    return (longitude + 180.0) / 360.0 * WORLD_PIXELS


class _Circle:
    """The circle of `radius_km` around `center`, read along the parallels: at latitude φ, its
    points are those within `half_width(φ)` degrees of longitude from the centre's (the
    haversine solved for the longitude difference); the widest parallel is `widest`."""

    def __init__(self, center: Center, radius_km: float) -> None:
        self.lat0 = math.radians(center.latitude)
        self.lon0 = center.longitude
        self.rho = radius_km / EARTH_RADIUS_KM
        self.sin2 = math.sin(self.rho / 2) ** 2
        # Where the circle touches a meridian: sin φ = sin φ0 / cos ρ.
        self.widest = math.asin(max(-1.0, min(1.0, math.sin(self.lat0) / math.cos(self.rho))))

    def half_width(self, lat: float) -> float:
        """Degrees of longitude within the radius at latitude `lat` (radians); -1 beyond the
        circle's latitudes."""
        room = self.sin2 - math.sin((lat - self.lat0) / 2) ** 2
        if room < 0:
            return -1.0
        ratio = room / max(math.cos(self.lat0) * math.cos(lat), 1e-12)
        if ratio >= 1:
            return 180.0
        return math.degrees(2 * math.asin(math.sqrt(ratio)))

    def band(self, north: float, south: float) -> tuple[float, float]:
        """(narrowest, widest) half widths over the latitudes south..north (radians): the
        half width grows then shrinks with the latitude, so its minimum over a band is at an
        end and its maximum at an end or at `widest`."""
        ends = (self.half_width(north), self.half_width(south))
        inner = [self.half_width(self.widest)] if south <= self.widest <= north else []
        if south <= self.lat0 - self.rho <= north or south <= self.lat0 + self.rho <= north:
            inner.append(0.0)  # the circle's southernmost or northernmost point
        return min(ends), max((*ends, *inner))


def _finest_shift(center: Center, radius_km: float, ratio: int) -> int:
    side = _km_per_pixel(center.latitude)
    shifts = [s for s in TILE_SHIFTS if (1 << s) * side <= radius_km / ratio]
    return max(shifts, default=TILE_SHIFTS[0])


Spans = dict[int, tuple[int, int]]  # tile row -> first and last tile column (inclusive)
Pieces = list[tuple[int, int, int]]  # (row, first column, last column)


def _coarser(spans: Spans) -> tuple[Spans, Pieces]:
    """(the spans of the tiles 2 levels coarser wholly made of the tiles of `spans`, the
    pieces of `spans` left outside them)."""
    parents: Spans = {}
    for py in {ty >> 2 for ty in spans}:
        rows = [spans.get(4 * py + k) for k in range(4)]
        if any(r is None for r in rows):
            continue
        first = max(r[0] for r in rows if r is not None)
        last = min(r[1] for r in rows if r is not None)
        a, b = -(-first // 4), (last + 1) // 4 - 1
        if a <= b:
            parents[py] = (a, b)
    left: Pieces = []
    for ty, (a, b) in spans.items():
        parent = parents.get(ty >> 2)
        if parent is None:
            left.append((ty, a, b))
        else:
            left.extend([(ty, a, 4 * parent[0] - 1), (ty, 4 * parent[1] + 4, b)])
    return parents, [(ty, a, b) for ty, a, b in left if a <= b]


def _terms(shift: int, pieces: Pieces) -> list[int]:
    return [tile(shift, tx, ty) for ty, a, b in pieces for tx in range(a, b + 1)]


def _cover(center: Center, radius_km: float, ratio: int) -> DiskCover:
    """The tiles covering the disk: wholly inside it (every point of the tile within the
    radius: at every latitude of its row, its columns are within the circle's narrowest half
    width), merged into coarser tiles wherever 16 of them make one; and the finest tiles (a side
    at most radius / ratio) its circle crosses (neither inside nor beyond its widest half width
    on their row)."""
    shift = _finest_shift(center, radius_km, ratio)
    circle = _Circle(center, radius_km)
    dlat = math.degrees(circle.rho)
    _x, y0 = lonlat_to_world(center.longitude, center.latitude + dlat)
    _x, y1 = lonlat_to_world(center.longitude, center.latitude - dlat)
    last_column = (WORLD_PIXELS >> shift) - 1
    inside: Spans = {}
    edge: list[int] = []
    for ty in range(y0 >> shift, (y1 >> shift) + 1):
        narrow, wide = circle.band(_row_latitude(ty << shift), _row_latitude((ty + 1) << shift))
        if wide < 0:
            continue
        outer = (
            max(0, int(_pixel_column(circle.lon0 - wide)) >> shift),
            min(last_column, int(_pixel_column(circle.lon0 + wide)) >> shift),
        )
        a, b = 1, 0  # no inside tile on this row
        if narrow >= 0:
            # Whole tiles between the columns of lon0 - narrow and lon0 + narrow.
            a = math.ceil(_pixel_column(circle.lon0 - narrow) / (1 << shift))
            b = math.floor(_pixel_column(circle.lon0 + narrow) / (1 << shift)) - 1
            if a <= b:
                inside[ty] = (a, b)
        for tx in range(outer[0], outer[1] + 1):
            if not a <= tx <= b:
                edge.append(tile(shift, tx, ty))
    terms: list[int] = []
    level = shift
    while inside and level + 2 <= TILE_SHIFTS[-1]:
        parents, left = _coarser(inside)
        terms.extend(_terms(level, left))
        inside, level = parents, level + 2
    terms.extend(_terms(level, [(ty, a, b) for ty, (a, b) in inside.items()]))
    return DiskCover(tuple(sorted(terms)), tuple(sorted(edge)))


_cache = LruCache(CACHE_ENTRIES)
_cached = _cache.get


def disk_cover(center: Center, radius_km: float, ratio: int = EDGE_RATIO) -> DiskCover:
    key = ("cover", center.latitude, center.longitude, radius_km, ratio)
    return _cached(key, lambda: _cover(center, radius_km, ratio))


def nearest_km(establishments: Handle, query: tantivy.Query, center: Center) -> dict[int, float]:
    """Km from `center` to the nearest establishment of each organisation that has one
    matching `query` in the establishments index."""
    searcher = establishments.searcher()
    n = _count(searcher, query)
    if not n:
        return {}
    addresses = [a for _s, a in searcher.search(query, limit=n, count=False).hits]
    ids = searcher.fast_field_values("id", addresses)
    xs = searcher.fast_field_values("x", addresses)
    ys = searcher.fast_field_values("y", addresses)
    distance = pixel_km(center)
    nearest: dict[int, float] = {}
    for org, x, y in zip(ids, xs, ys, strict=True):
        if not isinstance(org, int) or x is None or y is None:
            continue
        km = distance(x, y)
        if km < nearest.get(org, math.inf):
            nearest[org] = km
    return nearest


def near_condition(establishments: Handle, center: Center, radius_km: int) -> Condition:
    """The organisations with an open establishment within `radius_km` of `center`, as a
    condition of the organisations index: an inside tile, or an edge organisation measured
    within the radius."""

    def build() -> Condition:
        cover = disk_cover(center, radius_km)
        edge_query = any_of(establishments.schema, "tile", list(cover.edge)) if cover.edge else None
        measured = nearest_km(establishments, edge_query, center) if edge_query else {}
        within = tuple(sorted(i for i, km in measured.items() if km <= radius_km))
        parts = (AnyOf("near", cover.inside), AnyOf("id", within))
        kept = tuple(p for p in parts if p.values)
        return Either(kept or (AnyOf("id", (0,)),))  # no id 0: nothing around

    key = (
        "near",
        establishments.generation,
        establishments.version,
        center.latitude,
        center.longitude,
        radius_km,
    )
    return _cached(key, build)


def _rings(radius_km: int) -> list[float]:
    """The disks that may be grown, smallest first, up to the radius."""
    rings = [float(radius_km)]
    while rings[-1] / RING_STEP >= MIN_RING_KM:
        rings.append(rings[-1] / RING_STEP)
    return rings[::-1]


def _count(searcher: tantivy.Searcher, query: tantivy.Query) -> int:
    return int(searcher.search(query, limit=1, count=True).count or 0)  # type: ignore[attr-defined]


def nearest_page(
    establishments: Handle,
    matching: tantivy.Query | None,
    center: Center,
    radius_km: int,
    total: int,
    start: int,
    size: int,
) -> list[tuple[int, float]]:
    """(id, km) of the organisations `start`..`start + size` by distance (then id) among the
    `total` within the radius whose establishments match `matching` (the search's conditions
    but the radius, on the establishments index), nearest first.

    The first disk is the one a uniform density would fill; one holding far more
    establishments than needed gives way to a smaller one (until a disk is found too small),
    one holding too few organisations to a larger one. A disk's establishments (those of its
    tiles, inside or crossed) are measured, and their organisations kept when within it: the
    nearest `start + size` of them are the page."""
    need = start + size
    schema, searcher = establishments.schema, establishments.searcher()
    rings = _rings(radius_km)
    guess = radius_km * math.sqrt(min(1.0, need / max(total, 1)))
    i = max([k for k, r in enumerate(rings) if r <= guess], default=0)
    grown = False
    while True:
        ring, last = rings[i], i == len(rings) - 1
        cover = disk_cover(center, ring, RING_RATIO)
        query = all_of(matching, any_of(schema, "tile", list(cover.inside + cover.edge)))
        n = _count(searcher, query)
        if not last and not grown and i > 0 and n > max(MAX_CANDIDATES, 4 * need):
            i -= 1
            continue
        if n >= need or last:
            km = nearest_km(establishments, query, center)
            within = sorted((d, pk) for pk, d in km.items() if d <= ring)
            if len(within) >= need or last:
                return [(pk, d) for d, pk in within[start:need]]
        i += 1
        grown = True
