"""Personal data: anonymisation of closed cases after the delay (not before, never open ones),
what the statistics keep, export and erasure on request, every handling access-logged."""

import json
from datetime import timedelta
from io import StringIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from atelier.core.models import AccessLog
from atelier.support.models import Case, CaseAttachment
from atelier.support.selectors.cases import case_by_token
from atelier.support.services.attachments import case_attachment_add
from atelier.support.services.privacy import (
    case_data_csv,
    case_data_erase,
    case_data_export,
    cases_anonymise_due,
    cases_of_person,
)
from atelier.support.services.transitions import case_close, case_note_add, case_take

from .factories import contact, open_case

pytestmark = pytest.mark.django_db


def _closed_case(world, *, days_ago, **fields):
    case = open_case(**fields)
    case_take(case_id=case.pk, user=world.advisor)
    case_note_add(case_id=case.pk, user=world.advisor, text="Camille a trois enfants")
    case_attachment_add(
        case_id=case.pk,
        user=world.advisor,
        upload=SimpleUploadedFile("plan.pdf", b"%PDF-1.4 plan", content_type="application/pdf"),
    )
    closed_at = timezone.now() - timedelta(days=days_ago)
    case_close(case_id=case.pk, user=world.advisor, outcome="created", text="Bravo Camille")
    Case.objects.filter(pk=case.pk).update(closed_at=closed_at)
    return Case.objects.get(pk=case.pk), case.holder_token


def test_closed_cases_are_anonymised_after_the_delay(world, settings):
    settings.SUPPORT_ANONYMISE_AFTER_DAYS = 365
    old, old_token = _closed_case(world, days_ago=366)
    recent, recent_token = _closed_case(world, days_ago=300)
    still_open = open_case()
    stored = CaseAttachment.objects.get(case=old).file.name
    assert cases_anonymise_due() == 1
    assert cases_anonymise_due() == 0  # idempotent
    old.refresh_from_db()
    assert old.anonymised_at is not None
    assert (old.first_name, old.email, old.phone, old.contact_way) == ("", "", "", "")
    assert case_by_token(old_token) is None
    assert not CaseAttachment.objects.filter(case=old).exists()
    assert not CaseAttachment.file.field.storage.exists(stored)
    texts = dict(old.events.values_list("kind", "text").order_by("pk"))
    assert texts["note"] == "" and texts["attachment"] == "" and texts["transition"] == ""
    assert "Couveuse de Paris" in texts["opened"]  # the system's own words stay
    # What the statistics read stays.
    assert (old.state, old.outcome, old.commune, old.departement) == (
        "closed",
        "created",
        "75119",
        "75",
    )
    assert old.profile["stage"] == "idea" and old.taken_at and old.closed_at
    assert AccessLog.objects.filter(action="anonymise", object_id=str(old.pk)).count() == 1
    # Not before the delay, never an open case.
    recent.refresh_from_db()
    assert recent.anonymised_at is None and recent.email == "camille@example.org"
    assert case_by_token(recent_token) is not None
    assert Case.objects.get(pk=still_open.pk).anonymised_at is None


def test_a_reopened_case_is_not_anonymised(world, settings):
    settings.SUPPORT_ANONYMISE_AFTER_DAYS = 10
    case, _token = _closed_case(world, days_ago=11)
    Case.objects.filter(pk=case.pk).update(state="in_progress")
    assert cases_anonymise_due() == 0


def test_export_of_a_persons_cases(world):
    mine, _token = _closed_case(world, days_ago=1, contact=contact(email="Camille@Example.org"))
    other = open_case(contact=contact(email="autre@example.org"))
    cases = cases_of_person("camille@example.org ")
    assert list(cases) == [mine]
    assert not cases_of_person("  ").exists()
    records = case_data_export(user=world.staff, cases=cases, reason="demande du 1er")
    (record,) = records
    assert record["courriel"] == "Camille@Example.org" and record["reference"] == mine.reference
    assert record["pieces_jointes"] == ["plan.pdf"]
    assert any(e["texte"] == "Camille a trois enfants" for e in record["journal"])
    text = case_data_csv(records)
    assert text.startswith("reference;reseau;") and "Camille a trois enfants" in text
    log = AccessLog.objects.get(action="export")
    assert log.user == world.staff and log.object_id == str(mine.pk)
    assert other.pk != mine.pk


def test_erasure_withdraws_an_open_case(world):
    case = open_case()
    token = case.holder_token
    case_note_add(case_id=case.pk, user=world.advisor, text="Note privée")
    assert case_data_erase(user=world.staff, cases=cases_of_person("camille@example.org"),
                           reason="demande écrite")  # fmt: skip
    case.refresh_from_db()
    assert case.state == "closed" and case.outcome == "abandoned" and case.closed_at
    assert case.email == "" and case.first_name == "" and case.anonymised_at
    assert case_by_token(token) is None
    assert not case.events.filter(text="Note privée").exists()
    assert case.events.filter(kind="erasure", by=world.staff).exists()
    assert AccessLog.objects.filter(action="erase", object_id=str(case.pk)).exists()
    assert case_data_erase(user=world.staff, cases=Case.objects.filter(pk=case.pk),
                           reason="encore") == 0  # fmt: skip


def test_the_command(world, tmp_path):
    open_case()
    out = StringIO()
    call_command("support_personal_data", "export", "--email", "camille@example.org", stdout=out)
    assert json.loads(out.getvalue())["dossiers"][0]["prenom_ou_pseudonyme"] == "Camille"
    target = tmp_path / "export.csv"
    call_command(
        "support_personal_data", "export", "--email", "camille@example.org", "--format", "csv",
        "--output", str(target), stdout=StringIO(),
    )  # fmt: skip
    assert target.read_text(encoding="utf-8").startswith("\ufeffreference;")
    with pytest.raises(CommandError, match="--yes"):
        call_command("support_personal_data", "erase", "--email", "camille@example.org",
                     stdout=StringIO())  # fmt: skip
    assert cases_of_person("camille@example.org").exists()
    out = StringIO()
    call_command("support_personal_data", "erase", "--email", "camille@example.org", "--yes",
                 stdout=out)  # fmt: skip
    assert "1 dossier" in out.getvalue()
    assert not cases_of_person("camille@example.org").exists()
    out = StringIO()
    call_command("support_personal_data", "export", "--email", "camille@example.org", stdout=out)
    assert "Aucun dossier" in out.getvalue()
