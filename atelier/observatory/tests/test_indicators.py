"""The selectors' indicators (with statistical confidentiality) against the raw
recomputation, on every territory of the generated reference."""

import random

import pytest

from atelier.observatory.enums import BREAKDOWNS, NON_ADDITIVE, Level
from atelier.observatory.models import Aggregate
from atelier.observatory.selectors.indicators import Jobs, indicators
from atelier.observatory.selectors.secrecy import SECONDARY, Secret
from atelier.observatory.selectors.territory import france, territory_resolve
from atelier.observatory.services.rebuild import observatory_rebuild
from atelier.observatory.tests.factories import (
    TERRITORIES,
    make_directory,
    make_organisation,
    make_reference,
    recompute,
)

pytestmark = pytest.mark.django_db


def raw_secret(cell) -> bool:
    return 0 < cell.contributors < 3 or (
        cell.central > 0 and cell.max_org_jobs > 0.85 * cell.central
    )


def resolve(level, code):
    return france() if level == Level.FRANCE else territory_resolve(level, code)


@pytest.mark.parametrize("seed", [2, 11])
def test_indicators_equal_the_raw_recomputation_with_the_secret_rules(seed):
    ref = make_reference()
    make_directory(ref, random.Random(seed), count=80)
    observatory_rebuild()
    secrets_seen = 0
    for level, code in TERRITORIES:
        territory = resolve(level, code)
        assert territory is not None, (level, code)
        ind = indicators(territory)
        raw = recompute(level, code)
        total = raw.get(("total", ""))
        assert ind.organisations == (total.organisations if total else 0)
        assert ind.establishments == (total.establishments if total else 0)
        if total and raw_secret(total):
            assert isinstance(ind.employees, Secret)
        elif total:
            assert ind.employees == Jobs(total.low, total.central, total.high)
        for dimension in BREAKDOWNS:
            cells = {c.value: c for c in ind.breakdown(dimension).cells}
            expected = {v: cell for (d, v), cell in raw.items() if d == dimension}
            assert cells.keys() == expected.keys(), (level, code, dimension)
            primary = {v for v, cell in expected.items() if raw_secret(cell)}
            secondary = {v for v, c in cells.items() if c.secret and c.secret.rule == SECONDARY}
            if len(primary) == 1 and dimension not in NON_ADDITIVE and len(expected) > 1:
                assert len(secondary) == 1
                (hidden,) = secondary
                rest = [
                    (expected[v].contributors, expected[v].central, v)
                    for v in expected
                    if v not in primary
                ]
                assert min(rest)[2] == hidden
            else:
                assert not secondary
            for value, cell in expected.items():
                got = cells[value]
                if value in primary or value in secondary:
                    assert isinstance(got.organisations, Secret)
                    assert isinstance(got.establishments, Secret)
                    assert isinstance(got.employees, Secret)
                    secrets_seen += 1
                else:
                    assert got.secret is None
                    assert (got.organisations, got.establishments) == (
                        cell.organisations,
                        cell.establishments,
                    )
                    assert got.employees == Jobs(cell.low, cell.central, cell.high)
    assert secrets_seen > 0


def test_a_cell_of_fewer_than_three_organisations_is_secret_and_a_second_one_hidden():
    ref = make_reference()
    for _ in range(4):
        make_organisation(ref, places=["saint_denis"], category="9220", bands=["01"])
    make_organisation(ref, places=["saint_denis"], category="9300", bands=["01"])  # foundation
    for _ in range(3):
        make_organisation(ref, places=["saint_denis"], category="5458", bands=["02"])
    observatory_rebuild()
    ind = indicators(territory_resolve("commune", "93066"))
    family = {c.value: c for c in ind.breakdown("family").cells}
    assert family["foundation"].secret.rule == "count"
    # The smallest published cell (cooperatives: 3) is hidden too; associations stay.
    assert family["cooperative"].secret.rule == SECONDARY
    assert family["association"].organisations == 4
    assert ind.organisations == 8 and ind.employees == Jobs(5 + 9, 5 * 1.5 + 3 * 4, 5 * 2 + 15)


