"""Small helpers for the Atlas end-to-end tests, written against the DOM contract: the search
form (role=search, #atlas-q), #atlas-results > li.result, #atlas-count, the facets in
aside#atlas-facets, the map #atlas-map with .atlas-cluster / .atlas-point markers."""

import re
from typing import Any

from playwright.sync_api import expect

RESULTS = "#atlas-results li.result"
MARKERS = "#atlas-map .atlas-cluster, #atlas-map .atlas-point"


def facet_box(page: Any, name: str, value: str) -> Any:
    return page.locator(f'#atlas-facets input[type="checkbox"][name="{name}"][value="{value}"]')


def result_names(page: Any) -> list[str]:
    """The visible text of each result, whitespace collapsed."""
    return [" ".join(text.split()) for text in page.locator(RESULTS).all_inner_texts()]


def expect_results(page: Any, *, shown: list[str], hidden: list[str] = ()) -> None:
    """Wait until every name of `shown` is in the list and none of `hidden` is."""
    results = page.locator(RESULTS)
    for name in shown:
        expect(results.filter(has_text=name)).to_have_count(1)
    for name in hidden:
        expect(results.filter(has_text=name)).to_have_count(0)


def expect_query(page: Any, **params: str) -> None:
    """Wait until the page URL carries every `name=value` (the state lives in the URL)."""
    for name, value in params.items():
        expect(page).to_have_url(re.compile(rf"[?&]{re.escape(name)}={re.escape(value)}(&|$|#)"))


SUBMIT = 'button[type="submit"]:visible, input[type="submit"]:visible, button:not([type]):visible'


def submit_filters(page: Any, box: Any) -> None:
    """Submit the form a facet checkbox belongs to, as a user would: with the facets' own
    submit button ("Filtrer") when there is one, else the first of its form. Nothing to do
    when the page applies filters by itself (no visible button)."""
    form_id = box.evaluate("el => el.form ? (el.form.id || '') : null")
    assert form_id is not None, "La case à cocher n'appartient à aucun formulaire."
    form = page.locator(f"#{form_id}") if form_id else box.locator("xpath=ancestor::form[1]")
    for scope in (page.locator("#atlas-facets"), form):
        buttons = scope.locator(SUBMIT)
        if buttons.count():
            buttons.first.click()
            return
