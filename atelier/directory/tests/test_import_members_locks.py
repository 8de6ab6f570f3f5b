"""The member-list import respects the fields a person corrected (issue 8): the same locks as
the SIRENE import, by the same rule (services.locks); the values it does not write are in the
import report, as notes that are no rejection."""

import csv
import io

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from atelier.accounts.enums import Role
from atelier.accounts.services import network_role_grant
from atelier.directory.enums import Theme
from atelier.directory.models import Establishment, Organisation
from atelier.directory.services.locks import LOCKABLE_FIELDS, locked_attributes
from atelier.directory.services.organisations import organisation_update
from atelier.directory.tests.factories import MembershipFactory, NetworkFactory
from atelier.directory.tests.sirene_files import etab, run_import, siren_of, siret_of, unit
from atelier.territories.tests.factories import make_small_reference

pytestmark = pytest.mark.django_db

HEADER = ["Raison sociale", "SIRET", "Sigle", "Forme juridique", "Site web", "Ville",
          "Code postal", "Thématiques"]  # fmt: skip


@pytest.fixture
def ref():
    return make_small_reference()


@pytest.fixture
def org(ref, tmp_path):
    """An association imported from SIRENE (sigle AJ, category 9220), member of a network."""
    siren = siren_of(700)
    run_import(tmp_path, [unit(siren, sigleUniteLegale="AJ")], [etab(siret_of(siren, 1))])
    org = Organisation.objects.get(siren=siren)
    MembershipFactory(organisation=org, network=NetworkFactory(slug="atelier-idf"))
    return org


def _correct(org, **values):
    user = get_user_model().objects.create_user("equipe", password="x")
    network_role_grant(user=user, network=NetworkFactory(slug="atelier-idf"), role=Role.STAFF)
    organisation_update(user=user, organisation=org, values=values)
    org.refresh_from_db()
    return org


def _members_file(tmp_path, org, *, acronym="LISTE", category="9300", site="liste.example.org"):
    path = tmp_path / "adherents.csv"
    row = [org.name, siret_of(org.siren, 1), acronym, category, site, "Paris", "75010", "culture"]
    with path.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh, delimiter=";").writerows([HEADER, row])
    return path


def _run(path, *args):
    out = io.StringIO()
    report = path.parent / "rapport-adherents.csv"
    call_command("import_members", str(path), "--report", str(report), *args, stdout=out)
    with report.open(encoding="utf-8") as fh:
        return out.getvalue(), list(csv.DictReader(fh))


KEPT = "champ corrigé à la main (protégé) : la valeur de l'Atlas est conservée"


def test_the_member_import_keeps_the_fields_a_person_corrected(org, tmp_path):
    org = _correct(
        org, acronym="AJT", legal_category="9220", website="https://atelier-jeunes.example.org"
    )
    assert org.locked_fields == ["acronym", "website"]  # the category did not change
    out, rows = _run(_members_file(tmp_path, org), "--network", "atelier-idf")
    fresh = Organisation.objects.get(pk=org.pk)
    assert fresh.acronym == "AJT"  # locked: the person's value
    assert fresh.website == "https://atelier-jeunes.example.org"  # locked
    assert fresh.legal_category_id == "9300"  # not locked: the list's value
    assert fresh.theme_bits == 1 << Theme.CULTURE  # the rest of the row is written
    assert "2 valeur(s) non écrite(s) : corrections et décisions des personnes" in out
    assert "0 ligne(s) rejetée(s)." in out  # notes are no rejection (exit code 0)
    assert [(r["ligne"], r["colonne"], r["valeur"], r["motif"]) for r in rows] == [
        ("2", "Sigle", "LISTE", KEPT),
        ("2", "Site web", "https://liste.example.org", KEPT),
    ]
    # The search text follows the kept acronym, not the list's.
    assert "ajt" in fresh.search_text and "list" not in fresh.search_text.split()


def test_a_locked_field_with_the_same_value_is_no_note(org, tmp_path):
    org = _correct(org, acronym="LISTE")
    out, rows = _run(_members_file(tmp_path, org))
    assert Organisation.objects.get(pk=org.pk).acronym == "LISTE"
    assert rows == [] and "non écrite" not in out


def test_without_locks_the_member_import_writes_those_fields(org, tmp_path):
    _run(_members_file(tmp_path, org))
    fresh = Organisation.objects.get(pk=org.pk)
    assert (fresh.acronym, fresh.legal_category_id, fresh.website) == (
        "LISTE",
        "9300",
        "https://liste.example.org",
    )


def test_a_locked_legal_category_is_kept_too(org, tmp_path):
    org = _correct(org, legal_category="8210")
    _, rows = _run(_members_file(tmp_path, org, category="9300"))
    assert Organisation.objects.get(pk=org.pk).legal_category_id == "8210"
    assert [(r["colonne"], r["valeur"]) for r in rows] == [("Forme juridique", "9300")]


def test_a_dry_run_reports_what_it_would_keep_and_writes_nothing(org, tmp_path):
    org = _correct(org, acronym="AJT")
    out, rows = _run(_members_file(tmp_path, org), "--dry-run")
    assert "1 valeur(s) ne seraient pas écrites" in out
    assert [(r["colonne"], r["valeur"]) for r in rows] == [("Sigle", "LISTE")]
    fresh = Organisation.objects.get(pk=org.pk)
    assert (fresh.acronym, fresh.legal_category_id) == ("AJT", "9220")


def test_a_person_locked_website_survives_a_sirene_reimport_and_a_member_list(org, tmp_path):
    """Both imports read the one list of locks: the SIRENE import (which never writes the
    website) keeps it, the member list does not overwrite it."""
    org = _correct(org, website="https://corrige.example.org", acronym="AJT")
    run_import(tmp_path, [unit(org.siren, sigleUniteLegale="AJ2")], [etab(siret_of(org.siren, 1))])
    _run(_members_file(tmp_path, org))
    fresh = Organisation.objects.get(pk=org.pk)
    assert (fresh.website, fresh.acronym) == ("https://corrige.example.org", "AJT")
    assert Establishment.objects.filter(organisation=fresh).count() == 1


def test_the_bulk_writer_reads_the_locks_of_the_one_list():
    from atelier.directory.services.bulk import LOCKED_COLUMNS

    assert LOCKED_COLUMNS == locked_attributes(LOCKABLE_FIELDS)
    assert LOCKED_COLUMNS["legal_category"] == "legal_category_id"
