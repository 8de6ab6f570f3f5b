"""The Atlas page /atlas/ without JavaScript: a GET form, results, facets, chips, pagination."""

import re

import pytest
from django.urls import reverse

from atelier.directory.enums import Approval, Theme
from atelier.directory.tests.test_search import make_org
from atelier.territories.tests.factories import make_small_reference

pytestmark = pytest.mark.django_db


@pytest.fixture
def ref():
    return make_small_reference()


@pytest.fixture
def orgs(ref):
    return [
        make_org(
            ref,
            category="5458",
            name="Coopératives du Canal",
            commune="saint_denis",
            themes=[Theme.INSERTION],
            approvals=[Approval.SCOP],
            description="Une SCOP de conseil.",
        ),
        make_org(ref, name="Amis du quartier", commune="arr20", themes=[Theme.CULTURE]),
        make_org(ref, category="8210", name="Mutuelle Lyonnaise", commune="lyon"),
        make_org(ref, category="5710", name="Société Ordinaire"),
    ]


def get(client, query=""):
    response = client.get(reverse("directory:search") + ("?" + query if query else ""))
    assert response.status_code == 200
    return response.content.decode()


def result_names(body: str) -> list[str]:
    ol = body.split('<ol id="atlas-results"', 1)[1].split("</ol>", 1)[0]
    return re.findall(r'<h3 class="result-name"><a href="[^"]+">([^<]+)</a>', ol)


def test_page_is_public_and_keeps_the_dom_contract(client, orgs):
    body = get(client)
    assert reverse("directory:search") == "/atlas/"
    assert 'role="search"' in body
    assert re.search(r'<label for="atlas-q">', body)
    assert 'name="q" id="atlas-q"' in body
    assert '<aside id="atlas-facets"' in body
    assert '<ol id="atlas-results"' in body
    assert body.count('<li class="result">') == 3
    assert 'id="atlas-count"' in body and 'aria-live="polite"' in body
    assert 'id="atlas-map"' in body
    assert f'href="/atlas/organisations/{orgs[0].pk}/"' in body
    for heading in ("<h1>", ">Filtres</h2>", ">Résultats</h2>"):
        assert heading in body
    assert ">Filtrer</button>" in body
    assert '<fieldset class="facet facet-famille">' in body and "<legend>" in body
    assert "Société Ordinaire" not in body  # outside the ESS perimeter


def test_get_with_parameters_renders_results_and_checked_boxes(client, orgs):
    body = get(client, "q=cooperative&famille=cooperative&territoire=region:11")
    assert result_names(body) == ["Coopératives du Canal"]
    assert re.search(r'name="famille" value="cooperative" id="[^"]+" checked', body)
    assert re.search(r'name="territoire" value="region:11" id="[^"]+" checked', body)
    assert not re.search(r'name="famille" value="association" id="[^"]+" checked', body)
    assert 'value="cooperative"' in body
    assert 'id="atlas-q" value="cooperative"' in body
    assert "1 organisation dans la liste" in body


def test_facets_show_counts(client, orgs):
    body = get(client)
    assert re.search(
        r'value="association"[^>]*>\s*<label[^>]*>association <span class="facet-count">\(1\)', body
    )
    assert re.search(
        r'value="region:11"[^>]*>\s*<label[^>]*>Île-de-France <span class="facet-count">\(2\)', body
    )


def test_active_filters_are_removable_chips(client, orgs):
    body = get(client, "q=canal&famille=cooperative&famille=mutual")
    chips = re.findall(r'<a class="chip" href="\?([^"]*)">', body)
    assert len(chips) == 3
    unescaped = [c.replace("&amp;", "&") for c in chips]
    assert "famille=cooperative&famille=mutual" in unescaped  # the text removed
    assert "q=canal&famille=mutual" in unescaped
    assert "q=canal&famille=cooperative" in unescaped
    assert "Effacer les filtres" in body


def test_export_links_carry_the_filters(client, orgs):
    body = get(client, "famille=cooperative&page=1")
    for fmt in ("csv", "geojson", "json"):
        url = reverse("directory:export", args=[fmt]) + "?famille=cooperative"
        assert f'href="{url}"' in body


def test_empty_results_suggest_removing_filters(client, orgs):
    body = get(client, "q=introuvable&famille=mutual")
    assert '<ol id="atlas-results"' not in body
    assert "Aucun acteur ne correspond" in body
    assert "Retirez un ou plusieurs filtres" in body
    assert "Aucune organisation dans la liste" in body


def test_invalid_parameters_are_a_polite_message(client, orgs):
    body = get(client, "famille=pirate&territoire=nulle:part&theme=%3Cscript%3E")
    assert "n'a pas pu être comprise" in body or "n&#x27;a pas pu être comprise" in body
    assert "pirate" in body
    assert "<script>" not in body.split('<aside id="atlas-facets"')[0].split("<h1>")[1]
    assert "&lt;script&gt;" in body
    assert len(result_names(body)) == 3


def test_text_is_escaped(client, orgs):
    body = get(client, "q=%22%3E%3Cscript%3Ealert(1)%3C/script%3E")
    assert "<script>alert(1)" not in body
    assert "&lt;script&gt;alert(1)" in body


def test_pagination_nav(client, ref):
    for i in range(45):
        make_org(ref, name=f"Association {i:02d}")
    body = get(client, "page=2")
    assert '<nav class="pagination" aria-label="Pages de résultats">' in body
    assert re.search(r'<a href="\?page=2" aria-current="page">', body)
    assert 'href="?page=3" rel="next"' in body
    assert 'href="?" rel="prev"' in body  # page 1 has no page parameter
    assert result_names(body)[0] == "Association 20"
    assert '<ol id="atlas-results" class="atlas-list" start="21">' in body


def test_page_in_english(client, orgs):
    response = client.get("/en/atlas/?famille=cooperative")
    assert response.status_code == 200
    assert '<html lang="en">' in response.content.decode()


def test_number_of_queries_of_the_page_is_bounded(client, orgs, django_assert_max_num_queries):
    # Territory parsing (1) + search (at most 11) + the map include's own needs, if any (<= 3).
    with django_assert_max_num_queries(15):
        client.get("/atlas/?q=canal&famille=cooperative&territoire=departement:93")
