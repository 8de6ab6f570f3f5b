"""An organisation by SIREN or SIRET: the selector, the API key and the HTML redirection
/atlas/organisations/<SIREN|SIRET>/ (who may follow it: the same as the page)."""

import pytest
from django.urls import reverse

from atelier.directory.selectors.organisations import OrganisationNotFound, organisation_detail
from atelier.directory.tests.orgpage_fixtures import make_coopaname, make_outside_ess
from atelier.territories.tests.factories import make_small_reference

pytestmark = pytest.mark.django_db


@pytest.fixture
def ref():
    return make_small_reference()


@pytest.fixture
def coopaname(ref):
    return make_coopaname(ref)


def by_number(number: str) -> str:
    return reverse("directory:organisation-by-number", args=[number])


@pytest.mark.parametrize(
    "key",
    [
        "443121975",
        "443 121 975",
        "443.121.975",
        "44312197500017",
        "443 121 975 00017",
        "44312197500033",  # a closed establishment still designates its organisation
    ],
)
def test_selector_accepts_siren_and_siret(coopaname, key):
    assert organisation_detail(key).pk == coopaname.pk


@pytest.mark.parametrize("key", ["44312197500041", "443 121 976", "4431219750001"])
def test_selector_rejects_unknown_identifiers(coopaname, key):
    with pytest.raises(OrganisationNotFound):
        organisation_detail(key)


# -- API -------------------------------------------------------------------------------------


def test_api_finds_an_organisation_by_siret(client, coopaname):
    response = client.get("/api/v1/organisations/44312197500025")
    assert response.status_code == 200
    assert response.json()["id"] == coopaname.pk


def test_api_404_for_an_unknown_siret(client, coopaname):
    response = client.get("/api/v1/organisations/44312197500041")
    assert response.status_code == 404
    assert "SIRET" in response.json()["detail"]


def test_api_siret_of_an_organisation_outside_the_ess_is_404(client, ref):
    org = make_outside_ess(ref)
    org.establishments.update(siret="44306184100013")
    assert client.get("/api/v1/organisations/44306184100013").status_code == 404


# -- HTML redirection ------------------------------------------------------------------------


@pytest.mark.parametrize("number", ["443121975", "44312197500017"])
def test_page_by_siren_or_siret_redirects_to_the_canonical_page(client, coopaname, number):
    response = client.get(by_number(number))
    assert response.status_code == 302
    assert response["Location"] == reverse("directory:organisation", args=[coopaname.pk])
    assert client.get(response["Location"]).status_code == 200


def test_page_by_siren_keeps_the_language(client, coopaname):
    response = client.get("/en" + by_number("443121975"))
    assert response.status_code == 302
    assert response["Location"] == f"/en/atlas/organisations/{coopaname.pk}/"


@pytest.mark.parametrize("number", ["999999999", "012345678", "44312197500041"])
def test_unknown_siren_or_siret_is_404(client, coopaname, number):
    assert client.get(by_number(number)).status_code == 404


def test_the_page_by_id_is_unchanged(client, coopaname):
    assert client.get(reverse("directory:organisation", args=[coopaname.pk])).status_code == 200
    assert reverse("directory:organisation", args=[coopaname.pk]).endswith(f"/{coopaname.pk}/")


def test_an_id_of_nine_digits_that_is_no_siren_shows_its_page(client, ref):
    org = make_coopaname(ref, pk=123456789, siren="732829320")
    # 123456789 is no organisation's SIREN: the page of the id, not a redirection.
    response = client.get(by_number("123456789"))
    assert response.status_code == 200
    assert response.context["organisation"].pk == org.pk


@pytest.mark.parametrize("role", ["anonymous", "member", "staff"])
def test_who_may_follow_the_redirection(client, ref, django_user_model, role):
    """As the page: everyone for an organisation of the ESS, staff only outside it."""
    public = make_coopaname(ref)
    outside = make_outside_ess(ref, siren="443061841")
    if role != "anonymous":
        user = django_user_model.objects.create_user(role, password="x", is_staff=role == "staff")
        client.force_login(user)
    assert client.get(by_number(public.siren)).status_code == 302
    expected = 302 if role == "staff" else 404
    assert client.get(by_number(outside.siren)).status_code == expected
