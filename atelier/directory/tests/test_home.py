"""The home page: live key figures (organisations, establishments on the map, communes,
départements, networks), ways in by ESS family, sector and département linking to the search
with that filter, the search box and the map; figures cached under the data version."""

import re

import pytest
from django.core.cache import cache

from atelier.directory.enums import EssRule
from atelier.directory.selectors.home import home_data
from atelier.directory.services.organisations import organisation_refresh_derived
from atelier.directory.tests.factories import (
    EstablishmentFactory,
    NetworkFactory,
    OrganisationFactory,
    placed_establishment,
)
from atelier.territories.models import NafCode
from atelier.territories.tests.factories import make_small_reference

pytestmark = pytest.mark.django_db


def _org(ref, name, family, commune, *, naf="88.99B", lon=2.35, lat=48.85, **kw):
    kw.setdefault("ess_rule", EssRule.LEGAL_CATEGORY)
    org = OrganisationFactory(
        name=name, ess_family=family, naf=NafCode.objects.get(code=naf) if naf else None, **kw
    )
    placed_establishment(org, lon, lat, commune=ref[commune], is_head_office=True)
    organisation_refresh_derived(organisation=org)
    return org


@pytest.fixture
def atlas():
    ref = make_small_reference()
    _org(ref, "Coopaname", "cooperative", "arr20")
    _org(ref, "Port Parallèle", "cooperative", "arr10", naf="94.99Z")
    _org(ref, "Emmaüs Connect", "association", "saint_denis", lon=2.35, lat=48.93)
    _org(ref, "Asso de Lyon", "association", "lyon", lon=4.84, lat=45.76)
    _org(ref, "Mutuelle du Rhône", "mutual", "lyon", lon=4.85, lat=45.75)
    lyon2 = _org(ref, "Deux sites", "association", "lyon", naf="94.99Z", lon=4.83, lat=45.77)
    placed_establishment(lyon2, 4.82, 45.78, commune=ref["lyon"])
    EstablishmentFactory(organisation=lyon2, is_open=False)  # closed, unplaced: not counted
    # Not shown by default: outside the ESS, or ceased.
    _org(ref, "Hors ESS", "other", "lyon", ess_rule=EssRule.NONE)
    _org(ref, "Cessée", "association", "lyon", is_active=False)
    NetworkFactory(slug="atelier-idf", name="L'Atelier IDF")
    NetworkFactory(slug="cae-paris", name="CAE Paris")
    return ref


def test_key_figures_count_what_the_atlas_shows(atlas):
    figures = home_data().figures
    assert figures.organisations == 6
    assert figures.establishments == 7  # "Deux sites" has two placed open ones
    assert figures.communes == 4  # Paris 20e, Paris 10e, Saint-Denis, Lyon
    assert figures.departements == 3  # 75, 93, 69
    assert figures.networks == 2


def test_ways_in_by_family_sector_and_departement_link_to_the_filtered_search(atlas):
    data = home_data()
    assert [(w.label, w.count, w.querystring, w.letter) for w in data.families] == [
        ("association", 3, "famille=association", "A"),
        ("coopérative", 2, "famille=cooperative", "C"),
        ("mutuelle", 1, "famille=mutual", "M"),
    ]  # families without organisations are left out
    assert [(w.label, w.count, w.querystring) for w in data.sectors] == [
        ("Santé humaine et action sociale", 4, "naf=Q"),
        ("Autres activités de services", 2, "naf=S"),
    ]
    assert [(w.count, w.querystring) for w in data.departements] == [
        (3, "territoire=departement%3A69"),
        (2, "territoire=departement%3A75"),
        (1, "territoire=departement%3A93"),
    ]
    assert "Rhône" in data.departements[0].label


def test_the_home_page_has_search_box_figures_ways_in_and_map(client, atlas):
    response = client.get("/")
    assert response.status_code == 200
    body = response.content.decode()
    assert 'role="search"' in body and 'id="home-q"' in body and 'action="/atlas/"' in body
    figures = re.search(r'<ul class="figures" id="home-figures">(.*?)</ul>', body, re.S).group(1)
    assert re.search(r'figure-n">6</span> <span class="figure-label">organisations de l', figures)
    assert re.search(r'figure-n">7</span> <span class="figure-label">établissements sur', figures)
    assert re.search(r'figure-n">4</span> <span class="figure-label">communes couvertes', figures)
    assert re.search(r'figure-n">2</span> <span class="figure-label">réseaux', figures)
    assert 'href="/atlas/?famille=cooperative"' in body
    assert 'href="/atlas/?naf=Q"' in body
    assert 'href="/atlas/?territoire=departement%3A69"' in body
    assert 'id="atlas-map"' in body and 'id="atlas-map-legend"' in body
    assert 'data-zone-base="/atlas/?"' in body  # "Rechercher dans cette zone" opens the search
    assert "la recherche de l’Atlas, les familles et les départements ci-dessus" in body


def test_the_home_page_in_english_translates_its_labels(client, atlas):
    body = client.get("/en/").content.decode()
    assert '<html lang="en">' in body and 'href="/en/atlas/?famille=cooperative"' in body


def test_figures_are_cached_for_the_setting_s_time(settings, atlas, django_assert_num_queries):
    settings.ATELIER_HOME_FIGURES_SECONDS = 60
    cache.clear()
    try:
        assert home_data().figures.organisations == 6
        with django_assert_num_queries(0):  # labels: the per-process reference cache
            assert home_data().figures.organisations == 6
        _org(atlas, "Nouvelle", "foundation", "lyon")
        assert home_data().figures.organisations == 6  # until the entry expires
        cache.clear()
        assert home_data().figures.organisations == 7
        assert [w.letter for w in home_data().families][-1] == "F"
    finally:
        cache.clear()


def test_without_cache_every_request_counts_again(settings, atlas):
    settings.ATELIER_HOME_FIGURES_SECONDS = 0
    assert home_data().figures.organisations == 6
    _org(atlas, "Nouvelle", "foundation", "lyon")
    assert home_data().figures.organisations == 7
