"""The map index (`establishments`, directory/indexes.py): the same clusters as the live SQL
grouping for every kind of filter and window; kept in sync by requests, the task and the command;
a request never waits for a writer (it answers from the last complete generation). Runs on
SQLite and PostgreSQL."""

import fcntl
import io
import random
from dataclasses import replace

import pytest
from django.core.management import call_command
from django.db import connection
from django.http import QueryDict

from atelier import search as index_layer
from atelier.directory.enums import EssRule
from atelier.directory.indexes import ESTABLISHMENTS, MAP_BASE_SHIFT
from atelier.directory.models import Establishment, Organisation
from atelier.directory.selectors import map as map_selectors
from atelier.directory.selectors.map import map_clusters
from atelier.directory.selectors.search import SearchParams
from atelier.directory.services.organisations import organisation_refresh_derived
from atelier.directory.tests.factories import (
    EstablishmentFactory,
    placed_establishment,
    random_organisation,
)
from atelier.search import engine, spatial, storage
from atelier.territories.models import LegalCategory
from atelier.territories.tests.factories import make_small_reference

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_sync_overlap(monkeypatch):
    """Syncs read again the rows stamped within SYNC_OVERLAP of their watermark (a transaction
    that committed late); every row of a test is that recent, so the tests that count what a
    sync replaces set it to zero."""
    from datetime import timedelta

    from atelier.directory import indexes

    monkeypatch.setattr(indexes, "SYNC_OVERLAP", timedelta(0))


FRANCE = (-5.5, 41.0, 10.0, 51.5)
WORDS = ["coopérative", "solidaire", "insertion", "quartier", "recyclerie", "jardin", "santé"]
COMMUNES = ["arr10", "arr20", "saint_denis", "lyon", "paris"]
# Places where establishments gather (dense cells, several per pixel) and France at large.
HUBS = [(2.3522, 48.8566), (2.3700, 48.8700), (4.8357, 45.7640), (2.3540, 48.9362)]

QUERIES = [
    "",
    "famille=cooperative",
    "q=cooperative",
    "q=solidaires",
    "q=recycl",
    "q=insertion&famille=association",
    "forme=9220",
    "forme=9220&forme=5458",
    "naf=Q",
    "naf=Q&naf=S&famille=cooperative",
    "theme=insertion",
    "theme=insertion&theme=culture&agrement=esus",
    "agrement=siae_aci&agrement=scop",
    "effectif=NN&effectif=01",
    "territoire=region:11",
    "territoire=departement:93&famille=association",
    "territoire=commune:75056",
    "territoire=ept:200057867",
    "territoire=region:11&territoire=departement:93",
    "q=jardin&effectif=01&territoire=departement:75",
]
VIEWS = [
    (FRANCE, 3),
    (FRANCE, 6),
    ((1.4, 48.1, 3.6, 49.3), 9),
    ((2.25, 48.82, 2.42, 48.95), 12),
    ((2.34, 48.85, 2.36, 48.86), 15),
    ((4.80, 45.74, 4.87, 45.78), 17),
    ((-0.5, 44.0, 0.5, 46.0), 8),  # across the Greenwich meridian (a long Morton span)
    ((0.0, 46.0, 6.0, 49.5), 7),  # unfiltered: from the world's cells (UNFILTERED_WORLD_MIN_SHIFT)
    ((2.3515, 48.856, 2.353, 48.8572), 19),
]


def _place(org, lon, lat, *, is_open=True, head=False, commune=None):
    return placed_establishment(
        org, lon, lat, is_open=is_open, is_head_office=head, commune=commune
    )


def _org(ref, rng: random.Random, n: int) -> Organisation:
    words = rng.sample(WORDS, 3)
    org = random_organisation(
        rng,
        name=f"{words[0].capitalize()} {words[1]} {n}",
        description=f"Une structure de {words[2]}.",
    )
    commune = ref[rng.choice(COMMUNES)]
    for k in range(rng.choice([1, 1, 2, 3, 6])):
        if rng.random() < 0.6:
            lon, lat = rng.choice(HUBS)
            if rng.random() < 0.7:  # else exactly on the hub: several establishments per pixel
                lon, lat = lon + rng.uniform(-0.05, 0.05), lat + rng.uniform(-0.03, 0.03)
        else:
            lon, lat = rng.uniform(-4.5, 8.0), rng.uniform(42.5, 51.0)
        _place(org, lon, lat, is_open=k == 0 or rng.random() > 0.2, head=k == 0, commune=commune)
    if rng.random() < 0.2:
        EstablishmentFactory(organisation=org, is_head_office=False)  # not placed
    return organisation_refresh_derived(organisation=org)


