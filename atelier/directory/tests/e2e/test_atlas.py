"""The Atlas in a real Chromium: search, facets, map, organisation page, with and without
JavaScript."""

import json
import re

import pytest
from playwright.sync_api import expect

from .data import make_atlas
from .helpers import (
    MARKERS,
    RESULTS,
    expect_query,
    expect_results,
    facet_box,
    result_names,
    submit_filters,
)

pytestmark = pytest.mark.e2e

UNION = "Union des Coopératives du Canal"
SCIC = "SCIC Énergie Citoyenne"
AMIS = "Les Amis du Quartier"
HIDDEN = ["Société Commerciale Lambda", "Association Dissoute du Canal"]


def test_search_without_accents_finds_the_cooperative_and_leads_to_its_page(page):
    atlas = make_atlas()
    page.goto("/atlas/")
    page.locator("#atlas-q").fill("cooperative")
    page.locator("#atlas-q").press("Enter")

    expect_query(page, q="cooperative")
    expect_results(page, shown=[UNION], hidden=[AMIS, *HIDDEN])
    expect(page.locator("#atlas-count")).to_contain_text(str(page.locator(RESULTS).count()))

    page.locator(RESULTS).filter(has_text=UNION).locator("a").first.click()
    expect(page).to_have_url(
        f"{page.url.split('/atlas/')[0]}/atlas/organisations/{atlas[UNION].pk}/"
    )
    expect(page.locator("h1")).to_contain_text(UNION)


def test_ticking_a_facet_filters_the_list_and_keeps_the_state_in_the_url(page):
    make_atlas()
    page.goto("/atlas/")
    expect_results(page, shown=[UNION, SCIC, AMIS])

    box = facet_box(page, "famille", "cooperative")
    box.check()
    submit_filters(page, box)

    expect_query(page, famille="cooperative")
    expect_results(page, shown=[UNION, SCIC], hidden=[AMIS, "Mutuelle Solidaire du Rhône"])
    expect(page.locator(RESULTS)).to_have_count(2)
    expect(facet_box(page, "famille", "cooperative")).to_be_checked()

    page.reload()  # the URL alone restores the state
    expect(facet_box(page, "famille", "cooperative")).to_be_checked()
    expect(page.locator(RESULTS)).to_have_count(2)


def test_a_search_without_results_says_so(page):
    make_atlas()
    page.goto("/atlas/?q=zzyzx")
    expect(page.locator(RESULTS)).to_have_count(0)
    expect(page.locator("#atlas-count")).to_have_text(re.compile(r"\b0\b|aucun", re.IGNORECASE))


def test_the_map_shows_markers_and_a_cluster_click_zooms_in(page):
    make_atlas()
    page.goto("/atlas/")
    markers = page.locator(MARKERS)
    expect(markers.first).to_be_visible()

    cluster = page.locator("#atlas-map .atlas-cluster").first
    expect(cluster).to_be_visible()
    before = _marker_spread(page)
    cluster.click()
    # Zooming in spreads the markers apart (or splits the cluster into more markers).
    page.wait_for_function(
        """([selector, before]) => {
            const boxes = [...document.querySelectorAll(selector)]
                .map(el => el.getBoundingClientRect());
            if (boxes.length === 0) return false;  // between two loads
            if (boxes.length !== before.count) return true;
            const xs = boxes.map(b => b.x), ys = boxes.map(b => b.y);
            const spread = Math.max(...xs) - Math.min(...xs) + Math.max(...ys) - Math.min(...ys);
            return spread > before.spread + 1;
        }""",
        arg=[MARKERS, before],
    )


def _marker_spread(page):
    return page.evaluate(
        """(selector) => {
            const boxes = [...document.querySelectorAll(selector)]
                .map(el => el.getBoundingClientRect());
            const xs = boxes.map(b => b.x), ys = boxes.map(b => b.y);
            return {count: boxes.length,
                    spread: Math.max(...xs) - Math.min(...xs) + Math.max(...ys) - Math.min(...ys)};
        }""",
        MARKERS,
    )


def test_organisation_page_shows_name_establishments_and_valid_json_ld(page):
    atlas = make_atlas()
    union = atlas[UNION]
    page.goto(f"/atlas/organisations/{union.pk}/")

    expect(page.locator("h1")).to_contain_text(UNION)
    establishments = page.locator("#org-establishments")
    expect(establishments).to_contain_text("93200")
    expect(establishments).to_contain_text("8 quai de Valmy")
    expect(establishments).to_contain_text("75010")

    blocks = page.locator('script[type="application/ld+json"]').all_text_contents()
    assert blocks, "Pas de JSON-LD sur la page de l'organisation."
    documents = [json.loads(block) for block in blocks]  # raises on invalid JSON
    nodes = [n for d in documents for n in (d.get("@graph", [d]) if isinstance(d, dict) else d)]
    described = [n for n in nodes if n.get("name") == UNION]
    assert described, f"Aucun nœud JSON-LD ne décrit {UNION!r} : {nodes}"
    contexts = {str(d.get("@context", "")) for d in documents if isinstance(d, dict)}
    assert any("schema.org" in c for c in contexts), contexts
    assert union.siren in json.dumps(documents)


def test_search_and_facets_work_without_javascript(nojs_page):
    page = nojs_page
    make_atlas()
    page.goto("/atlas/")
    names = result_names(page)
    assert len(names) == 6, names  # the active organisations of the ESS perimeter
    assert not any(hidden in n for n in names for hidden in HIDDEN), names

    page.locator("#atlas-q").fill("canal")
    page.locator("#atlas-q").press("Enter")  # native form submission
    expect_query(page, q="canal")
    expect_results(page, shown=[UNION], hidden=[AMIS, *HIDDEN])

    page.goto("/atlas/")
    box = facet_box(page, "famille", "association")
    box.check()
    submit_filters(page, box)
    expect_query(page, famille="association")
    expect_results(page, shown=[AMIS, "Jardins Partagés de Belleville"], hidden=[UNION, SCIC])
    expect(facet_box(page, "famille", "association")).to_be_checked()
