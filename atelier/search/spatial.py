"""Grid cells of points counted by an index: Morton (Z-order) codes, square tiles as terms, and
one histogram aggregation that returns the non-empty cells of a window at any grid size.

Points are integer coordinates (x, y) on a square grid (for a map: Web-Mercator world pixels at
zoom 20). A document stores `cell`, the Morton code of (x >> base_shift, y >> base_shift), as a
fast field, x and y as fast fields, and `tile`, one term per tile level. A cell at grid shift s
(cx = x >> s, cy = y >> s, s >= base_shift) is exactly a range of `cell` values, so a histogram
of interval 4 ** (s - base_shift) gives one bucket per non-empty cell, and `stats`
sub-aggregations give its count, sums, minima and maxima (values below 2 ** 53 stay exact in the
aggregations' doubles). An index sorted by `cell` keeps a cell's documents contiguous."""

from __future__ import annotations

import tantivy

from .conditions import all_of

# A histogram returns at most 65,000 buckets (tantivy's limit): it is bounded to the window's
# Morton span only when that holds fewer cells (else tiles, or range queries on x and y).
MAX_SPAN_CELLS = 60_000
# Square tiles indexed as terms, one per level: a window is selected by the few tiles of one
# level covering it (at most MAX_TILES_PER_AXIS a side): posting lists of about the window's
# documents, where a range query on a fast field reads the whole column. Unless they hold more
# than TILE_SHARE of the documents: then no selection is cheaper.
TILE_SHIFTS = (8, 10, 12, 14, 16, 18, 20, 22)
MAX_TILES_PER_AXIS = 3
TILE_SHARE = 0.5

# One cell: cx, cy, n, sum_x, sum_y, min_x, min_y, max_x, max_y, smallest id (when n == 1), and
# the count of each group (documents whose `group_field` is 0, 1, … groups - 1; empty without).
Cell = tuple[int, int, int, int, int, int, int, int, int, int | None, tuple[int, ...]]
Window = tuple[int, int, int, int]  # x0, y0, x1, y1, inclusive


def _spread(v: int) -> int:
    """The bits of a 32-bit integer moved to the even positions of a 64-bit one."""
    v &= 0xFFFFFFFF
    v = (v | (v << 16)) & 0x0000FFFF0000FFFF
    v = (v | (v << 8)) & 0x00FF00FF00FF00FF
    v = (v | (v << 4)) & 0x0F0F0F0F0F0F0F0F
    v = (v | (v << 2)) & 0x3333333333333333
    return (v | (v << 1)) & 0x5555555555555555


def _compact(v: int) -> int:
    """The inverse of _spread: the even bits of `v`, packed."""
    v &= 0x5555555555555555
    v = (v | (v >> 1)) & 0x3333333333333333
    v = (v | (v >> 2)) & 0x0F0F0F0F0F0F0F0F
    v = (v | (v >> 4)) & 0x00FF00FF00FF00FF
    v = (v | (v >> 8)) & 0x0000FFFF0000FFFF
    return (v | (v >> 16)) & 0xFFFFFFFF


def morton(x: int, y: int) -> int:
    """Z-order code of (x, y): x on the even bits, y on the odd ones."""
    return _spread(x) | (_spread(y) << 1)


def morton_cell(code: int) -> tuple[int, int]:
    return _compact(code), _compact(code >> 1)


def tile(tile_shift: int, tx: int, ty: int) -> int:
    """The term of tile (tx, ty) of the grid at `tile_shift`: the shift in the high bits."""
    return (tile_shift << 56) | morton(tx, ty)


def tiles_of(x: int, y: int) -> list[int]:
    """The terms of the tiles holding point (x, y), one per level of TILE_SHIFTS: the Z-order
    code of (x >> s, y >> s) is that of (x, y) shifted by 2 s, so it is computed once."""
    return _tiles(morton(x, y))


def _tiles(code: int) -> list[int]:
    return [(s << 56) | (code >> (2 * s)) for s in TILE_SHIFTS]


def point_fields(doc: tantivy.Document, x: int, y: int, base_shift: int) -> None:
    """Add the fields of point (x, y) to `doc`: x, y, cell and one tile per level."""
    code = morton(x, y)
    doc.add_unsigned("x", x)
    doc.add_unsigned("y", y)
    doc.add_unsigned("cell", code >> (2 * base_shift))
    for term in _tiles(code):
        doc.add_unsigned("tile", term)


def add_point_schema(sb: tantivy.SchemaBuilder) -> None:
    """The fields `point_fields` writes."""
    sb.add_unsigned_field("x", fast=True)
    sb.add_unsigned_field("y", fast=True)
    sb.add_unsigned_field("cell", fast=True)
    sb.add_unsigned_field("tile", indexed=True)


