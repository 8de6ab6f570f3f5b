"""`make bench`: runs bench/engine.py (search + map), bench/import_bench.py (SIRENE import),
bench/scan_bench.py (SIRENE national scan, CSV and Parquet), bench/observatory_bench.py
(observatory figures on the organisations engine.py generated) and bench/support_bench.py
(orientation: the schemes catalogue scaled with synthetic schemes) on
SQLite and on PostgreSQL (a throw-away server started from the Debian packages when DATABASE_URL is
not given), prints one table and writes bench/RESULTS.md with the command that produced it.

    python bench/run.py [--organisations 1000000] [--engines sqlite,postgresql]
                        [--import-rows 1200000] [--skip-import] [--no-write]
                        [--scan-rows 10000000] [--skip-scan]
                        [--concurrency-rows 150000] [--skip-concurrency] [--out DIR]
                        [--observatory-changes 10000] [--observatory-pdf-reps 3]
                        [--skip-observatory]
                        [--support-schemes 500] [--support-profiles 10000] [--skip-support]

`make bench-smoke` runs the same steps at tiny sizes, in var/bench-smoke, with --no-write.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import os
import platform
import shlex
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
import scan_bench  # noqa: E402

OUT = ROOT / "var" / "bench"
PY = sys.executable


@contextlib.contextmanager
def postgres_server(port: int = 54390):
    """A throw-away PostgreSQL cluster on loopback, or the one named by BENCH_POSTGRES_URL."""
    if os.environ.get("BENCH_POSTGRES_URL"):
        yield os.environ["BENCH_POSTGRES_URL"]
        return
    bins = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"))
    if not bins:
        raise SystemExit("PostgreSQL introuvable : installez le paquet Debian postgresql.")
    pgbin = bins[-1].parent
    data = Path(tempfile.mkdtemp(prefix="atelier-bench-pg."))
    as_pg = ["su", "postgres", "-s", "/bin/sh", "-c"] if os.geteuid() == 0 else ["sh", "-c"]
    if os.geteuid() == 0:
        shutil.chown(data, "postgres")
    opts = (
        f"-p {port} -k /tmp -c listen_addresses=127.0.0.1 -c shared_buffers=1GB "
        "-c work_mem=64MB -c fsync=off -c synchronous_commit=off -c full_page_writes=off "
        "-c max_wal_size=4GB -c jit=off"
    )
    subprocess.run(
        [
            *as_pg,
            f"{pgbin}/initdb -D {data} -U postgres -A trust -E UTF8 --locale=C.UTF-8 >/dev/null",
        ],
        check=True,
    )
    subprocess.run(
        [*as_pg, f"{pgbin}/pg_ctl -D {data} -o '{opts}' -l {data}/log -w start >/dev/null"],
        check=True,
    )
    try:
        yield f"postgres://postgres@127.0.0.1:{port}/postgres"
    finally:
        subprocess.run([*as_pg, f"{pgbin}/pg_ctl -D {data} -m fast stop >/dev/null"], check=False)
        shutil.rmtree(data, ignore_errors=True)


def run_engine(engine: str, url: str | None, args) -> dict:
    env = dict(os.environ, DJANGO_SETTINGS_MODULE="config.settings.bench")
    if url:
        env["DATABASE_URL"] = url
    out = args.out
    result = out / f"{engine}.json"
    cmd = [PY, str(ROOT / "bench" / "engine.py"), "--organisations", str(args.organisations),
           "--seed", str(args.seed), "--reps", str(args.reps), "--map-reps", str(args.map_reps),
           "--baseline-reps", str(args.baseline_reps), "--json", str(result)]  # fmt: skip
    subprocess.run(cmd, check=True, env=env, cwd=ROOT)
    data = json.loads(result.read_text())
    if not args.skip_observatory:  # on the database engine.py prepared, before the imports
        obs = out / f"{engine}-observatory.json"
        cmd = [PY, str(ROOT / "bench" / "observatory_bench.py"), "--seed", str(args.seed),
               "--territories", str(args.observatory_territories),
               "--reps", str(args.observatory_reps), "--changes", str(args.observatory_changes),
               "--pdf-reps", str(args.observatory_pdf_reps), "--json", str(obs)]  # fmt: skip
        subprocess.run(cmd, check=True, env=env, cwd=ROOT)
        data["observatory"] = json.loads(obs.read_text())
    if not args.skip_support:  # its own synthetic schemes, on the reference engine.py loaded
        sup = out / f"{engine}-support.json"
        cmd = [PY, str(ROOT / "bench" / "support_bench.py"), "--seed", str(args.seed),
               "--schemes", str(args.support_schemes), "--profiles", str(args.support_profiles),
               "--reps", str(args.support_reps), "--baseline-reps", str(args.support_baseline_reps),
               "--batch-baseline", str(args.support_batch_baseline),
               "--json", str(sup)]  # fmt: skip
        subprocess.run(cmd, check=True, env=env, cwd=ROOT)
        data["support"] = json.loads(sup.read_text())
    if not args.skip_import:
        imp = out / f"{engine}-import.json"
        cmd = [PY, str(ROOT / "bench" / "import_bench.py"), "--rows", str(args.import_rows),
               "--baseline-rows", str(args.import_baseline_rows),
               "--workdir", str(out / "import"), "--json", str(imp)]  # fmt: skip
        subprocess.run(cmd, check=True, env=env, cwd=ROOT)
        data["import"] = json.loads(imp.read_text())
    if not args.skip_scan:
        scan = out / f"{engine}-scan.json"
        cmd = [PY, str(ROOT / "bench" / "scan_bench.py"), "--rows", str(args.scan_rows),
               "--workdir", str(out / "scan"), "--json", str(scan)]  # fmt: skip
        subprocess.run(cmd, check=True, env=env, cwd=ROOT)
        data["scan"] = json.loads(scan.read_text())
    if not args.skip_concurrency:
        conc = out / f"{engine}-concurrency.json"
        cmd = [PY, str(ROOT / "bench" / "concurrency.py"), "--rows", str(args.concurrency_rows),
               "--quiet-seconds", str(args.quiet_seconds), "--max-seconds",
               str(args.concurrency_max_seconds), "--workdir", str(out / "concurrency"),
               "--json", str(conc)]  # fmt: skip
        subprocess.run(cmd, check=True, env=env, cwd=ROOT)
        data["concurrency"] = json.loads(conc.read_text())
    return data


def verdict(ok: bool) -> str:
    return "✅" if ok else "❌"


def table(results: dict[str, dict]) -> str:
    engines = list(results)
    lines = [
        "| figure | target | " + " | ".join(engines) + " |",
        "|---|---|" + "---|" * len(engines),
    ]

    def row(label, target, fn, check):
        cells = []
        for e in engines:
            try:
                v = fn(results[e])
                cells.append(f"{v} {verdict(check(v))}")
            except (KeyError, TypeError):
                cells.append("—")
        lines.append(f"| {label} | {target} | " + " | ".join(cells) + " |")

    row(
        "organisations / establishments",
        "1,000,000 / ~1.2 M",
        lambda r: f"{r['data']['organisations']:,} / {r['data']['establishments']:,}",
        lambda v: True,
    )
    row(
        "search p50 (ms), mixed set with facet counts",
        "≤ 15",
        lambda r: r["search"]["p50_ms"],
        lambda v: v <= 15,
    )
    row("search p95 (ms)", "≤ 50", lambda r: r["search"]["p95_ms"], lambda v: v <= 50)
    row(
        "search speed-up vs naive icontains + Python counts (p50)",
        "≥ 20×",
        lambda r: r["search"]["speedup_p50"],
        lambda v: v >= 20,
    )
    row(
        "map clusters p95 (ms), any viewport and zoom",
        "≤ 30",
        lambda r: r["map"]["p95_ms"],
        lambda v: v <= 30,
    )
    row(
        "  unfiltered views (zooms 5–16), p95 (ms)",
        "≤ 30",
        lambda r: r["map"]["unfiltered_p95_ms"],
        lambda v: v <= 30,
    )
    row(
        "  filtered views (text, legal form, NAF, theme, approval, headcount, territory), p95 (ms)",
        "≤ 30",
        lambda r: r["map"]["filtered_p95_ms"],
        lambda v: v <= 30,
    )
    row(
        "map answer size, max (bytes)",
        "≤ 60 KB",
        lambda r: r["map"]["max_bytes"],
        lambda v: v <= 60 * 1024,
    )
    row(
        "all matching points (browser-side clustering) ÷ largest map answer",
        "≥ 100×",
        lambda r: r["map"]["ratio_all_points"],
        lambda v: v >= 100,
    )
    row(
        "SIRENE import, establishments/s end to end",
        "≥ 50,000",
        lambda r: r["import"]["rows_per_s"],
        lambda v: v >= 50_000,
    )
    row(
        "  floor: the engine alone writing the same rows, no Python (establishments/s)",
        "≥ 50,000 for the target to be reachable",
        lambda r: r["import"]["floor_rows_per_s"],
        lambda v: v >= 50_000,
    )
    row(
        "  import ÷ floor",
        "≤ 1",
        lambda r: r["import"]["share_of_floor"],
        lambda v: v <= 1,
    )
    row(
        "SIRENE import, peak memory (MB)",
        "≤ 500",
        lambda r: r["import"]["peak_mb"],
        lambda v: v <= 500,
    )
    row(
        "SIRENE import vs per-row ORM save()",
        "≥ 10×",
        lambda r: r["import"]["speedup"],
        lambda v: v >= 10,
    )
    scan_bench.table_rows(row)
    concurrency_rows(row)
    observatory_rows(row)
    support_rows(row)
    return "\n".join(lines)


def concurrency_rows(row) -> None:
    """Search latency while an import runs (bench/concurrency.py), with its quiet baseline."""

    def imp(r: dict) -> dict:
        return r["concurrency"]["during_import"]

    def quiet(r: dict) -> dict:
        return r["concurrency"]["quiet"]

    row(
        "search during an import + its index sync (API, 8 clients), p99 (ms)",
        "≤ 100",
        lambda r: imp(r)["p99_ms"],
        lambda v: v <= 100,
    )
    row("  p50 / p95 (ms)", "—", lambda r: f"{imp(r)['p50_ms']} / {imp(r)['p95_ms']}", bool)
    row("  slowest request (ms)", "≤ 1,000", lambda r: imp(r)["max_ms"], lambda v: v <= 1000)
    row(
        "  longest stall, no request completed (ms)",
        "≤ 1,000",
        lambda r: imp(r)["stall_ms"],
        lambda v: v <= 1000,
    )
    row(
        "  requests / failures (non-2xx or errors)",
        "0 failures",
        lambda r: f"{imp(r)['requests']:,} / {imp(r)['failures']}",
        lambda v: v.endswith(" / 0"),
    )
    row(
        "  quiet baseline, same run: p50 / p99 / max (ms)",
        "p99 ≤ 100",
        lambda r: f"{quiet(r)['p50_ms']} / {quiet(r)['p99_ms']} / {quiet(r)['max_ms']}",
        lambda v: float(v.split(" / ")[1]) <= 100,
    )


def observatory_rows(row) -> None:
    """bench/observatory_bench.py: a territory's full indicator set, its raw baseline, refresh."""

    def obs(r: dict) -> dict:
        return r["observatory"]

    row(
        "observatory: a territory's full indicator set p95 (ms), mixed levels",
        "≤ 50",
        lambda r: obs(r)["indicators"]["p95_ms"],
        lambda v: v <= 50,
    )
    row(
        "  speed-up vs aggregating the raw rows per request (p50)",
        "≥ 20×",
        lambda r: obs(r)["indicators"]["speedup_p50"],
        lambda v: v >= 20,
    )
    row(
        "  refresh after an incremental change of establishment rows (s)",
        "≤ 5 (10,000 rows)",
        lambda r: (
            f"{obs(r)['incremental']['refresh_seconds']} "
            f"({obs(r)['incremental']['rows_changed']:,} rows, "
            f"{obs(r)['incremental'].get('refresh_kind', 'full rebuild')}; full rebuild of the "
            f"same data {obs(r)['incremental'].get('full_rebuild_seconds', '—')})"
        ),
        lambda v: float(v.split()[0]) <= 5,
    )
    row(
        "  aggregates exact after it (sampled territories vs raw, every table vs full rebuild)",
        "yes",
        lambda r: "yes" if obs(r)["incremental"]["exact"] else "no",
        lambda v: v == "yes",
    )
    row("  full rebuild (s)", "—", lambda r: obs(r)["rebuild_seconds"], bool)
    pdf_rows(row)


