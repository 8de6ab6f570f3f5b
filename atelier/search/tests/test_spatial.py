"""The tile terms of a point, computed from one Z-order code, equal the definition level by
level (the tile of (x >> s, y >> s) at every shift s)."""

import random

import tantivy

from atelier.search import spatial
from atelier.search.spatial import TILE_SHIFTS, morton, morton_cell, tile, tiles_of

WORLD = 1 << 28  # world pixels at zoom 20


def _points(count: int) -> list[tuple[int, int]]:
    rng = random.Random(20261204)
    corners = [(0, 0), (WORLD - 1, WORLD - 1), (0, WORLD - 1), (WORLD - 1, 0)]
    return corners + [(rng.randrange(WORLD), rng.randrange(WORLD)) for _ in range(count)]


def test_tiles_of_equals_the_tile_of_each_level():
    for x, y in _points(5_000):
        assert tiles_of(x, y) == [tile(s, x >> s, y >> s) for s in TILE_SHIFTS]


def test_point_fields_cell_and_tiles():
    sb = tantivy.SchemaBuilder()
    spatial.add_point_schema(sb)
    for x, y in _points(200):
        doc = tantivy.Document()
        spatial.point_fields(doc, x, y, 6)
        fields = doc.to_dict()
        assert fields["cell"] == [morton(x >> 6, y >> 6)]
        assert morton_cell(fields["cell"][0]) == (x >> 6, y >> 6)
        assert sorted(fields["tile"]) == sorted(tiles_of(x, y))
        assert (fields["x"], fields["y"]) == ([x], [y])
