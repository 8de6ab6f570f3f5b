"""The columnar scan of the SIRENE stock files: Parquet imports exactly as CSV, and the rows
outside `--territory` / `--ess-only` are dropped on whole columns, before any per-row Python."""

import datetime as dt

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from atelier.directory.models import Establishment, Organisation
from atelier.directory.services.sirene import ETABLISSEMENT_COLUMNS, UNITE_LEGALE_COLUMNS
from atelier.directory.services.sirene.reader import SireneReader
from atelier.directory.tests.sirene_files import (
    etab,
    report_rows,
    run_files,
    run_import,
    siren_of,
    siret_of,
    unit,
    write_csv,
    write_stock,
)
from atelier.territories.tests.factories import make_small_reference

pytestmark = pytest.mark.django_db


@pytest.fixture
def ref():
    return make_small_reference()


def dataset():
    """Legal units and establishments with something of everything: ESS or not, partial
    diffusion, Lambert coordinates, closed, three communes, and rows to reject."""
    sirens = [siren_of(100 + i) for i in range(8)]
    units = [
        unit(sirens[0], sigleUniteLegale="AJ"),
        unit(
            sirens[1], categorieJuridiqueUniteLegale="5710", economieSocialeSolidaireUniteLegale="N"
        ),
        unit(sirens[2], economieSocialeSolidaireUniteLegale=""),
        unit(
            sirens[3],
            categorieJuridiqueUniteLegale="1000",
            statutDiffusionUniteLegale="P",
            denominationUniteLegale="",
        ),
        unit(sirens[4], etatAdministratifUniteLegale="C", trancheEffectifsUniteLegale=""),
        unit(sirens[5], dateCreationUniteLegale="2012-13-45"),  # rejected
        unit(sirens[6], categorieJuridiqueUniteLegale="5710"),
        unit("123456789"),  # rejected: Luhn
    ]
    communes = ["75110", "93066", "69123"]
    etabs = []
    for i, siren in enumerate(sirens[:7]):
        for k in (1, 2):
            etabs.append(
                etab(
                    siret_of(siren, k),
                    etablissementSiege="true" if k == 1 else "false",
                    codeCommuneEtablissement=communes[(i + k) % 3],
                    coordonneeLambertAbscisseEtablissement="652469" if i % 2 else "",
                    coordonneeLambertOrdonneeEtablissement="6862035" if i % 2 else "",
                    etatAdministratifEtablissement="F" if i == 4 else "A",
                    dateDebut="2021-03-12" if i == 4 else "2012-03-01",
                    statutDiffusionEtablissement="P" if i == 3 else "O",
                )
            )
    bad = siret_of(sirens[0], 3)
    etabs.append(etab(bad[:-1] + str((int(bad[-1]) + 1) % 10)))  # rejected: Luhn
    etabs.append(etab(siret_of(sirens[0], 4), codeCommuneEtablissement="99999"))  # rejected
    return units, etabs


def snapshot() -> tuple[list, list]:
    orgs = list(
        Organisation.objects.order_by("siren").values_list(
            "siren", "name", "acronym", "legal_category_id", "sirene_ess_flag", "ess_rule",
            "headcount_band", "naf_id", "creation_date", "is_active", "commune_code",
        )
    )  # fmt: skip
    ests = list(
        Establishment.objects.order_by("siret").values_list(
            "siret", "organisation__siren", "name", "street", "postcode", "commune_id",
            "latitude", "longitude", "geo_precision", "is_head_office", "is_open",
            "closed_on", "headcount_band",
        )
    )  # fmt: skip
    return orgs, ests


def clear() -> None:
    Establishment.objects.all().delete()
    Organisation.objects.all().delete()


def rejections(tmp_path) -> list[tuple]:
    return sorted(
        (r["fichier"].split(".")[0], r["ligne"], r["colonne"], r["motif"])
        for r in report_rows(tmp_path)
    )


@pytest.mark.parametrize("options", [{}, {"ess_only": True}, {"territory": "departement:93"}])
def test_parquet_import_equals_csv_import(ref, tmp_path, options):
    units, etabs = dataset()
    err, out_csv = run_import(tmp_path, units, etabs, expect_error=True, **options)
    assert err.returncode == 2  # rows rejected
    from_csv, rejected_csv = snapshot(), rejections(tmp_path)
    assert from_csv[1]  # something was imported
    if not options:  # closed establishments with their closing date among them
        assert {e[11] for e in from_csv[1] if not e[10]} == {dt.date(2021, 3, 12)}
    clear()
    err, out_parquet = run_import(
        tmp_path, units, etabs, expect_error=True, fmt="parquet", **options
    )
    assert err.returncode == 2
    assert snapshot() == from_csv
    assert rejections(tmp_path) == rejected_csv
    counts = [
        line
        for line in out_csv.splitlines()
        if line.startswith(("Unités légales :", "Établissements :"))
    ]
    assert counts and all(line in out_parquet for line in counts)


