"""Map clusters computed on the server, so that the browser receives a bounded number of features
whatever the number of establishments (1 M organisations and more).

Grid clustering on the integer Web-Mercator pixels of establishments (`Establishment.mx/my`,
zoom 20, see directory.geo): at zoom z a cell is 64 screen pixels wide, i.e. the world pixels
sharing `mx >> (26 - z)` and `my >> (26 - z)`. Cells are aligned on the world grid, not on the
viewport, so clusters do not move when the map is panned; the requested bounding box is widened
to the cells it touches and counts are exact for that area.

Two sources give the same cells:
- the `establishments` index (directory/indexes.py, through atelier.search: one document per
  open, placed establishment with its organisation's search fields; one histogram aggregation
  per view, atelier.search.spatial), from its last complete generation, for every search;
- a live GROUP BY on the establishments when no index generation can be used (first start,
  unusable directory, ATELIER_SEARCH_ENGINE = "database"), served by the partial covering index
  `directory_establishment_map_key` ((mx >> 12), my, mx, organisation) WHERE is_open (migration
  0003_map): a view reads its few map columns, not a strip of France.
"""

from __future__ import annotations

import dataclasses
import logging
from typing import Any

import tantivy
from django.conf import settings
from django.db import connection
from django.db.models import (
    Count,
    Exists,
    F,
    Func,
    IntegerField,
    Max,
    Min,
    OuterRef,
    QuerySet,
    Sum,
)

from atelier.search import Handle, SearchIndexError, reader, spatial
from atelier.search.conditions import all_of, to_query
from atelier.search.spatial import Cell

from ..families import FAMILY_COUNT, family_index
from ..geo import BASE_ZOOM, MAX_LATITUDE, lonlat_to_world, world_to_lonlat
from ..indexes import ESTABLISHMENTS, MAP_BASE_SHIFT
from ..models import Establishment, Organisation
from .map_answer import (  # noqa: F401  (re-exported: the API and tests read them here)
    COORD_DECIMALS,
    MAX_ZOOM,
    BBox,
    MapCluster,
    MapPoint,
    MapQueryError,
    MapResult,
    parse_bbox,
    validate_bbox,
    validate_zoom,
)
from .search import SearchParams, search_conditions, search_queryset, text_query

logger = logging.getLogger(__name__)
CELL_SHIFT = MAP_BASE_SHIFT  # 64-pixel cells
# Whole-world pixels are 2**(8 + 20) wide: a shift of 28 puts the whole world in one cell.
MAX_SHIFT = 8 + BASE_ZOOM
# From this zoom on, a view holding few enough establishments is answered point by point, so
# that establishments sharing one position (same address, commune centroid) can be told apart.
EXPAND_ZOOM = 18
# At most this many features per answer (clusters are merged 2 x 2 until it holds): with names
# cut to NAME_MAX characters an answer stays well under 60 KB.
MAX_FEATURES = 400
NAME_MAX = 80
# Bounding boxes larger than this many cells (a huge box asked at a high zoom) are clustered at a
# coarser zoom, which bounds the work of every query whatever the client sends.
MAX_SCAN_CELLS = 4096
# The leading expression of the map index: columns of 4096 world pixels. A window spanning at
# most MAX_KEY_COLUMNS of them names them in an IN list (one index seek each).
KEY_SHIFT = 12
MAX_KEY_COLUMNS = 256
# A filtered live query reads the establishments of the view first when there are at most this
# many (else the matching organisations drive it).
LIVE_SCAN_LIMIT = 20_000


def _pixel_window(bbox: BBox) -> tuple[int, int, int, int]:
    west, south, east, north = bbox
    south = max(-MAX_LATITUDE, min(MAX_LATITUDE, south))
    north = max(-MAX_LATITUDE, min(MAX_LATITUDE, north))
    x0, y0 = lonlat_to_world(west, north)
    x1, y1 = lonlat_to_world(east, south)
    return x0, y0, x1, y1


def _cell_shift(window: tuple[int, int, int, int], zoom: int) -> int:
    """Grid shift for `zoom`, raised until the window spans at most MAX_SCAN_CELLS cells."""
    x0, y0, x1, y1 = window
    shift = MAX_SHIFT - 2 - zoom  # 64-pixel cells: 26 - zoom
    while (
        shift < MAX_SHIFT
        and ((x1 >> shift) - (x0 >> shift) + 1) * ((y1 >> shift) - (y0 >> shift) + 1)
        > MAX_SCAN_CELLS
    ):
        shift += 1
    return shift


