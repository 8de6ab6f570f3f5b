"""The admin: the staff manage their network's structures (filters checked), read their cases
(each read logged), export and erase the holders' data."""

import json

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from atelier.core.models import AccessLog
from atelier.directory.tests.factories import OrganisationFactory
from atelier.support.models import Case, SupportStructure

from .factories import open_case

pytestmark = pytest.mark.django_db

STRUCTURES = reverse("admin:support_supportstructure_changelist")
CASES = reverse("admin:support_case_changelist")


@pytest.fixture
def staff(world):
    perms = Permission.objects.filter(content_type__app_label="support")
    for user in (world.staff, world.staff_other):
        user.user_permissions.set(perms)
    return world


def test_the_staff_see_their_structures_only(client, staff):
    world = staff
    client.force_login(world.staff)
    body = client.get(STRUCTURES).content.decode()
    assert "Couveuse de Paris" in body and "Finance IDF" not in body
    other = reverse("admin:support_supportstructure_change", args=[world.other_structure.pk])
    assert client.get(other).status_code in (302, 403, 404)


def test_a_structure_is_registered_with_checked_filters(client, staff):
    world = staff
    client.force_login(world.staff)
    org = OrganisationFactory(name="Astrolabe Conseil")
    form = {
        "organisation": org.pk,
        "network": world.idf.pk,
        "label": "Astrolabe",
        "is_active": "on",
        "territories": "departement:75\nregion:99",
        "stages": ["idea"],
        "needs": ["test"],
        "advisors-TOTAL_FORMS": "0",
        "advisors-INITIAL_FORMS": "0",
    }
    add = reverse("admin:support_supportstructure_add")
    page = client.post(add, form)
    assert page.status_code == 200 and "region:99" in page.content.decode()
    form["territories"] = "departement:75\n arrondissement:75119 \ndepartement:75"
    assert client.post(add, form).status_code == 302
    structure = SupportStructure.objects.get(label="Astrolabe")
    assert structure.territories == ["departement:75", "arrondissement:75119"]
    assert structure.stages == ["idea"] and structure.needs == ["test"]
    form["network"] = world.other.pk  # not theirs
    form["label"] = "Ailleurs"
    assert client.post(add, form).status_code == 200
    assert not SupportStructure.objects.filter(label="Ailleurs").exists()


def test_cases_read_only_and_logged(client, staff):
    world = staff
    case = open_case()
    client.force_login(world.staff)
    assert case.reference in client.get(CASES).content.decode()
    change = reverse("admin:support_case_change", args=[case.pk])
    assert client.get(change).status_code == 200
    assert AccessLog.objects.filter(user=world.staff, action="view", detail="admin").exists()
    client.force_login(world.staff_other)
    assert case.reference not in client.get(CASES).content.decode()
    assert client.get(change).status_code == 404


def test_export_and_erase_actions(client, staff):
    world = staff
    case = open_case()
    client.force_login(world.staff_other)
    form = {"action": "erase_personal_data", "_selected_action": [case.pk], "confirm": "yes"}
    client.post(CASES, form, follow=True)
    assert Case.objects.get(pk=case.pk).email == "camille@example.org"  # not theirs
    client.force_login(world.staff)
    response = client.post(CASES, {"action": "export_json", "_selected_action": [case.pk]})
    data = json.loads(response.content)
    assert data["dossiers"][0]["courriel"] == "camille@example.org"
    response = client.post(CASES, {"action": "export_csv", "_selected_action": [case.pk]})
    assert response.content.decode("utf-8-sig").startswith("reference;")
    page = client.post(CASES, {"action": "erase_personal_data", "_selected_action": [case.pk]})
    assert page.status_code == 200 and case.reference in page.content.decode()
    assert Case.objects.get(pk=case.pk).email == "camille@example.org"  # asks first
    done = client.post(CASES, form, follow=True)
    assert "effacées pour 1 dossier" in done.content.decode()
    assert Case.objects.get(pk=case.pk).email == ""


def test_advisors_are_chosen_among_the_networks_advisors(client, staff):
    world = staff
    client.force_login(world.staff)
    change = reverse("admin:support_supportstructure_change", args=[world.paris.pk])
    body = client.get(change).content.decode()
    assert ">conseil-plaine<" in body  # an advisor of the network
    assert ">membre<" not in body and ">equipe2<" not in body and ">personne<" not in body
