"""The catalogue's pages: the list and its filters (a GET form, no JavaScript needed), a
scheme's page (parameters in force with dates and sources, examples marked, conditions in plain
French, last checked date), the staff page of the entries to check; access per role."""

import datetime

import pytest
from django.urls import reverse

from atelier.support.models import Scheme

from .users import ROLES, make_user

pytestmark = pytest.mark.django_db
NB = "\u00a0"


def _client(client, role):
    user = make_user(role)
    if user:
        client.force_login(user)
    return client


@pytest.mark.parametrize("role", ROLES)
def test_the_catalogue_pages_are_public(catalogue, client, role):
    client = _client(client, role)
    assert client.get(reverse("support:schemes")).status_code == 200
    assert client.get(reverse("support:scheme", args=["pie-pret-honneur"])).status_code == 200
    assert client.get(reverse("support:scheme", args=["inconnu"])).status_code == 404


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("anonymous", 302),
        ("member", 403),
        ("staff_without_permission", 403),
        ("catalogue_editor", 200),
        ("superuser", 200),
    ],
)
def test_the_page_of_entries_to_check_is_for_catalogue_editors(catalogue, client, role, status):
    response = _client(client, role).get(reverse("support:schemes_stale"))
    assert response.status_code == status
    if status == 302:
        assert response["Location"].startswith(reverse("accounts:login"))


def _names(response) -> list[str]:
    return [row.spec.name for row in response.context["rows"]]


def test_filters_work_without_javascript(catalogue, client):
    url = reverse("support:schemes")
    assert len(_names(client.get(url))) == Scheme.objects.count()
    assert _names(client.get(url, {"kind": "microcredit"})) == [
        "Microcrédit ADIE pour les allocataires parisiens du RSA",
        "Microcrédit professionnel de l'ADIE",
    ]
    in_11e = _names(client.get(url, {"territory": "75111"}))
    assert "Prêt d'honneur à taux zéro de Paris Initiative Entreprise" in in_11e
    assert not any(n.startswith("Réunions d'information de l'ADIE") for n in in_11e)
    in_paris = _names(client.get(url, {"territory": "departement:75"}))
    assert any(n.startswith("Réunions d'information de l'ADIE") for n in in_paris)  # in part
    in_lyon = _names(client.get(url, {"territory": "69123"}))
    assert "Microcrédit professionnel de l'ADIE" in in_lyon and len(in_lyon) < len(in_paris)
    students = _names(client.get(url, {"audience": "student", "stage": "idea"}))
    assert "Programmes d'entrepreneuriat social d'Enactus France" in students
    assert "Couveuse d'entreprises Astrolabe Conseil" not in students


def test_a_wrong_filter_is_reported_in_the_form(catalogue, client):
    response = client.get(reverse("support:schemes"), {"territory": "99999"})
    assert response.status_code == 200 and response.context["rows"] == []
    assert "Commune inconnue : 99999." in response.content.decode()
    response = client.get(reverse("support:schemes"), {"kind": "nope"})
    assert response.context["form"].errors["kind"]
    assert len(response.context["rows"]) == Scheme.objects.count()  # not applied


def test_a_scheme_page_shows_its_dated_parameters_conditions_and_sources(catalogue, client):
    body = client.get(reverse("support:scheme", args=["pie-pret-honneur"])).content.decode()
    assert f"30{NB}000{NB}€" in body and f"60{NB}000{NB}€" in body
    assert "4 novembre 2021" in body and "seeds/002" in body
    assert f"Montant demandé d&#x27;au moins 5{NB}000{NB}€" in body
    assert "Informations vérifiées le 4 novembre 2021." in body
    assert "à vérifier" not in body  # for the catalogue's editors only
    body = client.get(reverse("support:scheme", args=["adie-microcredit"])).content.decode()
    assert "valeur d&#x27;exemple, à fixer par l&#x27;opérateur" in body


def test_editors_see_the_stale_flag_and_the_admin_link(catalogue, client):
    client = _client(client, "catalogue_editor")
    body = client.get(reverse("support:scheme", args=["dla"])).content.decode()
    assert "Informations jamais vérifiées depuis leur saisie." in body
    assert "à vérifier : plus de 180 jours" in body
    assert reverse("admin:support_scheme_change", args=[Scheme.objects.get(slug="dla").pk]) in body


def test_the_entries_to_check_never_checked_first(catalogue, client, settings):
    fresh = Scheme.objects.get(slug="cigales")
    fresh.last_checked_on = datetime.date.today()
    fresh.save()
    response = _client(client, "catalogue_editor").get(reverse("support:schemes_stale"))
    rows = [row.spec.slug for row, _url in response.context["rows"]]
    assert "cigales" not in rows and len(rows) == Scheme.objects.count() - 1
    assert rows[:2] == ["atelier-accompagnement", "dla"]  # never checked, then by name
    settings.SUPPORT_STALE_AFTER_DAYS = 100_000
    response = client.get(reverse("support:schemes_stale"))
    assert [row.spec.slug for row, _url in response.context["rows"]] == rows[:2]
