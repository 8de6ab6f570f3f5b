"""The observatory's pages: territory picker (no script needed), a territory's page at every
level, 404 naming the code, CSV tables, charts and diagnostic, access for every role."""

import csv
import io
import random
import re

import pytest
from django.urls import reverse

from atelier.accounts.enums import Role
from atelier.accounts.models import NetworkRole
from atelier.directory.tests.factories import NetworkFactory
from atelier.observatory.services.rebuild import observatory_rebuild
from atelier.observatory.tests.factories import make_directory, make_organisation, make_reference

pytestmark = pytest.mark.django_db


@pytest.fixture
def data():
    ref = make_reference()
    for _ in range(4):
        make_organisation(ref, places=["saint_denis"], bands=["11"], naf="88.99B")
    for _ in range(3):
        make_organisation(ref, places=["aubervilliers", "saint_denis"], category="5458")
    make_organisation(ref, places=["arr10"], bands=["01"])
    observatory_rebuild()
    return ref


def test_the_picker_finds_territories_by_name_code_and_postcode_without_script(client, data):
    for q, url in [
        ("saint-denis", "/observatoire/commune/93066/"),
        ("93200", "/observatoire/commune/93066/"),
        ("200057867", "/observatoire/ept/200057867/"),
        ("Seine-Saint", "/observatoire/departement/93/"),
        ("11", "/observatoire/region/11/"),
    ]:
        response = client.get("/observatoire/", {"q": q})
        assert response.status_code == 200
        assert f'href="{url}"' in response.content.decode(), q
    page = client.get("/observatoire/").content.decode()
    assert '<form role="search" method="get"' in page
    assert 'href="/observatoire/ept/200057867/"' in page  # an example: Plaine Commune
    assert "Aucun territoire" in client.get("/observatoire/", {"q": "zzyzx"}).content.decode()


@pytest.mark.parametrize(
    ("url", "organisations", "establishments"),
    [
        # 4 associations in Saint-Denis; 3 cooperatives with their siège in Aubervilliers and
        # an establishment in Saint-Denis; 1 association in Paris 10e.
        ("/observatoire/commune/93066/", "4", "7"),
        ("/observatoire/commune/93001/", "3", "3"),
        ("/observatoire/ept/200057867/", "7", "10"),
        ("/observatoire/epci/200054781/", "8", "11"),
        ("/observatoire/departement/93/", "7", "10"),
        ("/observatoire/region/11/", "8", "11"),
        ("/observatoire/arrondissement/75110/", "1", "1"),
        ("/observatoire/commune/75056/", "1", "1"),
        ("/en/observatoire/ept/200057867/", "7", "10"),
    ],
)
def test_every_level_has_its_page_with_its_figures(
    client, data, url, organisations, establishments
):
    response = client.get(url)
    assert response.status_code == 200
    page = response.content.decode()
    keys = re.search(r'<ul class="obs-keys">(.*?)</ul>', page, re.S).group(1)
    assert re.findall(r'obs-key-value">([^<]*)</span>', keys)[:2] == [organisations, establishments]


def test_the_page_states_figures_charts_tables_and_a_traceable_diagnostic(client, data):
    page = client.get("/observatoire/commune/93066/").content.decode()
    assert "Saint-Denis compte 4 organisations de l&#x27;ESS actives" in page
    # Every sentence of the diagnostic links to a figure present on the page.
    diagnostic = re.search(r'<ul class="obs-diagnostic">(.*?)</ul>', page, re.S).group(1)
    anchors = re.findall(r'href="#([\w-]+)"', diagnostic)
    assert len(anchors) >= 3
    for anchor in anchors:
        assert f'id="{anchor}"' in page, anchor
    # Accessible SVG: a name and a description, the data table, no style attribute or script.
    assert page.count('role="img"') >= 4
    assert re.search(
        r"<svg[^>]*aria-labelledby=\"graphique-family-title graphique-family-desc", page
    )
    assert "<canvas" not in page and " style=" not in page and "<script>" not in page
    assert "<caption>Répartition par famille de l&#x27;ESS</caption>" in page
    # The employees estimate (4 × band 11 in Saint-Denis, 3 × NN) and the bands' method.
    assert "40 – 76" in page and "valeur centrale : 58" in page
    assert "plafonnée à 20 000" in page


def test_secret_cells_show_secret_with_the_rule(client, data):
    page = client.get("/observatoire/arrondissement/75110/").content.decode()
    assert 'class="obs-secret" href="#secret-statistique"' in page
    assert 'id="secret-statistique"' in page and "moins de 3 organisations" in page


def test_an_unknown_territory_is_a_404_page_naming_the_code(client, data):
    response = client.get("/observatoire/commune/99999/")
    assert response.status_code == 404
    assert "commune:99999" in response.content.decode()
    assert client.get("/observatoire/canton/12/").status_code == 404
    assert client.get("/observatoire/arrondissement/93066/").status_code == 404


def test_an_arrondissement_given_as_a_commune_redirects_to_its_page(client, data):
    response = client.get("/observatoire/commune/75110/")
    assert response.status_code == 301
    assert response["Location"] == "/observatoire/arrondissement/75110/"


def test_an_empty_territory_shows_zeros_and_why(client, data):
    page = client.get("/observatoire/commune/01001/").content.decode()
    assert "les indicateurs valent zéro" in page
    assert 'obs-key-value">0</span>' in page


def test_each_table_downloads_as_csv_with_secret_marked(client, data):
    base = "/observatoire/arrondissement/75110/"
    page = client.get(base).content.decode()
    links = re.findall(r'href="(/observatoire/arrondissement/75110/[\w-]+\.csv)"', page)
    assert len(links) == 8  # key figures, 5 breakdowns, series, comparisons
    response = client.get(base + "chiffres-cles.csv")
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "observatoire-arrondissement-75110-chiffres-cles.csv" in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode()), delimiter=";"))
    assert rows[0] == ["Indicateur", "Valeur"]
    assert rows[1][1] == "1" and rows[3][1] == "secret"  # one organisation: jobs secret
    family = client.get(base + "repartition-family.csv").content.decode()
    assert "secret" in family
    assert client.get(base + "nothing.csv").status_code == 404


def test_the_demo_page_of_a_big_territory_is_consistent_with_the_api(client):
    ref = make_reference()
    make_directory(ref, random.Random(9), count=40)
    observatory_rebuild()
    body = client.get("/api/v1/indicators/region/11").json()
    page = client.get("/observatoire/region/11/").content.decode()
    assert f'obs-key-value">{body["organisations"]}</span>' in page


@pytest.mark.parametrize("role", ["anonymous", "user", Role.MEMBER, Role.STAFF, "superuser"])
def test_the_pages_are_public_for_every_role(client, data, django_user_model, role):
    if role != "anonymous":
        user = django_user_model.objects.create_user(
            "u", password="x", is_staff=role == "superuser", is_superuser=role == "superuser"
        )
        if role in (Role.MEMBER, Role.STAFF):
            NetworkRole.objects.create(user=user, network=NetworkFactory(), role=role)
        client.force_login(user)
    for name, kwargs in [
        ("observatory:index", {}),
        ("observatory:territory", {"level": "ept", "code": "200057867"}),
        ("observatory:csv", {"level": "ept", "code": "200057867", "table": "evolution"}),
    ]:
        assert client.get(reverse(name, kwargs=kwargs)).status_code == 200, (role, name)
