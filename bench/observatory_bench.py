"""Benchmark of the observatory (issue 9), run inside Django on the database bench/engine.py
prepared (bench/run.py runs it after engine.py, same DATABASE_URL):

- the full rebuild of the aggregates;
- any territory's full indicator set (indicators, written diagnostic, every table and chart,
  the ESS's share), over a mixed set of territories (communes, arrondissements, EPCI, EPT,
  départements, régions, a custom territory), p50 / p95;
- the baseline, in the same run: the same territories' figures aggregated from the raw rows
  per request (the rebuild's own set-based SQL restricted to the territory's places: facts,
  then the grouping per organisation of every dimension, and the flows), and the speed-up;
- the refresh after an incremental change of `--changes` establishment rows (closures and
  headcount bands, written in bulk as an import writes them: `updated_at` stamped, data
  version moved): the incremental refresh (services.incremental) timed, the totals of the
  sampled territories checked against the baseline, then the full rebuild of the same data
  timed beside it and every row of every table compared with what the refresh left;
- the diagnostic PDF (pdf.build_pdf, what the view and the background task run) of
  `--pdf-territories` (default: Paris, Nord, Île-de-France), after the rest: cold (the first PDF
  of a fresh process, WeasyPrint imported and its fonts found there; one process per
  repetition) then warm (the next PDF of that process), min / median of `--pdf-reps`, with its
  steps (figures, HTML, WeasyPrint), its size in bytes and the time to serve the cached file.
  `--pdf-only` runs only this part; `--pdf-profile DIR` writes a cProfile of a cold and a warm
  PDF per territory (its own process, not timed).

    python bench/observatory_bench.py --json out.json [--territories 60] [--changes 10000]
                                      [--pdf-only] [--pdf-reps 3] [--pdf-profile DIR]
"""

from __future__ import annotations

import argparse
import cProfile
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.bench")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.db.models import Max  # noqa: E402
from django.utils import timezone  # noqa: E402

from atelier.accounts.models import Network  # noqa: E402
from atelier.directory.indexes import VERSION  # noqa: E402
from atelier.directory.models import Establishment, Organisation  # noqa: E402
from atelier.observatory.enums import Dimension, Level  # noqa: E402
from atelier.observatory.models import (  # noqa: E402
    Aggregate,
    CustomTerritory,
    Place,
    State,
)
from atelier.observatory.pdf import build_pdf, cached_pdf  # noqa: E402
from atelier.observatory.selectors.charts import page_charts  # noqa: E402
from atelier.observatory.selectors.diagnostic import diagnostic  # noqa: E402
from atelier.observatory.selectors.economy import economy_share  # noqa: E402
from atelier.observatory.selectors.indicators import indicators  # noqa: E402
from atelier.observatory.selectors.snapshot import tables_snapshot  # noqa: E402
from atelier.observatory.selectors.tables import all_tables  # noqa: E402
from atelier.observatory.selectors.territory import territory_resolve  # noqa: E402
from atelier.observatory.services import rebuild as rb  # noqa: E402
from atelier.observatory.services.custom import custom_territory_save  # noqa: E402
from atelier.observatory.services.incremental import observatory_refresh  # noqa: E402
from atelier.search import versions  # noqa: E402

PLACE_COLUMN = {
    Level.COMMUNE: "commune",
    Level.ARRONDISSEMENT: "arrondissement",
    Level.EPCI: "epci",
    Level.EPT: "ept",
    Level.DEPARTEMENT: "departement",
    Level.REGION: "region",
}
CUSTOM_CODE = "bench-custom"
PDF_TERRITORIES = "departement:75,departement:59,region:11"
PDF_TARGETS = {Level.DEPARTEMENT: 3.0, Level.REGION: 10.0}  # seconds (issue 9)


def pct(values: list[float], p: float) -> float:
    values = sorted(values)
    k = max(0, min(len(values) - 1, round(p / 100 * (len(values) - 1))))
    return values[k]


def ensure_custom(rng: random.Random) -> None:
    """A custom territory of 30 communes with organisations, in several départements."""
    CustomTerritory.objects.filter(code=CUSTOM_CODE).delete()
    communes = sorted(
        set(
            Organisation.objects.exclude(commune_code="").values_list("commune_code", flat=True)[
                :5000
            ]
        )
    )
    chosen = rng.sample(communes, min(30, len(communes)))
    network, _ = Network.objects.get_or_create(
        slug="bench", defaults={"name": "Réseau du banc d'essai", "kind": "regional"}
    )
    custom_territory_save(name="Banc d'essai", code=CUSTOM_CODE, communes_text="\n".join(chosen),
                          network_id=network.pk, user_id=None)  # fmt: skip


