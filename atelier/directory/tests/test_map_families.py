"""ESS families on the map: the index field and live queries count each cell's establishments per
family (the same answer from both), points carry their family, the legend and the map settings
(base map on by default: IGN Plan IGN v2, its host in the CSP; the test settings without tiles)."""

import json
import random
import re

import pytest
from django.http import QueryDict
from django.template.loader import render_to_string
from django.test import RequestFactory

import config.settings.base as base_settings
from atelier.directory.enums import EssRule
from atelier.directory.families import MAP_FAMILIES, dominant, family_index
from atelier.directory.selectors.map import map_clusters
from atelier.directory.selectors.search import SearchParams
from atelier.directory.tests.factories import OrganisationFactory, placed_establishment

pytestmark = pytest.mark.django_db

FRANCE = (-5.5, 41.0, 10.0, 51.5)
FAMILIES = ["association", "cooperative", "mutual", "foundation", "other"]


def _org(family, name="Acteur"):
    return OrganisationFactory(name=name, ess_family=family, ess_rule=EssRule.LEGAL_CATEGORY)


def test_family_indexes_letters_and_dominant():
    assert [f.value for f in MAP_FAMILIES] == FAMILIES
    assert [f.letter for f in MAP_FAMILIES] == ["A", "C", "M", "F", "X"]
    assert len({f.css_class for f in MAP_FAMILIES}) == 5
    assert family_index("mutual") == 2 and family_index("nope") == 4 and family_index("") == 4
    assert dominant((1, 3, 3, 0, 0)) == 1  # a tie: the first
    assert dominant((0, 0, 0, 0, 2)) == 4 and dominant(()) == 4


@pytest.mark.parametrize("engine", ["tantivy", "database"])
def test_clusters_count_their_establishments_per_family_and_points_carry_theirs(settings, engine):
    settings.ATELIER_SEARCH_ENGINE = engine
    # Paris: 3 cooperatives, 2 associations, 1 foundation, close together; Lyon: a mutual.
    for i, family in enumerate(["cooperative"] * 3 + ["association"] * 2 + ["foundation"]):
        placed_establishment(_org(family), 2.35 + i * 0.001, 48.85)
    lyon = _org("mutual", "Mutuelle du Rhône")
    placed_establishment(lyon, 4.84, 45.76)
    result = map_clusters(None, FRANCE, 6)
    [cluster] = result.clusters
    assert cluster.n == 6 and cluster.families == (2, 3, 0, 1, 0)
    assert cluster.family == 1  # cooperatives
    [point] = result.points
    assert point.organisation_id == lyon.pk and point.family == 2
    body = json.loads(result.to_json())
    by_kind = {("n" in f): f for f in body["features"]}
    assert by_kind[True]["fc"] == [2, 3, 0, 1]  # trailing zero left out
    assert by_kind[False]["f"] == 2


def test_index_and_live_queries_give_the_same_family_counts(settings):
    rnd = random.Random(11)
    for i in range(150):
        org = _org(FAMILIES[i % 5], f"Acteur {i}")
        for _ in range(rnd.randint(1, 3)):
            placed_establishment(org, rnd.uniform(-4, 7.5), rnd.uniform(43, 50.5))
    single_family_clusters = 0
    for query in ("", "famille=cooperative&famille=mutual", "famille=mutual"):
        params = SearchParams.from_querydict(QueryDict(query))
        for bbox, zoom in [(FRANCE, 5), (FRANCE, 8), ((1.5, 47.0, 4.5, 49.5), 10)]:
            settings.ATELIER_SEARCH_ENGINE = "tantivy"
            indexed = map_clusters(params, bbox, zoom)
            settings.ATELIER_SEARCH_ENGINE = "database"
            live = map_clusters(params, bbox, zoom)
            assert indexed.source == "index" and live.source == "live"
            assert indexed.as_dict() == live.as_dict(), (query, bbox, zoom)
            assert all(sum(c.families) == c.n for c in indexed.clusters)
            if query:
                assert all(c.families[0] == c.families[3] == 0 for c in indexed.clusters)
                assert {p.family for p in indexed.points} <= {1, 2}
            if query == "famille=mutual":  # one family: counts written without aggregating
                assert all(c.families == (0, 0, c.n, 0, 0) for c in indexed.clusters)
                single_family_clusters += len(indexed.clusters)
    assert single_family_clusters > 0


