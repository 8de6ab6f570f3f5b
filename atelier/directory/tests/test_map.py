"""Server-side map clustering: directory.selectors.map, from the map index or live queries."""

import random

import pytest
from django.http import QueryDict

from atelier.directory.enums import EssRule, Source, Theme
from atelier.directory.geo import lonlat_to_world, world_to_lonlat
from atelier.directory.models import Establishment, Organisation
from atelier.directory.selectors import map as map_selectors
from atelier.directory.selectors.map import (
    MAX_FEATURES,
    MapQueryError,
    map_clusters,
    parse_bbox,
)
from atelier.directory.selectors.search import SearchParams
from atelier.directory.tests.factories import (
    EstablishmentFactory,
    OrganisationFactory,
    placed_establishment,
)

pytestmark = pytest.mark.django_db

FRANCE = (-5.5, 41.0, 10.0, 51.5)
ILE_DE_FRANCE = (1.4, 48.1, 3.6, 49.3)


def _org(name="Acteur", family="association", **kw):
    kw.setdefault("ess_rule", EssRule.LEGAL_CATEGORY)
    return OrganisationFactory(name=name, ess_family=family, **kw)


def _place(org, lon, lat, *, is_open=True, head=True):
    return placed_establishment(org, lon, lat, is_open=is_open, is_head_office=head)


def _params(query=""):
    return SearchParams.from_querydict(QueryDict(query))


def _count(result):
    return sum(c.n for c in result.clusters) + len(result.points)


def test_counts_add_up_to_the_open_establishments_of_the_perimeter_in_the_bbox():
    rnd = random.Random(7)
    inside = 0
    for i in range(40):
        org = _org(f"Acteur {i}")
        is_open = i % 5 != 0
        _place(org, rnd.uniform(2.0, 2.7), rnd.uniform(48.6, 49.0), is_open=is_open)
        inside += is_open
    # Elsewhere in France: outside the bbox.
    _place(_org("Lyonnais"), 4.84, 45.76)
    _place(_org("Marseillais"), 5.37, 43.30)
    # In the bbox but outside the perimeter (not ESS, inactive).
    _place(_org("Hors ESS", ess_rule=EssRule.NONE), 2.35, 48.85)
    _place(_org("Dissoute", is_active=False), 2.36, 48.86)

    for zoom in (7, 9, 12, 15):  # (coarser grids would reach Lyon: cells are whole)
        result = map_clusters(None, ILE_DE_FRANCE, zoom)
        assert result.total == inside, zoom
        assert _count(result) == inside, zoom
    assert map_clusters(None, FRANCE, 5).total == inside + 2


def test_cells_with_one_establishment_are_points_with_the_organisation():
    coop = _org("Coopaname", family="cooperative")
    _place(coop, 2.3756, 48.8534)
    other = _org("Alter Bâtir")
    _place(other, 2.4000, 48.8700)

    result = map_clusters(None, ILE_DE_FRANCE, 16)
    assert result.clusters == []
    assert {(p.organisation_id, p.name) for p in result.points} == {
        (coop.pk, "Coopaname"),
        (other.pk, "Alter Bâtir"),
    }
    point = next(p for p in result.points if p.organisation_id == coop.pk)
    assert point.lon == pytest.approx(2.3756, abs=1e-5)
    assert point.lat == pytest.approx(48.8534, abs=1e-5)


def test_cluster_position_is_the_mean_of_its_members_and_bbox_their_extent():
    org = _org()
    positions = [(2.30, 48.80), (2.40, 48.90), (2.35, 48.84)]
    for lon, lat in positions:
        _place(org, lon, lat, head=False)

    result = map_clusters(None, FRANCE, 5)
    assert result.points == []
    [cluster] = result.clusters
    assert cluster.n == 3
    pixels = [lonlat_to_world(lon, lat) for lon, lat in positions]
    mean_lon, mean_lat = world_to_lonlat(
        sum(x for x, _ in pixels) / 3 + 0.5, sum(y for _, y in pixels) / 3 + 0.5
    )
    assert cluster.lon == pytest.approx(mean_lon, abs=1e-6)
    assert cluster.lat == pytest.approx(mean_lat, abs=1e-6)
    # Not the cell centre: a 64-px cell at zoom 5 is about 2.8 degrees wide.
    west, south, east, north = cluster.bbox
    assert west == pytest.approx(2.30, abs=1e-5) and east == pytest.approx(2.40, abs=1e-5)
    assert south == pytest.approx(48.80, abs=1e-5) and north == pytest.approx(48.90, abs=1e-5)
    body = result.as_dict()["features"][0]
    assert set(body) == {"lat", "lon", "n", "bbox", "fc"}
    assert body["fc"] == [3] and cluster.family == 0  # three associations
    assert body["bbox"] == [round(v, 5) for v in cluster.bbox]


