"""The axe-core check itself: it must fail on an inaccessible page, and say why readably."""

import pytest

pytestmark = pytest.mark.e2e

BAD_PAGE = """<!doctype html><html lang="fr"><head><title>Essai</title></head><body><main>
<h1>Essai</h1><img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=" id="photo">
<p style="color:#aaa;background:#fff">Texte trop pâle</p></main></body></html>"""


def test_axe_fails_with_rule_impact_selector_and_html(page, axe):
    page.set_content(BAD_PAGE)
    with pytest.raises(pytest.fail.Exception) as failure:
        axe(page)
    message = str(failure.value)
    assert "- image-alt [critical]" in message
    assert "#photo" in message and '<img src="data:image/gif' in message
    assert "- color-contrast [serious]" in message
    assert "wcag21aa" in message


def test_axe_passes_an_accessible_page(page, axe):
    page.set_content(
        BAD_PAGE.replace('id="photo"', 'id="photo" alt="Un pixel"').replace("#aaa", "#333")
    )
    axe(page)