@pytest.fixture
def atlas():
    ref = make_small_reference()
    rng = random.Random(11)
    orgs = [_org(ref, rng, n) for n in range(120)]
    if connection.vendor == "postgresql":
        # Statistics of these rows: the live text query (the reference) is planned for them,
        # not for empty tables (a nested loop evaluating to_tsvector per pair of rows).
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE directory_organisation, directory_establishment")
    return orgs


def _params(query: str = "") -> SearchParams:
    return SearchParams.from_querydict(QueryDict(query))


def _both(settings, params, bbox, zoom):
    settings.ATELIER_SEARCH_ENGINE = "database"
    live = map_clusters(params, bbox, zoom)
    settings.ATELIER_SEARCH_ENGINE = "tantivy"
    return live, map_clusters(params, bbox, zoom)


@pytest.mark.parametrize("query", QUERIES)
def test_the_index_gives_the_clusters_of_the_live_query(atlas, settings, query):
    params = _params(query)
    totals = []
    for bbox, zoom in VIEWS:
        live, indexed = _both(settings, params, bbox, zoom)
        assert live.source == "live" and indexed.source == "index"
        assert indexed.as_dict() == live.as_dict(), (bbox, zoom)
        totals.append(indexed.total)
    assert max(totals) > 0  # the comparison is not between two empty maps


def test_a_text_found_nowhere_gives_an_empty_map(atlas, settings):
    params = _params("q=inexistant")
    for bbox, zoom in VIEWS:
        live, indexed = _both(settings, params, bbox, zoom)
        assert indexed.source == "index" and indexed.total == 0
        assert indexed.as_dict() == live.as_dict()


@pytest.mark.parametrize(
    ("tile_share", "max_span"),
    [(1.0, 60_000), (0.0, 60_000), (0.0, 0)],
    ids=["tiles", "morton-span", "mx-my-ranges"],
)
def test_every_way_of_selecting_the_window_gives_the_live_cells(
    atlas, monkeypatch, tile_share, max_span
):
    monkeypatch.setattr(spatial, "TILE_SHARE", tile_share)
    monkeypatch.setattr(spatial, "MAX_SPAN_CELLS", max_span)
    for query in ("", "theme=insertion", "q=solidaire&famille=association"):
        params = _params(query)
        for bbox, zoom in VIEWS:
            window = map_selectors._pixel_window(bbox)
            shift = map_selectors._cell_shift(window, zoom)
            cx0, cy0, cx1, cy1 = map_selectors._window_filter(window, shift)
            snapped = (
                cx0 << shift,
                cy0 << shift,
                ((cx1 + 1) << shift) - 1,
                ((cy1 + 1) << shift) - 1,
            )
            live = map_selectors._live_cells(
                map_selectors._live_queryset(params, snapped, by_area=True), shift
            )
            indexed = map_selectors.index_cells(params, snapped, shift)
            assert indexed is not None
            # The live query gives the smallest id of every cell; the index only of singles.
            expected = sorted(c[:9] + ((c[9],) if c[2] == 1 else (None,)) + c[10:] for c in live)
            assert sorted(indexed) == expected, (query, bbox, zoom)


def test_morton_cells_are_the_map_cells_at_every_shift():
    rng = random.Random(5)
    for _ in range(2000):
        mx, my = rng.randrange(1 << 28), rng.randrange(1 << 28)
        code = spatial.morton(mx >> MAP_BASE_SHIFT, my >> MAP_BASE_SHIFT)
        for shift in range(MAP_BASE_SHIFT, 29):
            k = 2 * (shift - MAP_BASE_SHIFT)
            assert spatial.morton_cell(code >> k) == (mx >> shift, my >> shift)
    assert spatial.morton((1 << 22) - 1, (1 << 22) - 1) < 2**53  # exact in a double