def support_rows(row) -> None:
    """bench/support_bench.py: the whole catalogue for one profile, a batch, the naive way."""

    def sup(r: dict) -> dict:
        return r["support"]

    row(
        "orientation: whole catalogue for one profile, with explanations, p95 (ms)",
        "≤ 20",
        lambda r: f"{sup(r)['single']['p95_ms']} ({sup(r)['schemes']} schemes)",
        lambda v: float(v.split()[0]) <= 20,
    )
    row(
        "  profiles in batch (s)",
        "≤ 5 (10,000 profiles)",
        lambda r: f"{sup(r)['batch']['seconds']} ({sup(r)['batch']['profiles']:,} profiles)",
        lambda v: float(v.split()[0]) <= 5,
    )
    row(
        "  batch speed-up vs naive per-rule interpretation",
        "≥ 10×",
        lambda r: sup(r)["speedup_batch"],
        lambda v: v >= 10,
    )
    row(
        "  one profile: speed-up vs the naive interpretation (p50)",
        "—",
        lambda r: sup(r)["speedup_single_p50"],
        bool,
    )
    row(
        "  compiled, batch and naive answers identical (sample)",
        "yes",
        lambda r: "yes" if sup(r)["agree"] else "no",
        lambda v: v == "yes",
    )


def pdf_rows(row) -> None:
    """The diagnostic PDF (bench/observatory_bench.py): cold = first PDF of a fresh process."""

    def pdfs(r: dict, level: str) -> list[dict]:
        found = r["observatory"]["pdf"]["territories"]
        return [v for k, v in found.items() if k.split(":")[0] == level]

    def cold(r: dict, level: str) -> float:
        return max(t["cold"]["median_s"] for t in pdfs(r, level))

    def warm(r: dict, level: str) -> str:
        return " / ".join(f"{t['warm']['median_s']}" for t in pdfs(r, level) if t["warm"])

    row(
        "observatory: diagnostic PDF of a département, cold, slowest median (s)",
        "≤ 3",
        lambda r: cold(r, "departement"),
        lambda v: v <= 3,
    )
    row(
        "  of Île-de-France (région), cold, median (s)",
        "≤ 10",
        lambda r: cold(r, "region"),
        lambda v: v <= 10,
    )
    row(
        "  warm medians (s): départements / région",
        "—",
        lambda r: f"{warm(r, 'departement')} / {warm(r, 'region')}",
        bool,
    )


