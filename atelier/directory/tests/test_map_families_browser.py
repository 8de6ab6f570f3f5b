"""The map people can read, in a real Chromium: markers and clusters by ESS family (letter and
colour), the legend, popups with family and address, "Rechercher dans cette zone", filters that
apply when a box is ticked, and the base map when a tile URL is set (tiles answered locally:
no test reaches the network). Skipped (loudly) without Chromium."""

import base64
import re
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import expect

from atelier.directory.enums import EssRule
from atelier.directory.geo import lonlat_to_world
from atelier.directory.tests.factories import EstablishmentFactory, OrganisationFactory
from config.settings.base import _tile_source

pytestmark = pytest.mark.e2e

IGN = (
    "https://data.geopf.fr/wmts?SERVICE=WMTS&REQUEST=GetTile&VERSION=1.0.0"
    "&LAYER=GEOGRAPHICALGRIDSYSTEMS.PLANIGNV2&STYLE=normal&TILEMATRIXSET=PM&FORMAT=image/png"
    "&TILEMATRIX={z}&TILEROW={y}&TILECOL={x}"
)
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8/5+hHgAHggJ/PchI7wAAAABJRU5ErkJggg=="
)


def _place(name, lon, lat, family="association", **address):
    org = OrganisationFactory(name=name, ess_family=family, ess_rule=EssRule.LEGAL_CATEGORY)
    mx, my = lonlat_to_world(lon, lat)
    EstablishmentFactory(
        organisation=org, longitude=lon, latitude=lat, mx=mx, my=my, is_open=True, **address
    )
    return org


def _actors():
    return {
        "coop": _place(
            "Coopaname",
            2.3756,
            48.8534,
            "cooperative",
            street="3-7 rue Albert Marquet",
            postcode="75020",
        ),
        "port": _place("Port Parallèle", 2.3760, 48.8530),
        "mutual": _place(
            "Mutuelle du Rhône",
            4.8400,
            45.7600,
            "mutual",
            street="1 place Bellecour",
            postcode="69002",
        ),
    }


def test_markers_carry_their_family_letter_and_colour_and_the_legend_names_them(page):
    _actors()
    page.goto("/atlas/")
    legend = page.locator("#atlas-map-legend")
    expect(legend.locator(".atlas-legend-item")).to_have_count(5)
    expect(legend).to_contain_text("Association")
    expect(legend).to_contain_text("Coopérative")
    expect(legend).to_contain_text("Mutuelle")
    point = page.locator('#atlas-map .atlas-point[aria-label="Mutuelle du Rhône (mutuelle)"]')
    expect(point).to_be_visible()
    expect(point).to_have_class(re.compile(r"\batlas-fam-2\b"))
    expect(point).to_have_text("M")
    # Mutuelle colour, white letter.
    expect(point).to_have_css("background-color", "rgb(106, 61, 154)")
    expect(point).to_have_css("color", "rgb(255, 255, 255)")
    # The Parisian cluster: one association and one cooperative, a tie: the first (association).
    cluster = page.locator("#atlas-map .atlas-cluster")
    expect(cluster).to_have_count(1)
    expect(cluster).to_have_class(re.compile(r"\batlas-fam-0\b"))
    expect(cluster.locator(".atlas-cluster-letter")).to_have_attribute("data-letter", "A")
    expect(cluster.locator(".atlas-cluster-n")).to_have_text("2")
    # The ring: half association, half cooperative (custom properties set by the script).
    assert cluster.evaluate("n => n.style.getPropertyValue('--atlas-s0')") == "50.0%"
    assert cluster.evaluate("n => n.style.getPropertyValue('--atlas-s1')") == "100.0%"


def test_the_legend_is_there_without_javascript(nojs_page):
    _actors()
    nojs_page.goto("/atlas/")
    items = nojs_page.locator("#atlas-map-legend .atlas-legend-item")
    expect(items).to_have_count(5)
    expect(items.first).to_contain_text("Association")
    expect(nojs_page.locator("[data-atlas-map-zone]")).to_be_hidden()


def test_a_popup_gives_name_family_address_and_the_link(page):
    actors = _actors()
    page.goto("/atlas/")
    point = page.locator('#atlas-map .atlas-point[aria-label="Mutuelle du Rhône (mutuelle)"]')
    point.focus()
    page.keyboard.press("Enter")
    popup = page.locator(".leaflet-popup-content")
    expect(popup.locator(".atlas-popup-name")).to_have_text("Mutuelle du Rhône")
    expect(popup.locator(".atlas-popup-family")).to_contain_text("mutuelle")
    expect(popup.locator(".atlas-popup-address")).to_contain_text("1 place Bellecour")
    expect(popup.locator(".atlas-popup-address")).to_contain_text("69002")
    expect(popup.locator("a")).to_be_focused()  # the address arrived without moving the focus
    expect(popup.locator("a")).to_have_attribute(
        "href", f"/atlas/organisations/{actors['mutual'].pk}/"
    )


