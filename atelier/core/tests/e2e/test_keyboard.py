"""Keyboard use of the common layout: the skip link comes first and moves focus to the main
content; the focused element is visibly outlined."""

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e

PAGES = ["/", "/atlas/", "/comptes/connexion/", "/en/"]


@pytest.mark.parametrize("url", PAGES)
def test_first_tab_focuses_the_skip_link_which_moves_focus_to_main(page, url):
    page.goto(url)
    page.keyboard.press("Tab")
    skip = page.locator("a.skip-link")
    expect(skip).to_be_focused()
    expect(skip).to_be_visible()  # shown when focused, hidden otherwise
    target = skip.get_attribute("href")
    assert target and target.startswith("#"), target

    page.keyboard.press("Enter")
    main = page.locator("main")
    expect(main).to_have_attribute("id", target[1:])
    expect(main).to_be_focused()
    # The next Tab continues from the main content, not from the top of the page.
    page.keyboard.press("Tab")
    assert page.evaluate("document.querySelector('main').contains(document.activeElement)")


@pytest.mark.parametrize("url", ["/", "/atlas/"])
def test_focused_links_have_a_visible_outline(page, url):
    page.goto(url)
    page.keyboard.press("Tab")  # skip link
    page.keyboard.press("Tab")  # the next link of the header
    focused = page.evaluate(
        """() => {
            const el = document.activeElement, style = getComputedStyle(el);
            return {tag: el.tagName, outline: style.outlineStyle, width: style.outlineWidth,
                    color: style.outlineColor, shadow: style.boxShadow};
        }"""
    )
    assert focused["tag"] == "A", focused
    assert focused["outline"] != "none" and focused["width"] not in ("0px", ""), focused
