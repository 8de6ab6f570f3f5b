"""Closed establishments keep their closing date: a StockEtablissement row with
etatAdministratifEtablissement = F and dateDebut (the start of its current period, the one in
which it is closed) gives `closed_on`, from CSV and Parquet alike; a reopened establishment
loses it; the member-list import keeps it."""

import datetime as dt

import pytest

from atelier.directory.models import Establishment
from atelier.directory.services.members import MembersOptions, organisation_import_members
from atelier.directory.services.reports import ImportReport
from atelier.directory.tests.sirene_files import etab, report_rows, run_import, siren_of, siret_of
from atelier.directory.tests.sirene_files import unit as unit_row
from atelier.territories.tests.factories import make_small_reference

pytestmark = pytest.mark.django_db


@pytest.fixture
def ref():
    return make_small_reference()


def _rows(siren, state="F", since="2021-03-12"):
    return [unit_row(siren)], [
        etab(siret_of(siren, 1)),
        etab(
            siret_of(siren, 2),
            etablissementSiege="false",
            etatAdministratifEtablissement=state,
            dateDebut=since,
        ),
    ]


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_a_closed_establishment_gets_its_closing_date(ref, tmp_path, fmt):
    a = siren_of(300)
    units, etabs = _rows(a)
    etabs[0]["dateDebut"] = "2015-06-01"  # an open one's period start is no closing date
    run_import(tmp_path, units, etabs, fmt=fmt)
    open_, closed = (Establishment.objects.get(siret=siret_of(a, k)) for k in (1, 2))
    assert open_.is_open and open_.closed_on is None
    assert not closed.is_open and closed.closed_on == dt.date(2021, 3, 12)


def test_a_reopened_establishment_loses_its_closing_date(ref, tmp_path):
    a = siren_of(301)
    run_import(tmp_path, *_rows(a))
    assert Establishment.objects.get(siret=siret_of(a, 2)).closed_on == dt.date(2021, 3, 12)
    run_import(tmp_path, *_rows(a, state="A", since="2023-01-01"))
    reopened = Establishment.objects.get(siret=siret_of(a, 2))
    assert reopened.is_open and reopened.closed_on is None
    # Closed again later: the new date.
    run_import(tmp_path, *_rows(a, since="2024-09-30"))
    assert Establishment.objects.get(siret=siret_of(a, 2)).closed_on == dt.date(2024, 9, 30)


def test_a_closed_establishment_without_a_date_is_kept_without_one(ref, tmp_path):
    a = siren_of(302)
    run_import(tmp_path, *_rows(a, since=""))
    closed = Establishment.objects.get(siret=siret_of(a, 2))
    assert not closed.is_open and closed.closed_on is None


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_an_invalid_closing_date_is_rejected_with_its_line(ref, tmp_path, fmt):
    a = siren_of(303)
    err, _ = run_import(tmp_path, *_rows(a, since="2021-02-30"), expect_error=True, fmt=fmt)
    assert err.returncode == 2
    rows = report_rows(tmp_path)
    assert [(r["ligne"], r["colonne"], r["valeur"], r["motif"]) for r in rows] == [
        ("3", "dateDebut", "2021-02-30", "date de fermeture invalide")
    ]
    assert not Establishment.objects.filter(siret=siret_of(a, 2)).exists()
    assert Establishment.objects.filter(siret=siret_of(a, 1)).exists()


def test_the_member_import_keeps_the_closing_date(ref, tmp_path):
    a = siren_of(304)
    run_import(tmp_path, *_rows(a))
    members = tmp_path / "adherents.csv"
    members.write_text(
        "Raison sociale;SIRET;Adresse;Code postal;Ville\n"
        f"Association {a};{siret_of(a, 2)};12 rue Neuve;75010;Paris\n",
        encoding="utf-8",
    )
    result = organisation_import_members(
        options=MembersOptions(path=members), report=ImportReport()
    )
    assert result.updated == 1
    closed = Establishment.objects.get(siret=siret_of(a, 2))
    assert closed.street == "12 rue Neuve"  # the list's address is written…
    assert not closed.is_open and closed.closed_on == dt.date(2021, 3, 12)  # …its closure kept