def test_bbox_is_widened_to_whole_cells_and_nothing_beyond():
    zoom = 12
    shift = 26 - zoom
    size = 1 << shift
    x0, y0 = lonlat_to_world(2.30, 48.90)
    x0, y0 = (x0 >> shift) << shift, (y0 >> shift) << shift  # a cell corner
    org = _org()
    inside = [(x0, y0), (x0 + 2 * size - 1, y0 + 2 * size - 1), (x0 + size, y0)]
    outside = [(x0 - 1, y0), (x0, y0 - 1), (x0 + 2 * size, y0), (x0, y0 + 2 * size)]
    for mx, my in inside + outside:
        lon, lat = world_to_lonlat(mx + 0.5, my + 0.5)
        est = _place(org, lon, lat, head=False)
        Establishment.objects.filter(pk=est.pk).update(mx=mx, my=my)
    # A bbox strictly inside the 2 x 2 cells, touching each of them.
    west, north = world_to_lonlat(x0 + size - 10, y0 + size - 10)
    east, south = world_to_lonlat(x0 + size + 10, y0 + size + 10)

    result = map_clusters(None, (west, south, east, north), zoom)
    assert result.total == len(inside)
    # Exactly on the edges of a bbox: included.
    west, north = world_to_lonlat(x0 + 0.5, y0 + 0.5)
    east, south = world_to_lonlat(x0 + 2 * size - 0.5, y0 + 2 * size - 0.5)
    assert map_clusters(None, (west, south, east, north), zoom).total == len(inside)


def test_closed_establishments_and_unplaced_ones_are_left_out():
    org = _org()
    _place(org, 2.35, 48.85, is_open=False)
    EstablishmentFactory(organisation=org, is_head_office=False)  # no position
    assert map_clusters(None, FRANCE, 6).total == 0
    _place(org, 2.36, 48.86, head=False)
    result = map_clusters(None, FRANCE, 6)
    assert result.total == 1 and [p.organisation_id for p in result.points] == [org.pk]


def test_search_filters_select_the_organisations():
    culture = _org("Théâtre du Fil", theme_bits=1 << Theme.CULTURE.value)
    _place(culture, 2.35, 48.85)
    coop = _org("Coop du Coin", family="cooperative")
    _place(coop, 2.36, 48.86)
    _place(coop, 2.45, 48.80, head=False)
    _place(_org("Asso"), 2.37, 48.87)

    assert map_clusters(_params(), FRANCE, 6).total == 4
    assert map_clusters(_params("famille=cooperative"), FRANCE, 6).total == 2
    assert map_clusters(_params("famille=cooperative&famille=association"), FRANCE, 6).total == 4
    only_culture = map_clusters(_params("theme=culture"), FRANCE, 16)
    assert [p.organisation_id for p in only_culture.points] == [culture.pk]
    assert map_clusters(_params("theme=culture&famille=cooperative"), FRANCE, 6).total == 0


def test_establishments_at_one_position_are_listed_one_by_one_at_the_highest_zooms():
    for i in range(5):
        _place(_org(f"Acteur {i}"), 2.3522, 48.8566)
    bbox = (2.34, 48.85, 2.36, 48.86)
    at_17 = map_clusters(None, bbox, 17)
    assert [c.n for c in at_17.clusters] == [5] and at_17.points == []
    west, south, east, north = at_17.clusters[0].bbox
    assert west == east and south == north  # nothing to zoom into
    at_18 = map_clusters(None, bbox, 18)
    assert at_18.clusters == [] and len(at_18.points) == 5
    assert sorted(p.name for p in at_18.points) == [f"Acteur {i}" for i in range(5)]


def test_clusters_are_merged_until_the_feature_cap_holds(monkeypatch):
    monkeypatch.setattr(map_selectors, "MAX_FEATURES", 6)
    org = _org()
    for i in range(30):
        _place(org, -4 + i * 0.45, 43 + (i % 7) * 1.1, head=False)
    result = map_clusters(None, FRANCE, 8)
    assert len(result.clusters) + len(result.points) <= 6
    assert result.total == 30 and _count(result) == 30
    assert result.cell_zoom < 8 and result.cell_pixels > 64


