"""A search around a place answered by the indexes (selectors/around_index.py): the tile cover of
a disk is exact (inside tiles wholly within it, every point of it in a tile kept), and the
organisations, their order and their distances are those the database path gives."""

import math
import random

import pytest

from atelier.directory.geo import lonlat_to_world, world_to_lonlat
from atelier.directory.selectors import around_index
from atelier.directory.selectors.around import Center, haversine_km
from atelier.directory.tests.places_fixtures import (
    make_places_reference,
    placed_org,
    search_with,
)
from atelier.search.spatial import TILE_SHIFTS, tiles_of

MONTREUIL = Center(48.86415, 2.44322, "Montreuil (93)", "93048")


def _in_tiles(terms: set[int], x: int, y: int) -> bool:
    return any(t in terms for t in tiles_of(x, y))


@pytest.mark.parametrize("radius", [2, 5, 30])
def test_disk_cover_is_exact(radius):
    cover = around_index.disk_cover(MONTREUIL, radius)
    assert cover.inside and cover.edge
    assert {t >> 56 for t in cover.inside + cover.edge} <= set(TILE_SHIFTS)
    inside_terms, edge_terms = set(cover.inside), set(cover.edge)
    rng = random.Random(radius)
    dlat = math.degrees(radius * 1.3 / 6371.0088)
    dlon = dlat / math.cos(math.radians(MONTREUIL.latitude))
    inside_seen = edge_seen = 0
    for _ in range(20_000):
        lat = MONTREUIL.latitude + rng.uniform(-dlat, dlat)
        lon = MONTREUIL.longitude + rng.uniform(-dlon, dlon)
        x, y = lonlat_to_world(lon, lat)
        px_lon, px_lat = world_to_lonlat(x + 0.5, y + 0.5)
        km = haversine_km(MONTREUIL.latitude, MONTREUIL.longitude, px_lat, px_lon)
        inside, edge = _in_tiles(inside_terms, x, y), _in_tiles(edge_terms, x, y)
        assert not (inside and edge), "a point in two kinds of tile"
        if inside:
            inside_seen += 1
            assert km <= radius, "an inside tile holds a point beyond the radius"
        if km <= radius:
            assert inside or edge, "a point within the radius in no tile"
        edge_seen += edge
    # The edge is a thin ring: most points of the disk are in inside tiles.
    assert inside_seen > 5 * edge_seen


def test_no_cover_tile_is_far_too_small_or_large():
    cover = around_index.disk_cover(MONTREUIL, 10)
    shifts = sorted({t >> 56 for t in cover.edge})
    assert len(shifts) == 1  # the edge is at one level
    side_km = (1 << shifts[0]) * around_index._km_per_pixel(MONTREUIL.latitude)
    assert 10 / (4 * around_index.EDGE_RATIO) < side_km <= 10 / around_index.EDGE_RATIO


@pytest.fixture
def crowd(db):
    """120 organisations scattered up to 14 km around Montreuil, some with two establishments,
    some with a closed one at Montreuil's centre, some inactive."""
    ref = make_places_reference()
    rng = random.Random(7)
    orgs = []
    for i in range(120):
        points = []
        for _ in range(1 + (i % 4 == 0)):
            km, bearing = rng.uniform(0, 14), rng.uniform(0, 2 * math.pi)
            lat = MONTREUIL.latitude + math.degrees(km * math.cos(bearing) / 6371.0088)
            lon = MONTREUIL.longitude + math.degrees(km * math.sin(bearing) / 6371.0088) / math.cos(
                math.radians(MONTREUIL.latitude)
            )
            points.append((lat, lon))
        closed = [(MONTREUIL.latitude, MONTREUIL.longitude)] if i % 7 == 0 else []
        orgs.append(
            placed_org(
                f"Association {i:03d}" + (" insertion" if i % 3 == 0 else ""),
                ref["93048"],
                *points,
                closed=closed,
                is_active=i % 11 != 0,
            )
        )
    return orgs


@pytest.mark.django_db
@pytest.mark.parametrize(
    "query",
    [
        {"autour": "93048", "rayon": "2"},
        {"autour": "93048", "rayon": "5"},
        {"autour": "93048", "rayon": "10", "page": "3"},
        {"autour": "93048", "rayon": "10", "q": "insertion"},
        {"lat": "48.87", "lon": "2.40", "rayon": "3"},
    ],
)
def test_index_and_database_agree(crowd, settings, query):
    by_index = search_with(settings, "tantivy", 10, **query)
    by_database = search_with(settings, "database", 10, **query)
    assert by_index.total == by_database.total > 0
    assert [r.id for r in by_index.results] == [r.id for r in by_database.results]
    for a, b in zip(by_index.results, by_database.results, strict=True):
        assert a.distance_km == pytest.approx(b.distance_km, abs=1e-6)
    distances = [r.distance_km for r in by_index.results]
    assert distances == sorted(distances)
    radius = int(query["rayon"])
    assert all(d <= radius for d in distances)


@pytest.mark.django_db
def test_every_page_in_order_and_none_twice(crowd, settings):
    seen = []
    page = 1
    while True:
        result = search_with(settings, "tantivy", 10, autour="93048", rayon="8", page=str(page))
        seen.extend((r.distance_km, r.id) for r in result.results)
        if page >= result.num_pages:
            break
        page += 1
    assert len(seen) == result.total == len({i for _d, i in seen})
    assert seen == sorted(seen)


def _around_ids(settings, engine, rayon="3"):
    result = search_with(settings, engine, 10, autour="93048", rayon=rayon)
    return result.total, [r.id for r in result.results]


@pytest.mark.django_db
def test_moved_closed_and_deleted_establishments_reach_the_index(crowd, settings):
    from atelier.directory.geo import lonlat_to_world
    from atelier.directory.models import Establishment

    before = _around_ids(settings, "tantivy")
    assert before == _around_ids(settings, "database")
    near_ids = before[1]
    # The nearest organisation's establishments move to Lyon: it leaves the radius.
    mx, my = lonlat_to_world(4.85, 45.75)
    for est in Establishment.objects.filter(organisation_id=near_ids[0]):
        est.latitude, est.longitude, est.mx, est.my = 45.75, 4.85, mx, my
        est.save()
    # The second one's establishments close; the third one's are deleted.
    for est in Establishment.objects.filter(organisation_id=near_ids[1]):
        est.is_open = False
        est.save()
    Establishment.objects.filter(organisation_id=near_ids[2]).delete()
    # One far away moves to Montreuil's centre: it comes first.
    far = next(o for o in crowd if o.is_active and o.id not in near_ids)
    mx, my = lonlat_to_world(MONTREUIL.longitude, MONTREUIL.latitude)
    est = Establishment.objects.filter(organisation=far).first()
    est.latitude, est.longitude, est.mx, est.my = MONTREUIL.latitude, MONTREUIL.longitude, mx, my
    est.save()

    after = _around_ids(settings, "tantivy")
    db_after = _around_ids(settings, "database")
    assert after == db_after
    assert not set(near_ids[:3]) & set(after[1])
    assert after[1][0] == far.id
