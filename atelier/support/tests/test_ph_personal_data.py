"""Premières heures beneficiaries are personal data: the export of what is held, the erasure
(reference replaced, no further entry, the statements unchanged), both logged, and the admin
that shows them to their network's staff only."""

import csv
import io
from datetime import date

import pytest
from django.contrib.auth.models import Permission
from django.core.exceptions import ValidationError
from django.urls import reverse

from atelier.core.models import AccessLog
from atelier.support.models import Beneficiary
from atelier.support.selectors.ph_statement import structure_statement
from atelier.support.services.insertion import hours_record
from atelier.support.services.insertion_personal_data import (
    beneficiary_erase,
    beneficiary_export,
    beneficiary_export_csv,
)
from atelier.support.tests.ph_factories import TODAY, make_structure, make_user, person, seed

pytestmark = pytest.mark.django_db
MARCH = date(2025, 3, 1)


@pytest.fixture
def structure():
    seed()
    return make_structure()


def test_the_export_lists_the_reference_contracts_and_hours(structure, django_user_model):
    user = make_user(django_user_model, "equipe", network=structure.network)
    b = person(
        structure,
        "PH-1",
        date(2025, 1, 6),
        end=date(2025, 3, 20),
        outcome="employment",
        hours={date(2025, 2, 1): 9, MARCH: 30},
    )
    person(structure, "PH-2", date(2025, 1, 1))
    records = beneficiary_export(
        user=user, beneficiaries=Beneficiary.objects.filter(pk=b.pk), reason="demande"
    )
    assert [r.kind for r in records] == ["bénéficiaire", "contrat", "heures", "heures"]
    assert records[1].end == "2025-03-20" and records[1].outcome == "retour à l'emploi"
    assert (records[3].month, records[3].hours) == ("2025-03", "30")
    rows = list(csv.reader(io.StringIO(beneficiary_export_csv(records)), delimiter=";"))
    assert rows[0][:5] == ["beneficiaire", "reference", "structure", "reseau", "enregistrement"]
    assert rows[1][1] == "PH-1" and len(rows) == 5
    log = AccessLog.objects.get()
    assert (log.action, log.object_id, log.detail, log.user) == (
        "export",
        str(b.pk),
        "demande",
        user,
    )


def test_the_erasure_keeps_the_statements_and_stops_any_entry(structure):
    b = person(structure, "PH-1", date(2025, 1, 6), hours={MARCH: 30})
    before = structure_statement(structure.pk, MARCH)
    assert beneficiary_erase(user=None, beneficiaries=Beneficiary.objects.all(), reason="x") == 1
    assert beneficiary_erase(user=None, beneficiaries=Beneficiary.objects.all(), reason="x") == 0
    b.refresh_from_db()
    assert b.reference == f"effacé-{b.pk}" and b.erased_at is not None
    after = structure_statement(structure.pk, MARCH)
    assert after.total == before.total and after.lines[0].reference == f"effacé-{b.pk}"
    with pytest.raises(ValidationError, match="effacées"):
        hours_record(user=None, beneficiary=b, month=MARCH, hours=3, today=TODAY)
    assert AccessLog.objects.filter(action="erase", object_id=str(b.pk)).count() == 1


@pytest.fixture
def admin_staff(client, structure, django_user_model):
    user = make_user(django_user_model, "equipe", network=structure.network)
    user.is_staff = True
    user.save()
    for codename in ("view_beneficiary", "change_beneficiary", "delete_beneficiary"):
        user.user_permissions.add(Permission.objects.get(codename=codename))
    client.force_login(user)
    return user


def test_the_admin_shows_only_the_networks_beneficiaries(client, structure, admin_staff):
    mine = person(structure, "PH-MIEN", date(2025, 1, 1), hours={MARCH: 3})
    other = make_structure(network_slug="cae-paris", name="Chantier Beta")
    theirs = person(other, "PH-AUTRE", date(2025, 1, 1))
    listing = client.get(reverse("admin:support_beneficiary_changelist")).content.decode()
    assert "PH-MIEN" in listing and "PH-AUTRE" not in listing
    assert list(AccessLog.objects.values_list("object_id", flat=True)) == [str(mine.pk)]
    AccessLog.objects.all().delete()
    page = client.get(reverse("admin:support_beneficiary_change", args=[mine.pk]))
    assert page.status_code == 200 and "03/2025 : 3 h" in page.content.decode()
    assert AccessLog.objects.filter(action="view", object_id=str(mine.pk)).count() == 1
    theirs_url = reverse("admin:support_beneficiary_change", args=[theirs.pk])
    assert client.get(theirs_url).status_code == 404


def test_the_admin_actions_export_and_erase(client, structure, admin_staff):
    b = person(structure, "PH-1", date(2025, 1, 1), hours={MARCH: 3})
    url = reverse("admin:support_beneficiary_changelist")
    selected = {"action": "export_personal_data", "_selected_action": [b.pk]}
    response = client.post(url, selected)
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "PH-1" in response.content.decode("utf-8-sig")
    erase = {"action": "erase_personal_data", "_selected_action": [b.pk]}
    confirm = client.post(url, erase)
    assert confirm.status_code == 200 and "Effacer ces bénéficiaires" in confirm.content.decode()
    b.refresh_from_db()
    assert b.erased_at is None  # nothing before the confirmation
    client.post(url, {**erase, "confirm": "yes"})
    b.refresh_from_db()
    assert b.reference == f"effacé-{b.pk}"
    assert set(AccessLog.objects.values_list("action", flat=True)) == {"export", "erase"}
