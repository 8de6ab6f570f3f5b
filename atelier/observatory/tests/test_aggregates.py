"""The aggregates against a direct recomputation from the raw organisations and
establishments (tests/factories.recompute), on generated data over several territories at
every level: after a rebuild, after closures, after an incremental change and a refresh."""

import random

import pytest
from django.core.management import call_command

from atelier.directory.models import Establishment, Organisation
from atelier.observatory.models import Aggregate, FlowAggregate, Place, TerritoryPopulation
from atelier.observatory.services.freshness import observatory_is_stale
from atelier.observatory.services.rebuild import observatory_rebuild
from atelier.observatory.tests.factories import (
    TERRITORIES,
    make_directory,
    make_organisation,
    make_reference,
    recompute,
    recompute_flows,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def ref():
    return make_reference()


def stored(level, code):
    return {(a.dimension, a.value): a for a in Aggregate.objects.filter(level=level, code=code)}


def assert_matches_raw():
    checked = 0
    for level, code in TERRITORIES:
        expected = recompute(level, code)
        found = stored(level, code)
        assert found.keys() == expected.keys(), (level, code)
        for key, cell in expected.items():
            row = found[key]
            got = (
                row.organisations,
                row.establishments,
                row.contributors,
                row.jobs_low,
                row.jobs_central,
                row.jobs_high,
                row.max_org_jobs,
            )
            want = (
                cell.organisations,
                cell.establishments,
                cell.contributors,
                cell.low,
                cell.central,
                cell.high,
                cell.max_org_jobs,
            )
            assert got == pytest.approx(want), (level, code, key)
            checked += 1
        flows = {
            (f.flow, f.year): f.organisations
            for f in FlowAggregate.objects.filter(level=level, code=code)
        }
        assert flows == recompute_flows(level, code), (level, code)
    assert checked > 100


@pytest.mark.parametrize("seed", [1, 7])
def test_every_aggregate_equals_the_raw_recomputation(ref, seed):
    make_directory(ref, random.Random(seed), count=70)
    observatory_rebuild()
    assert_matches_raw()


def test_after_closures_and_an_incremental_change_and_refresh(ref):
    make_directory(ref, random.Random(3), count=50)
    observatory_rebuild()
    assert not observatory_is_stale(recent=False)
    # Closures: organisations cease, establishments close; a new organisation; a move.
    for org in Organisation.objects.in_perimeter().order_by("id")[:5]:
        org.is_active = False
        org.save()
    Establishment.objects.filter(pk__in=Establishment.objects.order_by("id")[:8]).update(
        is_open=False
    )
    for org in Organisation.objects.filter(pk__in=Establishment.objects.values("organisation")):
        org.save()  # the directory's version moves with every ORM write
    make_organisation(ref, places=["montreuil", "arr10"], bands=["12", "03"])
    assert observatory_is_stale(recent=False)
    call_command("observatory_refresh", "--if-stale")
    assert not observatory_is_stale(recent=False)
    assert_matches_raw()


def test_every_territory_is_the_sum_of_its_communes(ref):
    make_directory(ref, random.Random(5), count=60)
    observatory_rebuild()
    places = list(Place.objects.all())
    for level, column in [("epci", "epci"), ("departement", "departement"), ("region", "region")]:
        for code in {getattr(p, column) for p in places} - {""}:
            communes = {p.commune for p in places if getattr(p, column) == code}
            whole = {
                (a.dimension, a.value): (a.organisations, a.establishments, a.jobs_central)
                for a in Aggregate.objects.filter(level=level, code=code)
            }
            summed: dict = {}
            for a in Aggregate.objects.filter(level="commune", code__in=communes):
                o, e, j = summed.get((a.dimension, a.value), (0, 0, 0.0))
                summed[(a.dimension, a.value)] = (
                    o + a.organisations,
                    e + a.establishments,
                    j + a.jobs_central,
                )
            assert whole == summed, (level, code)


def test_organisation_with_establishments_in_two_communes_counts_once(ref):
    make_organisation(ref, places=["saint_denis", "aubervilliers"], bands=["11", "02"])
    observatory_rebuild()
    ept = stored("ept", "200057867")[("total", "")]
    assert (ept.organisations, ept.establishments, ept.contributors) == (1, 2, 1)
    assert (ept.jobs_low, ept.jobs_central, ept.jobs_high) == (13, 18.5, 24)
    aubervilliers = stored("commune", "93001")[("total", "")]
    assert (aubervilliers.organisations, aubervilliers.establishments) == (0, 1)


def test_populations_per_level(ref):
    observatory_rebuild()
    pops = {(p.level, p.code): p.population for p in TerritoryPopulation.objects.all()}
    assert pops[("commune", "93066")] == 113116
    assert pops[("arrondissement", "75110")] == 83459
    assert pops[("ept", "200057867")] == 113116 + 89000
    assert pops[("departement", "93")] == 113116 + 89000 + 111000
