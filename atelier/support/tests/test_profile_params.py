"""profile_from_params: the questionnaire's answers read from request parameters, with a clear
message per wrong parameter; profile_to_params / profile_to_json read back the same."""

from datetime import date

import pytest
from django.http import QueryDict

from atelier.support.enums import LegalForm, Need, Project, Situation, Stage
from atelier.support.profile import Profile
from atelier.support.selectors.profile_params import (
    ProfileParamsError,
    profile_from_params,
    profile_to_json,
    profile_to_params,
)

pytestmark = pytest.mark.django_db


def test_reads_a_query_string_with_repeated_and_comma_separated_values(world):
    params = QueryDict(
        "stage=starting&project=collective&commune=75119&legal_form=scop&amount=12 000"
        "&situations=rsa&situations=under_26&sector=i&needs=financing,advice"
        "&headcount_band=01&on=2026-11-30&schemes=ignored"
    )
    p = profile_from_params(params)
    assert p == Profile(
        stage=Stage.STARTING,
        project=Project.COLLECTIVE,
        commune="75119",
        legal_form=LegalForm.SCOP,
        amount=12000,
        situations=frozenset({Situation.RSA, Situation.UNDER_26}),
        sector="I",
        needs=frozenset({Need.FINANCING, Need.ADVICE}),
        headcount_band="01",
        on=date(2026, 11, 30),
    )


def test_optional_answers_have_their_defaults(world):
    p = profile_from_params({"stage": "idea", "project": "business", "commune": "75119"})
    assert p.legal_form == LegalForm.UNDECIDED
    assert p.amount is None and p.situations == frozenset() and p.needs == frozenset()
    assert p.sector == "" and p.headcount_band == "" and p.on is None


def test_every_wrong_parameter_has_its_french_message(world):
    with pytest.raises(ProfileParamsError) as caught:
        profile_from_params(
            QueryDict(
                "stage=dream&commune=7511&amount=douze&needs=money&sector=Z9&on=30/11/2026"
                "&headcount_band=99&legal_form=sa"
            )
        )
    errors = caught.value.errors
    assert set(errors) == {
        "stage",
        "project",
        "commune",
        "amount",
        "needs",
        "sector",
        "on",
        "headcount_band",
        "legal_form",
    }
    assert "valeur inconnue « dream »" in errors["stage"]
    assert "réponse manquante" in errors["project"]
    assert "n'est pas un code INSEE" in errors["commune"]
    assert "« money »" in errors["needs"]
    assert str(caught.value).startswith("Étape du projet")


def test_the_commune_must_exist_unless_told_otherwise(world):
    params = {"stage": "idea", "project": "business", "commune": "99999"}
    with pytest.raises(ProfileParamsError) as caught:
        profile_from_params(params)
    assert "aucun territoire" in caught.value.errors["commune"]
    assert profile_from_params(params, check_commune=False).commune == "99999"


def test_one_value_only_for_single_answers(world):
    with pytest.raises(ProfileParamsError) as caught:
        profile_from_params(QueryDict("stage=idea&stage=young&project=business&commune=75119"))
    assert "une seule valeur" in caught.value.errors["stage"]


def test_an_absurd_amount_is_refused(world):
    with pytest.raises(ProfileParamsError) as caught:
        profile_from_params(
            {"stage": "idea", "project": "business", "commune": "75119", "amount": "10" * 8}
        )
    assert "maximum" in caught.value.errors["amount"]


def test_round_trips(world):
    p = Profile(
        stage=Stage.YOUNG,
        project=Project.INSERTION,
        commune="93066",
        legal_form=LegalForm.ASSOCIATION,
        amount=5000,
        situations=frozenset({Situation.JOB_SEEKER}),
        sector="Q",
        needs=frozenset({Need.CONSOLIDATION, Need.FINANCING}),
        headcount_band="02",
        on=date(2026, 12, 1),
    )
    query = QueryDict(mutable=True)
    for name, value in profile_to_params(p):
        query.appendlist(name, value)
    assert profile_from_params(query) == p
    data = profile_to_json(p)
    assert data["needs"] == ["consolidation", "financing"] and data["amount"] == 5000
    assert profile_from_params(data) == p
