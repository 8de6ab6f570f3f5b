"""The incremental refresh against the full rebuild: after random changes of the directory
(moves, closures, reopenings, band and family changes, deletions, new organisations, bulk
writes), every row of every table of the observatory equals what a full rebuild gives."""

import datetime
import random
from collections import defaultdict

import pytest
from django.utils import timezone

from atelier.directory.indexes import VERSION
from atelier.directory.models import Establishment, Organisation
from atelier.directory.services.economy import economy_counts_replace
from atelier.directory.services.organisations import organisation_refresh_derived
from atelier.directory.tests.factories import RANDOM_CATEGORIES, NetworkFactory
from atelier.observatory.enums import FRANCE_CODE, Level
from atelier.observatory.models import (
    Aggregate,
    CustomTerritoryCommune,
    EconomyAggregate,
    State,
    TopContribution,
)
from atelier.observatory.selectors.snapshot import tables_snapshot
from atelier.observatory.services import incremental, rebuild
from atelier.observatory.services.custom import custom_territory_save
from atelier.observatory.services.incremental import observatory_refresh
from atelier.observatory.services.rebuild import observatory_rebuild
from atelier.observatory.tests.factories import (
    BANDS,
    PLACES,
    make_directory,
    make_organisation,
    make_reference,
    recompute,
)
from atelier.search import versions

pytestmark = pytest.mark.django_db


def assert_equals_full_rebuild() -> None:
    """The tables as the refresh left them, then as a full rebuild makes them: equal."""
    after_refresh = tables_snapshot()
    observatory_rebuild()
    full = tables_snapshot()
    for name, rows in full.items():
        assert after_refresh[name] == rows, name
    assert len(full["Aggregate"]) > 100


def assert_lists_hold() -> None:
    """The invariant of the lists of largest contributions (services.maxima), against the
    oracle's jobs of every organisation of every cell: each listed one exact, none unlisted
    above the smallest listed, a list for every cell with jobs and none for the others."""
    lists: dict[tuple, dict[int, float]] = defaultdict(dict)
    for *cell, org, jobs in TopContribution.objects.values_list(
        "level", "code", "dimension", "value", "org", "jobs"
    ):
        lists[tuple(cell)][org] = jobs
    for level, code in set(Aggregate.objects.values_list("level", "code")):
        members = None
        if level == Level.CUSTOM:
            members = set(
                CustomTerritoryCommune.objects.filter(territory__code=code).values_list(
                    "code", flat=True
                )
            )
        for (dimension, value), raw in recompute(level, code, members).items():
            jobs = {org: j for org, j in raw.org_jobs.items() if j > 0}
            listed = lists.pop((level, code, dimension, value), {})
            where = (level, code, dimension, value, listed, jobs)
            assert len(listed) <= rebuild.TOP_K and bool(listed) == bool(jobs), where
            assert all(jobs.get(org) == j for org, j in listed.items()), where
            floor = min(listed.values(), default=0)
            assert all(j <= floor for org, j in jobs.items() if org not in listed), where
    assert not lists


def france_list() -> dict[int, float]:
    rows = TopContribution.objects.filter(level=Level.FRANCE, code=FRANCE_CODE, dimension="total")
    return dict(rows.values_list("org", "jobs"))


@pytest.fixture
def ref(monkeypatch):
    # Only the rows written after the previous build are read (no margin): the refresh must
    # then be exact from the changed organisations alone.
    monkeypatch.setattr(rebuild, "CHANGES_OVERLAP", datetime.timedelta(0))
    monkeypatch.setattr(incremental, "INCREMENTAL_MAX_SHARE", 1.0)
    ref = make_reference()
    network = NetworkFactory()
    custom_territory_save(name="Nord-Est", code="nord-est", communes_text="93066\n93001\n75110",
                          network_id=network.pk, user_id=None)  # fmt: skip
    return ref


def _refreshed() -> incremental.RefreshReport:
    report = observatory_refresh()
    assert report.kind == "incremental", report
    return report


