"""Consistency: every view of ours declares who may use it (atelier.core.perms)."""

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

# Django's own views, protected by Django itself.
FOREIGN_NAMESPACES = {"admin", "api"}
FOREIGN_VIEWS = {"set_language"}


def _walk(patterns, namespace=""):
    for p in patterns:
        if isinstance(p, URLResolver):
            ns = p.namespace or namespace
            if ns in FOREIGN_NAMESPACES:
                continue
            yield from _walk(p.url_patterns, ns)
        elif isinstance(p, URLPattern):
            yield namespace, p


def test_every_view_declares_an_access_policy():
    missing = [
        f"{ns}:{p.name}"
        for ns, p in _walk(get_resolver().url_patterns)
        if p.name not in FOREIGN_VIEWS and not getattr(p.callback, "access_policy", None)
    ]
    assert missing == []


@pytest.mark.django_db  # the home page reads the Atlas's key figures
def test_home_page_is_public_and_french(client):
    response = client.get("/")
    assert response.status_code == 200
    body = response.content.decode()
    assert '<html lang="fr">' in body
    assert 'href="#contenu"' in body  # skip link
    assert "<main" in body and 'role="contentinfo"' in body


@pytest.mark.django_db
def test_home_page_in_english(client, settings):
    response = client.get("/en/")
    assert response.status_code == 200
    body = response.content.decode()
    assert '<html lang="en">' in body
    assert "Skip to content" in body