def _render(template, path="/atlas/", context=None):
    request = RequestFactory().get(path)
    return render_to_string(template, context or {}, request=request)


def test_the_legend_names_every_family_with_its_letter():
    html = _render("directory/_map_legend.html")
    items = re.findall(r'<li class="atlas-legend-item" data-family="(\d)">(.*?)</li>', html, re.S)
    assert [i for i, _ in items] == ["0", "1", "2", "3", "4"]
    for family, (_, item) in zip(MAP_FAMILIES, items, strict=True):
        assert f'atlas-point {family.css_class}"' in item
        assert f"<span>{family.letter}</span>" in item
        assert str(family.label).capitalize()[:10] in item
    assert "Légende de la carte" in html


def test_the_search_map_carries_families_detail_url_and_zone_link(client):
    html = client.get("/atlas/").content.decode()
    assert 'id="atlas-map-legend"' in html
    assert 'data-detail-url="/api/v1/organisations/0"' in html
    match = re.search(r'data-families="([^"]+)"', html)
    families = json.loads(match.group(1).replace("&quot;", '"'))
    assert [f["letter"] for f in families] == ["A", "C", "M", "F", "X"]
    assert families[1] == {
        "letter": "C",
        "css": "atlas-fam-1",
        "label": "coopérative",
        "plural": "coopératives",
    }
    assert "data-atlas-map-zone hidden" in html and "Rechercher dans cette zone" in html


# -- settings: the base map ------------------------------------------------------------------


def test_the_base_map_is_on_by_default_with_ign_plan_v2_and_its_host_in_the_policy():
    url = base_settings.ATELIER_MAP_TILE_URL
    assert url.startswith("https://data.geopf.fr/wmts?")
    assert "LAYER=GEOGRAPHICALGRIDSYSTEMS.PLANIGNV2" in url and "TILEMATRIXSET=PM" in url
    assert "TILEMATRIX={z}&TILEROW={y}&TILECOL={x}" in url
    assert base_settings.ATELIER_MAP_TILE_ATTRIBUTION == "© IGN – Plan IGN v2"
    assert base_settings.ATELIER_MAP_TILE_ATTRIBUTION_URL == "https://geoservices.ign.fr/"
    assert base_settings.ATELIER_MAP_TILE_MAX_ZOOM == 19
    img_src = base_settings.CONTENT_SECURITY_POLICY["DIRECTIVES"]["img-src"]
    assert "https://data.geopf.fr" in img_src


def test_tests_fetch_no_tiles(settings, client):
    assert settings.ATELIER_MAP_TILE_URL == ""
    html = client.get("/atlas/").content.decode()
    assert 'data-tile-url=""' in html
    assert 'data-tile-attribution=""' in html  # no attribution without a base map
    assert "data.geopf.fr" not in client.get("/atlas/")["Content-Security-Policy"]


def test_with_a_tile_url_the_map_gets_url_attribution_link_and_max_zoom(settings):
    settings.ATELIER_MAP_TILE_URL = base_settings.ATELIER_MAP_TILE_URL
    settings.ATELIER_MAP_TILE_ATTRIBUTION = "© IGN – Plan IGN v2"
    settings.ATELIER_MAP_TILE_ATTRIBUTION_URL = "https://geoservices.ign.fr/"
    settings.ATELIER_MAP_TILE_MAX_ZOOM = 19
    html = _render("directory/_map.html")
    assert 'data-tile-url="https://data.geopf.fr/wmts?SERVICE=WMTS&amp;REQUEST=GetTile' in html
    assert 'data-tile-attribution="© IGN – Plan IGN v2"' in html
    assert 'data-tile-attribution-url="https://geoservices.ign.fr/"' in html
    assert 'data-tile-max-zoom="19"' in html
    # Only a web address becomes a link (the script escapes the text itself).
    settings.ATELIER_MAP_TILE_ATTRIBUTION_URL = "javascript:alert(1)"
    assert 'data-tile-attribution-url=""' in _render("directory/_map.html")