def test_each_index_has_its_own_directory(settings, tmp_path):
    settings.ATELIER_SEARCH_INDEX_DIR = str(tmp_path / "index")
    assert storage.index_path(ESTABLISHMENTS.name) == tmp_path / "index" / "establishments"
    assert storage.index_path("organisations") == tmp_path / "index" / "organisations"


def _first_inside(atlas, *, placed: int = 1) -> Organisation:
    return next(
        o
        for o in atlas
        if o.is_active
        and o.ess_rule != EssRule.NONE
        and o.establishments.filter(is_open=True, mx__isnull=False).count() >= placed
    )


def _check(settings, params=None, bbox=FRANCE, zoom=6):
    """The index's answer, after checking it is the live one."""
    live, indexed = _both(settings, params, bbox, zoom)
    assert indexed.source == "index"
    assert indexed.as_dict() == live.as_dict()
    return indexed


def test_requests_catch_up_with_the_services_writes(atlas, settings):
    org = _first_inside(atlas)
    family = org.ess_family
    before = _check(settings, _params(f"famille={family}")).total
    n_open = org.establishments.filter(is_open=True, mx__isnull=False).count()

    # The organisation changes family (another legal form).
    org.legal_category = LegalCategory.objects.get(code="8210" if family != "mutual" else "9220")
    organisation_refresh_derived(organisation=org)
    assert org.ess_family != family
    assert _check(settings, _params(f"famille={family}")).total == before - n_open

    # One of its establishments closes, as the admin does it (then the organisation is saved).
    params = _params(f"famille={org.ess_family}")
    open_before = _check(settings, params).total
    est = org.establishments.filter(is_open=True, mx__isnull=False).first()
    est.is_open = False
    est.save()
    organisation_refresh_derived(organisation=org)
    assert _check(settings, params).total == open_before - 1

    # A new establishment, far from the others.
    new = _place(org, -1.5536, 47.2184)  # Nantes
    organisation_refresh_derived(organisation=org)
    nantes = _check(settings, _params(f"famille={org.ess_family}"), (-1.7, 47.1, -1.4, 47.3), 16)
    assert [(p.organisation_id, p.name) for p in nantes.points] == [(org.pk, org.name)]
    assert Establishment.objects.filter(pk=new.pk).exists()
    assert index_layer.status(ESTABLISHMENTS)["up_to_date"]


def test_establishment_only_changes_are_synced_by_the_task(atlas, settings):
    from atelier.search.tasks import index_sync_task

    _check(settings)  # builds the index
    org = _first_inside(atlas)
    est = org.establishments.filter(is_open=True, mx__isnull=False).first()
    # A change of an establishment alone moves the data version (atelier.search.versions).
    est.is_open = False
    est.save()
    assert not index_layer.status(ESTABLISHMENTS)["up_to_date"]
    index_sync_task.enqueue()  # the test settings run tasks immediately
    assert index_layer.status(ESTABLISHMENTS)["up_to_date"]
    _check(settings)


def test_sync_replaces_the_changed_rows_only(atlas, settings):
    index_layer.rebuild(ESTABLISHMENTS)
    inside = [o for o in atlas if o.is_active and o.ess_rule != EssRule.NONE]
    inside[0].description = "Atelier zygomatique."
    organisation_refresh_derived(organisation=inside[0])
    _place(inside[1], 5.3698, 43.2965)  # Marseille; its organisation is not saved
    report = index_layer.sync(ESTABLISHMENTS)
    assert report["action"] == "sync"
    # One organisation (with all its establishments) and one establishment, plus what the
    # overlap re-reads (rows stamped within SYNC_OVERLAP of the last sync): few rows.
    assert 2 <= report["replaced"] < len(atlas)
    assert index_layer.sync(ESTABLISHMENTS)["action"] == "none"
    _check(settings, _params("q=zygomatique"))
    marseille = _check(settings, None, (5.3, 43.25, 5.45, 43.35), 14)
    assert [p.organisation_id for p in marseille.points] == [inside[1].pk]


def test_deletions_are_synced(atlas, settings):
    _check(settings)
    inside = [o for o in atlas if o.is_active and o.ess_rule != EssRule.NONE]
    # An establishment deleted (its organisation saved after), an organisation deleted.
    org = _first_inside(atlas, placed=2)
    org.establishments.filter(is_open=True, mx__isnull=False).first().delete()
    organisation_refresh_derived(organisation=org)
    inside[-1].delete()
    report = index_layer.sync(ESTABLISHMENTS)
    assert report["action"] in ("sync", "rebuild")
    status = index_layer.status(ESTABLISHMENTS)
    assert status["up_to_date"] and status["documents"] == status["expected"]
    _check(settings)


