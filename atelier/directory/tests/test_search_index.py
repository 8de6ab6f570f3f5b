"""The organisations index (directory/indexes.py): its answers agree with the SQL form of the same
conditions (totals, rows, every facet count), and it is kept in sync with the database (changes,
perimeter exits, deletions). Runs on SQLite and PostgreSQL."""

import random
from dataclasses import replace

import pytest
from django.core.management import call_command
from django.http import QueryDict

from atelier import search as index_layer
from atelier.directory import text
from atelier.directory.enums import EssRule
from atelier.directory.indexes import ORGANISATIONS
from atelier.directory.models import Organisation
from atelier.directory.selectors.search import SearchParams, search, search_queryset
from atelier.directory.services.organisations import organisation_refresh_derived
from atelier.directory.tests.factories import (
    EstablishmentFactory,
    OrganisationFactory,
    random_organisation,
)
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


WORDS = [
    "coopérative",
    "coopératives",
    "solidaire",
    "insertion",
    "quartier",
    "culture",
    "recyclerie",
    "numérique",
    "cantine",
    "jardin",
    "mutuelle",
    "santé",
    "habitat",
    "Bâtir",
]
COMMUNES = ["arr10", "arr20", "saint_denis", "lyon", "paris", None]


@pytest.fixture
def index_settings(settings, tmp_path):
    settings.ATELIER_SEARCH_INDEX_DIR = str(tmp_path / "index")
    settings.ATELIER_SEARCH_CACHE_SECONDS = 0
    return settings


def make_org(ref, rng: random.Random, n: int) -> Organisation:
    words = rng.sample(WORDS, 3)
    org = random_organisation(
        rng,
        name=f"{words[0].capitalize()} {words[1]} {n % 7}",
        description=f"Une structure de {words[2]} et d'économie sociale.",
    )
    if commune := rng.choice(COMMUNES):
        EstablishmentFactory(organisation=org, commune=ref[commune])
    return organisation_refresh_derived(organisation=org)


@pytest.fixture
def atlas():
    ref = make_small_reference()
    rng = random.Random(7)
    orgs = [make_org(ref, rng, n) for n in range(60)]
    # Names that tie, so that the order by name needs its id tie-break.
    inside = [o for o in orgs if o.is_active and o.ess_rule != EssRule.NONE]
    for org in inside[:3]:
        org.name = "Même nom"
        org.save()
    return orgs


QUERIES = [
    "",
    "q=cooperative",
    "q=coopératives solidaires",
    "q=cooperat",
    "q=coop",
    "q=insertion&famille=association",
    "q=santé&territoire=region:11",
    "q=inexistant",
    "famille=association",
    "famille=association&famille=cooperative",
    "famille=foundation&effectif=11",
    "forme=9220&forme=5458",
    "naf=Q",
    "naf=Q&naf=S&famille=cooperative",
    "theme=insertion",
    "theme=insertion&theme=culture&agrement=esus",
    "agrement=siae_aci&agrement=scop",
    "effectif=NN&effectif=01",
    "territoire=region:11",
    "territoire=region:84",
    "territoire=departement:75",
    "territoire=departement:93&famille=association",
    "territoire=commune:75056",
    "territoire=commune:93066&theme=insertion",
    "territoire=epci:200054781",
    "territoire=ept:200057867",
    "territoire=region:11&territoire=departement:93",
    "territoire=departement:75&territoire=departement:69",
    "q=jardin&famille=association&effectif=01&territoire=departement:75",
    "page=2",
    "page=99",
    "famille=mutual&page=2",
]


def run(query: str, engine: str, settings, page_size: int = 20):
    settings.ATELIER_SEARCH_ENGINE = engine
    return search(SearchParams.from_querydict(QueryDict(query)), page_size=page_size)


def facets(result) -> list:
    return [
        (f.name, [(v.value, v.label, v.count, v.selected, v.depth) for v in f.values])
        for f in result.facets
    ]


def _oracle_count(params: SearchParams, facet: str, value: str) -> int:
    """Disjunctive count of `value` of `facet`, asked to SQL: the other facets' filters and this
    value alone — for a territory inside the chosen ones (drill-down), within them too."""
    qs = search_queryset(replace(params, **{facet: [value]}, territories=[]))
    chosen = {r.level for r in params.territories}
    if (
        facet == "territoire"
        and chosen
        and chosen != {"commune"}
        and value not in params.territoire
    ):
        qs = qs.filter(id__in=search_queryset(params).values("id"))
    return qs.count()


