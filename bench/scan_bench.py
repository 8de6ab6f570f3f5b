"""SIRENE national scan benchmark: `import-sirene --territory` on a national-sized
StockEtablissement of which 5 % falls in the territory, from CSV and from Parquet, in one run.

    DJANGO_SETTINGS_MODULE=config.settings.bench python bench/scan_bench.py --rows 10000000 \
        [--json FILE] [--workdir DIR] [--territory departement:93]

1. the files are generated with pyarrow (atelier/sampledata/synthetic/sirene_scan.py, seeded;
   cached in the work directory for a given size): StockUniteLegale.csv (the legal units of the
   rows inside the territory), StockEtablissement.csv and StockEtablissement.parquet;
2. for each format, a fresh database (migrations, reference) receives the import, run in a
   subprocess: rows read per second by the scan (the establishment file read, masked on whole
   columns and the kept rows checked), peak memory (os.wait4: maximum resident set size of that
   process) and kept rows written per second;
3. the floor (bench/import_bench.py): the rows the CSV import wrote, copied by the engine alone
   into another fresh database; `write_share_of_floor` = kept rows written per second ÷ floor.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from import_bench import ROOT, _floor, _reference, base_url, env_for, sibling_url  # noqa: E402

SEED = 20240501
SHARE = 0.05


def _stage_env() -> None:
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def _files_stage(workdir: Path, rows: int, territory: str) -> None:
    """Generate the files (needs the reference: the territory's communes and the others)."""
    _stage_env()
    from atelier.directory.services.reports import import_commune_places
    from atelier.directory.services.sirene import territory_communes
    from atelier.sampledata.synthetic.sirene_scan import scan_files_generate

    places = import_commune_places()
    inside, _ = territory_communes(territory, places)
    outside = sorted(set(places) - inside)
    files = scan_files_generate(directory=workdir, rows=rows, inside_communes=sorted(inside),
                                outside_communes=outside, share=SHARE, seed=SEED)  # fmt: skip
    print(json.dumps({"rows": files.rows, "inside": files.inside, "units": files.units_count}))


def _import_stage(ul: Path, et: Path, territory: str) -> None:
    """The import, in this process (its peak memory is measured by the parent); prints the
    result as JSON."""
    _stage_env()
    import dataclasses

    from atelier.directory.services.reports import ImportReport
    from atelier.directory.services.sirene import SireneOptions, organisation_import_sirene

    report = ImportReport(path=None)
    result = organisation_import_sirene(
        options=SireneOptions(unites_legales=ul, etablissements=et, territory=territory,
                              progress_stream=open(os.devnull, "w")),  # noqa: SIM115
        report=report,
    )  # fmt: skip
    data = dataclasses.asdict(result)
    data["rejected"] = report.count
    print(json.dumps(data))


def _run(stage: list[str], url: str) -> tuple[dict, float]:
    """Run a stage of this module in a subprocess; (its JSON, its peak RSS in MB)."""
    proc = subprocess.Popen([sys.executable, __file__, *stage], env=env_for(url), cwd=ROOT,
                            stdout=subprocess.PIPE)  # fmt: skip
    assert proc.stdout is not None
    output = proc.stdout.read().decode()
    _, status, usage = os.wait4(proc.pid, 0)
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"étape {stage[:2]} en échec : {output[-2000:]}")
    return json.loads(output.strip().splitlines()[-1]), usage.ru_maxrss / 1024


def prepare(rows: int, workdir: Path, territory: str, url: str) -> dict:
    marker = workdir / f"scan-files-{rows}-{SEED}-{territory.replace(':', '-')}.json"
    files = [workdir / n for n in ("StockUniteLegale.csv", "StockEtablissement.csv",
                                   "StockEtablissement.parquet")]  # fmt: skip
    if marker.exists() and all(f.exists() for f in files):
        return json.loads(marker.read_text())
    start = time.perf_counter()
    info, _ = _run(["--stage", "files", "--workdir", str(workdir), "--rows", str(rows),
                    "--territory", territory], url)  # fmt: skip
    info["generate_seconds"] = round(time.perf_counter() - start, 1)
    for old in workdir.glob("scan-files-*.json"):
        old.unlink()
    marker.write_text(json.dumps(info))
    return info