@pytest.mark.parametrize("engine", ["tantivy", "database"])
def test_merged_clusters_span_exactly_their_members(settings, monkeypatch, engine):
    """After 2 x 2 merges (feature cap), each cluster's position and bbox are those of the
    establishments of its merged cell: the mean, and the extreme west/south/east/north."""
    settings.ATELIER_SEARCH_ENGINE = engine
    monkeypatch.setattr(map_selectors, "MAX_FEATURES", 8)
    rnd = random.Random(5)
    org = _org()
    pixels = []
    for _ in range(120):
        lon, lat = rnd.uniform(-4.0, 7.5), rnd.uniform(43.0, 50.5)
        pixels.append(lonlat_to_world(lon, lat))
        _place(org, lon, lat, head=False)
    result = map_clusters(None, FRANCE, 9)
    assert result.cell_zoom < 8  # merged more than once
    shift = 26 - result.cell_zoom
    groups: dict[tuple[int, int], list[tuple[int, int]]] = {}
    for mx, my in pixels:
        groups.setdefault((mx >> shift, my >> shift), []).append((mx, my))
    expected = []
    for members in groups.values():
        if len(members) < 2:
            continue
        xs, ys = [p[0] for p in members], [p[1] for p in members]
        lon, lat = map_selectors._lonlat(sum(xs) / len(xs), sum(ys) / len(ys))
        west, north = map_selectors._lonlat(min(xs), min(ys))
        east, south = map_selectors._lonlat(max(xs), max(ys))
        expected.append(
            {
                "n": len(members),
                "lat": round(lat, 5),
                "lon": round(lon, 5),
                "bbox": [round(v, 5) for v in (west, south, east, north)],
                "fc": [len(members)],  # _org(): associations
            }
        )
    got = [c.as_dict() for c in result.clusters]
    key = lambda c: (c["n"], c["lat"], c["lon"])  # noqa: E731
    assert sorted(got, key=key) == sorted(expected, key=key)
    assert len(got) >= 2


def test_a_huge_bbox_at_a_high_zoom_is_clustered_coarser():
    org = _org()
    for i in range(20):
        _place(org, -4 + i * 0.7, 43.5 + i * 0.3, head=False)
    result = map_clusters(None, FRANCE, 20)
    assert result.total == 20
    assert result.cell_zoom <= 10
    assert len(result.clusters) + len(result.points) <= MAX_FEATURES


def _spread(n_orgs=2000, per_org=10, *, seed=3, name_size=0):
    """n_orgs x per_org establishments over France, by bulk_create."""
    rnd = random.Random(seed)
    orgs = Organisation.objects.bulk_create(
        Organisation(
            name=(f"Organisation {i} " + "é" * name_size)[: max(name_size, 20)],
            ess_family="association" if i % 3 else "cooperative",
            ess_rule=EssRule.LEGAL_CATEGORY,
            source=Source.SYNTHETIC,
        )
        for i in range(n_orgs)
    )
    rows = []
    for org in orgs:
        for k in range(per_org):
            lon, lat = rnd.uniform(-4.5, 8.0), rnd.uniform(42.5, 51.0)
            mx, my = lonlat_to_world(lon, lat)
            rows.append(
                Establishment(
                    organisation=org,
                    longitude=lon,
                    latitude=lat,
                    mx=mx,
                    my=my,
                    is_head_office=k == 0,
                )
            )
    Establishment.objects.bulk_create(rows, batch_size=5000)
    return len(rows)


def test_answers_stay_under_60_kb_with_20000_establishments():
    total = _spread()
    all_points_bytes = total * len(b'{"lat":46.12345,"lon":2.12345,"id":123456,"name":""}')
    for zoom, bbox in [
        (5, FRANCE),
        (6, FRANCE),
        (8, FRANCE),
        (10, (1.5, 48.0, 3.5, 49.5)),
        (13, (2.2, 48.8, 2.5, 48.9)),
        (20, FRANCE),
    ]:
        result = map_clusters(None, bbox, zoom)
        body = result.to_json()
        assert len(body) <= 60_000, (zoom, len(body))
        assert len(result.clusters) + len(result.points) <= MAX_FEATURES
        assert _count(result) == result.total
        if bbox == FRANCE:
            assert result.total == total
        if zoom <= 6:  # a whole-country view: at least 100 x smaller than every point
            assert len(body) * 100 <= all_points_bytes


