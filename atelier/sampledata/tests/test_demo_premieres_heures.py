"""The Premières heures demo: a structure of the demo data (Voisin Malin, L'Atelier's network)
whose statement of the last complete month computes, recreated without duplicates."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.urls import reverse

from atelier.sampledata.demo import DemoDataError, demo_load
from atelier.sampledata.demo_premieres_heures import demo_premieres_heures_load
from atelier.sampledata.tests.test_demo import ref  # noqa: F401 — the reference fixture
from atelier.support.models import Beneficiary, InsertionStructure, SchemeParameter
from atelier.support.selectors.ph_statement import structure_statement

pytestmark = pytest.mark.django_db


def test_the_demo_statement_of_the_last_complete_month(ref):  # noqa: F811
    demo_load()
    report = demo_premieres_heures_load(today=date(2025, 6, 15))
    assert report.month == date(2025, 5, 1) and report.beneficiaries == 6
    structure = InsertionStructure.objects.select_related("organisation", "network").get()
    assert structure.organisation.name == "Voisin Malin"
    assert structure.network.slug == "atelier-idf"
    statement = structure_statement(report.structure_id, report.month)
    totals = {line.reference: line.amounts.total for line in statement.lines}
    assert totals == {
        "DEMO-01": Decimal("400.00"),  # 40 h: tier 23–72 h
        "DEMO-02": Decimal("250.00"),  # 18 h: tier 5–22 h
        "DEMO-03": Decimal("900.00"),  # 50 h and an exit to employment
        "DEMO-04": Decimal("100.00"),  # 2 h: the flat amount only
        "DEMO-05": Decimal("100.00"),  # 74 h: above 72 h, no tier
        "DEMO-06": Decimal("0.00"),  # 0 h, an exit without bonus
    }
    assert (statement.entries, statement.exits) == (1, 2) and statement.has_examples
    # Again, later: the same beneficiaries, around the new last month; parameters unchanged.
    again = demo_premieres_heures_load(today=date(2025, 9, 2))
    assert again.month == date(2025, 8, 1)
    assert Beneficiary.objects.count() == 6 and InsertionStructure.objects.count() == 1
    assert SchemeParameter.objects.count() == 9
    assert structure_statement(again.structure_id, again.month).total == Decimal("1750.00")


def test_the_demo_needs_the_demo_organisations(db):
    with pytest.raises(DemoDataError, match="Voisin Malin"):
        demo_premieres_heures_load()


def test_load_demo_makes_a_statement_the_demo_staff_can_open(client, ref):  # noqa: F811
    call_command("load_demo", "--with-accounts")
    call_command("load_demo", "--with-accounts")  # idempotent
    assert Beneficiary.objects.count() == 6
    structure = InsertionStructure.objects.get()
    client.login(username="equipe", password="atelier-demo")
    response = client.get(reverse("support:ph-structure", kwargs={"pk": structure.pk}))
    assert response.status_code == 200 and "DEMO-03" in response.content.decode()
    month = f"{structure_statement(structure.pk, date.today()).month:%Y-%m}"
    assert client.get(
        reverse("support:ph-statement-pdf", kwargs={"pk": structure.pk, "month": month})
    ).content.startswith(b"%PDF-")
    assert client.get(reverse("support:ph-parameters")).status_code == 200
    client.login(username="equipe2", password="atelier-demo")  # another network's staff
    assert (
        client.get(reverse("support:ph-structure", kwargs={"pk": structure.pk})).status_code == 403
    )