@pytest.mark.parametrize("query", QUERIES)
def test_index_answers_like_the_sql_conditions(atlas, index_settings, query, monkeypatch):
    # SQL matches words as typed; typos are the index's only (test_search_ranking.py).
    monkeypatch.setattr(text, "FUZZY_MIN_LETTERS", 99)
    params = SearchParams.from_querydict(QueryDict(query))
    result = run(query, "tantivy", index_settings, page_size=100)
    expected = search_queryset(params)
    assert result.total == expected.count()
    if not params.page > 1:
        assert {r.id for r in result.results} == set(expected.values_list("id", flat=True))
    counted = 0
    for facet in result.facets:
        for value in facet.values:
            if value.count is None:
                continue  # a territory that only frames the selection
            assert value.count == _oracle_count(params, facet.name, value.value), (
                facet.name,
                value.value,
            )
            counted += 1
    # Every value some matching organisation holds is listed (here: ESS families).
    families = {v.value for f in result.facets if f.name == "famille" for v in f.values}
    others = search_queryset(replace(params, famille=[]))
    assert set(others.values_list("ess_family", flat=True)) <= families
    assert counted or result.total == 0


def test_the_plain_list_of_the_database_pages_like_the_index(atlas, index_settings):
    db = run("famille=association", "database", index_settings, page_size=10)
    ix = run("famille=association", "tantivy", index_settings, page_size=10)
    assert (db.total, db.num_pages, db.page) == (ix.total, ix.num_pages, ix.page)
    assert db.results == ix.results  # by name, then id, on both
    assert db.facets == []  # no facet counts without the index


def test_no_text_order_is_by_name_then_id(atlas, index_settings):
    full = run("", "tantivy", index_settings, page_size=100)
    keys = [(r.name, r.id) for r in full.results]
    assert keys == sorted(keys)
    same = [r.id for r in full.results if r.name == "Même nom"]
    assert len(same) == 3
    assert same == sorted(same)


def test_text_ranks_exact_and_frequent_words_first(index_settings):
    ref = make_small_reference()
    strong = OrganisationFactory(name="Jardin des jardins", description="Jardin partagé.")
    weak = OrganisationFactory(name="Recyclerie", description="Avec un jardin.")
    for org in (strong, weak):
        EstablishmentFactory(organisation=org, commune=ref["arr10"])
        org.staff_approved = True
        organisation_refresh_derived(organisation=org)
    assert [r.id for r in run("q=jardin", "tantivy", index_settings).results] == [
        strong.id,
        weak.id,
    ]


def test_changes_reach_the_index_before_the_next_search(atlas, index_settings):
    first = run("q=zygomatique", "tantivy", index_settings)
    assert first.total == 0
    org = next(o for o in atlas if o.is_active and o.ess_rule != EssRule.NONE)
    org.description = "Atelier zygomatique."
    organisation_refresh_derived(organisation=org)
    found = run("q=zygomatique", "tantivy", index_settings)
    assert [r.id for r in found.results] == [org.id]
    assert index_layer.status(ORGANISATIONS)["up_to_date"]


def test_sync_replaces_changed_rows_only(atlas, index_settings):
    index_layer.rebuild(ORGANISATIONS)
    org = next(o for o in atlas if o.is_active and o.ess_rule != EssRule.NONE)
    org.description = "Atelier zygomatique."
    organisation_refresh_derived(organisation=org)
    report = index_layer.sync(ORGANISATIONS)
    assert report["action"] == "sync"
    assert report["replaced"] < len(atlas)
    assert index_layer.sync(ORGANISATIONS)["action"] == "none"


def test_organisations_leaving_the_perimeter_or_deleted_leave_the_index(atlas, index_settings):
    inside = [o for o in atlas if o.is_active and o.ess_rule != EssRule.NONE]
    before = run("", "tantivy", index_settings).total
    closed, deleted = inside[0], inside[1]
    closed.is_active = False
    closed.save()
    Organisation.objects.filter(pk=deleted.pk).delete()
    after = run("", "tantivy", index_settings)
    assert after.total == before - 2 == run("", "database", index_settings).total
    assert index_layer.status(ORGANISATIONS)["up_to_date"]
    ids = {r.id for r in run("", "tantivy", index_settings, page_size=100).results}
    assert closed.id not in ids and deleted.id not in ids


def test_another_process_sees_the_committed_index(atlas, index_settings):
    index_layer.rebuild(ORGANISATIONS)
    from atelier.search import engine

    engine.forget()  # as a fresh process would
    state = index_layer.status(ORGANISATIONS)
    assert state["documents"] == state["expected"] > 0
    assert state["up_to_date"]


def test_command_rebuild_sync_status(atlas, index_settings, capsys):
    call_command("search_index", "rebuild")
    rebuilt = capsys.readouterr()
    # Progress on stderr while documents are written, then the outcome of each index.
    assert "Index de recherche (organisations) : " in rebuilt.err
    assert "Index de la carte (établissements) : " in rebuilt.err
    assert rebuilt.err.count("— terminé") == 2
    assert rebuilt.out.count("reconstruit") == 2
    call_command("search_index", "sync")
    synced = capsys.readouterr()
    assert synced.err == "" and synced.out.count("déjà à jour") == 2  # nothing to rewrite
    call_command("search_index", "status")
    assert capsys.readouterr().out.count("État : à jour") == 2


