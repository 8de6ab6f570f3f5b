"""Malformed input for `atelier import-sirene`: each one ends with one French sentence and a
non-zero exit, never a traceback, and nothing written to the database."""

import gzip
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.test import override_settings

from atelier.directory.models import Establishment, Organisation
from atelier.directory.services.sirene import ETABLISSEMENT_COLUMNS, UNITE_LEGALE_COLUMNS
from atelier.directory.services.sources import utf8_error_line
from atelier.directory.tests.sirene_files import (
    etab,
    run_files,
    siren_of,
    siret_of,
    unit,
    write_csv,
    write_parquet,
)
from atelier.territories.tests.factories import make_small_reference

pytestmark = pytest.mark.django_db


@pytest.fixture
def ref():
    return make_small_reference()


def good_files(tmp_path: Path, n: int = 3) -> tuple[Path, Path, list[str]]:
    sirens = [siren_of(200 + i) for i in range(n)]
    ul = write_csv(
        tmp_path / "StockUniteLegale.csv", UNITE_LEGALE_COLUMNS, [unit(s) for s in sirens]
    )
    et = write_csv(
        tmp_path / "StockEtablissement.csv",
        ETABLISSEMENT_COLUMNS,
        [etab(siret_of(s)) for s in sirens],
    )
    return ul, et, sirens


def refused(tmp_path, ul, et, *args) -> str:
    """The command's message; asserts the exit code and that nothing was written."""
    err, _ = run_files(tmp_path, ul, et, *args, expect_error=True)
    assert err.returncode == 1
    assert not Organisation.objects.exists() and not Establishment.objects.exists()
    message = str(err)
    assert "\n" not in message and "Traceback" not in message
    return message


def test_binary_file_as_csv_and_as_parquet(ref, tmp_path):
    ul, et, _ = good_files(tmp_path)
    binary = tmp_path / "StockEtablissement.csv"
    binary.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\xff\xfe" * 50)
    assert "n'est pas un fichier CSV" in refused(tmp_path, ul, binary)
    fake = tmp_path / "StockEtablissement.parquet"
    fake.write_bytes(os.urandom(4096))
    message = refused(tmp_path, ul, fake)
    assert message == (
        "Le fichier StockEtablissement.parquet (StockEtablissement) n'est pas un fichier Parquet "
        "lisible."
    )


def test_undefined_cp1252_bytes(ref, tmp_path):
    """0x81, 0x8D, 0x8F, 0x90, 0x9D have no character in cp1252 and are not UTF-8 either."""
    ul, et, _ = good_files(tmp_path)
    lines = ul.read_bytes().split(b"\n")
    lines[2] = lines[2].replace(b"ASSOCIATION", b"ASSOCIATION \x81\x8d\x8f\x90\x9d")
    ul.write_bytes(b"\n".join(lines))
    assert refused(tmp_path, ul, et) == (
        "Le fichier StockUniteLegale.csv n'est pas encodé en UTF-8 (ligne 3) : rien n'a été "
        "importé."
    )


def test_invalid_utf8_after_64_kb_writes_nothing(ref, tmp_path):
    """The first 64 KB are valid (what a sniffer reads): the error comes from the scan, after
    earlier rows were already parsed, and still nothing is written."""
    sirens = [siren_of(300 + i) for i in range(2000)]
    ul = write_csv(tmp_path / "ul.csv", UNITE_LEGALE_COLUMNS, [unit(s) for s in sirens])
    et = write_csv(tmp_path / "et.csv", ETABLISSEMENT_COLUMNS, [etab(siret_of(s)) for s in sirens])
    data = et.read_bytes()
    assert len(data) > 3 * 65_536
    lines = data.split(b"\n")
    lines[1800] = lines[1800].replace(b"BOUTRON", b"BOUTR\xc3\x28N")  # broken 2-byte sequence
    et.write_bytes(b"\n".join(lines))
    assert utf8_error_line(et) == 1801
    assert refused(tmp_path, ul, et, "--batch-size", "100") == (
        "Le fichier et.csv n'est pas encodé en UTF-8 (ligne 1801) : rien n'a été importé."
    )


def test_field_over_131072_characters(ref, tmp_path):
    a = siren_of(210)
    ul = write_csv(tmp_path / "ul.csv", UNITE_LEGALE_COLUMNS, [unit(a)])
    long = "A" * 131_073
    et = write_csv(
        tmp_path / "et.csv",
        ETABLISSEMENT_COLUMNS,
        [etab(siret_of(a), libelleVoieEtablissement=long)],
    )
    assert refused(tmp_path, ul, et) == (
        "Le fichier et.csv a un champ de plus de 131 072 caractères (colonne "
        "libelleVoieEtablissement, ligne 2) : rien n'a été importé."
    )
    # The same file in Parquet.
    pq_et = write_parquet(
        tmp_path / "et.parquet",
        ETABLISSEMENT_COLUMNS,
        [etab(siret_of(a), libelleVoieEtablissement=long)],
    )
    assert "a un champ de plus de 131 072 caractères" in refused(tmp_path, ul, pq_et)


