"""Every public page passes axe-core (WCAG 2.1 A and AA) in a real Chromium, in French and in
English, in the states that matter (empty, with a query and facets, without results).

A consistency test keeps the list honest: a new public view must be added to AXE_PAGES (or to
NOT_HTML with the reason it has no page), otherwise the suite fails."""

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, resolve
from django.utils import translation

from atelier.core.perms import PUBLIC
from atelier.directory.tests.e2e.data import make_atlas

ORGANISATION = "Union des Coopératives du Canal"

# URL name -> the pages checked. "{org}" is replaced by an organisation's id.
AXE_PAGES: dict[str, list[str]] = {
    "core:home": ["/", "/en/"],
    "accounts:login": ["/comptes/connexion/", "/en/comptes/connexion/"],
    "directory:search": [
        "/atlas/",
        "/atlas/?q=cooperative&famille=cooperative&famille=association&territoire=departement:93",
        "/atlas/?q=zzyzx",
        "/en/atlas/",
        "/en/atlas/?famille=association",
    ],
    "directory:organisation": ["/atlas/organisations/{org}/", "/en/atlas/organisations/{org}/"],
    # The observatory (its own axe check with computed figures: atelier/observatory/tests/e2e).
    "observatory:index": ["/observatoire/", "/observatoire/?q=saint", "/en/observatoire/"],
    "observatory:territory": ["/observatoire/ept/200057867/", "/en/observatoire/region/11/"],
}
# Public URL names with no HTML page of their own, and why.
NOT_HTML = {
    "accounts:logout": "action en POST qui redirige ; aucune page à contrôler",
    "directory:export": "téléchargements de fichiers (CSV, tableur, JSON), pas de HTML",
    "observatory:csv": "téléchargement d'un tableau en CSV, pas de HTML",
    "directory:organisation-by-number": (
        "redirection (302) d'un SIREN ou SIRET vers directory:organisation, contrôlée là"
    ),
}
# Outside our URLconf's policy decorators (see core/tests/test_access_policies.py).
FOREIGN_NAMESPACES = {"admin", "api"}
FOREIGN_VIEWS = {"set_language"}


def _walk(patterns, namespace=""):
    for p in patterns:
        if isinstance(p, URLResolver):
            ns = p.namespace or namespace
            if ns not in FOREIGN_NAMESPACES:
                yield from _walk(p.url_patterns, ns)
        elif isinstance(p, URLPattern) and p.name not in FOREIGN_VIEWS:
            yield f"{namespace}:{p.name}" if namespace else p.name, p


def public_url_names() -> set[str]:
    return {
        name
        for name, p in _walk(get_resolver().url_patterns)
        if getattr(p.callback, "access_policy", None) == PUBLIC
    }


def test_every_public_page_has_an_axe_check():
    public = public_url_names()
    unchecked = public - AXE_PAGES.keys() - NOT_HTML.keys()
    assert not unchecked, (
        f"Pages publiques sans contrôle axe-core : {sorted(unchecked)}. Ajoutez-les à AXE_PAGES "
        "(ou à NOT_HTML avec la raison) dans atelier/core/tests/e2e/test_public_pages_axe.py."
    )
    stale = (AXE_PAGES.keys() | NOT_HTML.keys()) - public
    assert not stale, f"Noms d'URL listés mais absents ou non publics : {sorted(stale)}"


def test_axe_pages_point_at_the_view_they_claim():
    for name, urls in AXE_PAGES.items():
        for url in urls:
            path = url.format(org=1).split("?")[0]
            with translation.override("en" if path.startswith("/en/") else "fr"):
                assert resolve(path).view_name == name, url


AXE_CASES = [(name, url) for name, urls in AXE_PAGES.items() for url in urls]


@pytest.mark.e2e
@pytest.mark.parametrize(("name", "url"), AXE_CASES, ids=[u for _, u in AXE_CASES])
def test_public_page_passes_axe(page, axe, name, url):
    atlas = make_atlas()
    response = page.goto(url.format(org=atlas[ORGANISATION].pk))
    assert response is not None and response.status == 200, (url, response and response.status)
    page.wait_for_load_state("networkidle")  # map clusters and other late content included
    axe(page)
