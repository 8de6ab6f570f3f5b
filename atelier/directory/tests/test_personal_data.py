"""A person's requests on the personal data of the directory (membership contacts): export and
erasure, by the admin actions (staff of the membership's network) and by the command."""

import csv
import io

import pytest
from django.contrib.auth.models import Permission
from django.core.management import CommandError, call_command
from django.urls import reverse

from atelier.accounts.enums import Role
from atelier.accounts.services import network_role_grant
from atelier.core.models import AccessLog
from atelier.directory.models import OrganisationMembership
from atelier.directory.services.personal_data import (
    contact_data_csv,
    contact_data_erase,
    contact_data_export,
    memberships_of_contact,
)
from atelier.directory.tests.factories import MembershipFactory
from atelier.directory.tests.orgpage_fixtures import make_coopaname, make_outside_ess
from atelier.territories.tests.factories import make_small_reference

pytestmark = pytest.mark.django_db

EMAIL = "camille.secret@example.org"
MEMBERSHIP_LIST = reverse("admin:directory_organisationmembership_changelist")


@pytest.fixture
def data():
    ref = make_small_reference()
    org = make_coopaname(ref)  # atelier-idf membership with Camille's contact, cg-scop without
    camille = org.memberships.get(network__slug="atelier-idf")
    # A former contact, kept by the change history, then the current one.
    camille.contact_email = "ancien.contact@example.org"
    camille.save()
    camille.contact_email = EMAIL
    camille.save()
    other = MembershipFactory(
        organisation=make_outside_ess(ref),
        network=camille.network,
        contact_name="Dominique Autre",
        contact_email="dominique@example.org",
    )
    return {
        "camille": camille,
        "other": other,
        "federation": org.memberships.get(network__slug="cg-scop"),
    }


def _history_values(m, field):
    return set(m.history.values_list(field, flat=True))


def test_a_person_is_found_by_a_current_or_former_e_mail(data):
    assert list(memberships_of_contact(EMAIL.upper())) == [data["camille"]]
    assert list(memberships_of_contact("ancien.contact@example.org")) == [data["camille"]]
    assert not memberships_of_contact("personne@example.org").exists()
    assert not memberships_of_contact("  ").exists()


def test_the_export_holds_current_and_former_values_and_is_logged(data):
    qs = OrganisationMembership.objects.filter(pk=data["camille"].pk)
    records = contact_data_export(user=None, memberships=qs, reason="test")
    assert [(r.source, r.contact_email) for r in records] == [
        ("actuel", EMAIL),
        ("historique", "ancien.contact@example.org"),
    ]
    assert records[0].contact_name == "Camille Secret" and records[0].network == "L'Atelier IDF"
    log = AccessLog.objects.get()
    assert (log.action, log.object_id, log.detail) == ("export", str(data["camille"].pk), "test")


def test_erasure_blanks_the_contact_now_and_in_the_history(data):
    camille, other = data["camille"], data["other"]
    camille.notes = "Adhérente depuis 2010."
    camille.save()
    history_rows = camille.history.count()
    erased = contact_data_erase(
        user=None, memberships=OrganisationMembership.objects.all(), reason="test"
    )
    assert erased == 2  # the federation membership had no contact: untouched, not logged
    camille.refresh_from_db()
    assert (camille.contact_name, camille.contact_email, camille.contact_phone) == ("", "", "")
    assert camille.notes == "Adhérente depuis 2010."  # about the organisation: kept
    assert camille.history.count() == history_rows  # no new history row holding anything
    for field in ("contact_name", "contact_email", "contact_phone"):
        assert _history_values(camille, field) == {""}
    assert not memberships_of_contact(EMAIL).exists()
    assert OrganisationMembership.objects.filter(pk=other.pk, contact_name="").exists()
    assert set(AccessLog.objects.values_list("action", flat=True)) == {"erase"}
    assert AccessLog.objects.count() == 2
    # Once erased, nothing left to erase or export.
    assert (
        contact_data_erase(
            user=None, memberships=OrganisationMembership.objects.all(), reason="test"
        )
        == 0
    )


