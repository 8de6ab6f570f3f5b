from types import SimpleNamespace

import pytest

from atelier.directory.enums import Approval, EssRule
from atelier.directory.services.organisations import (
    bits,
    organisation_refresh_derived,
    organisation_search_text,
)
from atelier.directory.tests.factories import EstablishmentFactory, OrganisationFactory
from atelier.directory.text import search_text
from atelier.territories.models import LegalCategory
from atelier.territories.tests.factories import make_small_reference

pytestmark = pytest.mark.django_db


@pytest.fixture
def ref():
    return make_small_reference()


def _org(ref, *, category, commune="arr20", **kw):
    org = OrganisationFactory(legal_category=LegalCategory.objects.get(code=category), **kw)
    EstablishmentFactory(organisation=org, commune=ref[commune])
    return organisation_refresh_derived(organisation=org)


def test_association_is_ess_by_its_legal_category(ref):
    org = _org(ref, category="9220", name="Les Amis du Quartier")
    assert org.ess_family == "association"
    assert org.ess_rule == EssRule.LEGAL_CATEGORY


def test_sirene_flag_wins_and_is_the_reason_shown(ref):
    org = _org(ref, category="5710", sirene_ess_flag="O")
    assert org.ess_rule == EssRule.SIRENE_FLAG


def test_commercial_company_needs_staff_approval_or_esus(ref):
    assert _org(ref, category="5710").ess_rule == EssRule.NONE
    assert _org(ref, category="5710", staff_approved=True).ess_rule == EssRule.STAFF_APPROVAL
    esus = _org(ref, category="5710", approval_bits=bits([Approval.ESUS]))
    assert esus.ess_rule == EssRule.STAFF_APPROVAL


def test_territory_columns_follow_the_head_office(ref):
    org = _org(ref, category="9220", commune="saint_denis", name="Coopérative du Canal")
    assert (org.commune_code, org.departement_code, org.region_code) == ("93066", "93", "11")
    assert (org.epci_code, org.ept_code) == ("200054781", "200057867")
    assert "cooper" in org.search_text.split()
    assert "saint" in org.search_text.split()


@pytest.mark.parametrize(
    ("name", "acronym", "description", "siren"),
    [
        ("L'Atelier d’insertion des Œuvres", "AJ", "", "123456782"),
        ("de la", "", "Coopérative d'activités", None),
        ("Régie 93", "de", "", ""),
    ],
)
def test_search_text_is_every_part_tokenised_in_order(name, acronym, description, siren):
    """The derivation caches the tokens of recurring parts (commune, NAF label, themes): the
    result must be exactly the tokens of all the parts, in order, without extra spaces."""
    org = SimpleNamespace(
        name=name,
        acronym=acronym,
        description=description,
        siren=siren,
        theme_bits=bits([1, 3]),
        approval_bits=0,
    )
    got = organisation_search_text(org, commune_name="L'Île-Saint-Denis", naf_label="de")
    themes = organisation_search_text(
        SimpleNamespace(name="", acronym="", description="", siren="", theme_bits=org.theme_bits,
                        approval_bits=0)
    )  # fmt: skip
    assert themes
    assert got == search_text(name, acronym, description, "L'Île-Saint-Denis", "de") + (
        " " + themes
    ) + (" " + siren if siren else "")
    assert "  " not in got and got == got.strip()