def test_parquet_with_typed_columns_imports_like_csv(ref, tmp_path):
    """INSEE's Parquet files type some columns (dates, booleans, numbers): they are read as the
    CSV writes them."""
    a = siren_of(130)
    units = [unit(a)]
    etabs = [
        etab(siret_of(a, 1), coordonneeLambertAbscisseEtablissement="652469.5",
             coordonneeLambertOrdonneeEtablissement="6862035.25"),
        etab(siret_of(a, 2), etablissementSiege="false", codeCommuneEtablissement="93066"),
    ]  # fmt: skip
    etabs.append(
        etab(siret_of(a, 3), etablissementSiege="false", etatAdministratifEtablissement="F",
             dateDebut="2021-03-12"),
    )  # fmt: skip
    run_import(tmp_path, units, etabs)
    from_csv = snapshot()
    assert [e[10:12] for e in from_csv[1]][2] == (False, dt.date(2021, 3, 12))
    clear()
    typed = {
        "dateCreationUniteLegale": pa.array([dt.date(2012, 3, 1)]),
        "nombrePeriodesUniteLegale": pa.array([3], pa.int32()),
    }
    ul_table = pa.table(
        {
            c: typed.get(c, pa.array([units[0].get(c, "")], pa.string()))
            for c in UNITE_LEGALE_COLUMNS
        }
    )
    est_typed = {
        "etablissementSiege": pa.array([True, False, False]),
        "coordonneeLambertAbscisseEtablissement": pa.array([652469.5, None, None]),
        "coordonneeLambertOrdonneeEtablissement": pa.array([6862035.25, None, None]),
        "enseigne1Etablissement": pa.nulls(3, pa.string()),
        "dateDebut": pa.array([None, None, dt.date(2021, 3, 12)]),
    }
    et_table = pa.table(
        {
            c: est_typed.get(c, pa.array([e.get(c, "") for e in etabs], pa.string()))
            for c in ETABLISSEMENT_COLUMNS
        }
    )
    ul, et = tmp_path / "ul.parquet", tmp_path / "et.parquet"
    pq.write_table(ul_table, ul)
    pq.write_table(et_table, et)
    run_files(tmp_path, ul, et)
    assert snapshot() == from_csv


def test_format_option_overrides_the_extension(ref, tmp_path):
    a = siren_of(131)
    ul, et = write_stock(tmp_path, [unit(a)], [etab(siret_of(a))], "parquet")
    ul, et = ul.rename(tmp_path / "ul.data"), et.rename(tmp_path / "et.data")
    run_files(tmp_path, ul, et, "--format", "parquet")
    assert Establishment.objects.get().siret == siret_of(a)


def counting(monkeypatch, name: str) -> list[str]:
    """Wrap SireneReader.<name> (the factory of a per-row function) so that every row it
    parses is recorded: the rows the columnar masks let through."""
    seen: list[str] = []
    factory = getattr(SireneReader, name)

    def wrapped(self, columns, reject):
        parse = factory(self, columns, reject)
        i = columns["siret"] if "siret" in columns else columns["siren"]

        def counted(line, row):
            seen.append(row[i])
            return parse(line, row)

        return counted

    monkeypatch.setattr(SireneReader, name, wrapped)
    return seen


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_territory_rows_dropped_before_the_per_row_function(ref, tmp_path, monkeypatch, fmt):
    seen = counting(monkeypatch, "_establishment_parser")
    a = siren_of(140)
    inside = [siret_of(a, k) for k in (1, 2)]
    outside = [siret_of(a, k) for k in range(3, 40)]
    etabs = [etab(s, codeCommuneEtablissement="93066") for s in inside]
    etabs += [
        etab(s, codeCommuneEtablissement="69123", etablissementSiege="false") for s in outside
    ]
    # A row outside the territory is dropped even when it would be rejected.
    etabs.append(etab("12345678901234", codeCommuneEtablissement="75110"))
    _, out = run_import(tmp_path, [unit(a)], etabs, fmt=fmt, territory="departement:93")
    assert sorted(seen) == sorted(inside)
    assert set(Establishment.objects.values_list("siret", flat=True)) == set(inside)
    assert "40 lus, 2 retenus, 38 hors périmètre" in out


def test_ess_only_drops_units_and_their_establishments_on_whole_columns(ref, tmp_path, monkeypatch):
    units_seen = counting(monkeypatch, "_unit_parser")
    ests_seen = counting(monkeypatch, "_establishment_parser")
    ess, company, other_cj = siren_of(150), siren_of(151), siren_of(152)
    odd_flag = siren_of(153)
    units = [
        unit(ess),
        unit(
            company, categorieJuridiqueUniteLegale="5710", economieSocialeSolidaireUniteLegale="N"
        ),
        unit(
            other_cj, categorieJuridiqueUniteLegale="0000", economieSocialeSolidaireUniteLegale=""
        ),
        unit(odd_flag, economieSocialeSolidaireUniteLegale="X"),  # kept to be rejected
    ]
    etabs = [etab(siret_of(s)) for s in (ess, company, other_cj, odd_flag)]
    err, _ = run_import(tmp_path, units, etabs, ess_only=True, expect_error=True)
    assert sorted(units_seen) == sorted([ess, odd_flag])
    assert sorted(ests_seen) == sorted([siret_of(ess), siret_of(odd_flag)])
    assert list(Organisation.objects.values_list("siren", flat=True)) == [ess]
    motifs = {r["motif"] for r in report_rows(tmp_path)}
    assert motifs == {"valeur O ou N", "unité légale rejetée (ligne 5)"}


def test_rejected_lines_are_physical_lines_after_a_short_row(ref, tmp_path):
    a = siren_of(160)
    ul = write_csv(tmp_path / "ul.csv", UNITE_LEGALE_COLUMNS, [unit(a)])
    et = write_csv(
        tmp_path / "et.csv",
        ETABLISSEMENT_COLUMNS,
        [etab(siret_of(a, 1)), etab(siret_of(a, 2)), etab("12345678901234")],
    )
    lines = et.read_text(encoding="utf-8").splitlines(keepends=True)
    et.write_text("".join([*lines[:2], "1,2,3\n", *lines[2:]]), encoding="utf-8")
    err, _ = run_files(tmp_path, ul, et, expect_error=True)
    got = {(r["ligne"], r["motif"]) for r in report_rows(tmp_path)}
    assert got == {
        ("3", "nombre de colonnes insuffisant"),
        ("5", "SIRET invalide : clé de contrôle (Luhn) fausse"),
    }
    assert Establishment.objects.count() == 2
