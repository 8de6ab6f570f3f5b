"""The Atlas with the keyboard only: the search field and the facets are reachable with Tab,
the search is submitted with Enter, a facet is ticked with Space."""

import pytest
from playwright.sync_api import expect

from .data import make_atlas
from .helpers import RESULTS, expect_query, expect_results, facet_box

pytestmark = pytest.mark.e2e

MAX_TABS = 150


def tab_until(page, predicate_js: str) -> None:
    """Press Tab until `predicate_js(document.activeElement)` is true; fail after MAX_TABS."""
    for _ in range(MAX_TABS):
        page.keyboard.press("Tab")
        if page.evaluate(f"(el => {predicate_js})(document.activeElement)"):
            return
    pytest.fail(f"Élément jamais atteint au clavier en {MAX_TABS} tabulations : {predicate_js}")


def test_search_field_is_reached_with_tab_and_submitted_with_enter(page):
    make_atlas()
    page.goto("/atlas/")
    tab_until(page, "el.id === 'atlas-q'")
    page.keyboard.type("cooperative")
    page.keyboard.press("Enter")
    expect_query(page, q="cooperative")
    expect_results(page, shown=["Union des Coopératives du Canal"], hidden=["Les Amis du Quartier"])


def test_facet_checkbox_is_reached_with_tab_and_ticked_with_space(page):
    make_atlas()
    page.goto("/atlas/")
    tab_until(
        page,
        "el.type === 'checkbox' && el.name === 'famille' && el.value === 'cooperative'"
        " && !!el.closest('#atlas-facets')",
    )
    box = facet_box(page, "famille", "cooperative")
    expect(box).not_to_be_checked()
    page.keyboard.press("Space")
    expect(box).to_be_checked()
    # With JavaScript a ticked box applies at once (the page reloads): wait for that page
    # before tabbing on, or the focus would be read during the navigation.
    page.wait_for_url(lambda url: "famille=cooperative" in url)
    page.wait_for_load_state()
    # Then on to the form's next submit button ("Filtrer"), pressed with Enter.
    tab_until(
        page,
        "el.type === 'submit' && !!el.form && el.form === document.querySelector("
        "'#atlas-facets input[name=famille][value=cooperative]').form",
    )
    page.keyboard.press("Enter")
    expect_query(page, famille="cooperative")
    expect(page.locator(RESULTS)).to_have_count(2)
