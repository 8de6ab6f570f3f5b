"""Outcome statistics: numbers by territory, scheme, outcome and delay, the page and the CSV,
the period, and the same figures once the cases are anonymised."""

import csv
import io
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from atelier.support.enums import Need
from atelier.support.selectors.stats import case_stats, case_stats_csv
from atelier.support.services.privacy import cases_anonymise_due
from atelier.support.services.transitions import case_close, case_take

from .factories import age, open_case, profile
from .scheme_factories import SchemeFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def cases(world):
    x = SchemeFactory(slug="pret-x", name="Prêt X")
    SchemeFactory(slug="garantie-y", name="Garantie Y")
    a = age(open_case(schemes=["pret-x", "garantie-y"]), 30)
    case_take(case_id=a.pk, user=world.advisor, now=a.created_at + timedelta(days=2))
    case_close(case_id=a.pk, user=world.advisor, outcome="financed", scheme_id=x.pk,
               amount="5000", now=a.created_at + timedelta(days=10))  # fmt: skip
    b = age(open_case(), 25)
    case_take(case_id=b.pk, user=world.advisor, now=b.created_at + timedelta(days=4))
    case_close(case_id=b.pk, user=world.advisor, outcome="abandoned",
               now=b.created_at + timedelta(days=20))  # fmt: skip
    c = age(open_case(profile=profile(commune="93066"), schemes=["garantie-y"]), 3)
    # Seen only by the other network: a financing request routed to its structure alone.
    open_case(profile=profile(needs=frozenset({Need.FINANCING})), network_id=world.other.pk)
    return a, b, c


def _row(rows, code):
    return next(r for r in rows if r.code == code)


def test_the_numbers(world, cases):
    stats = case_stats(world.staff)
    t = stats.total
    assert (t.cases, t.closed, t.financed, t.amount) == (3, 2, 1, 5000)
    assert t.take_median == 3.0 and t.close_median == 15.0
    assert [(r.code, r.cases) for r in stats.by_state] == [("closed", 2), ("new", 1)]
    assert {(r.code, r.cases) for r in stats.by_outcome} == {("financed", 1), ("abandoned", 1)}
    paris = _row(stats.by_departement, "75")
    assert (paris.label, paris.cases, paris.closed) == ("Paris (75)", 2, 2)
    assert _row(stats.by_departement, "93").cases == 1
    assert _row(stats.by_commune, "93066").label == "Saint-Denis (93)"
    (financed,) = stats.by_financed_scheme
    assert (financed.code, financed.label, financed.cases, financed.amount) == (
        "pret-x", "Prêt X", 1, 5000)  # fmt: skip
    assert [(r.code, r.cases) for r in stats.by_shown_scheme] == [
        ("garantie-y", 2),
        ("pret-x", 1),
    ]
    assert case_stats(world.staff_other).total.cases == 1
    assert case_stats(world.superuser).total.cases == 4


def test_the_period(world, cases):
    today = timezone.localdate()
    assert case_stats(world.staff, start=today - timedelta(days=5)).total.cases == 1
    assert case_stats(world.staff, end=today - timedelta(days=26)).total.cases == 1


def test_the_csv(world, cases):
    rows = list(csv.reader(io.StringIO(case_stats_csv(case_stats(world.staff))), delimiter=";"))
    assert rows[0][:4] == ["dimension", "code", "libelle", "dossiers"]
    assert ["total", "", "Tous les dossiers", "3", "2", "1", "5000.00", "3.0", "15.0"] in rows
    assert [
        "dispositif_finance",
        "pret-x",
        "Prêt X",
        "1",
        "1",
        "1",
        "5000.00",
        "2.0",
        "10.0",
    ] in rows


def test_anonymisation_keeps_the_figures(world, cases, settings):
    before = case_stats_csv(case_stats(world.staff))
    settings.SUPPORT_ANONYMISE_AFTER_DAYS = 1
    assert cases_anonymise_due() == 2
    assert case_stats_csv(case_stats(world.staff)) == before


def test_the_page_and_the_download(client, world, cases):
    client.force_login(world.staff)
    page = client.get(reverse("support:case-stats"))
    body = page.content.decode()
    assert page.status_code == 200 and "Prêt X" in body and "Paris (75)" in body
    bad = client.get(reverse("support:case-stats") + "?start=2026-12-31&end=2026-01-01")
    assert bad.status_code == 400 and "commence après sa fin" in bad.content.decode()
    response = client.get(reverse("support:case-stats-csv"))
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response.content.decode("utf-8").startswith("\ufeffdimension;")