def test_truncated_gzip(ref, tmp_path):
    sirens = [siren_of(400 + i) for i in range(3000)]
    ul = write_csv(tmp_path / "ul.csv", UNITE_LEGALE_COLUMNS, [unit(s) for s in sirens])
    et = write_csv(tmp_path / "et.csv", ETABLISSEMENT_COLUMNS, [etab(siret_of(s)) for s in sirens])
    packed = gzip.compress(et.read_bytes())
    gz = tmp_path / "StockEtablissement.csv.gz"
    gz.write_bytes(packed[: len(packed) * 2 // 3])
    assert refused(tmp_path, ul, gz) == (
        "Le fichier StockEtablissement.csv.gz est une archive tronquée ou endommagée "
        "(téléchargement incomplet ?) : rien n'a été importé."
    )


def test_nul_bytes(ref, tmp_path):
    ul, et, _ = good_files(tmp_path)
    lines = et.read_bytes().split(b"\n")
    lines[3] = lines[3].replace(b"BOUTRON", b"BOU\x00TRON")
    et.write_bytes(b"\n".join(lines))
    assert refused(tmp_path, ul, et) == (
        "Le fichier StockEtablissement.csv contient un octet nul (colonne "
        "libelleVoieEtablissement, ligne 4) : ce n'est pas un fichier texte valide, rien n'a été "
        "importé."
    )


def test_missing_required_columns_csv_and_parquet(ref, tmp_path):
    cols = [c for c in ETABLISSEMENT_COLUMNS if c not in ("siret", "codeCommuneEtablissement")]
    ul, _, _ = good_files(tmp_path)
    for et in (
        write_csv(tmp_path / "et.csv", cols, []),
        write_parquet(tmp_path / "et.parquet", cols, []),
    ):
        assert refused(tmp_path, ul, et) == (
            f"Il manque dans le fichier {et.name} (StockEtablissement) les colonnes suivantes : "
            "siret, codeCommuneEtablissement."
        )


@override_settings(ATELIER_IMPORT_MAX_REJECT_RATE=0.5, ATELIER_IMPORT_REJECT_MIN_ROWS=20)
def test_mostly_garbage_aborts_before_writing(ref, tmp_path):
    good = [siren_of(500 + i) for i in range(5)]
    units = [unit(s) for s in good]
    # 25 establishments whose SIRET is garbage, 5 good ones: 83 % rejected.
    etabs = [etab(siret_of(s)) for s in good]
    etabs += [etab(f"{i:014d}"[:-1] + "x") for i in range(25)]
    ul = write_csv(tmp_path / "ul.csv", UNITE_LEGALE_COLUMNS, units)
    et = write_csv(tmp_path / "et.csv", ETABLISSEMENT_COLUMNS, etabs)
    message = refused(tmp_path, ul, et)
    assert message.startswith("Le fichier et.csv est refusé : 25 ligne(s) sur 30 sont invalides")
    assert "rien n'a été écrit" in message


@override_settings(ATELIER_IMPORT_MAX_REJECT_RATE=0.5, ATELIER_IMPORT_REJECT_MIN_ROWS=20)
def test_reject_rate_needs_its_sample_and_counts_only_rows_in_scope(ref, tmp_path):
    # Below the sample size: the good row is written, the bad ones reported (exit code 2).
    a = siren_of(600)
    ul = write_csv(tmp_path / "ul.csv", UNITE_LEGALE_COLUMNS, [unit(a)])
    et = write_csv(
        tmp_path / "et.csv",
        ETABLISSEMENT_COLUMNS,
        [etab(siret_of(a))] + [etab(f"{i:013d}x") for i in range(5)],
    )
    err, _ = run_files(tmp_path, ul, et, expect_error=True)
    assert err.returncode == 2 and Establishment.objects.count() == 1
    # Garbage outside --territory is dropped by the mask, not counted against the file.
    Establishment.objects.all().delete()
    Organisation.objects.all().delete()
    rows = [etab(siret_of(a), codeCommuneEtablissement="93066")]
    rows += [etab(f"{i:013d}x", codeCommuneEtablissement="69123") for i in range(40)]
    et = write_csv(tmp_path / "et.csv", ETABLISSEMENT_COLUMNS, rows)
    run_files(tmp_path, ul, et, "--territory", "departement:93")
    assert Establishment.objects.count() == 1


def test_missing_input_leaves_no_report(ref, tmp_path):
    ul, _, _ = good_files(tmp_path)
    report = tmp_path / "reports" / "rapport.csv"
    message = refused(tmp_path, ul, tmp_path / "absent.csv", "--report", str(report))
    assert message == f"Le fichier {tmp_path / 'absent.csv'} n'existe pas."
    assert not report.exists() and not report.parent.exists()


def test_the_command_line_prints_one_sentence_and_no_traceback(tmp_path):
    """Through the real entry point: stderr holds the sentence, the exit code is 1."""
    env = dict(os.environ, DJANGO_SETTINGS_MODULE="config.settings.test")
    env["DATABASE_URL"] = f"sqlite:///{tmp_path / 'db.sqlite3'}"
    env["ATELIER_VAR_DIR"] = str(tmp_path / "var")
    ul, et = tmp_path / "ul.csv", tmp_path / "et.csv"
    manage = str(Path(settings.BASE_DIR) / "manage.py")
    proc = subprocess.run(
        [sys.executable, manage, "import_sirene", "--unites-legales", str(ul), "--etablissements",
         str(et)],
        capture_output=True, text=True, env=env, cwd=settings.BASE_DIR, check=False,
    )  # fmt: skip
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr
    assert f"Le fichier {tmp_path / 'ul.csv'} n'existe pas." in proc.stderr
    assert not list(tmp_path.glob("**/rapport-*.csv"))