def test_command_rejects_an_unknown_action(index_settings):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        call_command("search_index", "explode")


def test_sync_task_brings_the_index_up_to_date(atlas, index_settings):
    from atelier.search.tasks import index_sync_task

    index_sync_task.enqueue()  # the test settings run tasks immediately
    assert index_layer.status(ORGANISATIONS)["up_to_date"]


def test_an_unusable_index_falls_back_to_the_database(atlas, index_settings, tmp_path):
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("")
    index_settings.ATELIER_SEARCH_INDEX_DIR = str(blocker / "index")
    assert run("", "tantivy", index_settings).total == run("", "database", index_settings).total


def test_a_synced_index_reads_the_organisations_table_twice_only(atlas, index_settings):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    query = "q=insertion&famille=association&territoire=departement:75"
    run(query, "tantivy", index_settings)  # syncs the index
    with CaptureQueriesContext(connection) as ctx:
        result = run(query, "tantivy", index_settings)
    assert result.total > 0
    on_organisations = [q for q in ctx.captured_queries if "directory_organisation" in q["sql"]]
    # The rows of the page by id; the data version is one primary-key lookup; the rest, labels.
    assert len(on_organisations) == 1
    assert len([q for q in ctx.captured_queries if "search_dataversion" in q["sql"]]) == 1
    assert len(ctx.captured_queries) <= 8


@pytest.fixture
def remembered_version(index_settings):
    """Searches reuse the data version for an hour (no version from another test)."""
    index_settings.ATELIER_SEARCH_DATA_VERSION_SECONDS = 3600
    index_layer.versions.forget()
    yield index_settings
    index_layer.versions.forget()


def test_searches_reuse_the_data_version_for_a_while(atlas, remembered_version):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    query = "q=insertion&famille=association&territoire=departement:75"
    first = run(query, "tantivy", remembered_version)  # syncs the index, remembers the version
    with CaptureQueriesContext(connection) as ctx:
        again = run(query, "tantivy", remembered_version)
    assert again.total == first.total > 0
    on_organisations = [q for q in ctx.captured_queries if "directory_organisation" in q["sql"]]
    assert len(on_organisations) == 1  # the rows of the page
    assert not [q for q in ctx.captured_queries if "search_dataversion" in q["sql"]]


def test_a_remembered_version_older_than_the_index_is_read_again(
    atlas, remembered_version, monkeypatch
):
    assert run("q=zygomatique", "tantivy", remembered_version).total == 0
    org = next(o for o in atlas if o.is_active and o.ess_rule != EssRule.NONE)
    org.description = "Atelier zygomatique."
    organisation_refresh_derived(organisation=org)
    # Within the period, this process still answers from the version it remembers.
    assert run("q=zygomatique", "tantivy", remembered_version).total == 0
    index_layer.sync(ORGANISATIONS)  # as another process, or the sync task, would

    def no_second_sync(*args, **kwargs):
        raise AssertionError("the index is up to date: no sync needed")

    from atelier.search import engine

    monkeypatch.setattr(engine, "_sync", no_second_sync)
    found = run("q=zygomatique", "tantivy", remembered_version)
    assert [r.id for r in found.results] == [org.id]


def test_departements_of_a_region_are_listed_by_code(index_settings):
    ref = make_small_reference()
    for n, commune in enumerate(["arr10", "saint_denis", "saint_denis"]):
        org = OrganisationFactory(name=f"Org {n}", staff_approved=True)
        EstablishmentFactory(organisation=org, commune=ref[commune])
        organisation_refresh_derived(organisation=org)
    ix = run("territoire=region:11", "tantivy", index_settings)
    values = [(v.value, v.count) for f in ix.facets if f.name == "territoire" for v in f.values]
    assert values == [("region:11", 3), ("departement:75", 1), ("departement:93", 2)]


def test_one_writer_per_index_re_entrant_in_its_thread(tmp_path):
    import threading

    from atelier.search.locks import IndexBusy, writing

    path, other = tmp_path / "index", tmp_path / "index-map"
    outcome: dict[str, object] = {}

    def try_write(key: str, where) -> None:
        try:
            with writing(where, wait=False):
                outcome[key] = "wrote"
        except IndexBusy:
            outcome[key] = "busy"

    with writing(path):
        with writing(path, wait=False):  # the same thread: re-entrant
            pass
        for key, where in (("same", path), ("other", other)):
            thread = threading.Thread(target=try_write, args=(key, where))
            thread.start()
            thread.join()
    assert outcome == {"same": "busy", "other": "wrote"}  # one lock per index directory
    try_write("after", path)
    assert outcome["after"] == "wrote"
