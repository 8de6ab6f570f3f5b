"""The questionnaire pre-filled from the Atlas by SIREN or SIRET (python-stdnum validation,
directory selectors), with a clear message for an invalid or unknown number."""

import datetime

import pytest
from stdnum.luhn import calc_check_digit

from atelier.directory.enums import Approval
from atelier.directory.services.organisations import organisation_refresh_derived
from atelier.directory.tests.factories import EstablishmentFactory, OrganisationFactory
from atelier.support.selectors.prefill import PrefillError, legal_form_of, profile_prefill
from atelier.territories.models import LegalCategory, NafCode
from atelier.territories.tests.factories import LegalCategoryFactory

pytestmark = pytest.mark.django_db


def _siren(body: str) -> str:
    return body + calc_check_digit(body)


def _org(ref, *, siren, category="9220", naf="88.99B", band="03", commune="arr20", **kw):
    org = OrganisationFactory(
        siren=siren,
        legal_category=LegalCategory.objects.get(code=category),
        naf=NafCode.objects.get(code=naf) if naf else None,
        headcount_band=band,
        **kw,
    )
    siret_body = siren + "00012"
    EstablishmentFactory(organisation=org, commune=ref[commune], siret=_siren(siret_body[:13]))
    return organisation_refresh_derived(organisation=org)


def test_an_association_of_the_atlas_prefills_the_questionnaire(ref):
    siren = _siren("48234567")
    org = _org(ref, siren=siren, name="Amis du quartier", creation_date=datetime.date(2001, 5, 2))
    found = profile_prefill(f"{siren[:3]} {siren[3:6]} {siren[6:]}")
    assert found == {
        "siren": siren,
        "siret": "",
        "name": "Amis du quartier",
        "legal_category": {"code": "9220", "label": "Association déclarée"},
        "legal_form": "association",
        "sector": "Q",
        "naf": "88.99B",
        "headcount_band": "03",
        "commune": "75120",
        "commune_name": "Paris 20e Arrondissement",
        "stage": "established",
        "notes": [],
    }
    siret = org.establishments.get().siret
    assert profile_prefill(siret)["siret"] == siret


def test_a_young_scop(ref):
    siren = _siren("51234567")
    _org(ref, siren=siren, category="5458", creation_date=datetime.date.today().replace(day=1))
    found = profile_prefill(siren)
    assert found["legal_form"] == "scop" and found["stage"] == "young"


def test_a_mutual_has_no_legal_form_of_the_questionnaire(ref):
    siren = _siren("77234567")
    _org(ref, siren=siren, category="8210", band="NN", naf=None)
    found = profile_prefill(siren)
    assert found["legal_form"] == "undecided"
    assert found["headcount_band"] == "" and found["sector"] == "" and found["stage"] == ""
    assert found["notes"] == [
        "La catégorie juridique 8210 (Mutuelle) n'a pas d'équivalent dans le questionnaire : "
        "choisissez la forme juridique."
    ]


@pytest.mark.parametrize(
    ("category", "approvals", "form"),
    [
        ("1000", [], "micro"),
        ("5458", [], "scop"),
        ("5658", [], "scop"),
        ("5460", [Approval.SCIC], "scic"),
        ("5710", [Approval.SCOP], "scop"),
        ("5710", [], "company"),
        ("9230", [], "association"),
        ("9300", [], "undecided"),
        ("7210", [], "undecided"),
        ("", [], "undecided"),
    ],
)
def test_legal_forms_from_insee_categories(category, approvals, form):
    assert legal_form_of(category, approvals).value == form


@pytest.mark.parametrize(
    ("identifier", "message"),
    [
        ("", "Indiquez le SIREN (9 chiffres) ou le SIRET (14 chiffres)."),
        ("12345", "Un SIREN a 9 chiffres et un SIRET 14 : « 12345 » en a 5."),
        ("ABC123456", "« ABC123456 » n'est pas un numéro SIREN ou SIRET : seulement des chiffres."),
        ("732829321", "Le SIREN 732 829 321 n'existe pas : sa clé de contrôle est fausse"),
        (
            "73282932000075",
            "Le SIRET 732 829 320 00075 n'existe pas : sa clé de contrôle est fausse",
        ),
    ],
)
def test_an_invalid_number_is_refused_clearly(ref, identifier, message):
    with pytest.raises(PrefillError) as error:
        profile_prefill(identifier)
    assert str(error.value).startswith(message)


def test_a_valid_number_the_atlas_does_not_know(ref):
    with pytest.raises(PrefillError) as error:
        profile_prefill("732 829 320")
    assert str(error.value) == (
        "Aucune organisation de l'Atlas n'a le SIREN 732 829 320 : remplissez le questionnaire "
        "vous-même."
    )


def test_an_organisation_outside_the_ess_is_not_prefilled(ref):
    LegalCategoryFactory(code="1000", label="Entrepreneur individuel", ess_family="other")
    siren = _siren("83234567")
    _org(ref, siren=siren, category="1000")  # not in the ESS: no public page in the Atlas
    with pytest.raises(PrefillError):
        profile_prefill(siren)