def details(results: dict[str, dict]) -> str:
    out = []
    for e, r in results.items():
        out.append(f"\n### {e}\n")
        out.append("| query kind | median hits | p50 ms | p95 ms | naive p50 ms | speed-up |")
        out.append("|---|---|---|---|---|---|")
        for row in r["search"]["rows"]:
            out.append(
                f"| {row['kind']} | {row['median_hits']:,} | {row['p50_ms']} | "
                f"{row['p95_ms']} | {row['baseline_p50_ms']} | {row['speedup_p50']}× |"
            )
        out.append(
            "\nMap p95 by zoom (ms): "
            + ", ".join(f"z{z}: {v}" for z, v in r["map"]["per_zoom_p95_ms"].items())
        )
        if "filtered_per_kind_p95_ms" in r["map"]:
            out.append(
                "\nFiltered map p95 by filter (ms): "
                + ", ".join(f"{k}: {v}" for k, v in r["map"]["filtered_per_kind_p95_ms"].items())
            )
        if "import" in r:
            out.append("\nImport: " + json.dumps(r["import"], ensure_ascii=False))
        if "scan" in r:
            out.append("\nNational scan: " + json.dumps(r["scan"], ensure_ascii=False))
        if "observatory" in r:
            out.append("\nObservatory: " + json.dumps(r["observatory"], ensure_ascii=False))
        if "concurrency" in r:
            out.append(
                "\nSearch while an import runs: " + json.dumps(r["concurrency"], ensure_ascii=False)
            )
        if "support" in r:
            out.append("\nOrientation: " + json.dumps(r["support"], ensure_ascii=False))
        out.append(f"\nData preparation: {json.dumps(r['data'])}")
    return "\n".join(out)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--organisations", type=int, default=1_000_000)
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--engines", default="sqlite,postgresql")
    ap.add_argument("--import-rows", type=int, default=1_200_000)
    ap.add_argument("--skip-import", action="store_true")
    ap.add_argument("--reps", type=int, default=5, help="search repetitions")
    ap.add_argument("--map-reps", type=int, default=10)
    ap.add_argument("--baseline-reps", type=int, default=3, help="naive search repetitions")
    ap.add_argument("--import-baseline-rows", type=int, default=20_000)
    ap.add_argument("--concurrency-rows", type=int, default=150_000)
    ap.add_argument("--quiet-seconds", type=float, default=30)
    ap.add_argument("--concurrency-max-seconds", type=float, default=300)
    ap.add_argument("--skip-concurrency", action="store_true")
    ap.add_argument("--scan-rows", type=int, default=10_000_000, help="national scan file rows")
    ap.add_argument("--skip-scan", action="store_true")
    ap.add_argument("--skip-observatory", action="store_true")
    ap.add_argument("--observatory-territories", type=int, default=60)
    ap.add_argument("--observatory-reps", type=int, default=5)
    ap.add_argument("--observatory-changes", type=int, default=10_000)
    ap.add_argument("--observatory-pdf-reps", type=int, default=3)
    ap.add_argument("--skip-support", action="store_true")
    ap.add_argument("--support-schemes", type=int, default=500)
    ap.add_argument("--support-profiles", type=int, default=10_000)
    ap.add_argument("--support-reps", type=int, default=200)
    ap.add_argument("--support-baseline-reps", type=int, default=30)
    ap.add_argument("--support-batch-baseline", type=int, default=300)
    ap.add_argument("--out", type=Path, default=OUT, help="work directory (databases, JSON)")
    ap.add_argument("--no-write", action="store_true", help="do not update bench/RESULTS.md")
    ap.add_argument(
        "--report-only",
        action="store_true",
        help="rebuild the table and bench/RESULTS.md from the JSON files of the last runs",
    )
    args = ap.parse_args()
    out = args.out = args.out.resolve()
    out.mkdir(parents=True, exist_ok=True)
    results: dict[str, dict] = {}
    for engine in args.engines.split(","):
        if args.report_only:
            label = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}[engine]
            results[label] = json.loads((out / f"{engine}.json").read_text())
            for key in ("import", "scan", "concurrency", "observatory", "support"):
                part = out / f"{engine}-{key}.json"
                if part.exists():
                    results[label][key] = json.loads(part.read_text())
            continue
        if engine == "sqlite":
            url = f"sqlite:///{out / 'bench.sqlite3'}"
            results["SQLite"] = run_engine("sqlite", url, args)
        elif engine == "postgresql":
            with postgres_server() as url:
                results["PostgreSQL"] = run_engine("postgresql", url, args)
        else:
            raise SystemExit(f"moteur inconnu : {engine}")
    summary = table(results)
    print(summary)
    if not args.no_write:
        cmd = "make bench" + (
            f" BENCH_ARGS={shlex.quote(' '.join(sys.argv[1:]))}" if sys.argv[1:] else ""
        )
        text = (
            "# Benchmark results\n\n"
            f"Produced by `{cmd}` on {dt.date.today().isoformat()} "
            f"({platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}).\n"
            "Each figure is measured in one run, with its baseline in the same process.\n\n"
            f"{summary}\n\n## Details\n{details(results)}\n"
        )
        (ROOT / "bench" / "RESULTS.md").write_text(text)
        print("bench/RESULTS.md written")


if __name__ == "__main__":
    main()