def random_changes(ref, rng: random.Random) -> None:
    """A mix of every kind of change the directory sees."""
    orgs = list(Organisation.objects.order_by("id"))
    ests = list(Establishment.objects.order_by("id"))
    rng.shuffle(orgs)
    rng.shuffle(ests)
    for est in ests[:4]:  # moves (the head office too: the organisation's commune follows)
        est.commune = ref[rng.choice(PLACES)]
        est.save()
        organisation_refresh_derived(organisation=est.organisation)
    for est in ests[4:7]:  # closures and reopenings
        est.is_open = not est.is_open
        est.save()
    for est in ests[7:10]:  # establishment bands
        est.headcount_band = rng.choice(BANDS)
        est.save()
    for org in orgs[:3]:  # organisation band, activity, legal form (so family and perimeter)
        org.headcount_band = rng.choice(BANDS)
        org.is_active = not org.is_active
        org.save()
    for org in orgs[3:6]:
        org.legal_category_id = rng.choice(RANDOM_CATEGORIES)
        org.save()
        organisation_refresh_derived(organisation=org)
    ests[10].delete()  # an establishment deleted through the ORM (its organisation stamped)
    orgs[6].delete()  # an organisation deleted with its establishments
    make_organisation(ref, places=["montreuil", "arr10", "lyon"], bands=["12", "03", "53"],
                      created=datetime.date(2024, 3, 1))  # fmt: skip
    # A bulk write as an import makes it (no signal; `updated_at` stamped, version bumped).
    bulk = [e.pk for e in ests[12:16]]
    Establishment.objects.filter(pk__in=bulk).update(
        is_open=False, headcount_band="21", updated_at=timezone.now()
    )
    versions.bump(VERSION)


@pytest.mark.parametrize(("seed", "top_k"), [(2, 12), (11, 12), (5, 2), (7, 1)])
def test_random_changes_refreshed_incrementally_equal_a_full_rebuild(ref, monkeypatch, seed, top_k):
    # Short lists (2, 1) make their rules decide at every level: a leader that lost, a gainer
    # entering or not, lists cut, emptied and recomputed.
    monkeypatch.setattr(rebuild, "TOP_K", top_k)
    rng = random.Random(seed)
    make_directory(ref, rng, count=60)
    observatory_rebuild()
    for _ in range(3):  # rounds: each refresh starts from the previous one's tables
        random_changes(ref, rng)
        report = _refreshed()
        assert 0 < report.organisations < Organisation.objects.count() + 2
        assert_lists_hold()
        before = tables_snapshot()
        assert_equals_full_rebuild()
        assert tables_snapshot() == before


def test_the_largest_organisation_leaving_a_cell_is_recomputed(ref):
    make_directory(ref, random.Random(4), count=30)  # at most 3 × 15,000 jobs each
    big = make_organisation(ref, places=["saint_denis"] * 3 + ["aubervilliers"],
                            bands=["53", "53", "53", "53"])  # fmt: skip
    observatory_rebuild()
    france = Aggregate.objects.get(level="france", dimension="total")
    assert france.max_org_jobs == 4 * 15000
    for est in big.establishments.all():
        est.is_open = False
        est.save()
    _refreshed()
    assert State.objects.get().refresh_kind == "incremental"
    france = Aggregate.objects.get(level="france", dimension="total")
    assert france.max_org_jobs < 45001  # the next largest, read again from the stored facts
    assert_equals_full_rebuild()


def test_a_place_emptied_loses_its_rows_and_a_new_one_gets_them(ref):
    make_directory(ref, random.Random(6), count=20)
    Organisation.objects.filter(commune_code="69266").delete()
    Organisation.objects.filter(establishments__commune=ref["villeurbanne"]).delete()
    org = make_organisation(ref, places=["villeurbanne"], bands=["11"])
    observatory_rebuild()
    assert Aggregate.objects.filter(level="commune", code="69266").exists()
    org.delete()
    make_organisation(ref, places=["abergement"], bands=["02"])  # a commune with nobody before
    _refreshed()
    assert not Aggregate.objects.filter(level="commune", code="69266").exists()
    assert Aggregate.objects.filter(level="commune", code="01001", dimension="total").exists()
    assert_equals_full_rebuild()


def test_nothing_changed_is_fresh_and_unread_rows_are_not_read(ref):
    make_directory(ref, random.Random(8), count=20)
    observatory_rebuild()
    assert observatory_refresh().kind == "fresh"
    org = Organisation.objects.in_perimeter().order_by("id").first()
    org.name = "Nouveau nom"
    org.save()
    report = _refreshed()
    assert report.organisations == 1
    assert State.objects.get().refresh_kind == "incremental"
    assert_equals_full_rebuild()


