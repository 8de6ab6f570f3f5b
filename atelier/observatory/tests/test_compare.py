"""The comparison view: 2 to 5 territories side by side, errors in French naming the problem,
a form that adds and removes territories without script, CSV of every table."""

import csv
import io
import re

import pytest

from atelier.observatory.services.rebuild import observatory_rebuild
from atelier.observatory.tests.factories import make_organisation, make_reference

pytestmark = pytest.mark.django_db
URL = "/observatoire/comparer/"


@pytest.fixture
def data():
    ref = make_reference()
    for _ in range(4):
        make_organisation(ref, places=["saint_denis"], bands=["11"], naf="88.99B")
    for _ in range(3):
        make_organisation(ref, places=["aubervilliers", "saint_denis"], category="5458")
    for _ in range(3):
        make_organisation(ref, places=["arr10"], bands=["01"])
    observatory_rebuild()
    return ref


def test_three_territories_side_by_side(client, data):
    response = client.get(URL, {"t": ["commune:75056", "ept:200057867", "region:11"]})
    assert response.status_code == 200
    page = response.content.decode()
    for label in ("Paris", "Plaine Commune", "Île-de-France"):
        assert label in page
    key = page.split('id="chiffres-cles"')[1].split("</table>")[0]
    rows = [r for r in key.split("<tr>")[2:]]
    # Paris: 3 organisations, 3 establishments; Plaine Commune 7 and 10; IdF 10 and 13.
    assert ">3<" in rows[0] and ">7<" in rows[1] and ">10<" in rows[1] and ">13<" in rows[2]
    assert 'id="indices"' in page and 'id="parts-family"' in page and 'id="parts-naf"' in page
    assert '<svg viewBox="0 0 640' in page and '<desc id="graphique-comparaison-desc">' in page
    # Each territory is a checked box (uncheck to remove) and the add field is there.
    assert page.count('type="checkbox" name="t"') == 3
    assert 'name="ajout"' in page


def test_share_table_and_csv(client, data):
    keys = ["commune:93066", "commune:93001"]
    response = client.get(f"{URL}parts-family.csv", {"t": keys})
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.content.decode()), delimiter=";"))
    assert rows[0][1:] == ["Saint-Denis (93)", "Aubervilliers (93)"]
    # Saint-Denis: 4 associations + 3 cooperative establishments of 7; Aubervilliers: 3 of 3.
    by_label = {r[0]: r[1:] for r in rows[1:]}
    assert by_label == {"association": ["57.1", "0"], "coopérative": ["42.9", "100"]}, by_label
    assert client.get(f"{URL}nope.csv", {"t": keys}).status_code == 404
    assert client.get(f"{URL}chiffres-cles.csv", {"t": keys[:1]}).status_code == 400


def test_errors_are_clear_and_in_french(client, data):
    one = client.get(URL, {"t": "commune:75056"})
    assert one.status_code == 400
    assert "au moins 2 territoires" in one.content.decode()
    six = ["commune:75056", "commune:93066", "commune:93001", "commune:93048", "commune:69123",
           "commune:69266"]  # fmt: skip
    many = client.get(URL, {"t": six})
    assert many.status_code == 400 and "Au plus 5 territoires" in many.content.decode()
    unknown = client.get(URL, {"t": ["commune:75056", "commune:99999"]})
    assert unknown.status_code == 404
    assert "Territoire inconnu : « commune:99999 »" in unknown.content.decode()
    assert client.get(URL).status_code == 200  # the empty form


def test_the_form_adds_and_removes_without_script(client, data):
    response = client.get(URL, {"t": "commune:75056", "ajout": "93066"})
    assert response.status_code == 302
    assert response["Location"] == f"{URL}?t=commune%3A75056&t=commune%3A93066"
    removed = client.get(URL, {"t": "commune:75056"})  # one box unchecked
    assert removed.status_code == 400
    none = client.get(URL, {"t": ["commune:75056", "commune:93066"], "ajout": "zzyzx"})
    assert "Aucun territoire ne correspond à « zzyzx »" in none.content.decode()


def test_the_territory_page_links_to_a_comparison(client, data):
    page = client.get("/observatoire/commune/93066/").content.decode()
    assert f'href="{URL}?t=commune%3A93066&amp;t=region%3A11"' in page


def test_a_figure_that_does_not_exist_has_no_bar():
    from atelier.observatory.selectors.charts import bar_chart

    chart = bar_chart("c", "Titre", "t", [("A", 2.0), ("B", None), ("C", 1.0)])
    assert [b.width for b in chart.bars] == [520, 0, 260]
    assert chart.bars[1].value_text == "non disponible"
    assert "B : non disponible" in chart.summary


def test_the_chart_shows_the_figures_per_inhabitant_with_decimals(client, data):
    page = client.get(URL, {"t": ["commune:93066", "commune:93001"]}).content.decode()
    chart = page.split('<svg viewBox="0 0 640')[1].split("</svg>")[0]
    values = re.findall(r'class="obs-bar-value">([^<]*)<', chart)
    # Saint-Denis: 7 establishments for its population; Aubervilliers: 3 for 89,000.
    assert values[1] == "0,34", values
