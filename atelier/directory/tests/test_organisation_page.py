import json
import re

import pytest
from django.urls import reverse

from atelier.directory.enums import EssRule
from atelier.directory.selectors.organisations import (
    OrganisationNotFound,
    json_for_script,
    organisation_detail,
)
from atelier.directory.tests.orgpage_fixtures import make_coopaname, make_outside_ess
from atelier.territories.tests.factories import make_small_reference

pytestmark = pytest.mark.django_db


@pytest.fixture
def ref():
    return make_small_reference()


@pytest.fixture
def coopaname(ref):
    return make_coopaname(ref)


def _jsonld(body: str) -> dict:
    match = re.search(r'<script type="application/ld\+json">(.*?)</script>', body, re.S)
    assert match, "no JSON-LD block"
    return json.loads(match.group(1))


def test_selector_accepts_id_and_siren(coopaname):
    assert organisation_detail(coopaname.pk).pk == coopaname.pk
    assert organisation_detail(str(coopaname.pk)).pk == coopaname.pk
    assert organisation_detail("443121975").pk == coopaname.pk


@pytest.mark.parametrize("key", ["999999999", "abc", "", "-1", "12345678901234567890123"])
def test_selector_rejects_unknown_keys(coopaname, key):
    with pytest.raises(OrganisationNotFound):
        organisation_detail(key)


def test_selector_hides_organisations_outside_the_ess(ref):
    org = make_outside_ess(ref)
    assert org.ess_rule == EssRule.NONE
    with pytest.raises(OrganisationNotFound):
        organisation_detail(org.pk)
    assert organisation_detail(org.pk, include_outside_ess=True).pk == org.pk


def test_selector_query_count_is_bounded(ref, coopaname, django_assert_num_queries):
    with django_assert_num_queries(3):
        org = organisation_detail(coopaname.pk)
        establishments = list(org.establishments.all())
        assert [e.commune.name for e in establishments]
        assert org.legal_category.label and org.naf.label
        assert [m.network.name for m in org.public_memberships]


def test_selector_loads_no_private_membership_field(coopaname):
    org = organisation_detail(coopaname.pk)
    membership = org.public_memberships[0]
    assert "contact_email" in membership.get_deferred_fields()
    assert "notes" in membership.get_deferred_fields()


def test_page_shows_the_organisation(client, coopaname, django_assert_max_num_queries):
    url = reverse("directory:organisation", args=[coopaname.pk])
    with django_assert_max_num_queries(6):
        response = client.get(url)
    assert response.status_code == 200
    body = response.content.decode()
    assert re.search(r"<h1[^>]*>Coopaname <span[^>]*>\(COOP\)</span></h1>", body)
    assert "Coopérative" in body  # ESS family
    assert "SARL coopérative de production (SCOP)" in body
    assert "Forme juridique de l&#x27;ESS" in body
    assert "Coopérative d&#x27;activités et d&#x27;emploi (CAE)" in body
    assert "Culture" in body
    assert "Coopérative d&#x27;activités et d&#x27;emploi &lt;généraliste&gt;." in body
    assert 'href="https://www.coopaname.coop" rel="noopener"' in body
    assert "15 janvier 2004" in body
    assert "50 à 99 salariés" in body
    assert "Conseil pour les affaires et autres conseils de gestion" in body
    assert "443121975" in body
    assert "L&#x27;Atelier IDF" in body and "Confédération des SCOP" in body
    assert "Camille Secret" not in body and "camille.secret@example.org" not in body


def test_page_lists_establishments_with_status_and_precision(client, coopaname):
    body = client.get(reverse("directory:organisation", args=[coopaname.pk])).content.decode()
    section = body.split('id="org-establishments"', 1)[1].split("</ul>", 1)[0]
    assert section.count('<li class="establishment') == 3
    assert "3-7 rue Albert Marquet" in section and "Paris 20e Arrondissement" in section
    assert "siège" in section
    assert "fermé" in section and "1 rue Fermée" in section
    assert "centre de la commune" in section
    assert "adresse (géolocalisation INSEE)" in section
    assert 'id="org-map"' in body  # the map include


def test_page_json_ld_describes_the_organisation(client, coopaname):
    body = client.get(reverse("directory:organisation", args=[coopaname.pk])).content.decode()
    data = _jsonld(body)
    assert data["@type"] == "Organization"
    assert data["name"] == "Coopaname"
    assert data["alternateName"] == "COOP"
    assert data["identifier"] == {
        "@type": "PropertyValue",
        "propertyID": "SIREN",
        "value": "443121975",
    }
    assert data["url"].endswith(f"/atlas/organisations/{coopaname.pk}/")
    assert data["sameAs"] == ["https://www.coopaname.coop"]
    assert data["foundingDate"] == "2004-01-15"
    assert data["address"]["postalCode"] == "75020"
    assert data["address"]["addressLocality"] == "Paris 20e Arrondissement"
    assert data["geo"] == {"@type": "GeoCoordinates", "latitude": 48.853, "longitude": 2.41}
    assert len(data["location"]) == 2  # open establishments only


def test_page_json_ld_cannot_close_the_script_element(client, ref):
    org = make_coopaname(ref, description="</script><script>alert(1)</script>")
    body = client.get(reverse("directory:organisation", args=[org.pk])).content.decode()
    assert "</script><script>alert(1)" not in body
    assert _jsonld(body)["description"] == "</script><script>alert(1)</script>"
    assert json_for_script("</script>") == '"\\u003C/script\\u003E"'


def test_page_404_outside_the_ess_for_the_public(client, ref):
    org = make_outside_ess(ref)
    url = reverse("directory:organisation", args=[org.pk])
    assert client.get(url).status_code == 404
    assert client.get(reverse("directory:organisation", args=[987654])).status_code == 404


def test_staff_see_organisations_outside_the_ess(client, ref, django_user_model):
    org = make_outside_ess(ref)
    staff = django_user_model.objects.create_user("staff", password="x", is_staff=True)
    client.force_login(staff)
    response = client.get(reverse("directory:organisation", args=[org.pk]))
    assert response.status_code == 200
    assert "Hors périmètre" in response.content.decode()
    assert 'name="robots" content="noindex"' in response.content.decode()


def test_ceased_organisation_keeps_its_page_with_a_notice(client, ref):
    org = make_coopaname(ref, is_active=False)
    body = client.get(reverse("directory:organisation", args=[org.pk])).content.decode()
    assert "a cessé son activité" in body


def test_page_map_receives_establishments_geojson(client, coopaname):
    response = client.get(reverse("directory:organisation", args=[coopaname.pk]))
    geojson = json.loads(response.context["establishments_geojson"])
    assert geojson["type"] == "FeatureCollection"
    assert len(geojson["features"]) == 2  # the closed one has no position
    assert geojson["features"][0]["geometry"] == {"type": "Point", "coordinates": [2.41, 48.853]}


def test_page_in_english(client, coopaname):
    response = client.get("/en" + reverse("directory:organisation", args=[coopaname.pk]))
    assert response.status_code == 200
    assert '<html lang="en">' in response.content.decode()
