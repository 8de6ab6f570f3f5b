"""Benchmark of the orientation (issue 10), through the support app's public functions, on a
catalogue scaled with synthetic schemes (atelier.sampledata.synthetic.schemes) on the real
reference territories:

- one profile, the whole catalogue evaluated with every explanation and ranked
  (`orient(profile)`, the catalogue compiled for the day beforehand): p50 / p95 / max;
- the naive baseline in the same run: for the same profiles, each scheme's rule rebuilt from
  its fields and its parameters looked up by date in their history for every profile and every
  scheme, each condition tested and explained on its own (`rules.evaluate.interpret`, the
  reference semantics), and the speed-up;
- a batch of `--profiles` profiles (`orient_batch`: each distinct condition evaluated once
  over the batch as bit masks), with the eligible schemes of every profile read back, in
  seconds; the explanations of a sample of them written on demand (`answers(i)`); the naive
  baseline measured on `--batch-baseline` profiles and scaled to the batch, and the speed-up;
- the answers of the three ways compared on a sample (they must agree).

    python bench/support_bench.py --json out.json [--schemes 500] [--profiles 10000]
                                  [--reps 200] [--baseline-reps 30] [--batch-baseline 300]

Runs on DATABASE_URL (config.settings.bench); migrates it and loads the reference when it has
none; replaces the synthetic schemes of that database (the real catalogue is left alone).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.bench")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402

from atelier.sampledata.synthetic.schemes import (  # noqa: E402
    synthetic_profiles,
    synthetic_schemes_load,
)
from atelier.support.rules.evaluate import interpret  # noqa: E402
from atelier.support.selectors.catalogue import (  # noqa: E402
    catalogue_context,
    catalogue_forget,
    catalogue_on,
    parameter_histories,
    scheme_specs,
    today,
)
from atelier.support.selectors.orientation import (  # noqa: E402
    orient,
    orient_batch,
    profiles_facts,
)
from atelier.territories.selectors import commune_levels  # noqa: E402


def pct(values: list[float], p: float) -> float:
    values = sorted(values)
    k = max(0, min(len(values) - 1, round(p / 100 * (len(values) - 1))))
    return values[k]


def ms(seconds: float) -> float:
    return round(seconds * 1000, 2)


def prepare(schemes: int, seed: int) -> dict:
    call_command("migrate", verbosity=0, interactive=False)
    t0 = time.perf_counter()
    if not commune_levels():
        call_command("load_reference", verbosity=0)
    reference_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    report = synthetic_schemes_load(schemes, seed=seed)
    load_s = time.perf_counter() - t0
    return {
        "reference_seconds": round(reference_s, 1),
        "schemes_load_seconds": round(load_s, 1),
        "synthetic_schemes": report.created + report.updated,
        "parameter_values": report.parameters_created + report.parameters_updated,
    }


def naive_once(specs, histories, context, facts) -> float:
    t0 = time.perf_counter()
    interpret(specs, histories, facts, context)
    return time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--schemes", type=int, default=500)
    ap.add_argument("--profiles", type=int, default=10_000)
    ap.add_argument("--reps", type=int, default=200, help="single-profile orientations timed")
    ap.add_argument("--baseline-reps", type=int, default=30, help="naive single evaluations")
    ap.add_argument("--batch-baseline", type=int, default=300, help="naive profiles for the batch")
    ap.add_argument("--explain-sample", type=int, default=100)
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--json", type=Path, required=True)
    args = ap.parse_args()
    vendor = connection.vendor
    print(f"[{vendor}] support: {args.schemes} synthetic schemes…", flush=True)
    out: dict = {"engine": vendor, "data": prepare(args.schemes, args.seed)}
    day = today()
    profiles = synthetic_profiles(args.profiles, seed=args.seed, on=day)
    rng = random.Random(args.seed)

    catalogue_forget()
    t0 = time.perf_counter()
    catalogue = catalogue_on(day)
    out["compile_ms"] = ms(time.perf_counter() - t0)
    out["schemes"] = len(catalogue.schemes)
    out["conditions"] = sum(len(s.nodes) for s in catalogue.schemes)

    # One profile at a time, the whole catalogue with its explanations (as the page and API).
    sample = [rng.choice(profiles) for _ in range(args.reps)]
    for profile in sample[:5]:  # warm-up: sentences of the common conditions cached
        orient(profile)
    single = []
    checks = 0
    for profile in sample:
        t0 = time.perf_counter()
        answers = orient(profile)
        single.append(time.perf_counter() - t0)
        checks += sum(len(a.checks) for a in answers)
    out["single"] = {
        "reps": len(single),
        "p50_ms": ms(statistics.median(single)),
        "p95_ms": ms(pct(single, 95)),
        "max_ms": ms(max(single)),
        "checks_per_answer": round(checks / len(single)),
    }

    # The naive baseline: every rule interpreted from its tree, parameters looked up by date.
    specs = scheme_specs()
    histories = parameter_histories()
    context = catalogue_context(specs)
    naive_profiles = sample[: args.baseline_reps]
    naive = [naive_once(specs, histories, context, f) for f in profiles_facts(naive_profiles)]
    out["baseline_single"] = {
        "reps": len(naive),
        "p50_ms": ms(statistics.median(naive)),
        "p95_ms": ms(pct(naive, 95)),
    }
    out["speedup_single_p50"] = round(statistics.median(naive) / statistics.median(single), 1)

    # The batch: every profile, eligibility of every scheme, failed conditions kept.
    t0 = time.perf_counter()
    batch = orient_batch(profiles)
    pairs = sum(len(batch.eligible(i)) for i in range(len(batch)))
    batch_s = time.perf_counter() - t0
    explain = []
    for i in rng.sample(range(len(batch)), min(args.explain_sample, len(batch))):
        t0 = time.perf_counter()
        batch.answers(i)
        explain.append(time.perf_counter() - t0)
    facts = profiles_facts(profiles[: args.batch_baseline])
    t0 = time.perf_counter()
    for f in facts:
        interpret(specs, histories, f, context)
    per_profile = (time.perf_counter() - t0) / max(len(facts), 1)
    out["batch"] = {
        "profiles": len(batch),
        "seconds": round(batch_s, 2),
        "eligible_pairs": pairs,
        "explain_one_p50_ms": ms(statistics.median(explain)) if explain else None,
        "baseline_profiles_measured": len(facts),
        "baseline_seconds_per_profile": round(per_profile, 4),
        "baseline_seconds_scaled": round(per_profile * len(batch), 1),
    }
    out["speedup_batch"] = round(per_profile * len(batch) / batch_s, 1)

    # The three ways agree (answers, ranks, explanations).
    agree = True
    for i in rng.sample(range(len(batch)), min(20, len(batch))):
        one = orient(profiles[i])
        (f,) = profiles_facts([profiles[i]])
        agree &= one == batch.answers(i) == interpret(specs, histories, f, context)
    out["agree"] = bool(agree)
    args.json.write_text(json.dumps(out, indent=2, ensure_ascii=False))
    print(json.dumps(out, ensure_ascii=False), flush=True)


if __name__ == "__main__":
    main()