def territory_sample(rng: random.Random, count: int) -> list[tuple[str, str]]:
    """Territories with figures, at every level (a quarter communes, the rest spread)."""
    keys: list[tuple[str, str]] = [(Level.CUSTOM, CUSTOM_CODE)]
    per_level = {
        level: sorted(
            Aggregate.objects.filter(level=level, dimension=Dimension.TOTAL)
            .values_list("code", flat=True)
            .distinct()
        )
        for level in PLACE_COLUMN
    }
    weights = {Level.COMMUNE: 4, Level.ARRONDISSEMENT: 1, Level.EPCI: 2, Level.EPT: 1,
               Level.DEPARTEMENT: 2, Level.REGION: 2}  # fmt: skip
    total = sum(weights.values())
    for level, weight in weights.items():
        codes = per_level[level]
        if codes:
            keys += [
                (level, c)
                for c in rng.sample(codes, min(len(codes), max(1, count * weight // total)))
            ]
    return keys


def full_set(level: str, code: str) -> int:
    """What a territory's page computes: every figure, the diagnostic, tables and charts."""
    territory = territory_resolve(level, code)
    assert territory is not None, (level, code)
    ind = indicators(territory)
    tables = all_tables(ind)
    page_charts(ind)
    diagnostic(ind)
    economy_share(ind)
    return len(tables)


def raw_aggregate(level: str, code: str) -> dict[str, tuple]:
    """Baseline: the territory's figures aggregated from the raw rows now (its facts, then every
    dimension grouped per organisation, and the flows); the total row."""
    custom_id = None
    if level == Level.CUSTOM:
        custom_id = CustomTerritory.objects.get(code=code).pk
        members = "SELECT code FROM observatory_customterritorycommune WHERE territory_id = %s"
        where = f"(p.commune IN ({members}) OR p.arrondissement IN ({members}))"
        params: list = [custom_id, custom_id]
    else:
        where, params = f"p.{PLACE_COLUMN[level]} = %s", [code]
    try:
        rb._create_temp_tables()
        rb._insert_facts(where, params)
        rb._insert_aggregates([level], custom_id)
        rb._insert_flows([level], custom_id)
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT organisations, establishments, contributors, jobs_central "  # noqa: S608
                f"FROM {rb.AGGREGATE} WHERE code = %s AND dimension = 'total'",
                [code],
            )
            row = cursor.fetchone()
    finally:
        rb._drop_temp_tables()
    return {"total": tuple(row) if row else (0, 0, 0, 0.0)}


def stored_total(level: str, code: str) -> tuple:
    row = (
        Aggregate.objects.filter(level=level, code=code, dimension=Dimension.TOTAL)
        .values_list("organisations", "establishments", "contributors", "jobs_central")
        .first()
    )
    return tuple(row) if row else (0, 0, 0, 0.0)


def incremental_change(rng: random.Random, rows: int) -> int:
    """`rows` open establishments changed in bulk: half closed, half given another band, as an
    import writes them (one UPDATE per kind, `updated_at` stamped as the bulk writer does, the
    directory's data version moved)."""
    ids = list(
        Establishment.objects.filter(is_open=True).order_by("?").values_list("id", flat=True)[:rows]
    )
    half = len(ids) // 2
    bands = ["01", "02", "03", "11", "12"]
    now = timezone.now()
    with transaction.atomic():
        for start in range(0, half, 5000):
            Establishment.objects.filter(id__in=ids[start : min(half, start + 5000)]).update(
                is_open=False, updated_at=now
            )
        for i, band in enumerate(bands):
            chunk = ids[half + i :: len(bands)]
            Establishment.objects.filter(id__in=chunk).update(headcount_band=band, updated_at=now)
        versions.bump(VERSION)
    return len(ids)


def settle() -> bool:
    """Rows written within `CHANGES_OVERLAP` before the last build (a freshly generated
    directory) would be read again by the first refresh, which would then fall back to a full
    rebuild: wait until they are older than the margin and rebuild once, so that the refresh
    measured reads only the changes. True when it had to."""
    since = State.objects.get(key=rb.STATE_KEY).changes_since
    written = (
        Organisation.objects.aggregate(m=Max("updated_at"))["m"],
        Establishment.objects.aggregate(m=Max("updated_at"))["m"],
    )
    latest = max((d for d in written if d is not None), default=None)
    if since is None or latest is None or latest < since:
        return False
    time.sleep(max(0.0, (latest + rb.CHANGES_OVERLAP - timezone.now()).total_seconds()) + 1)
    rb.observatory_rebuild()
    return True


def _timed_pdf(territory) -> dict:
    """One pdf.build_pdf, its steps timed through its progress callback."""
    marks: dict[str, float] = {}
    cpu, t0 = time.process_time(), time.perf_counter()
    path = build_pdf(territory, lambda step: marks.setdefault(step, time.perf_counter()))
    end = time.perf_counter()
    return {
        "seconds": round(end - t0, 3),
        "cpu_seconds": round(time.process_time() - cpu, 3),  # this process's (not the server's)
        "steps": {
            "version": round(marks["figures"] - t0, 3),
            "figures": round(marks["html"] - marks["figures"], 3),
            "html": round(marks["pdf"] - marks["html"], 3),
            "weasyprint": round(end - marks["pdf"], 3),
        },
        "bytes": path.stat().st_size,
    }


def pdf_probe(key: str, warm: int, profile: Path | None) -> dict:
    """In a fresh process: the first PDF of `key` (cold), then `warm` more; or, with `profile`,
    a cold and a warm one under cProfile (written as `<profile>/<key>-cold|warm.prof`)."""
    level, code = key.split(":")
    territory = territory_resolve(level, code)
    assert territory is not None, key
    settings.ATELIER_OBSERVATORY_PDF_DIR = Path(tempfile.mkdtemp(prefix="atelier-bench-pdf."))
    try:
        if profile is not None:
            for name in ("cold", "warm"):
                profiler = cProfile.Profile()
                profiler.runcall(build_pdf, territory)
                profiler.dump_stats(profile / f"{key.replace(':', '-')}-{name}.prof")
            return {}
        runs = [_timed_pdf(territory) for _ in range(1 + warm)]
        t0 = time.perf_counter()
        served = cached_pdf(territory)
        assert served is not None
        served.read_bytes()
        cached_ms = (time.perf_counter() - t0) * 1000
    finally:
        shutil.rmtree(settings.ATELIER_OBSERVATORY_PDF_DIR, ignore_errors=True)
    return {"label": territory.label, "runs": runs, "cached_ms": round(cached_ms, 2)}


def _probe_process(key: str, warm: int, profile: Path | None) -> dict:
    with tempfile.NamedTemporaryFile(suffix=".json") as result:
        cmd = [sys.executable, __file__, "--pdf-probe", key, "--pdf-warm", str(warm),
               "--json", result.name]  # fmt: skip
        if profile is not None:
            cmd += ["--pdf-profile", str(profile)]
        subprocess.run(cmd, check=True)
        return json.loads(Path(result.name).read_text() or "{}")


def _summary(runs: list[dict]) -> dict:
    seconds = [r["seconds"] for r in runs]
    return {
        "min_s": round(min(seconds), 2),
        "median_s": round(statistics.median(seconds), 2),
        "max_s": round(max(seconds), 2),
        "cpu_median_s": round(statistics.median(r["cpu_seconds"] for r in runs), 2),
        "steps_median_s": {
            step: round(statistics.median(r["steps"][step] for r in runs), 3)
            for step in runs[0]["steps"]
        },
    }


def pdf_bench(keys: list[str], reps: int, warm: int, profile: Path | None) -> dict:
    """The diagnostic PDF of each territory: `reps` fresh processes, each a cold PDF then
    `warm` warm ones; the target of its level (issue 9)."""
    out: dict = {"load_before": [round(x, 2) for x in os.getloadavg()], "territories": {}}
    for key in keys:
        probes = [_probe_process(key, warm, None) for _ in range(reps)]
        cold = [p["runs"][0] for p in probes]
        warm_runs = [r for p in probes for r in p["runs"][1:]]
        target = PDF_TARGETS.get(key.split(":")[0])
        entry = {
            "label": probes[0]["label"],
            "target_s": target,
            "cold": _summary(cold),
            "warm": _summary(warm_runs) if warm_runs else None,
            "bytes": cold[0]["bytes"],
            "cached_ms_median": round(statistics.median(p["cached_ms"] for p in probes), 2),
            "meets_target_cold": target is None or max(r["seconds"] for r in cold) <= target,
        }
        out["territories"][key] = entry
        print(f"[{connection.vendor}] observatory PDF {key}: {entry}", flush=True)
        if profile is not None:
            profile.mkdir(parents=True, exist_ok=True)
            _probe_process(key, 0, profile)
    out["load_after"] = [round(x, 2) for x in os.getloadavg()]
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--territories", type=int, default=60)
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--baseline-reps", type=int, default=1)
    ap.add_argument("--changes", type=int, default=10_000)
    ap.add_argument("--json", type=Path, required=True)
    ap.add_argument("--pdf-only", action="store_true", help="only the diagnostic PDF part")
    ap.add_argument("--pdf-territories", default=PDF_TERRITORIES, help="level:code,…")
    ap.add_argument("--pdf-reps", type=int, default=3, help="fresh processes per territory")
    ap.add_argument("--pdf-warm", type=int, default=1, help="warm PDFs after each cold one")
    ap.add_argument("--pdf-profile", type=Path, help="write cProfile files of the PDFs here")
    ap.add_argument("--pdf-probe", help=argparse.SUPPRESS)  # one process of pdf_bench
    args = ap.parse_args()
    if args.pdf_probe:
        result = pdf_probe(args.pdf_probe, args.pdf_warm, args.pdf_profile)
        args.json.write_text(json.dumps(result, ensure_ascii=False))
        return
    pdf_keys = [k.strip() for k in args.pdf_territories.split(",") if k.strip()]
    vendor = connection.vendor
    if args.pdf_only:
        pdf = pdf_bench(pdf_keys, args.pdf_reps, args.pdf_warm, args.pdf_profile)
        args.json.write_text(
            json.dumps({"engine": vendor, "pdf": pdf}, indent=2, ensure_ascii=False)
        )
        return
    rng = random.Random(args.seed)
    out: dict = {"engine": vendor}
    print(f"[{vendor}] observatory: full rebuild…", flush=True)
    t0 = time.perf_counter()
    report = rb.observatory_rebuild()
    out["rebuild_seconds"] = round(time.perf_counter() - t0, 2)
    out["aggregates"] = report.aggregates
    out["places"] = Place.objects.count()
    ensure_custom(rng)
    keys = territory_sample(rng, args.territories)
    out["territories"] = len(keys)
    ours: list[float] = []
    for _ in range(args.reps):
        for level, code in keys:
            t0 = time.perf_counter()
            full_set(level, code)
            ours.append((time.perf_counter() - t0) * 1000)
    raw: list[float] = []
    for _ in range(args.baseline_reps):
        for level, code in keys:
            t0 = time.perf_counter()
            raw_aggregate(level, code)
            raw.append((time.perf_counter() - t0) * 1000)
    out["indicators"] = {
        "p50_ms": round(statistics.median(ours), 1),
        "p95_ms": round(pct(ours, 95), 1),
        "max_ms": round(max(ours), 1),
        "baseline_p50_ms": round(statistics.median(raw), 1),
        "baseline_p95_ms": round(pct(raw, 95), 1),
        "speedup_p50": round(statistics.median(raw) / statistics.median(ours), 1),
        "samples": len(ours),
        "levels": sorted({str(level) for level, _ in keys}),
    }
    print(f"[{vendor}] observatory: {out['indicators']}", flush=True)
    settled = settle()
    changed = incremental_change(rng, args.changes)
    t0 = time.perf_counter()
    refreshed = observatory_refresh()
    refresh = time.perf_counter() - t0
    mismatches = [
        f"{level}:{code}"
        for level, code in keys
        if stored_total(level, code)[:3] != raw_aggregate(level, code)["total"][:3]
    ]
    after_refresh = tables_snapshot()
    t0 = time.perf_counter()
    rb.observatory_rebuild()
    full = time.perf_counter() - t0
    rebuilt = tables_snapshot()
    differing = [name for name, rows in rebuilt.items() if after_refresh[name] != rows]
    out["incremental"] = {
        "rows_changed": changed,
        "rebuilt_again_before_the_changes": settled,
        "organisations_read": refreshed.organisations,
        "refresh_kind": refreshed.kind + (f" ({refreshed.reason})" if refreshed.reason else ""),
        "refresh_seconds": round(refresh, 2),
        "full_rebuild_seconds": round(full, 2),
        "exact": not mismatches and not differing,
        "mismatches": mismatches[:10],
        "tables_differing_from_full_rebuild": differing,
        "rows_compared": sum(len(rows) for rows in rebuilt.values()),
        "refresh_steps": refreshed.steps,
        "lists_recomputed": refreshed.recomputed,
    }
    print(f"[{vendor}] observatory after {changed} rows: {out['incremental']}", flush=True)
    out["pdf"] = pdf_bench(pdf_keys, args.pdf_reps, args.pdf_warm, args.pdf_profile)
    args.json.write_text(json.dumps(out, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
