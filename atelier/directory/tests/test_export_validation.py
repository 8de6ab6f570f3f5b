"""Exports validate their filters as the API does: an invalid value is refused (400, French
message, nothing exported) rather than ignored, which would export everything. A page number
that is not one (non-ASCII digits) is a 400, never a 500, on the exports and the Atlas page."""

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from atelier.core.models import AccessLog
from atelier.directory.selectors.search_params import page_number
from atelier.directory.tests.orgpage_fixtures import make_coopaname, make_outside_ess
from atelier.territories.tests.factories import make_small_reference

pytestmark = pytest.mark.django_db

EXPORTS = ["/atlas/export.csv", "/atlas/export.geojson", "/atlas/export.json"]


@pytest.fixture
def orgs():
    ref = make_small_reference()
    return make_coopaname(ref), make_outside_ess(ref)


@pytest.mark.parametrize("url", EXPORTS)
@pytest.mark.parametrize(
    ("query", "fragment"),
    [
        ("famille=nope", "« nope » n'est pas une valeur possible pour « famille »"),
        ("territoire=planete:mars", "planete:mars"),
        ("naf=ZZ", "« ZZ »"),
        ("page=²", "Le numéro de page « ² »"),
        ("page=٣", "Le numéro de page « ٣ »"),
    ],
)
def test_an_export_with_an_invalid_filter_is_a_400_in_french(client, orgs, url, query, fragment):
    response = client.get(f"{url}?{query}")
    assert response.status_code == 400
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    text = response.content.decode()
    assert "rien n'a été exporté" in text and fragment in text
    assert "Coopaname" not in text


def test_the_export_message_follows_the_request_language(client, orgs):
    response = client.get("/en/atlas/export.csv?famille=nope")
    assert response.status_code == 400
    assert "“nope” is not a possible value for “famille”" in response.content.decode()


def test_a_valid_filter_still_exports(client, orgs):
    response = client.get("/atlas/export.csv?famille=cooperative")
    assert response.status_code == 200
    assert "Coopaname" in b"".join(response.streaming_content).decode()


def test_the_export_command_refuses_the_same_filters(orgs):
    with pytest.raises(CommandError, match="rien n'a été exporté.*nope"):
        call_command("export", "--format", "csv", "--famille", "nope")


@pytest.mark.parametrize("raw", ["²", "٣", "３", "0", "-3", "abc", "1.5"])
def test_only_ascii_digits_make_a_page_number(raw):
    assert page_number(raw) is None


@pytest.mark.parametrize(("raw", "number"), [(None, 1), ("", 1), (" 7 ", 7), ("9" * 12, 10**6)])
def test_page_numbers(raw, number):
    assert page_number(raw) == number


@pytest.mark.parametrize("page", ["²", "٣", "-3", "abc"])
def test_the_atlas_page_answers_an_invalid_page_number_with_a_400(client, orgs, page):
    response = client.get(reverse("directory:search"), {"page": page})
    assert response.status_code == 400
    assert "Le numéro de page" in response.content.decode()


def test_the_atlas_page_with_a_valid_page_number_is_a_200(client, orgs):
    assert client.get(reverse("directory:search"), {"page": "1"}).status_code == 200


# -- personal-data --output -------------------------------------------------------------------


def test_personal_data_to_an_unwritable_path_fails_before_logging(orgs, tmp_path):
    email = orgs[0].memberships.get(network__slug="atelier-idf").contact_email
    assert email
    target = tmp_path / "missing-dir" / "export.csv"
    with pytest.raises(CommandError, match="Impossible d'écrire .*Rien n'a été exporté"):
        call_command("personal_data", "export", "--email", email, "--output", str(target))
    assert not AccessLog.objects.exists()
    assert not target.exists()


def test_personal_data_to_a_writable_path_is_logged(orgs, tmp_path):
    email = orgs[0].memberships.get(network__slug="atelier-idf").contact_email
    target = tmp_path / "export.csv"
    call_command("personal_data", "export", "--email", email, "--output", str(target))
    assert email in target.read_text(encoding="utf-8-sig")
    assert AccessLog.objects.filter(action="export").count() == 1


def test_a_reader_that_goes_away_closes_the_export_stream(orgs, monkeypatch):
    # `atelier export … | head`: the write fails with BrokenPipeError (atelier.cli turns it into
    # a quiet exit 141); the half-read stream must be closed while the database is still open.
    import sys

    from atelier.directory.management.commands import export as command

    state = {"closed": False}

    def stream(*args, **kwargs):
        try:
            yield "premier morceau\n"
            yield "second morceau\n"
        finally:
            state["closed"] = True

    class GoneReader:
        def write(self, text):
            raise BrokenPipeError

        def flush(self):
            pass

    monkeypatch.setattr(command, "export_stream", stream)
    monkeypatch.setattr(sys, "stdout", GoneReader())
    with pytest.raises(BrokenPipeError):
        call_command("export", "--format", "csv")
    assert state["closed"]
