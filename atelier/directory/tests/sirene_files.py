"""Builders of small SIRENE stock files in exactly the INSEE layouts (every column, in order),
as CSV or Parquet, and the command run on them: shared by the test_import_sirene* modules."""

import csv
import io
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from stdnum.luhn import calc_check_digit

from atelier.directory.services.sirene import (
    ETABLISSEMENT_COLUMNS,
    GEO_COLUMNS,
    UNITE_LEGALE_COLUMNS,
)


def siren_of(n: int) -> str:
    base = f"41{n:06d}"
    return base + calc_check_digit(base)


def siret_of(siren: str, k: int = 1) -> str:
    base = siren + f"{k:04d}"
    return base + calc_check_digit(base)


def write_csv(path: Path, columns, rows: list[dict], *, delimiter: str = ",") -> Path:
    unknown = {k for r in rows for k in r} - set(columns)
    assert not unknown, unknown
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, delimiter=delimiter)
        w.writerow(columns)
        for r in rows:
            w.writerow([r.get(c, "") for c in columns])
    return path


def unit(siren: str, **kw) -> dict:
    row = {
        "siren": siren,
        "statutDiffusionUniteLegale": "O",
        "dateCreationUniteLegale": "2012-03-01",
        "trancheEffectifsUniteLegale": "02",
        "etatAdministratifUniteLegale": "A",
        "denominationUniteLegale": f"ASSOCIATION {siren}",
        "categorieJuridiqueUniteLegale": "9220",
        "activitePrincipaleUniteLegale": "88.99B",
        "nomenclatureActivitePrincipaleUniteLegale": "NAFRev2",
        "economieSocialeSolidaireUniteLegale": "O",
    }
    row.update(kw)
    return row


def etab(siret: str, **kw) -> dict:
    row = {
        "siren": siret[:9],
        "nic": siret[9:],
        "siret": siret,
        "statutDiffusionEtablissement": "O",
        "trancheEffectifsEtablissement": "01",
        "etablissementSiege": "true",
        "numeroVoieEtablissement": "8",
        "typeVoieEtablissement": "IMP",
        "libelleVoieEtablissement": "BOUTRON",
        "codePostalEtablissement": "75010",
        "libelleCommuneEtablissement": "PARIS 10",
        "codeCommuneEtablissement": "75110",
        "etatAdministratifEtablissement": "A",
        "activitePrincipaleEtablissement": "88.99B",
        "nomenclatureActivitePrincipaleEtablissement": "NAFRev2",
    }
    row.update(kw)
    return row


def write_parquet(path: Path, columns, rows: list[dict]) -> Path:
    """The same rows as `write_csv`, as a Parquet file (every column a string)."""
    unknown = {k for r in rows for k in r} - set(columns)
    assert not unknown, unknown
    table = pa.table({c: pa.array([r.get(c, "") for r in rows], pa.string()) for c in columns})
    pq.write_table(table, path)
    return path


def write_stock(tmp_path: Path, units, etabs, fmt: str = "csv") -> tuple[Path, Path]:
    write = write_parquet if fmt == "parquet" else write_csv
    ext = "parquet" if fmt == "parquet" else "csv"
    ul = write(tmp_path / f"StockUniteLegale.{ext}", UNITE_LEGALE_COLUMNS, units)
    et = write(tmp_path / f"StockEtablissement.{ext}", ETABLISSEMENT_COLUMNS, etabs)
    return ul, et


def run_files(tmp_path, ul: Path, et: Path, *args: str, expect_error=False):
    """Run import-sirene on two files; (CommandError or None, stdout)."""
    argv = ["--unites-legales", str(ul), "--etablissements", str(et), *args]
    if "--report" not in args:
        argv += ["--report", str(tmp_path / "rapport.csv")]
    out = io.StringIO()
    if expect_error:
        with pytest.raises(CommandError) as exc:
            call_command("import_sirene", *argv, stdout=out, stderr=io.StringIO())
        return exc.value, out.getvalue()
    call_command("import_sirene", *argv, stdout=out, stderr=io.StringIO())
    return None, out.getvalue()


def run_import(tmp_path, units, etabs, *, geo=None, expect_error=False, fmt="csv", **options):
    ul, et = write_stock(tmp_path, units, etabs, fmt)
    args = ["--unites-legales", str(ul), "--etablissements", str(et)]
    args += ["--report", str(tmp_path / "rapport.csv")]
    if geo is not None:
        args += ["--geo", str(write_csv(tmp_path / "geo.csv", GEO_COLUMNS, geo, delimiter=";"))]
    for k, v in options.items():
        flag = "--" + k.replace("_", "-")
        args += [flag] if v is True else [flag, str(v)]
    out = io.StringIO()
    if expect_error:
        with pytest.raises(CommandError) as exc:
            call_command("import_sirene", *args, stdout=out, stderr=io.StringIO())
        return exc.value, out.getvalue()
    call_command("import_sirene", *args, stdout=out, stderr=io.StringIO())
    return None, out.getvalue()


def report_rows(tmp_path) -> list[dict]:
    with (tmp_path / "rapport.csv").open(encoding="utf-8") as fh:
        return list(csv.DictReader(fh))