def test_one_organisation_holding_more_than_85_percent_of_the_jobs_makes_the_cell_secret():
    ref = make_reference()
    make_organisation(ref, places=["montreuil"], bands=["22"])  # 149.5 jobs (central)
    for _ in range(3):
        make_organisation(ref, places=["montreuil"], bands=["01"])  # 1.5 each
    observatory_rebuild()
    ind = indicators(territory_resolve("ept", "200057875"))
    assert ind.organisations == 4
    assert isinstance(ind.employees, Secret) and ind.employees.rule == "dominance"
    # Below the threshold: a second large organisation.
    make_organisation(ref, places=["montreuil"], bands=["21"])
    observatory_rebuild()
    ind = indicators(territory_resolve("ept", "200057875"))
    assert ind.employees == Jobs(100 + 50 + 3, 149.5 + 74.5 + 4.5, 199 + 99 + 6)


def test_an_empty_territory_shows_zeros_with_an_explanation():
    ref = make_reference()
    make_organisation(ref, places=["lyon"])
    observatory_rebuild()
    ind = indicators(territory_resolve("commune", "01001"))
    assert (ind.organisations, ind.establishments, ind.employees) == (0, 0, Jobs(0, 0, 0))
    assert ind.empty and "zéro" in ind.explanation
    assert all(not b.cells for b in ind.breakdowns)


def test_comparisons_are_indexed_to_the_region_and_to_france():
    ref = make_reference()
    for place in ["saint_denis"] * 3 + ["arr10"] * 3 + ["lyon"] * 4:
        make_organisation(ref, places=[place], bands=["01"])
    observatory_rebuild()
    ind = indicators(territory_resolve("commune", "93066"))
    levels = [c.territory.level for c in ind.comparisons]
    assert levels == ["commune", "ept", "epci", "departement", "region", "france"]
    own, region, fr = ind.comparisons[0], ind.comparisons[4], ind.comparisons[5]
    assert own.population == 113116
    per = 3 * 10_000 / 113116
    assert own.per_10k["establishments"] == pytest.approx(per)
    idf_pop = 2103778 + 113116 + 89000 + 111000
    assert region.population == idf_pop
    assert own.index_region["establishments"] == pytest.approx(100 * per / (6 * 10_000 / idf_pop))
    fr_pop = idf_pop + 522250 + 150000 + 800
    assert fr.population == fr_pop
    assert own.index_france["establishments"] == pytest.approx(100 * per / (10 * 10_000 / fr_pop))
    assert fr.index_france["establishments"] == pytest.approx(100)
    assert region.index_region is None


def test_an_arrondissement_code_given_as_a_commune_is_the_arrondissement():
    make_reference()
    assert territory_resolve("commune", "75110").level == "arrondissement"
    assert territory_resolve("arrondissement", "93066") is None
    assert territory_resolve("epci", "200057867") is None  # an EPT, not an EPCI
    assert territory_resolve("departement", "2a") is None


def test_dominance_counts_an_organisation_spread_over_several_communes_as_one():
    """One association with ten establishments in two communes of an EPT: its share of the
    EPT's jobs is that of all ten (grouped by organisation first), not of the five of a
    commune."""
    ref = make_reference()
    make_organisation(
        ref, places=["saint_denis"] * 5 + ["aubervilliers"] * 5, bands=["12"] * 10
    )  # 10 × 34.5 jobs
    for place in ["saint_denis", "aubervilliers"]:
        for _ in range(3):
            make_organisation(ref, places=[place], bands=["01"])  # 1.5 each
    observatory_rebuild()
    total = Aggregate.objects.get(level="ept", code="200057867", dimension="total")
    assert (total.jobs_central, total.max_org_jobs, total.contributors) == (354, 345, 7)
    communes = Aggregate.objects.filter(
        level="commune", dimension="total", code__in=["93066", "93001"]
    )
    assert max(a.max_org_jobs for a in communes) == 172.5
    ept = indicators(territory_resolve("ept", "200057867"))
    assert isinstance(ept.employees, Secret) and ept.employees.rule == "dominance"
