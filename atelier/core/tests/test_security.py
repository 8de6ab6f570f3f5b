"""Security headers and login throttling: every page is served with the Content-Security-Policy
(scripts and styles from the site only, never framed), and a username is locked out from an
IP address after AXES_FAILURE_LIMIT failed logins, with a French page (429)."""

import pytest
from django.conf import settings
from django.urls import reverse

from config.settings.base import _tile_source

pytestmark = pytest.mark.django_db

PAGES = ["/", "/atlas/", "/comptes/connexion/", "/admin/login/", "/api/v1/docs", "/en/atlas/"]


def _directives(response):
    header = response["Content-Security-Policy"]
    return {part.split()[0]: part.split()[1:] for part in header.split("; ")}


@pytest.mark.parametrize("url", PAGES)
def test_every_page_is_served_with_the_policy(client, url):
    response = client.get(url)
    assert response.status_code == 200
    directives = _directives(response)
    assert directives["default-src"] == ["'self'"]
    assert directives["script-src"] == ["'self'"]
    assert directives["style-src"] == ["'self'"]
    assert directives["frame-ancestors"] == ["'none'"]
    assert directives["img-src"][:2] == ["'self'", "data:"]
    assert "'unsafe-inline'" not in response["Content-Security-Policy"]


def test_api_answers_carry_the_policy_too(client):
    assert "Content-Security-Policy" in client.get("/api/v1/openapi.json")


@pytest.mark.parametrize(
    ("url", "source"),
    [
        ("https://{s}.tile.example.org/{z}/{x}/{y}.png", ["https://*.tile.example.org"]),
        ("https://tiles.example.org:8443/{z}/{x}/{y}.png", ["https://tiles.example.org:8443"]),
        ("", []),
        ("tiles/{z}/{x}/{y}.png", []),
        ("javascript:alert(1)", []),
    ],
)
def test_the_tile_host_is_derived_from_the_tiles_url(url, source):
    assert _tile_source(url) == source


# -- login throttling -------------------------------------------------------------------------

LOGIN = reverse("accounts:login")


@pytest.fixture
def camille(django_user_model):
    return django_user_model.objects.create_user("camille", password="bon-mot-de-passe")


def _attempt(client, username, password, url=LOGIN, ip="192.0.2.10"):
    return client.post(url, {"username": username, "password": password}, REMOTE_ADDR=ip)


def test_a_username_is_locked_out_after_too_many_failures(client, camille):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert _attempt(client, "camille", "faux").status_code == 200  # the form again
    locked = _attempt(client, "camille", "faux")
    assert locked.status_code == 429
    text = locked.content.decode()
    assert "Connexion temporairement bloquée" in text and "Réessayez dans 15 minutes" in text
    # Even the right password is refused during the cool-off…
    assert _attempt(client, "camille", "bon-mot-de-passe").status_code == 429
    assert "_auth_user_id" not in client.session
    # …for that username from that address only.
    assert _attempt(client, "camille", "bon-mot-de-passe", ip="192.0.2.99").status_code == 302


def test_the_admin_login_is_throttled_too(client, camille):
    url = reverse("admin:login")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _attempt(client, "camille", "faux", url=url)
    assert _attempt(client, "camille", "bon-mot-de-passe", url=url).status_code == 429


def test_a_successful_login_resets_the_count(client, camille):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        _attempt(client, "camille", "faux")
    assert _attempt(client, "camille", "bon-mot-de-passe").status_code == 302
    client.logout()
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert _attempt(client, "camille", "faux").status_code == 200


def test_the_lockout_page_follows_the_language(client, camille):
    url = "/en" + LOGIN
    for _ in range(settings.AXES_FAILURE_LIMIT):
        response = _attempt(client, "camille", "faux", url=url)
    assert response.status_code == 429
    assert 'lang="en"' in response.content.decode()


def test_the_test_client_login_still_works(client, camille):
    assert client.login(username="camille", password="bon-mot-de-passe")


def test_only_the_admin_history_pages_allow_one_hashed_style_attribute(client, camille):
    from atelier.core.csp import HISTORY_PAGE, style_hash

    assert HISTORY_PAGE.match("/admin/directory/organisation/3/history/")
    assert HISTORY_PAGE.match("/en/admin/directory/organisation/3/history/")
    assert not HISTORY_PAGE.match("/atlas/history/")
    camille.is_staff = camille.is_superuser = True
    camille.save()
    client.force_login(camille)
    url = reverse("admin:accounts_user_history", args=[camille.pk])
    history = _directives(client.get(url))
    assert history["style-src-attr"] == ["'unsafe-hashes'", style_hash("border-top: 0")]
    assert "style-src-attr" not in _directives(client.get(reverse("admin:index")))
