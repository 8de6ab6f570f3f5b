"""SIRENE import benchmark: establishments per second end to end, peak memory, and the speed-up
over a naive per-row ORM `save()` importer, in one run.

    DJANGO_SETTINGS_MODULE=config.settings.bench python bench/import_bench.py --rows 1200000 \
        [--json FILE] [--workdir DIR] [--baseline-rows 20000]

or from Python: `run(rows, workdir) -> dict`.

1. `atelier generate --csv` writes StockUniteLegale.csv and StockEtablissement.csv (INSEE layout)
   for about `rows` establishments (cached in the work directory for a given size and seed);
2. a fresh, empty database is prepared next to the one DATABASE_URL names (another SQLite file,
   or another database on the same PostgreSQL server): migrations and reference data;
3. the baseline (per-row ORM saves of the first `baseline_rows` establishments and their
   organisations) runs in a subprocess, then its rows are deleted;
4. `atelier import-sirene` runs in a subprocess; its wall time gives establishments/s and its
   maximum resident set size (os.wait4) the peak memory;
5. the floor: the rows the import wrote are copied by the database engine alone (no Python per
   row: SQLite `INSERT … SELECT` from the attached import database, PostgreSQL `COPY … TO` piped
   into `COPY … FROM`) into another fresh database, with the same deferred work at the end as
   the import (what the public bulk API defers: secondary indexes and foreign keys, and a
   full-text step where one still exists). No importer on this machine and engine can beat it:
   the import's rate divided by the floor's tells how much of the time is the engine's own.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
SEED = 20240501
ESTABLISHMENTS_PER_ORGANISATION = 1.18  # the generator's mean, to size the files


def env_for(url: str) -> dict[str, str]:
    env = dict(os.environ)
    env.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.bench")
    env["DATABASE_URL"] = url
    return env


def base_url() -> str:
    url = os.environ.get("DATABASE_URL", "")
    if url:
        return url
    return f"sqlite:///{ROOT / 'var' / 'bench' / 'bench.sqlite3'}"


def sibling_url(url: str, name: str, *, create: bool = True) -> str:
    """A database next to `url`: another SQLite file (removed if there), or another PostgreSQL
    database (dropped and, with `create`, created empty)."""
    parts = urlsplit(url)
    if parts.scheme.startswith("sqlite"):
        path = Path(parts.path)
        target = path.with_name(f"{name}.sqlite3")
        for suffix in ("", "-wal", "-shm"):
            Path(f"{target}{suffix}").unlink(missing_ok=True)
        return f"sqlite:///{target}"
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        if create:
            conn.execute(f'CREATE DATABASE "{name}"')
    return urlunsplit(parts._replace(path=f"/{name}"))


def _manage(args: list[str], url: str, *, quiet: bool = True) -> None:
    subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), *args],
        check=True,
        env=env_for(url),
        cwd=ROOT,
        stdout=subprocess.DEVNULL if quiet else None,
    )


def _timed(cmd: list[str], url: str) -> tuple[float, float, int, float]:
    """Run `cmd`; return (wall seconds, max RSS in MB of that process, exit status, CPU seconds
    of that process — user + system, less sensitive than wall time to a busy machine)."""
    start = time.perf_counter()
    # Measured at the priority of the baseline and the floor: an import lowers its own
    # (atelier.core.priority) to leave a busy machine to the requests, which is not what is
    # measured here (bench/concurrency.py measures that).
    env = {**env_for(url), "ATELIER_BACKGROUND_NICE": "0"}
    proc = subprocess.Popen(
        cmd, env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL
    )
    assert proc.stdout is not None
    output = proc.stdout.read()
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    seconds = time.perf_counter() - start
    sys.stdout.write(output.decode("utf-8", "replace"))
    return seconds, usage.ru_maxrss / 1024, proc.returncode, usage.ru_utime + usage.ru_stime


def prepare_files(rows: int, workdir: Path, url: str) -> tuple[Path, Path, int]:
    organisations = max(1, round(rows / ESTABLISHMENTS_PER_ORGANISATION))
    marker = workdir / f"files-{organisations}-{SEED}.json"
    ul, et = workdir / "StockUniteLegale.csv", workdir / "StockEtablissement.csv"
    if marker.exists() and ul.exists() and et.exists():
        return ul, et, json.loads(marker.read_text())["establishments"]
    _manage(["generate", "--organisations", str(organisations), "--seed", str(SEED),
             "--csv", str(workdir), "-v", "0"], url)  # fmt: skip
    with et.open(encoding="utf-8") as fh:
        establishments = sum(1 for _ in fh) - 1
    for old in workdir.glob("files-*.json"):
        old.unlink()
    marker.write_text(json.dumps({"establishments": establishments}))
    return ul, et, establishments


def _reference(url: str) -> None:
    _manage(["migrate", "--no-input", "-v", "0"], url)
    subprocess.run(
        [sys.executable, __file__, "--stage", "reference"], check=True, env=env_for(url), cwd=ROOT
    )


def _reference_stage() -> None:
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("load_reference", verbosity=0)


def _baseline(url: str, ul: Path, et: Path, baseline_rows: int) -> float:
    """Establishments per second of the naive importer, measured in a subprocess."""
    out = subprocess.run(
        [
            sys.executable,
            __file__,
            "--stage",
            "baseline",
            "--ul",
            str(ul),
            "--et",
            str(et),
            "--rows",
            str(baseline_rows),
        ],  # fmt: skip
        check=True,
        env=env_for(url),
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    return float(out.stdout.strip().splitlines()[-1])


def run(rows: int, workdir: Path, *, baseline_rows: int = 20_000) -> dict:
    workdir.mkdir(parents=True, exist_ok=True)
    base = base_url()
    target = sibling_url(base, "atelier_import_bench")
    _reference(target)
    ul, et, establishments = prepare_files(rows, workdir, target)
    baseline = _baseline(target, ul, et, min(baseline_rows, establishments))
    cmd = [
        sys.executable, str(ROOT / "manage.py"), "import_sirene",
        "--unites-legales", str(ul), "--etablissements", str(et),
        "--report", str(workdir / "rapport.csv"),
    ]  # fmt: skip
    seconds, peak_mb, status, cpu = _timed(cmd, target)
    if status != 0:
        raise SystemExit(f"l'import a échoué (code {status}) : voir {workdir / 'rapport.csv'}")
    rate = establishments / seconds
    floor = _floor(target, sibling_url(base, "atelier_import_floor"))
    return {
        "engine": "postgresql" if base.startswith("postgres") else "sqlite",
        "establishments": establishments,
        "seconds": round(seconds, 1),
        "rows_per_s": round(rate),
        "peak_mb": round(peak_mb),
        # CPU of the importing process only (a PostgreSQL server's work is not counted).
        "cpu_us_per_row": round(cpu / establishments * 1e6, 1),
        "baseline_rows_per_s": round(baseline),
        "speedup": round(rate / baseline, 1) if baseline else None,
        "floor_rows_per_s": round(floor["establishments"] / floor["seconds"]),
        "floor_seconds": round(floor["seconds"], 1),
        "share_of_floor": round(rate / (floor["establishments"] / floor["seconds"]), 2),
    }


def _floor(source: str, target: str) -> dict:
    """Establishments/s of the engine alone (see the module docstring), in a subprocess."""
    _reference(target)
    out = subprocess.run(
        [sys.executable, __file__, "--stage", "floor", "--source", source],
        check=True,
        env=env_for(target),
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def _floor_stage(source: str) -> None:
    """Copy organisations and establishments from the `source` database into this (fresh) one
    with no Python per row; print {"establishments", "seconds"} as JSON."""
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from contextlib import ExitStack

    from django.db import connection, transaction

    from atelier.directory.models import Establishment, Organisation
    from atelier.directory.services import bulk

    tables = [Organisation._meta.db_table, Establishment._meta.db_table]
    # Exactly the deferred work of the import, read from the public bulk API: its secondary
    # indexes and keys, and the full-text step where one still exists.
    deferred = [bulk.secondary_indexes_deferred, getattr(bulk, "search_index_deferred", None)]
    start = time.perf_counter()
    with ExitStack() as stack:
        for step in filter(None, deferred):
            stack.enter_context(step())
        if connection.vendor == "sqlite":
            path = urlsplit(source).path
            with connection.cursor() as cursor:
                cursor.execute("ATTACH DATABASE %s AS source", [path])
                with transaction.atomic():
                    for table in tables:
                        cursor.execute(f"INSERT INTO main.{table} SELECT * FROM source.{table}")  # noqa: S608
                cursor.execute("DETACH DATABASE source")
        else:
            import psycopg

            with psycopg.connect(pg_dsn(source)) as src, transaction.atomic():
                raw = connection.cursor().cursor
                for table in tables:
                    with (
                        src.cursor().copy(f"COPY {table} TO STDOUT") as out,  # noqa: S608
                        raw.copy(f"COPY {table} FROM STDIN") as into,  # noqa: S608
                    ):
                        for block in out:
                            into.write(block)
    seconds = time.perf_counter() - start
    count = Establishment.objects.count()
    print(json.dumps({"establishments": count, "seconds": seconds}))


def pg_dsn(url: str) -> str:
    return url.replace("postgres://", "postgresql://", 1)


# --- the naive importer (baseline), run inside Django ----------------------------------------


def _baseline_stage(ul: Path, et: Path, rows: int) -> None:
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from pyproj import Transformer

    from atelier.directory.enums import GeoPrecision, Source
    from atelier.directory.geo import lonlat_to_world
    from atelier.directory.models import Establishment, Organisation
    from atelier.directory.services.organisations import organisation_derive
    from atelier.territories.selectors import commune_places, legal_category_families, naf_codes

    families, nafs, places = legal_category_families(), naf_codes(), commune_places()
    to_wgs84 = Transformer.from_crs(2154, 4326, always_xy=True)
    # The naive importer looks legal units up in a dictionary of the first rows only.
    units: dict[str, dict] = {}
    with ul.open(encoding="utf-8") as fh:
        for i, row in enumerate(csv.DictReader(fh)):
            if i > rows:
                break
            units[row["siren"]] = row
    start = time.perf_counter()
    done = 0
    with et.open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            if done >= rows:
                break
            unit = units.get(row["siren"])
            if unit is None:
                continue
            place = places[row["codeCommuneEtablissement"]]
            org = Organisation.objects.filter(siren=row["siren"]).first()
            if org is None:
                org = Organisation(
                    siren=row["siren"],
                    name=unit["denominationUniteLegale"],
                    legal_category_id=unit["categorieJuridiqueUniteLegale"] or None,
                    sirene_ess_flag=unit["economieSocialeSolidaireUniteLegale"],
                    naf_id=unit["activitePrincipaleUniteLegale"] or None,
                    headcount_band=unit["trancheEffectifsUniteLegale"] or "NN",
                    creation_date=unit["dateCreationUniteLegale"] or None,
                    is_active=unit["etatAdministratifUniteLegale"] != "C",
                    source=Source.SIRENE,
                )
                naf = nafs.get(unit["activitePrincipaleUniteLegale"], ("", ""))
                organisation_derive(
                    org,
                    family=families.get(unit["categorieJuridiqueUniteLegale"], "other"),
                    place=place,
                    naf_section=naf[0],
                    naf_label=naf[1],
                )
                org.save()
            lon, lat = to_wgs84.transform(
                float(row["coordonneeLambertAbscisseEtablissement"]),
                float(row["coordonneeLambertOrdonneeEtablissement"]),
            )
            mx, my = lonlat_to_world(lon, lat)
            Establishment(
                organisation=org,
                siret=row["siret"],
                street=f"{row['numeroVoieEtablissement']} {row['libelleVoieEtablissement']}",
                postcode=row["codePostalEtablissement"],
                commune_id=row["codeCommuneEtablissement"],
                latitude=lat,
                longitude=lon,
                mx=mx,
                my=my,
                geo_precision=GeoPrecision.ADDRESS,
                is_head_office=row["etablissementSiege"] == "true",
                is_open=row["etatAdministratifEtablissement"] != "F",
                naf_id=row["activitePrincipaleEtablissement"] or None,
                headcount_band=row["trancheEffectifsEtablissement"] or "NN",
            ).save()
            done += 1
    seconds = time.perf_counter() - start
    Establishment.history.all().delete()
    Organisation.history.all().delete()
    Establishment.objects.all().delete()
    Organisation.objects.all().delete()
    print(done / seconds if seconds else 0.0)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=100_000)
    ap.add_argument("--json", type=Path)
    ap.add_argument("--workdir", type=Path, default=ROOT / "var" / "bench" / "import")
    ap.add_argument("--baseline-rows", type=int, default=20_000)
    ap.add_argument("--stage", choices=["all", "baseline", "reference", "floor"], default="all")
    ap.add_argument("--source")
    ap.add_argument("--ul", type=Path)
    ap.add_argument("--et", type=Path)
    args = ap.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.bench")
    if args.stage == "baseline":
        _baseline_stage(args.ul, args.et, args.rows)
        return
    if args.stage == "reference":
        _reference_stage()
        return
    if args.stage == "floor":
        _floor_stage(args.source)
        return
    result = run(args.rows, args.workdir, baseline_rows=args.baseline_rows)
    print("| figure | value |\n|---|---|")
    for key, value in result.items():
        print(f"| {key} | {value} |")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