def _zoom_of_shift(shift: int) -> int:
    return MAX_SHIFT - 2 - shift


# -- filters ---------------------------------------------------------------------------------


def _default_params() -> SearchParams:
    return SearchParams()


def _organisations(params: SearchParams | None) -> QuerySet[Organisation]:
    return search_queryset(params if params is not None else _default_params())


def _family_only(params: SearchParams | None) -> bool:
    """Whether `params` filters on nothing but the ESS family (the page number does not filter):
    then checking each establishment's organisation is cheap."""
    return params is None or dataclasses.replace(params, famille=[], page=1) == _default_params()


def _window_filter(window: tuple[int, int, int, int], shift: int) -> tuple[int, int, int, int]:
    """Cell range (cx0, cy0, cx1, cy1) of the window at `shift`."""
    x0, y0, x1, y1 = window
    return x0 >> shift, y0 >> shift, x1 >> shift, y1 >> shift


class _MapColumn(Func):
    """`(mx >> 12)` with the shift written as a literal, exactly as in the index expression (a
    bound parameter would not match it)."""

    template = f"(%(expressions)s >> {KEY_SHIFT})"
    output_field = IntegerField()


def _in_window(
    qs: QuerySet[Establishment], window: tuple[int, int, int, int]
) -> QuerySet[Establishment]:
    x0, y0, x1, y1 = window
    qs = qs.filter(is_open=True, mx__gte=x0, mx__lte=x1, my__gte=y0, my__lte=y1)
    k0, k1 = x0 >> KEY_SHIFT, x1 >> KEY_SHIFT
    column = _MapColumn("mx")
    if k1 - k0 < MAX_KEY_COLUMNS:
        return qs.alias(map_column=column).filter(map_column__in=range(k0, k1 + 1))
    return qs.alias(map_column=column).filter(map_column__gte=k0, map_column__lte=k1)


def _live_queryset(
    params: SearchParams | None, window: tuple[int, int, int, int], *, by_area: bool
) -> QuerySet[Establishment]:
    """Open establishments of the matching organisations in the window.

    `by_area`: read the establishments of the window (covering index) and check each one's
    organisation (a primary-key probe) — right when the window holds few establishments.
    Otherwise the matching organisations drive the query (their establishments through the
    foreign-key index) — right for a narrow search over a wide view."""
    qs = _in_window(Establishment.objects.order_by(), window)
    organisations = _organisations(params).order_by()
    if by_area:
        return qs.filter(Exists(organisations.filter(pk=OuterRef("organisation_id"))))
    return qs.filter(organisation__in=organisations.values("id"))


def _few_in_window(window: tuple[int, int, int, int]) -> bool:
    """Whether the window holds at most LIVE_SCAN_LIMIT open establishments (a bounded count)."""
    window_qs = _in_window(Establishment.objects.order_by(), window)
    return window_qs[: LIVE_SCAN_LIMIT + 1].count() <= LIVE_SCAN_LIMIT


def _live_cells(qs: QuerySet[Establishment], shift: int) -> list[Cell]:
    """The GROUP BY of `qs` into map cells at grid `shift`: (cx, cy, n, sum_mx, sum_my, min_mx,
    min_my, max_mx, max_my, smallest id, count per family). Grouped by cell and family, then
    folded per cell."""
    rows = (
        qs.annotate(cx=F("mx").bitrightshift(shift), cy=F("my").bitrightshift(shift))
        .values_list("cx", "cy", "organisation__ess_family")
        .annotate(
            Count("id"),
            Sum("mx"),
            Sum("my"),
            Min("mx"),
            Min("my"),
            Max("mx"),
            Max("my"),
            Min("id"),
        )
    )
    cells: dict[tuple[int, int], list[Any]] = {}
    for cx, cy, family, n, sx, sy, ax, ay, bx, by, eid in rows:
        counts = [0] * FAMILY_COUNT
        counts[family_index(family)] = int(n)
        cell = [int(cx), int(cy), int(n), int(sx), int(sy), int(ax), int(ay), int(bx), int(by)]
        _fold(cells, (int(cx), int(cy)), [*cell, int(eid), counts])
    return [_cell(m) for m in cells.values()]