def test_full_rebuild_when_first_built_other_facts_or_many_changes(ref, monkeypatch):
    make_directory(ref, random.Random(10), count=20)
    assert observatory_refresh().kind == "full"  # never built
    State.objects.update(fact_schema=0)
    Organisation.objects.filter(pk=Organisation.objects.order_by("id")[0].pk).update(
        name="x", updated_at=timezone.now()
    )
    versions.bump(VERSION)
    assert observatory_refresh().kind == "full"  # facts of another layout
    monkeypatch.setattr(incremental, "INCREMENTAL_MAX_SHARE", 0.10)
    Organisation.objects.filter(pk__in=Organisation.objects.order_by("id")[:5]).update(
        name="y", updated_at=timezone.now()
    )
    versions.bump(VERSION)
    report = observatory_refresh()
    assert report.kind == "full" and "5 organisations" in report.reason
    one = Organisation.objects.order_by("id")[0]
    one.name = "z"
    one.save()
    assert observatory_refresh().kind == "incremental"  # 1 of 20: under 10 %
    assert_equals_full_rebuild()


def test_counts_of_the_whole_economy_imported_between_refreshes(ref):
    make_directory(ref, random.Random(13), count=15)
    economy_counts_replace({("93066", "Q", "03"): 12, ("93001", "S", "NN"): 4}, ["93066", "93001"])
    observatory_rebuild()
    economy_counts_replace({("93066", "Q", "11"): 30}, ["93066", "69123"])
    Organisation.objects.order_by("id")[0].save()
    _refreshed()
    saint_denis = EconomyAggregate.objects.get(level="commune", code="93066")
    assert (saint_denis.establishments, saint_denis.communes_missing) == (30, 0)
    assert_equals_full_rebuild()


def _big_organisations(ref) -> list:
    """Four organisations larger than any random one (at most 3 × 15,000 jobs): 8, 7, 6 and 5
    establishments of the band 53 (15,000 each), in Saint-Denis and Lyon."""
    return [
        make_organisation(ref, places=["saint_denis", "lyon"] * (n // 2) + ["lyon"] * (n % 2),
                          bands=["53"] * n)
        for n in (8, 7, 6, 5)
    ]  # fmt: skip


def _close(org, keep: int = 0) -> None:
    for est in org.establishments.order_by("id")[keep:]:
        est.is_open = False
        est.save()


def test_a_changed_organisation_under_an_unlisted_one_leaves_the_list(ref, monkeypatch):
    monkeypatch.setattr(rebuild, "TOP_K", 2)
    make_directory(ref, random.Random(3), count=30)
    a, b, c, _ = _big_organisations(ref)
    observatory_rebuild()
    assert france_list() == {a.pk: 120000, b.pk: 105000}
    _close(a, keep=2)  # 30,000 now: under C (90,000), which is not listed
    _refreshed()
    # Listed at 30,000, A would rank above C; the list keeps B only.
    assert france_list() == {b.pk: 105000}
    assert_lists_hold()
    _close(b)  # then the largest is C: a list that had kept A would say 30,000
    report = _refreshed()
    assert Aggregate.objects.get(level="france", dimension="total").max_org_jobs == 90000
    assert report.recomputed > 0
    assert_lists_hold()
    assert_equals_full_rebuild()


def test_a_list_emptied_is_recomputed_from_the_stored_facts(ref, monkeypatch):
    monkeypatch.setattr(rebuild, "TOP_K", 2)
    make_directory(ref, random.Random(9), count=30)
    a, b, c, d = _big_organisations(ref)
    observatory_rebuild()
    _close(a)
    _close(b, keep=1)  # 15,000: under the bound (105,000), so not listed again
    report = _refreshed()
    assert report.recomputed > 0  # France's list (and others) ran empty
    assert france_list() == {c.pk: 90000, d.pk: 75000}
    assert Aggregate.objects.get(level="france", dimension="total").max_org_jobs == 90000
    assert_lists_hold()
    assert_equals_full_rebuild()