def _staff(django_user_model, name, network):
    user = django_user_model.objects.create_user(name, password="x", is_staff=True)
    user.user_permissions.set(Permission.objects.filter(content_type__app_label="directory"))
    network_role_grant(user=user, network=network, role=Role.STAFF)
    return user


def test_staff_export_their_network_s_contacts_as_csv(client, data, django_user_model):
    camille, other = data["camille"], data["other"]
    user = _staff(django_user_model, "equipe", camille.network)
    client.force_login(user)
    response = client.post(
        MEMBERSHIP_LIST,
        {"action": "export_personal_data", "_selected_action": [camille.pk, other.pk]},
    )
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
    assert rows[0][:3] == ["adhesion", "organisation", "reseau"]
    assert {r[7] for r in rows[1:]} == {
        EMAIL,
        "ancien.contact@example.org",
        "dominique@example.org",
    }
    assert AccessLog.objects.filter(user=user, action="export").count() == 2


def test_staff_of_another_network_cannot_act_on_these_contacts(client, data, django_user_model):
    camille = data["camille"]
    user = _staff(django_user_model, "equipe2", data["federation"].network)
    client.force_login(user)
    for action in ("export_personal_data", "erase_contacts"):
        response = client.post(
            MEMBERSHIP_LIST,
            {"action": action, "_selected_action": [camille.pk], "confirm": "yes"},
            follow=True,
        )
        # The selection is filtered by the user's networks: the action gets none of it.
        assert response.status_code == 200
        assert EMAIL not in response.content.decode("utf-8-sig")
    camille.refresh_from_db()
    assert camille.contact_email == EMAIL
    assert not AccessLog.objects.exists()


def test_erasure_from_the_admin_asks_for_confirmation(client, data, django_user_model):
    camille = data["camille"]
    client.force_login(_staff(django_user_model, "equipe", camille.network))
    form = {"action": "erase_contacts", "_selected_action": [camille.pk]}
    page = client.post(MEMBERSHIP_LIST, form)
    assert page.status_code == 200
    assert "Camille Secret" in page.content.decode()
    camille.refresh_from_db()
    assert camille.contact_email == EMAIL  # nothing erased before the confirmation
    done = client.post(MEMBERSHIP_LIST, {**form, "confirm": "yes"}, follow=True)
    assert "Coordonnées effacées pour 1 adhésion" in done.content.decode()
    camille.refresh_from_db()
    assert camille.contact_email == "" and camille.contact_name == ""


def test_the_command_exports_then_erases_after_confirmation(data, tmp_path, capsys):
    target = tmp_path / "export.csv"
    call_command("personal_data", "export", "--email", EMAIL, "--output", str(target))
    text = target.read_text(encoding="utf-8-sig")
    assert EMAIL in text and "ancien.contact@example.org" in text
    with pytest.raises(CommandError, match="--yes"):
        call_command("personal_data", "erase", "--email", EMAIL)
    assert memberships_of_contact(EMAIL).exists()
    call_command("personal_data", "erase", "--email", EMAIL, "--yes")
    assert "effacées pour 1 adhésion" in capsys.readouterr().out
    assert not memberships_of_contact(EMAIL).exists()
    call_command("personal_data", "export", "--email", EMAIL)
    assert "Aucune adhésion" in capsys.readouterr().out
    assert list(AccessLog.objects.order_by("id").values_list("action", flat=True)) == [
        "export",
        "erase",
    ]


@pytest.mark.parametrize("prefix", ["=", "+", "-", "@", "\t", "\r"])
def test_the_personal_data_csv_neutralises_formula_cells(data, prefix):
    camille = data["camille"]
    camille.notes = f'{prefix}HYPERLINK("http://x")'
    camille.contact_phone = "+33 1 23 45 67 89"
    camille.save()
    qs = OrganisationMembership.objects.filter(pk=camille.pk)
    records = contact_data_export(user=None, memberships=qs, reason="test")
    rows = list(csv.reader(io.StringIO(contact_data_csv(records)), delimiter=";"))
    current = dict(zip(rows[0], rows[1], strict=True))
    assert current["notes"] == f'\'{prefix}HYPERLINK("http://x")'
    assert current["telephone"] == "'+33 1 23 45 67 89"  # not a number: text
