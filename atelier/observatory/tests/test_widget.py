"""The embeddable widget: the only page other sites may frame (its own CSP frame-ancestors,
no X-Frame-Options), and the "Intégrer ces chiffres" snippet on the territory page."""

import html
import re

import pytest

from atelier.observatory.services.rebuild import observatory_rebuild
from atelier.observatory.tests.factories import make_organisation, make_reference

pytestmark = pytest.mark.django_db
WIDGET = "/observatoire/commune/93066/widget/"


@pytest.fixture
def data():
    ref = make_reference()
    for _ in range(4):
        make_organisation(ref, places=["saint_denis"], bands=["11"])
    observatory_rebuild()
    return ref


def _frame_ancestors(response) -> str:
    policy = response["Content-Security-Policy"]
    return re.search(r"frame-ancestors ([^;]*)", policy).group(1)


def test_the_widget_may_be_framed_and_shows_the_key_figures(client, data):
    response = client.get(WIDGET)
    assert response.status_code == 200
    assert _frame_ancestors(response) == "*"
    assert "X-Frame-Options" not in response
    page = response.content.decode()
    assert '<html lang="fr">' in page
    assert "<h1>L'ESS à Saint-Denis (93)</h1>" in page
    assert "<dd>4</dd>" in page  # organisations
    assert 'href="http://testserver/observatoire/commune/93066/"' in page
    assert "<script" not in page and "style=" not in page


def test_every_other_page_still_refuses_framing(client, data):
    for url in ("/observatoire/commune/93066/", "/observatoire/", "/observatoire/comparer/"):
        response = client.get(url)
        assert _frame_ancestors(response) == "'none'", url
        assert response["X-Frame-Options"] == "DENY", url


def test_the_territory_page_gives_the_iframe_to_copy(client, data):
    page = client.get("/observatoire/commune/93066/").content.decode()
    snippet = re.search(r'<textarea id="integrer-code"[^>]*>(.*?)</textarea>', page, re.S).group(1)
    code = html.unescape(snippet)
    assert code.startswith('<iframe src="http://testserver/observatoire/commune/93066/widget/"')
    assert 'title="L&#x27;ESS à Saint-Denis (93) en chiffres"' in code
    assert '<label for="integrer-code">' in page
    assert client.get("/observatoire/commune/99999/widget/").status_code == 404