def covering_tiles(window: Window) -> tuple[int, list[int]] | None:
    """The finest tile level covering `window` with at most MAX_TILES_PER_AXIS tiles a side,
    and the terms of those tiles; None when the window is too large for the coarsest level."""
    x0, y0, x1, y1 = window
    for t in TILE_SHIFTS:
        tx0, ty0, tx1, ty1 = x0 >> t, y0 >> t, x1 >> t, y1 >> t
        if tx1 - tx0 < MAX_TILES_PER_AXIS and ty1 - ty0 < MAX_TILES_PER_AXIS:
            return t, [tile(t, x, y) for x in range(tx0, tx1 + 1) for y in range(ty0, ty1 + 1)]
    return None


def _range(schema: tantivy.Schema, field: str, low: int, high: int) -> tantivy.Query:
    return tantivy.Query.range_query(schema, field, tantivy.FieldType.Unsigned, low, high)


def _area(
    searcher: tantivy.Searcher,
    schema: tantivy.Schema,
    window: Window,
    shift: int,
    base_shift: int,
) -> tuple[list[tantivy.Query], tuple[int, int] | None]:
    """How to keep the documents of `window`: query clauses, and bounds of `cell` for the
    histogram (cells outside the window that these let through are dropped by the caller).

    - The tiles covering the window, when they hold a minority of the documents.
    - Otherwise the window holds most documents anyway: no clause, the histogram bounded to
      the window's Morton span (the codes of its corners).
    - Range queries on x and y when neither bounds the histogram below its bucket limit."""
    cx0, cy0, cx1, cy1 = (v >> shift for v in window)
    k = 2 * (shift - base_shift)  # a cell is 4 ** (shift - base_shift) consecutive codes
    first, last = morton(cx0, cy0), morton(cx1, cy1)
    bounds = (first << k, ((last + 1) << k) - 1) if last - first < MAX_SPAN_CELLS else None
    cover = covering_tiles(window)
    if cover is not None:
        tile_shift, tiles = cover
        held = sum(searcher.doc_freq("tile", t) for t in tiles)
        cells = len(tiles) << 2 * max(0, tile_shift - shift)
        if held <= TILE_SHARE * searcher.num_docs and (bounds or cells < MAX_SPAN_CELLS):
            return [tantivy.Query.term_set_query(schema, "tile", tiles)], bounds
    if bounds:
        return [], bounds
    x0, y0, x1, y1 = window
    return [_range(schema, "x", x0, x1), _range(schema, "y", y0, y1)], None


def grid_cells(
    schema: tantivy.Schema,
    searcher: tantivy.Searcher,
    query: tantivy.Query | None,
    window: Window,
    shift: int,
    *,
    base_shift: int,
    id_field: str,
    group_field: str | None = None,
    groups: int = 0,
) -> list[Cell]:
    """The non-empty cells at grid `shift` of the documents matching `query` inside `window`
    (snapped to whole cells), with the smallest `id_field` of single-document cells and, with
    `group_field` (a fast integer field of values 0 … groups - 1), each cell's count per value.
    One aggregation: a histogram of `cell` whose buckets are the grid cells."""
    area, bounds = _area(searcher, schema, window, shift, base_shift)
    cx0, cy0, cx1, cy1 = (v >> shift for v in window)
    k = 2 * (shift - base_shift)
    histogram: dict = {"field": "cell", "interval": float(1 << k), "min_doc_count": 1}
    if bounds:
        histogram["hard_bounds"] = {"min": float(bounds[0]), "max": float(bounds[1])}
    aggs = {
        "cells": {
            "histogram": histogram,
            "aggs": {
                "x": {"stats": {"field": "x"}},
                "y": {"stats": {"field": "y"}},
                "e": {"min": {"field": id_field}},
            },
        }
    }
    if group_field is not None:
        aggs["cells"]["aggs"]["g"] = {"terms": {"field": group_field, "size": groups}}
    result = searcher.aggregate(all_of(query, *area), aggs)
    cells: list[Cell] = []
    for bucket in result.get("cells", {}).get("buckets", []):
        n = int(bucket["doc_count"])
        cx, cy = morton_cell(int(bucket["key"]) >> k)
        if not n or not (cx0 <= cx <= cx1 and cy0 <= cy <= cy1):
            continue
        x, y = bucket["x"], bucket["y"]
        counts = [0] * groups
        for term in bucket.get("g", {}).get("buckets", []) if group_field is not None else ():
            value = int(term["key"])
            if 0 <= value < groups:
                counts[value] = int(term["doc_count"])
        cells.append(
            (
                cx,
                cy,
                n,
                int(x["sum"]),
                int(y["sum"]),
                int(x["min"]),
                int(y["min"]),
                int(x["max"]),
                int(y["max"]),
                int(bucket["e"]["value"]) if n == 1 else None,
                tuple(counts),
            )
        )
    return cells