def _fold(cells: dict[tuple[int, int], list[Any]], key: tuple[int, int], m: list[Any]) -> None:
    """Add the cell (as a list) `m` to the cell `key` of `cells`."""
    into = cells.get(key)
    if into is None:
        cells[key] = [key[0], key[1], *m[2:10], list(m[10])]
        return
    into[2] += m[2]
    into[3] += m[3]
    into[4] += m[4]
    into[5] = min(into[5], m[5])
    into[6] = min(into[6], m[6])
    into[7] = max(into[7], m[7])
    into[8] = max(into[8], m[8])
    into[9] = None if into[9] is None or m[9] is None else min(into[9], m[9])
    into[10] = [a + b for a, b in zip(into[10], m[10], strict=True)]


def _cell(m: list[Any]) -> Cell:
    return (*m[:10], tuple(m[10]))  # type: ignore[return-value]


def _merge(cells: list[Cell]) -> list[Cell]:
    """The same establishments on the grid one zoom coarser (cells 2 x 2 merged)."""
    merged: dict[tuple[int, int], list[Any]] = {}
    for c in cells:
        _fold(merged, (c[0] >> 1, c[1] >> 1), list(c))
    for m in merged.values():
        if m[2] > 1:
            m[9] = None
    return [_cell(m) for m in merged.values()]


def _name(name: str) -> str:
    return name if len(name) <= NAME_MAX else name[: NAME_MAX - 1].rstrip() + "…"


def _lonlat(mx: float, my: float) -> tuple[float, float]:
    # Establishment pixels are truncated to integers: the pixel centre is the better estimate.
    return world_to_lonlat(mx + 0.5, my + 0.5)


def _cluster(cell: Cell) -> MapCluster:
    _cx, _cy, n, sx, sy, ax, ay, bx, by, _eid, families = cell
    lon, lat = _lonlat(sx / n, sy / n)
    west, north = _lonlat(ax, ay)
    east, south = _lonlat(bx, by)
    return MapCluster(
        n=n, lon=lon, lat=lat, bbox=(west, south, east, north), families=tuple(families)
    )


def _points_of(establishment_ids: list[int]) -> list[MapPoint]:
    rows = (
        Establishment.objects.filter(id__in=establishment_ids)
        .order_by("organisation__name", "id")
        .values_list(
            "mx", "my", "organisation_id", "organisation__name", "organisation__ess_family"
        )
    )
    return [
        MapPoint(
            *_lonlat(mx or 0, my or 0),
            organisation_id=org_id,
            name=_name(name),
            family=family_index(family),
        )
        for mx, my, org_id, name, family in rows  # placed: they were found by their position
    ]


# -- the selector ------------------------------------------------------------------------------


def map_clusters(params: SearchParams | None, bbox: BBox, zoom: int) -> MapResult:
    """Clusters of the open establishments of the organisations matching `params` (None: the
    default Atlas perimeter) in `bbox` (west, south, east, north, degrees) at `zoom` (0-20).

    Cells holding one establishment come back as points (organisation id and name); from
    EXPAND_ZOOM on, every establishment of a view holding at most MAX_FEATURES comes back as a
    point. Raises MapQueryError for an invalid bbox or zoom."""
    validate_bbox(bbox)
    validate_zoom(zoom)
    window = _pixel_window(bbox)
    shift = _cell_shift(window, zoom)
    cell_range = _window_filter(window, shift)
    # Widen the window to whole cells: counts are then the same from both sources.
    cx0, cy0, cx1, cy1 = cell_range
    snapped = (cx0 << shift, cy0 << shift, ((cx1 + 1) << shift) - 1, ((cy1 + 1) << shift) - 1)

    cells: list[Cell] | None = None
    source = "live"
    cell_zoom = _zoom_of_shift(shift)
    if getattr(settings, "ATELIER_SEARCH_ENGINE", "tantivy") == "tantivy":
        cells = index_cells(params if params is not None else _default_params(), snapped, shift)
        if cells is not None:
            source = "index"
    live: QuerySet[Establishment] | None = None
    if cells is None:
        # Without other filters the organisation check is cheap per establishment and views
        # are bounded (MAX_SCAN_CELLS); PostgreSQL plans the semi-join from its statistics.
        by_area = (
            _family_only(params) or connection.vendor == "postgresql" or _few_in_window(snapped)
        )
        live = _live_queryset(params, snapped, by_area=by_area)
        cells = _live_cells(live, shift)

    total = sum(c[2] for c in cells)
    while len(cells) > MAX_FEATURES:
        cells = _merge(cells)
        shift += 1
    result = MapResult(zoom=zoom, cell_zoom=_zoom_of_shift(shift), total=total, source=source)

    if cell_zoom >= EXPAND_ZOOM and 0 < total <= MAX_FEATURES and any(c[2] > 1 for c in cells):
        if live is None:
            live = _live_queryset(params, snapped, by_area=True)
        ids = list(live.values_list("id", flat=True))
        result.points = _points_of(ids)
        return result

    singles = [c[9] for c in cells if c[2] == 1 and c[9] is not None]
    result.clusters = [_cluster(c) for c in cells if c[2] > 1]
    result.clusters.sort(key=lambda c: (-c.n, c.lat, c.lon))
    result.points = _points_of(singles) if singles else []
    return result


