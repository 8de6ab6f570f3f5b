"""Premières heures pages: plain forms (no script) that register a structure, a beneficiary,
a contract and its exit, hours; the services' messages shown beside their field; the
statement page; every page showing beneficiaries logs who saw them."""

from datetime import date

import pytest
from django.urls import reverse
from django.utils import timezone

from atelier.core.models import AccessLog
from atelier.support.models import Beneficiary, InsertionStructure, MonthlyHours
from atelier.support.tests.ph_factories import make_structure, make_user, person, seed

pytestmark = pytest.mark.django_db


@pytest.fixture
def structure():
    seed()
    return make_structure()


@pytest.fixture
def staff(client, structure, django_user_model):
    user = make_user(django_user_model, "equipe", network=structure.network)
    client.force_login(user)
    return user


def _field_error(html: str, field: str) -> str:
    """The text of the error shown beside `field` (its span id_<field>_errors)."""
    marker = f'id="id_{field}_errors">'
    assert marker in html, f"no error beside {field}"
    return html.split(marker, 1)[1].split("</span>", 1)[0]


def test_the_whole_flow_through_the_forms(client, structure, staff):
    url = reverse("support:ph-beneficiary-add", kwargs={"pk": structure.pk})
    response = client.post(url, {"reference": "PH-2025-07"})
    beneficiary = Beneficiary.objects.get()
    assert response["Location"] == reverse("support:ph-beneficiary", kwargs={"pk": beneficiary.pk})

    url = reverse("support:ph-contract-add", kwargs={"pk": beneficiary.pk})
    assert client.post(url, {"start": "2025-02-03", "end": "", "outcome": ""}).status_code == 302
    contract = beneficiary.contracts.get()

    url = reverse("support:ph-hours", kwargs={"pk": beneficiary.pk})
    assert client.post(url, {"month": "2025-03", "hours": "12", "contract": ""}).status_code == 302
    assert client.post(url, {"month": "04/2025", "hours": "30", "contract": ""}).status_code == 302
    assert set(MonthlyHours.objects.values_list("month", "hours")) == {
        (date(2025, 3, 1), 12),
        (date(2025, 4, 1), 30),
    }

    url = reverse("support:ph-contract-edit", kwargs={"pk": contract.pk})
    assert client.get(url).status_code == 200
    data = {"start": "2025-02-03", "end": "2025-04-18", "outcome": "training"}
    assert client.post(url, data).status_code == 302
    contract.refresh_from_db()
    assert contract.outcome == "training" and contract.set_by == staff

    page = client.get(reverse("support:ph-beneficiary", kwargs={"pk": beneficiary.pk}))
    body = page.content.decode()
    assert "Contrat du 03/02/2025 au 18/04/2025" in body and "entrée en formation" in body
    assert "mars 2025" in body

    url = reverse("support:ph-statement", kwargs={"pk": structure.pk, "month": "2025-04"})
    body = client.get(url).content.decode().replace("\u00a0", " ")
    assert "Relevé de avril 2025" in body
    assert "30 h travaillées : forfait mensuel 1 h ou plus (100,00 €) + palier 23–72 h" in body
    assert "prime de sortie le 18/04/2025 (entrée en formation) (500,00 €)" in body
    assert "900,00 €" in body
    assert 'id="ph-example-notice"' in body
    assert "Télécharger le relevé (PDF)" in body


