"""The organisation page's identifiers and establishments: SIREN and SIRET written in groups
(template filters), every establishment open and closed with its status, NAF code and label,
headcount band label."""

import datetime
import re

import pytest
from django.template import Context, Template

from atelier.directory.enums import HeadcountBand
from atelier.directory.models import Establishment
from atelier.directory.selectors.organisations import organisation_detail
from atelier.directory.templatetags.identifiers import siren, siret
from atelier.directory.tests.orgpage_fixtures import make_coopaname
from atelier.territories.models import NafCode
from atelier.territories.tests.factories import make_small_reference

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("482345675", "482 345 675"),
        (" 482345675 ", "482 345 675"),
        ("48234567", "48234567"),
        ("", ""),
        (None, ""),
        ("abcdefghi", "abcdefghi"),
    ],
)
def test_siren_filter(value, expected):
    assert siren(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [("48234567500012", "482 345 675 00012"), ("482345675", "482345675"), (None, "")],
)
def test_siret_filter(value, expected):
    assert siret(value) == expected


def test_filters_in_a_template():
    out = Template("{% load identifiers %}{{ a|siren }} / {{ b|siret }}").render(
        Context({"a": "443121975", "b": "44312197500017"})
    )
    assert out == "443 121 975 / 443 121 975 00017"


@pytest.fixture
def coopaname():
    ref = make_small_reference()
    org = make_coopaname(ref)
    head = org.establishments.get(siret="44312197500017")
    head.naf = NafCode.objects.get(code="70.22Z")
    head.headcount_band = HeadcountBand.B12
    head.save()
    return org


def _items(body):
    return re.findall(r'<li class="establishment( closed)?">(.*?)</li>', body, re.S)


def test_every_establishment_with_status_siret_naf_and_headcount(client, coopaname):
    body = client.get(f"/atlas/organisations/{coopaname.pk}/").content.decode()
    assert '<dd id="org-siren">443 121 975</dd>' in body
    items = _items(body)
    assert len(items) == 3  # two open, one closed, all listed
    assert [closed for closed, _ in items] == ["", "", " closed"]  # open ones first
    head = next(text for _, text in items if "443 121 975 00017" in text)
    assert '<dd class="est-status">Ouvert</dd>' in head
    label = NafCode.objects.get(code="70.22Z").label
    assert f'<dd class="est-naf">{label} <span class="muted">(70.22Z)</span></dd>' in head
    assert '<dd class="est-headcount">20 à 49 salariés</dd>' in head
    closed = items[2][1]
    assert '<dd class="est-status">Fermé</dd>' in closed  # no closing date known
    assert '<dd class="est-siret">443 121 975 00033</dd>' in closed
    assert '<dd class="est-headcount">Effectif inconnu</dd>' in closed
    assert "3 établissements connus, dont 2 ouverts." in body


def test_the_page_still_takes_three_queries_for_the_organisation(
    coopaname, django_assert_max_num_queries
):

    with django_assert_max_num_queries(3):
        org = organisation_detail(coopaname.pk)
        assert [e.naf.code if e.naf else None for e in org.establishments.all()][0] == "70.22Z"


def test_a_closed_establishment_shows_its_closing_date_in_french(client, coopaname):
    Establishment.objects.filter(siret="44312197500033").update(
        closed_on=datetime.date(2021, 3, 12)
    )
    body = client.get(f"/atlas/organisations/{coopaname.pk}/").content.decode()
    closed = _items(body)[2][1]
    assert (
        '<dd class="est-status">Fermé depuis le <time datetime="2021-03-12">12 mars 2021</time>'
        "</dd>" in closed
    )
    assert "3 établissements connus, dont 2 ouverts." in body


def test_the_closing_date_in_english(client, coopaname):
    Establishment.objects.filter(siret="44312197500033").update(
        closed_on=datetime.date(2021, 3, 12)
    )
    body = client.get(f"/en/atlas/organisations/{coopaname.pk}/").content.decode()
    assert '<dd class="est-status">Closed since <time datetime="2021-03-12">' in body


def test_the_api_gives_the_closing_date_of_closed_establishments_only(client, coopaname):
    Establishment.objects.filter(siret="44312197500033").update(
        closed_on=datetime.date(2021, 3, 12)
    )
    # A stray date on an open establishment is not a closing date.
    Establishment.objects.filter(siret="44312197500017").update(closed_on=datetime.date(2020, 1, 1))
    data = client.get(f"/api/v1/organisations/{coopaname.pk}").json()
    by_siret = {e["siret"]: e for e in data["establishments"]}
    assert by_siret["44312197500033"]["is_open"] is False
    assert by_siret["44312197500033"]["closed_on"] == "2021-03-12"
    assert by_siret["44312197500017"]["closed_on"] is None
    assert by_siret["44312197500025"]["closed_on"] is None