def index_cells(
    params: SearchParams, window: tuple[int, int, int, int], shift: int
) -> list[Cell] | None:
    """The cells at grid `shift` of the open establishments of the organisations matching
    `params` inside `window` (world pixels, inclusive, snapped to whole cells), counted by the
    `establishments` index from its last complete generation; None when it cannot answer (no
    generation yet, unusable directory): the caller then asks the database."""
    if shift < MAP_BASE_SHIFT:
        return None
    try:
        handle = reader(ESTABLISHMENTS)
    except SearchIndexError as exc:
        logger.warning("Atlas map index unusable, clustering in the database: %s", exc)
        return None
    if handle is None:
        return None
    conditions = list(search_conditions(params).values())
    tq = text_query(params.q) if params.q else None
    if tq is not None:
        conditions.append(tq.condition())
    query = all_of(*(to_query(handle.schema, c) for c in conditions))
    world_from = WORLD_CACHE_MIN_SHIFT if conditions else UNFILTERED_WORLD_MIN_SHIFT
    if shift >= world_from and tq is None:
        return _world_cells(handle, repr(conditions), query, window, shift, params)
    return _grid_cells(handle, query, window, shift, params)


def _grid_cells(
    handle: Handle,
    query: tantivy.Query,
    window: tuple[int, int, int, int],
    shift: int,
    params: SearchParams,
) -> list[Cell]:
    """spatial.grid_cells with the count per family of each cell. One family asked for: every
    establishment is of that family, so the `terms` sub-aggregation (a third of the
    aggregation's cost on a wide view) is left out and the counts written directly."""
    one_family = len(params.famille) == 1
    grouped = {} if one_family else {"group_field": "family", "groups": FAMILY_COUNT}
    cells = spatial.grid_cells(
        handle.schema,
        handle.searcher(),
        query,
        window,
        shift,
        base_shift=MAP_BASE_SHIFT,
        id_field="establishment",
        **grouped,  # type: ignore[arg-type]
    )
    if not one_family:
        return cells
    family = family_index(params.famille[0])
    return [
        (*c[:10], tuple(c[2] if i == family else 0 for i in range(FAMILY_COUNT)))  # type: ignore[misc]
        for c in cells
    ]


# Country zooms (cells of zoom <= 6): a view holds most of the documents, and the histogram
# costs per matching document (~25 ms for 1 M at zoom 5), whatever the window. The whole
# world's cells at that grid are counted once per index generation and search filters, then
# every view keeps the cells of its window: cells are whole, so counts are the same. Not
# beyond: a region's view reads far fewer documents than the world (measured at 1 M: whole
# world passes of 45-50 ms at zooms 8-9 against 10-17 ms for the view itself).
WORLD_CACHE_MIN_SHIFT = 26 - 6
# Without any filter (the home page's and the Atlas' first map), the world's cells are counted
# once per generation up to regional zooms too: one pass of 45-50 ms, then every view of zoom
# 7-8 keeps the cells of its window (a few thousand cells for France) instead of 25-30 ms each.
UNFILTERED_WORLD_MIN_SHIFT = 26 - 8
WORLD_CACHE_ENTRIES = 32
_WORLD = 1 << 28  # world pixels at zoom 20 (directory.geo)
_world_cache: dict[tuple, list[Cell]] = {}


def _world_cells(
    handle: Handle,
    conditions_key: str,
    query: tantivy.Query,
    window: tuple[int, int, int, int],
    shift: int,
    params: SearchParams,
) -> list[Cell]:
    key = (str(handle.path), handle.generation, handle.version, conditions_key, shift)
    cells = _world_cache.get(key)
    if cells is None:
        cells = _grid_cells(handle, query, (0, 0, _WORLD - 1, _WORLD - 1), shift, params)
        while len(_world_cache) >= WORLD_CACHE_ENTRIES:
            _world_cache.pop(next(iter(_world_cache)))
        _world_cache[key] = cells
    cx0, cy0, cx1, cy1 = (v >> shift for v in window)
    return [c for c in cells if cx0 <= c[0] <= cx1 and cy0 <= c[1] <= cy1]