def run(rows: int, workdir: Path, *, territory: str = "departement:93") -> dict:
    workdir.mkdir(parents=True, exist_ok=True)
    base = base_url()
    target = sibling_url(base, "atelier_scan_bench")
    _reference(target)
    info = prepare(rows, workdir, territory, target)
    out: dict = {"engine": "postgresql" if base.startswith("postgres") else "sqlite",
                 "rows": info["rows"], "inside": info["inside"], "territory": territory,
                 "generate_seconds": info.get("generate_seconds")}  # fmt: skip
    ul = workdir / "StockUniteLegale.csv"
    for fmt in ("csv", "parquet"):
        if fmt == "parquet":  # a fresh database again: the same first import
            target = sibling_url(base, "atelier_scan_bench")
            _reference(target)
        et = workdir / f"StockEtablissement.{fmt}"
        result, peak = _run(["--stage", "import", "--ul", str(ul), "--et", str(et),
                             "--territory", territory], target)  # fmt: skip
        if result["rejected"]:
            raise SystemExit(f"{result['rejected']} ligne(s) rejetée(s) : les fichiers sont faux")
        out[fmt] = {
            "scan_rows_per_s": round(result["etablissements_read"] / result["scan_seconds"]),
            "scan_seconds": round(result["scan_seconds"], 2),
            # The same per CPU-second of the process: what the scan does on an idle machine.
            "scan_rows_per_cpu_s": round(
                result["etablissements_read"] / result["scan_cpu_seconds"]
            ),
            "kept": result["etablissements_kept"],
            "check_seconds": round(result["check_seconds"], 2),
            "write_seconds": round(result["write_seconds"], 2),
            # Kept rows imported: checked one by one, then written.
            "kept_written_per_s": round(
                result["etablissements_kept"] / (result["check_seconds"] + result["write_seconds"])
            )
            if result["write_seconds"]
            else None,
            "pass_rows_per_s": round(
                result["etablissements_read"]
                / (result["scan_seconds"] + result["check_seconds"] + result["write_seconds"])
            ),
            "total_seconds": round(result["seconds"], 1),
            "peak_mb": round(peak),
        }
        if fmt == "csv":
            floor = _floor(target, sibling_url(base, "atelier_scan_floor"))
            out["floor_rows_per_s"] = round(floor["establishments"] / floor["seconds"])
    for fmt in ("csv", "parquet"):
        written = out[fmt]["kept_written_per_s"]
        out[fmt]["write_share_of_floor"] = (
            round(written / out["floor_rows_per_s"], 2) if written else None
        )
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=10_000_000)
    ap.add_argument("--territory", default="departement:93")
    ap.add_argument("--json", type=Path)
    ap.add_argument("--workdir", type=Path, default=ROOT / "var" / "bench" / "scan")
    ap.add_argument("--stage", choices=["all", "files", "import"], default="all")
    ap.add_argument("--ul", type=Path)
    ap.add_argument("--et", type=Path)
    args = ap.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.bench")
    if args.stage == "files":
        _files_stage(args.workdir, args.rows, args.territory)
        return
    if args.stage == "import":
        _import_stage(args.ul, args.et, args.territory)
        return
    result = run(args.rows, args.workdir, territory=args.territory)
    print(json.dumps(result, indent=2))
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()


def table_rows(row) -> None:
    """The scan's rows of the bench/RESULTS.md table (bench/run.py)."""

    def fig(fmt: str, key: str):
        return lambda r: r["scan"][fmt][key]

    row(
        "SIRENE national scan, CSV: rows read/s (columnar, 5 % in --territory)",
        "≥ 1,000,000",
        fig("csv", "scan_rows_per_s"),
        lambda v: v >= 1_000_000,
    )
    row(
        "SIRENE national scan, Parquet: rows read/s",
        "≥ 3,000,000",
        fig("parquet", "scan_rows_per_s"),
        lambda v: v >= 3_000_000,
    )
    row(
        "  peak memory CSV / Parquet (MB)",
        "≤ 500",
        lambda r: f"{r['scan']['csv']['peak_mb']} / {r['scan']['parquet']['peak_mb']}",
        lambda v: all(int(x) <= 500 for x in v.split(" / ")),
    )
    row(
        "  kept rows imported (checked + written) ÷ floor, CSV / Parquet",
        "≥ 0.7",
        lambda r: (
            f"{r['scan']['csv']['write_share_of_floor']} / "
            f"{r['scan']['parquet']['write_share_of_floor']}"
        ),
        lambda v: all(float(x) >= 0.7 for x in v.split(" / ")),
    )