def test_long_names_keep_point_answers_under_60_kb():
    orgs = Organisation.objects.bulk_create(
        Organisation(
            name=(f"{i} " + "Société coopérative d'intérêt collectif " * 8)[:255],
            ess_family="cooperative",
            ess_rule=EssRule.LEGAL_CATEGORY,
            source=Source.SYNTHETIC,
        )
        for i in range(MAX_FEATURES)
    )
    mx, my = lonlat_to_world(2.3522, 48.8566)
    Establishment.objects.bulk_create(
        Establishment(organisation=o, mx=mx + i % 20, my=my + i // 20, latitude=48.8566)
        for i, o in enumerate(orgs)
    )
    result = map_clusters(None, (2.35, 48.855, 2.355, 48.858), 18)
    assert len(result.points) == MAX_FEATURES
    assert all(len(p.name) <= map_selectors.NAME_MAX for p in result.points)
    assert result.points[0].name.endswith("…")
    assert len(result.to_json()) <= 60_000


def test_the_index_gives_the_same_unfiltered_clusters_as_live_queries(settings):
    _spread(n_orgs=300, per_org=4)
    _place(_org("Fermée"), 2.35, 48.85, is_open=False)
    _place(_org("Hors ESS", ess_rule=EssRule.NONE), 2.36, 48.86)
    cases = [
        (None, FRANCE, 3),
        (None, FRANCE, 6),
        (None, (1.5, 48.0, 3.5, 49.5), 9),
        (None, (-2.0, 44.0, 4.0, 48.0), 11),
        (None, (2.0, 46.0, 3.0, 47.0), 14),
        (None, (2.3, 48.8, 2.4, 48.9), 15),
        (_params("famille=cooperative"), FRANCE, 7),
        (_params("famille=association&famille=mutual"), (0.0, 45.0, 5.0, 49.0), 10),
    ]
    settings.ATELIER_SEARCH_ENGINE = "database"
    live = [map_clusters(p, b, z) for p, b, z in cases]
    assert {r.source for r in live} == {"live"}
    settings.ATELIER_SEARCH_ENGINE = "tantivy"
    from_index = [map_clusters(p, b, z) for p, b, z in cases]
    assert {r.source for r in from_index} == {"index"}
    for a, b in zip(live, from_index, strict=True):
        assert a.as_dict() == b.as_dict()


def test_a_bulk_write_queues_the_sync_of_the_map(settings, django_capture_on_commit_callbacks):
    from atelier.directory.services.bulk import readers_after_bulk_write

    org = _org()
    _place(org, 2.35, 48.85)
    assert map_clusters(None, FRANCE, 6).total == 1  # builds the map index
    # A bulk write: rows changed by raw SQL (no ORM signal), then the readers are told.
    Establishment.objects.filter(organisation=org).update(is_open=False)
    with django_capture_on_commit_callbacks(execute=False) as queued:
        readers_after_bulk_write()
    assert queued  # the sync task, once the write is committed
    for callback in queued:  # the commit: the task runs (immediately in the test settings)
        callback()
    assert map_clusters(None, FRANCE, 6).total == 0


@pytest.mark.parametrize(
    "text",
    ["", "1,2,3", "1,2,3,4,5", "a,b,c,d", "3,40,2,45", "2,45,3,44", "-190,40,2,45", "1,-95,2,4"],
)
def test_invalid_bboxes_are_refused_with_a_sentence(text):
    with pytest.raises(MapQueryError) as excinfo:
        parse_bbox(text)
    message = str(excinfo.value)
    assert message.endswith(".") and "\n" not in message


def test_bbox_and_zoom_are_validated_by_the_selector():
    assert parse_bbox("-5.5,41,10,51.5") == FRANCE
    with pytest.raises(MapQueryError):
        map_clusters(None, (3.0, 45.0, 2.0, 46.0), 6)
    with pytest.raises(MapQueryError):
        map_clusters(None, FRANCE, 21)
    with pytest.raises(MapQueryError):
        map_clusters(None, FRANCE, -1)
    with pytest.raises(MapQueryError):
        map_clusters(None, (float("nan"), 41.0, 10.0, 51.5), 6)


def test_the_number_of_queries_is_bounded(settings, django_assert_max_num_queries):
    _spread(n_orgs=200, per_org=3)
    map_clusters(_params("theme=culture"), FRANCE, 8)  # builds the map index
    with django_assert_max_num_queries(2):  # index: data version, points
        assert map_clusters(_params("theme=culture"), FRANCE, 8).source == "index"
    settings.ATELIER_SEARCH_ENGINE = "database"
    with django_assert_max_num_queries(3):  # live: clusters, points (+ a window count)
        map_clusters(_params("theme=culture"), FRANCE, 8)