def test_search_in_this_area_adds_the_zone_to_the_current_query(page):
    _actors()
    page.goto("/atlas/?famille=cooperative&famille=mutual")
    link = page.locator("[data-atlas-map-zone] a")
    expect(link).to_be_visible()
    expect(link).to_have_text("Rechercher dans cette zone")
    expect(link).to_have_attribute("href", re.compile(r"zone="))
    query = parse_qs(urlsplit(link.get_attribute("href")).query)
    assert query["famille"] == ["cooperative", "mutual"]
    [zone] = query["zone"]
    values = zone.split(",")
    assert len(values) == 4 and all(re.fullmatch(r"-?\d+\.\d{4}", v) for v in values)
    west, south, east, north = map(float, values)
    assert west < 2.3756 < east and south < 48.8534 < north  # the view holds the results


def test_ticking_a_filter_applies_it_at_once_and_keeps_the_focus(page):
    _actors()
    page.goto("/atlas/")
    expect(page.locator("[data-atlas-autosubmit-note]")).to_be_visible()
    box = page.locator("#atlas-facets input[name=famille][value=cooperative]")
    box_id = box.get_attribute("id")
    with page.expect_navigation():
        box.check()
    assert "famille=cooperative" in page.url
    expect(page.locator("#atlas-count")).to_contain_text("1 organisation dans la liste")
    expect(page.locator(f"#{box_id}")).to_be_checked()
    expect(page.locator(f"#{box_id}")).to_be_focused()
    expect(
        page.locator('#atlas-map .atlas-point[aria-label="Coopaname (coopérative)"]')
    ).to_be_visible()
    expect(page.locator("#atlas-map .atlas-point")).to_have_count(1)


def test_with_a_tile_url_the_base_map_is_drawn_with_its_linked_attribution(page, settings):
    settings.ATELIER_MAP_TILE_URL = IGN
    policy = settings.CONTENT_SECURITY_POLICY
    settings.CONTENT_SECURITY_POLICY = {
        **policy,
        "DIRECTIVES": {**policy["DIRECTIVES"], "img-src": ["'self'", "data:", *_tile_source(IGN)]},
    }
    tiles = []

    def tile(route):
        tiles.append(route.request.url)
        route.fulfill(status=200, content_type="image/png", body=PNG)

    page.route("https://data.geopf.fr/**", tile)
    _actors()
    response = page.goto("/atlas/")
    assert "https://data.geopf.fr" in response.headers["content-security-policy"]
    expect(page.locator("#atlas-map img.leaflet-tile").first).to_be_attached()
    expect(page.locator("#atlas-map .leaflet-tile-loaded").first).to_be_attached()
    assert tiles and all("LAYER=GEOGRAPHICALGRIDSYSTEMS.PLANIGNV2" in url for url in tiles)
    assert all(re.search(r"TILEMATRIX=\d+&TILEROW=\d+&TILECOL=\d+", url) for url in tiles)
    link = page.locator(".leaflet-control-attribution a", has_text="© IGN – Plan IGN v2")
    expect(link).to_have_attribute("href", "https://geoservices.ign.fr/")


def test_the_home_page_passes_axe_with_its_map_and_ways_in(page, axe):
    _actors()
    page.goto("/")
    expect(page.locator("#home-figures")).to_contain_text("3")
    expect(page.locator("#home-families a", has_text="Coopérative")).to_have_attribute(
        "href", "/atlas/?famille=cooperative"
    )
    expect(page.locator("#atlas-map .atlas-cluster")).to_have_count(1)
    expect(page.locator("#atlas-map .atlas-point")).to_have_count(1)
    zone = page.locator("[data-atlas-map-zone] a")
    expect(zone).to_have_attribute("href", re.compile(r"^/atlas/\?zone=-?\d+\.\d{4},"))
    axe(page)
    page.goto("/en/")
    expect(page.locator("#atlas-map .atlas-cluster")).to_have_count(1)
    axe(page)


def test_the_search_page_passes_axe_after_a_filter_applied_by_ticking(page, axe):
    _actors()
    page.goto("/atlas/")
    with page.expect_navigation():
        page.locator("#atlas-facets input[name=famille][value=mutual]").check()
    expect(page.locator("#atlas-map .atlas-point")).to_have_count(1)
    expect(page.locator("[data-atlas-map-zone] a")).to_be_visible()
    axe(page)
