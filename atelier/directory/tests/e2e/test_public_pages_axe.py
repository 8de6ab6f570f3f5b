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
        # A place read in the text (notice, chip), around a commune (distances), a map zone.
        "/atlas/?q=cooperative+saint-denis",
        "/atlas/?autour=93066&rayon=20",
        "/atlas/?zone=2.2,48.8,2.5,49.0&q=cooperative",
        "/en/atlas/",
        "/en/atlas/?famille=association",
    ],
    "directory:organisation": ["/atlas/organisations/{org}/", "/en/atlas/organisations/{org}/"],
    "directory:organisation-propose": [
        "/atlas/organisations/{org}/proposer/",
        "/en/atlas/organisations/{org}/proposer/",
    ],
    # "{token}": the signed confirmation link of a visitor's proposal on the organisation.
    "directory:proposal-confirm": [
        "/atlas/propositions/confirmer/{token}/",
        "/en/atlas/propositions/confirmer/{token}/",
    ],
    # The observatory (its own axe check with computed figures: atelier/observatory/tests/e2e).
    "observatory:index": ["/observatoire/", "/observatoire/?q=saint", "/en/observatoire/"],
    "observatory:territory": ["/observatoire/ept/200057867/", "/en/observatoire/region/11/"],
    "observatory:compare": ["/observatoire/comparer/?t=ept:200057867&t=region:11"],
    "observatory:diagnostic_progress": ["/observatoire/ept/200057867/diagnostic/"],
    "observatory:widget": ["/observatoire/ept/200057867/widget/"],
    # The schemes catalogue, empty here (with the catalogue loaded: atelier/support/tests/e2e).
    "support:schemes": ["/dispositifs/", "/en/dispositifs/?kind=microcredit"],
}
# Pages for signed-in people, checked signed in (a moderator who is a member of a network the
# organisation belongs to); "{proposal}" is a confirmed proposal on the organisation.
AXE_SIGNED_IN_PAGES: dict[str, list[str]] = {
    "directory:my-space": ["/atlas/mon-espace/", "/en/atlas/mon-espace/"],
    "directory:moderation": ["/atlas/moderation/", "/en/atlas/moderation/"],
    "directory:moderation-proposal": [
        "/atlas/moderation/{proposal}/",
        "/en/atlas/moderation/{proposal}/",
    ],
}
# Public URL names with no HTML page of their own, and why.
NOT_HTML = {
    "accounts:logout": "action en POST qui redirige ; aucune page à contrôler",
    "directory:export": "téléchargements de fichiers (CSV, tableur, JSON), pas de HTML",
    "observatory:csv": "téléchargement d'un tableau en CSV, pas de HTML",
    "observatory:compare_csv": "téléchargement d'un tableau de comparaison en CSV, pas de HTML",
    "observatory:diagnostic_pdf": "téléchargement du diagnostic en PDF, pas de HTML",
    "directory:organisation-by-number": (
        "redirection (302) d'un SIREN ou SIRET vers directory:organisation, contrôlée là"
    ),
}
# Public pages that need their app's own data, checked by axe in that app's end-to-end tests
# (the file named must exist).
CHECKED_ELSEWHERE = {
    "support:scheme": "atelier/support/tests/e2e/test_catalogue_pages.py",
    "support:orientation": "atelier/support/tests/e2e/test_orientation_pages.py",
    "support:case-request": "atelier/support/tests/e2e/test_support_pages.py",
    "support:case-follow": "atelier/support/tests/e2e/test_support_pages.py",
    "support:case-follow-erase": "atelier/support/tests/e2e/test_support_pages.py",
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
    from django.conf import settings

    public = public_url_names()
    for name, path in CHECKED_ELSEWHERE.items():
        assert (settings.BASE_DIR / path).is_file(), (name, path)
    unchecked = public - AXE_PAGES.keys() - NOT_HTML.keys() - CHECKED_ELSEWHERE.keys()
    assert not unchecked, (
        f"Pages publiques sans contrôle axe-core : {sorted(unchecked)}. Ajoutez-les à AXE_PAGES "
        "(ou à NOT_HTML avec la raison) dans atelier/core/tests/e2e/test_public_pages_axe.py."
    )
    stale = (AXE_PAGES.keys() | NOT_HTML.keys() | CHECKED_ELSEWHERE.keys()) - public
    assert not stale, f"Noms d'URL listés mais absents ou non publics : {sorted(stale)}"


def test_axe_pages_point_at_the_view_they_claim():
    for name, urls in [*AXE_PAGES.items(), *AXE_SIGNED_IN_PAGES.items()]:
        for url in urls:
            path = url.format(org=1, token="1:abc:def", proposal=1).split("?")[0]
            with translation.override("en" if path.startswith("/en/") else "fr"):
                assert resolve(path).view_name == name, url


AXE_CASES = [(name, url) for name, urls in AXE_PAGES.items() for url in urls]


def _proposal(org, **fields):
    from atelier.directory.models import ChangeProposal

    fields.setdefault("values", {"acronym": "UCC", "website": "https://ucc.example.org"})
    return ChangeProposal.objects.create(organisation=org, message="Sigle à ajouter.", **fields)


@pytest.mark.e2e
@pytest.mark.parametrize(("name", "url"), AXE_CASES, ids=[u for _, u in AXE_CASES])
def test_public_page_passes_axe(page, axe, name, url):
    from atelier.directory.services.proposals import proposal_token

    atlas = make_atlas()
    org = atlas[ORGANISATION]
    token = proposal_token(_proposal(org, email="visiteur@example.org"))
    response = page.goto(url.format(org=org.pk, token=token))
    assert response is not None and response.status == 200, (url, response and response.status)
    page.wait_for_load_state("networkidle")  # map clusters and other late content included
    axe(page)


SIGNED_IN_CASES = [(name, url) for name, urls in AXE_SIGNED_IN_PAGES.items() for url in urls]


@pytest.mark.e2e
@pytest.mark.parametrize(("name", "url"), SIGNED_IN_CASES, ids=[u for _, u in SIGNED_IN_CASES])
def test_signed_in_page_passes_axe(page, axe, django_user_model, name, url):
    from django.contrib.auth.models import Permission

    from atelier.accounts.services import network_role_grant
    from atelier.directory.enums import ProposalStatus
    from atelier.directory.tests.factories import MembershipFactory

    atlas = make_atlas()
    org = atlas[ORGANISATION]
    user = django_user_model.objects.create_user("modo", "modo@example.org", "mot-de-passe-e2e")
    user.user_permissions.add(Permission.objects.get(codename="moderate_changeproposal"))
    network = MembershipFactory(organisation=org).network
    network_role_grant(user=user, network=network, role="member")
    proposal = _proposal(org, proposer=user, status=ProposalStatus.CONFIRMED)
    page.goto("/comptes/connexion/")
    page.fill("#id_username", "modo")
    page.fill("#id_password", "mot-de-passe-e2e")
    page.click('main button[type="submit"]')
    page.wait_for_load_state("networkidle")
    response = page.goto(url.format(proposal=proposal.pk))
    assert response is not None and response.status == 200, (url, response and response.status)
    assert "modo" in page.content()
    axe(page)