def _as_large(monkeypatch, **limits):
    """The map selector's index as if it were large (what a request may do inline)."""
    monkeypatch.setattr(map_selectors, "ESTABLISHMENTS", replace(ESTABLISHMENTS, **limits))


def test_a_large_index_catches_up_with_a_few_changes_within_the_request(
    atlas, settings, monkeypatch
):
    _check(settings)
    _as_large(monkeypatch, inline_documents=0)

    def no_rebuild(*args, **kwargs):
        raise AssertionError("a request must not rebuild a large index")

    monkeypatch.setattr(engine, "_rebuild", no_rebuild)
    org = _first_inside(atlas)
    org.legal_category = LegalCategory.objects.get(code="8210")
    organisation_refresh_derived(organisation=org)
    _place(_first_inside(atlas[::-1]), 5.3698, 43.2965)  # a new establishment
    _check(settings)
    monkeypatch.undo()
    assert index_layer.sync(ESTABLISHMENTS)["action"] == "none"


def test_a_request_far_behind_answers_from_the_last_generation(atlas, settings, monkeypatch):
    before = _check(settings)
    # As if the index were large and much had changed.
    _as_large(monkeypatch, inline_documents=0, inline_rows=0)
    queued = []
    monkeypatch.setattr(engine, "queue_sync", lambda *names: queued.append(names))
    org = _first_inside(atlas)
    org.description = "Atelier zygomatique."
    organisation_refresh_derived(organisation=org)
    for _ in range(2):
        settings.ATELIER_SEARCH_ENGINE = "tantivy"
        answer = map_clusters(_params("q=zygomatique"), FRANCE, 6)
        assert answer.source == "index" and answer.total == 0  # the last generation
        assert map_clusters(None, FRANCE, 6).total == before.total
    assert len(queued) == 1  # the worker is asked once to catch up
    index_layer.sync(ESTABLISHMENTS)  # what the task does
    _check(settings, _params("q=zygomatique"))


def test_a_missing_index_of_a_large_database_is_left_to_the_worker(atlas, settings, monkeypatch):
    _as_large(monkeypatch, inline_documents=10)
    monkeypatch.setattr(engine, "queue_sync", lambda *names: None)
    live, answer = _both(settings, _params("theme=insertion"), FRANCE, 6)
    assert answer.source == "live" and answer.as_dict() == live.as_dict()
    index_layer.rebuild(ESTABLISHMENTS)
    _check(settings, _params("theme=insertion"))


def test_a_request_does_not_wait_for_another_writer(atlas, settings):
    _check(settings)
    org = _first_inside(atlas)
    org.description = "Atelier zygomatique."
    organisation_refresh_derived(organisation=org)
    path = storage.index_path(ESTABLISHMENTS.name)
    with open(path / "write.lock", "a") as lock:  # another process writing
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            settings.ATELIER_SEARCH_ENGINE = "tantivy"
            answer = map_clusters(_params("q=zygomatique"), FRANCE, 6)
            # Answered at once from the last complete generation, which predates the change.
            assert answer.source == "index" and answer.total == 0
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
    assert _check(settings, _params("q=zygomatique")).total > 0  # the next request syncs


def test_an_unusable_directory_falls_back_to_the_database(atlas, settings, tmp_path):
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("")
    settings.ATELIER_SEARCH_INDEX_DIR = str(blocker / "index")
    live, answer = _both(settings, _params("theme=insertion"), FRANCE, 6)
    assert answer.source == "live" and answer.as_dict() == live.as_dict()


def test_the_command_rebuilds_syncs_and_reports_both_indexes(atlas):
    out = io.StringIO()
    call_command("search_index", "rebuild", stdout=out)
    call_command("search_index", "sync", stdout=out)
    call_command("search_index", "status", stdout=out)
    text = out.getvalue()
    assert "Index de la carte reconstruit" in text
    assert "Index de la carte déjà à jour" in text
    placed = index_layer.status(ESTABLISHMENTS)["expected"]
    assert f"Établissements dans l'index : {placed} (d'après la base : {placed})" in text
    assert placed > 0
