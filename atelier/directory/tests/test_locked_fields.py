"""Edits made by people survive a SIRENE re-import (issue 8): a field a person changed is
locked and the import keeps its value; the ESS status records its source, and a staff
decision on it survives every later import."""

import pytest
from django.contrib.auth import get_user_model

from atelier.accounts.enums import Role
from atelier.accounts.services import network_role_grant
from atelier.directory.enums import EssDecision, EssRule, EssSource, HeadcountBand
from atelier.directory.models import Organisation
from atelier.directory.selectors.organisations import ess_source_info
from atelier.directory.services.organisations import (
    ess_status_for,
    organisation_refresh_derived,
    organisation_update,
)
from atelier.directory.tests.factories import MembershipFactory, OrganisationFactory
from atelier.directory.tests.sirene_files import etab, run_import, siren_of, siret_of, unit
from atelier.territories.enums import EssFamily
from atelier.territories.tests.factories import make_small_reference

pytestmark = pytest.mark.django_db


@pytest.fixture
def ref():
    return make_small_reference()


def _editor(org):
    user = get_user_model().objects.create_user("equipe", password="x", is_staff=True)
    membership = MembershipFactory(organisation=org)
    network_role_grant(user=user, network=membership.network, role=Role.STAFF)
    return user


def _import(tmp_path, siren, **unit_fields):
    run_import(tmp_path, [unit(siren, **unit_fields)], [etab(siret_of(siren, 1))])
    return Organisation.objects.get(siren=siren)


def test_a_field_changed_by_a_person_survives_a_sirene_reimport(ref, tmp_path):
    siren = siren_of(1)
    org = _import(tmp_path, siren, sigleUniteLegale="AJ")
    assert org.locked_fields == []
    user = _editor(org)
    changed = organisation_update(
        user=user,
        organisation=org,
        values={"name": "Atelier des Jeunes", "headcount_band": HeadcountBand.B11},
    )
    assert changed == ["name", "headcount_band"]
    org.refresh_from_db()
    assert org.locked_fields == ["name", "headcount_band"]

    # The next monthly file: new name, acronym and headcount from INSEE.
    org = _import(
        tmp_path,
        siren,
        denominationUniteLegale="ASSOCIATION RENOMMEE",
        sigleUniteLegale="AR",
        trancheEffectifsUniteLegale="21",
    )
    assert org.name == "Atelier des Jeunes"  # locked: the person's value
    assert org.headcount_band == HeadcountBand.B11  # locked
    assert org.acronym == "AR"  # not locked: the directory's value
    assert "jeun" in org.search_text  # derived from the kept name
    assert org.locked_fields == ["name", "headcount_band"]


def test_without_locks_the_import_updates_every_field(ref, tmp_path):
    siren = siren_of(2)
    _import(tmp_path, siren)
    org = _import(tmp_path, siren, denominationUniteLegale="NOUVEAU NOM")
    assert org.name == "NOUVEAU NOM"


def test_a_staff_exclusion_survives_every_import(ref, tmp_path):
    siren = siren_of(3)
    org = _import(tmp_path, siren)  # association flagged ESS by SIRENE
    assert (org.ess_rule, org.ess_source) == (EssRule.SIRENE_FLAG, EssSource.SIRENE_FLAG)
    organisation_update(
        user=_editor(org), organisation=org, values={"ess_decision": EssDecision.EXCLUDE}
    )
    org.refresh_from_db()
    assert (org.ess_rule, org.ess_source) == (EssRule.NONE, EssSource.STAFF_DECISION)
    for _ in range(2):
        org = _import(tmp_path, siren, economieSocialeSolidaireUniteLegale="O")
        assert org.ess_decision == EssDecision.EXCLUDE
        assert (org.ess_rule, org.ess_source) == (EssRule.NONE, EssSource.STAFF_DECISION)


def test_a_staff_inclusion_survives_an_import_that_drops_the_flag(ref, tmp_path):
    siren = siren_of(4)
    org = _import(tmp_path, siren, categorieJuridiqueUniteLegale="5710")  # a SAS, flagged
    assert org.ess_source == EssSource.SIRENE_FLAG
    organisation_update(
        user=_editor(org), organisation=org, values={"ess_decision": EssDecision.INCLUDE}
    )
    org = _import(
        tmp_path,
        siren,
        categorieJuridiqueUniteLegale="5710",
        economieSocialeSolidaireUniteLegale="N",
    )
    assert org.in_ess
    assert (org.ess_rule, org.ess_source) == (EssRule.STAFF_APPROVAL, EssSource.STAFF_DECISION)
    assert ess_source_info(org).label.startswith("Dans l'ESS")


def test_a_membership_recognition_is_recorded_as_its_source_and_kept(ref, tmp_path):
    siren = siren_of(5)
    org = _import(
        tmp_path,
        siren,
        categorieJuridiqueUniteLegale="5710",
        economieSocialeSolidaireUniteLegale="N",
    )
    assert not org.in_ess
    MembershipFactory(organisation=org)
    org.staff_approved = True
    org.save()
    organisation_refresh_derived(organisation=org)
    assert org.ess_source == EssSource.NETWORK_MEMBER
    org = _import(
        tmp_path,
        siren,
        categorieJuridiqueUniteLegale="5710",
        economieSocialeSolidaireUniteLegale="N",
    )
    assert (org.ess_rule, org.ess_source) == (EssRule.STAFF_APPROVAL, EssSource.NETWORK_MEMBER)


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        (dict(sirene_flag="O", family=EssFamily.OTHER), EssSource.SIRENE_FLAG),
        (dict(sirene_flag="N", family=EssFamily.ASSOCIATION), EssSource.LEGAL_CATEGORY),
        (dict(sirene_flag="", family=EssFamily.OTHER, approval_bits=1), EssSource.ESUS),
        (dict(sirene_flag="", family=EssFamily.OTHER, staff_approved=True), "staff"),
        (
            dict(sirene_flag="", family=EssFamily.OTHER, staff_approved=True, member=True),
            EssSource.NETWORK_MEMBER,
        ),
        (dict(sirene_flag="O", family=EssFamily.ASSOCIATION, decision="exclude"), "staff"),
        (dict(sirene_flag="", family=EssFamily.OTHER), EssSource.NONE),
    ],
)
def test_ess_source_of_each_rule(kwargs, expected):
    kwargs.setdefault("staff_approved", False)
    rule, source = ess_status_for(**kwargs)
    assert source == expected
    assert bool(rule) == (expected != EssSource.NONE and kwargs.get("decision") != "exclude")


def test_the_organisation_page_shows_the_source_and_the_locked_fields(client, ref):
    org = OrganisationFactory(name="Régie de quartier", sirene_ess_flag="O")
    organisation_refresh_derived(organisation=org)
    user = _editor(org)
    organisation_update(user=user, organisation=org, values={"acronym": "RQ"})
    body = client.get(f"/atlas/organisations/{org.pk}/").content.decode()
    assert 'id="org-ess-source"' in body
    assert "Indicateur ESS du répertoire SIRENE" in body
    assert "Corrigé à la main" in body and "sigle" in body
