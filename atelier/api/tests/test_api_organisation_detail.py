import pytest

from atelier.directory.tests.orgpage_fixtures import make_coopaname, make_outside_ess
from atelier.territories.tests.factories import make_small_reference

pytestmark = pytest.mark.django_db


@pytest.fixture
def ref():
    return make_small_reference()


def test_detail_by_id_has_public_fields(client, ref):
    org = make_coopaname(ref)
    response = client.get(f"/api/v1/organisations/{org.pk}")
    assert response.status_code == 200
    data = response.json()
    assert data["id"] == org.pk
    assert data["name"] == "Coopaname" and data["acronym"] == "COOP"
    assert data["siren"] == "443121975"
    assert data["ess_family"] == {"code": "cooperative", "label": "coopérative"}
    assert data["ess_rule"]["code"] == "legal_category"
    assert data["legal_category"]["code"] == "5458"
    assert data["naf"]["code"] == "70.22Z"
    assert [a["code"] for a in data["approvals"]] == ["cae", "scop"]
    assert [t["code"] for t in data["themes"]] == ["culture"]
    assert data["creation_date"] == "2004-01-15"
    assert data["headcount_band"]["code"] == "21"
    assert data["url"].endswith(f"/atlas/organisations/{org.pk}/")


def test_detail_lists_establishments_and_network_names_only(client, ref):
    org = make_coopaname(ref)
    data = client.get(f"/api/v1/organisations/{org.pk}").json()
    assert len(data["establishments"]) == 3
    head = data["establishments"][0]
    assert head["is_head_office"] and head["is_open"]
    assert head["commune_code"] == "75120"
    assert (head["latitude"], head["longitude"], head["geo_precision"]) == (
        48.853,
        2.41,
        "address",
    )
    assert {n["name"] for n in data["networks"]} == {"L'Atelier IDF", "Confédération des SCOP"}
    assert "camille" not in response_text(client, org.pk).lower()


def response_text(client, key):
    return client.get(f"/api/v1/organisations/{key}").content.decode()


def test_detail_by_siren(client, ref):
    org = make_coopaname(ref)
    assert client.get("/api/v1/organisations/443121975").json()["id"] == org.pk


@pytest.mark.parametrize("key", ["123456789", "999999", "not-a-key"])
def test_unknown_key_is_a_clear_404(client, ref, key):
    make_coopaname(ref)
    response = client.get(f"/api/v1/organisations/{key}")
    assert response.status_code == 404
    assert f"« {key} »" in response.json()["detail"]


def test_organisation_outside_the_ess_is_not_public(client, ref):
    org = make_outside_ess(ref)
    assert client.get(f"/api/v1/organisations/{org.pk}").status_code == 404