def test_errors_are_shown_beside_their_field(client, structure, staff):
    b = person(structure, "PH-1", date(2025, 1, 1))
    url = reverse("support:ph-hours", kwargs={"pk": b.pk})
    response = client.post(url, {"month": "2025-03", "hours": "800", "contract": ""})
    assert response.status_code == 200
    html = response.content.decode()
    assert "compris entre 0 et 744" in _field_error(html, "hours")
    assert "Le formulaire contient des erreurs" in html
    html = client.post(url, {"month": "2025-13", "hours": "3"}).content.decode()
    assert "AAAA-MM" in _field_error(html, "month")
    html = client.post(url, {"month": "2025-03", "hours": "2,5"}).content.decode()
    assert "nombre entier d&#x27;heures" in _field_error(html, "hours")
    html = client.post(url, {"month": "2024-12", "hours": "3"}).content.decode()
    assert "pas de contrat en décembre 2024" in _field_error(html, "month")

    url = reverse("support:ph-contract-add", kwargs={"pk": b.pk})
    html = client.post(
        url, {"start": "2025-03-10", "end": "2025-03-02", "outcome": "other"}
    ).content.decode()
    assert "précède la date d&#x27;entrée" in _field_error(html, "end")
    html = client.post(url, {"start": "2025-02-01", "end": "", "outcome": ""}).content.decode()
    assert "chevaucherait" in _field_error(html, "start")

    url = reverse("support:ph-beneficiary-add", kwargs={"pk": structure.pk})
    html = client.post(url, {"reference": "ph-1"}).content.decode()
    assert "déjà prise" in _field_error(html, "reference")
    assert Beneficiary.objects.count() == 1 and not MonthlyHours.objects.exists()


def test_registering_a_structure(client, staff, structure):
    from atelier.directory.tests.factories import OrganisationFactory

    org = OrganisationFactory(name="Chantier Gamma")
    url = reverse("support:ph-structure-add")
    html = client.post(url, {"network": structure.network.pk, "organisation": "12345"})
    assert "Aucune organisation de l&#x27;Atlas" in _field_error(
        html.content.decode(), "organisation"
    )
    response = client.post(url, {"network": structure.network.pk, "organisation": str(org.pk)})
    created = InsertionStructure.objects.get(organisation=org)
    assert response["Location"] == reverse("support:ph-structure", kwargs={"pk": created.pk})
    listing = client.get(reverse("support:ph-structures")).content.decode()
    assert "Chantier Gamma" in listing and "Chantier Alpha" in listing


def test_a_statement_without_parameters_or_in_the_future_says_why(client, structure, staff):
    url = reverse("support:ph-statement", kwargs={"pk": structure.pk, "month": "2009-06"})
    body = client.get(url).content.decode()
    assert "Aucune valeur en vigueur le 01/06/2009" in body
    csv = reverse("support:ph-statement-csv", kwargs={"pk": structure.pk, "month": "2009-06"})
    assert client.get(csv)["Location"] == url
    later = timezone.localdate().year + 1
    url = reverse("support:ph-statement", kwargs={"pk": structure.pk, "month": f"{later}-01"})
    assert "n&#x27;a pas commencé" in client.get(url).content.decode()
    pick = reverse("support:ph-statement-pick", kwargs={"pk": structure.pk})
    response = client.get(pick + "?mois=n'importe")
    assert response["Location"] == reverse("support:ph-structure", kwargs={"pk": structure.pk})


def test_pages_showing_beneficiaries_are_access_logged(client, structure, staff):
    a = person(structure, "PH-A", date(2025, 1, 1), hours={date(2025, 3, 1): 4})
    b = person(structure, "PH-B", date(2025, 3, 1))
    client.get(reverse("support:ph-structure", kwargs={"pk": structure.pk}))
    logs = AccessLog.objects.filter(action="view", user=staff)
    assert set(logs.values_list("object_type", "object_id")) == {
        ("support.beneficiary", str(a.pk)),
        ("support.beneficiary", str(b.pk)),
    }
    AccessLog.objects.all().delete()
    client.get(reverse("support:ph-beneficiary", kwargs={"pk": a.pk}))
    assert AccessLog.objects.get().detail == "Premières heures : fiche du bénéficiaire"
    AccessLog.objects.all().delete()
    kwargs = {"pk": structure.pk, "month": "2025-03"}
    client.get(reverse("support:ph-statement-pdf", kwargs=kwargs))
    exports = AccessLog.objects.filter(action="export")
    assert exports.count() == 2
    assert exports.first().detail == "Premières heures : relevé 2025-03 (PDF)"
