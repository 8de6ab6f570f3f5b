"""Premières heures: who may open each page — the staff of the structure's network only;
anonymous visitors are sent to the login page, everyone else gets 403 (members and advisors
of the network, staff of another network, accounts without a role)."""

from datetime import date

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from atelier.accounts.enums import Role
from atelier.core.models import AccessLog
from atelier.directory.tests.factories import NetworkFactory
from atelier.support.tests.ph_factories import make_structure, make_user, person, seed

pytestmark = pytest.mark.django_db
MONTH = "2025-03"


@pytest.fixture
def data(django_user_model):
    seed()
    structure = make_structure(network_slug="atelier-idf")
    beneficiary = person(structure, "PH-1", date(2025, 1, 1), hours={date(2025, 3, 1): 12})
    contract = beneficiary.contracts.get()
    other_network = NetworkFactory(slug="cae-paris")
    users = {
        "staff": make_user(django_user_model, "equipe", network=structure.network),
        "member": make_user(
            django_user_model, "membre", network=structure.network, role=Role.MEMBER
        ),
        "advisor": make_user(
            django_user_model, "conseil", network=structure.network, role=Role.ADVISOR
        ),
        "other_staff": make_user(django_user_model, "equipe2", network=other_network),
        "no_role": make_user(django_user_model, "personne"),
    }
    superuser = django_user_model.objects.create_superuser("admin", password="x")
    users["superuser_without_role"] = superuser
    return {"structure": structure, "beneficiary": beneficiary, "contract": contract, **users}


def routes(data):
    s, b, c = data["structure"].pk, data["beneficiary"].pk, data["contract"].pk
    return {
        "ph-structures": ({}, False),
        "ph-parameters": ({}, False),
        "ph-structure-add": ({}, False),
        "ph-structure": ({"pk": s}, True),
        "ph-beneficiary-add": ({"pk": s}, True),
        "ph-statement-pick": ({"pk": s}, True),
        "ph-statement": ({"pk": s, "month": MONTH}, True),
        "ph-statement-csv": ({"pk": s, "month": MONTH}, True),
        "ph-statement-pdf": ({"pk": s, "month": MONTH}, True),
        "ph-beneficiary": ({"pk": b}, True),
        "ph-contract-add": ({"pk": b}, True),
        "ph-hours": ({"pk": b}, True),
        "ph-contract-edit": ({"pk": c}, True),
    }


ROUTE_NAMES = [
    "ph-structures",
    "ph-parameters",
    "ph-structure-add",
    "ph-structure",
    "ph-beneficiary-add",
    "ph-statement-pick",
    "ph-statement",
    "ph-statement-csv",
    "ph-statement-pdf",
    "ph-beneficiary",
    "ph-contract-add",
    "ph-hours",
    "ph-contract-edit",
]


def test_every_route_is_listed(data):
    from atelier.support.urls import urlpatterns

    names = {p.name for p in urlpatterns if p.name and p.name.startswith("ph-")}
    assert names == set(ROUTE_NAMES) == set(routes(data))


def _url(data, name):
    kwargs, _per_object = routes(data)[name]
    url = reverse(f"support:{name}", kwargs=kwargs)
    return url + ("?mois=2025-03" if name == "ph-statement-pick" else "")


@pytest.mark.parametrize("name", ROUTE_NAMES)
def test_anonymous_visitors_are_sent_to_login(client, data, name):
    url = _url(data, name)
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))
    assert client.post(url).status_code == 302


@pytest.mark.parametrize("name", ROUTE_NAMES)
@pytest.mark.parametrize("role", ["member", "advisor", "no_role", "superuser_without_role"])
def test_people_without_the_staff_role_get_403(client, data, name, role):
    client.force_login(data[role])
    assert client.get(_url(data, name)).status_code == 403
    assert client.post(_url(data, name)).status_code == 403


@pytest.mark.parametrize("name", ROUTE_NAMES)
def test_staff_of_another_network_get_403_on_the_structures_objects(client, data, name):
    client.force_login(data["other_staff"])
    _kwargs, per_object = routes(data)[name]
    response = client.get(_url(data, name))
    if per_object:
        assert response.status_code == 403
        assert client.post(_url(data, name)).status_code == 403
    else:
        assert response.status_code == 200
        assert "Chantier Alpha" not in response.content.decode()  # not in their list
    assert not AccessLog.objects.exists()


@pytest.mark.parametrize("name", ROUTE_NAMES)
def test_staff_of_the_network_may_open_every_page(client, data, name):
    client.force_login(data["staff"])
    response = client.get(_url(data, name))
    if name == "ph-statement-pick":
        assert response.status_code == 302
        assert response["Location"].endswith(f"/releves/{MONTH}/")
    else:
        assert response.status_code == 200
    if name == "ph-statement-csv":
        assert response["Content-Type"] == "text/csv; charset=utf-8"
        assert 'filename="premieres-heures-' in response["Content-Disposition"]
    if name == "ph-statement-pdf":
        assert response["Content-Type"] == "application/pdf"
        assert response.content.startswith(b"%PDF-")


def test_unknown_objects_are_404_for_staff(client, data):
    client.force_login(data["staff"])
    assert client.get(reverse("support:ph-structure", kwargs={"pk": 999})).status_code == 404
    assert client.get(reverse("support:ph-beneficiary", kwargs={"pk": 999})).status_code == 404
    url = reverse("support:ph-statement", kwargs={"pk": data["structure"].pk, "month": "2025-13"})
    assert client.get(url).status_code == 404


def test_changing_a_parameter_needs_the_permission(client, data):
    url = reverse("support:ph-parameters")
    post = {"name": "forfait_mensuel", "start": "2099-01-01", "value": "120,00", "source": "x"}
    client.force_login(data["staff"])
    page = client.get(url).content.decode()
    assert "Changer une valeur" not in page
    assert client.post(url, post).status_code == 403
    data["staff"].user_permissions.add(Permission.objects.get(codename="add_schemeparameter"))
    client.force_login(data["staff"])
    assert "Changer une valeur" in client.get(url).content.decode()
    response = client.post(url, post)
    assert response.status_code == 302
