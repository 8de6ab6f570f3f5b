"""Benchmarks of one database engine, run inside Django (see bench/run.py, which starts one process
per engine and writes bench/RESULTS.md). Timings are compared as ratios against baselines run in
the same process, because these machines are noisy."""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.bench")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command, get_commands  # noqa: E402
from django.db import connection  # noqa: E402
from django.db.models import Q  # noqa: E402
from django.http import QueryDict  # noqa: E402
from django.test import Client  # noqa: E402

from atelier.directory.enums import Source  # noqa: E402
from atelier.directory.models import Establishment, Organisation  # noqa: E402
from atelier.directory.selectors.search import SearchParams, search  # noqa: E402
from atelier.search import registered, status  # noqa: E402


def pct(values: list[float], p: float) -> float:
    values = sorted(values)
    k = max(0, min(len(values) - 1, round(p / 100 * (len(values) - 1))))
    return values[k]


def ensure_data(n: int, seed: int) -> dict:
    call_command("migrate", verbosity=0, interactive=False)
    from atelier.territories.models import Commune

    t0 = time.perf_counter()
    if not Commune.objects.exists():
        call_command("load_reference", verbosity=0)
    ref_s = time.perf_counter() - t0
    have = Organisation.objects.filter(source=Source.SYNTHETIC).count()
    gen_s = 0.0
    if have != n or Organisation.objects.count() != n:  # (nothing else, e.g. imported rows)
        if Organisation.objects.exists():
            Establishment.objects.all().delete()
            Organisation.objects.all().delete()
        t0 = time.perf_counter()
        call_command("generate", organisations=n, seed=seed, verbosity=0)
        gen_s = time.perf_counter() - t0
    map_s = 0.0
    if "map_refresh" in get_commands():  # the map pyramid, on code that still has one
        t0 = time.perf_counter()
        call_command("map_refresh", verbosity=0)
        map_s = time.perf_counter() - t0
    indexes = {}
    for spec in registered():  # the embedded indexes (search, map), through the public command
        t0 = time.perf_counter()
        call_command("search_index", "sync", index=[spec.name], verbosity=0)
        state = status(spec)
        indexes[spec.name] = {
            "sync_seconds": round(time.perf_counter() - t0, 1),
            "documents": state["documents"],
            "bytes": state["bytes"],
        }
    if connection.vendor == "postgresql":
        with connection.cursor() as c:
            c.execute("VACUUM ANALYZE directory_organisation")
            c.execute("VACUUM ANALYZE directory_establishment")
    else:
        with connection.cursor() as c:
            c.execute("ANALYZE")
    return {
        "organisations": Organisation.objects.count(),
        "establishments": Establishment.objects.count(),
        "reference_seconds": round(ref_s, 1),
        "generate_seconds": round(gen_s, 1),
        "map_refresh_seconds": round(map_s, 1),
        "indexes": indexes,
        "search_engine": settings.ATELIER_SEARCH_ENGINE,
    }


def query_set(rng: random.Random) -> dict[str, list[str]]:
    """Realistic queries built from the data: words people would type, facets, territories."""
    sample = list(
        Organisation.objects.filter(ess_rule__gt="")
        .order_by("id")
        .values_list("name", "departement_code", "commune_code")[:20000]
    )
    words: Counter[str] = Counter()
    for name, _, _ in sample:
        for w in name.split():
            w = w.strip("'’&-,.()").lower()
            if len(w) >= 5 and w.isalpha():
                words[w] += 1
    common = [w for w, _ in words.most_common(8)]
    rare = [w for w, c in words.items() if c == 1][:400]
    rng.shuffle(rare)
    deps = sorted({d for _, d, _ in sample if d})
    communes = [c for _, _, c in sample if c]
    facets = [
        "famille=cooperative",
        "famille=association&theme=insertion",
        "theme=circular_economy",
        "agrement=siae_aci",
        "effectif=11&famille=association",
        "naf=Q",
        "famille=foundation",
        "famille=mutual&effectif=12",
        "agrement=cae",
        "theme=digital_inclusion&famille=association",
    ]
    from atelier.territories.selectors import commune_places

    places = list(commune_places(sorted(set(communes))[:200]).values())
    postcodes = [pc for p in places for pc in p.postal_codes]
    queries: dict[str, list[str]] = {
        "rare word": [],
        "common word": [],
        "facet only": [],
        "territory only": [],
        "text + 2 facets + territory": [],
        "place in text": [],
        "typo": [],
        "around": [],
    }
    for i in range(20):
        queries["rare word"].append(f"q={rare[i % len(rare)]}")
        queries["common word"].append(f"q={common[i % len(common)]}")
        queries["facet only"].append(facets[i % len(facets)])
        if i % 3 == 0:
            queries["territory only"].append(
                f"territoire=region:{rng.choice(['11', '84', '75', '76', '32'])}"
            )
        elif i % 3 == 1:
            queries["territory only"].append(f"territoire=departement:{rng.choice(deps)}")
        else:
            queries["territory only"].append(f"territoire=commune:{rng.choice(communes)}")
        queries["text + 2 facets + territory"].append(
            f"q={common[i % len(common)]}&famille=association&effectif=01"
            f"&territoire=departement:{rng.choice(deps)}"
        )
        # Places typed in the text (selectors/places.py): a postcode, a word and a commune
        # name, a lone département code.
        if i % 3 == 0 and postcodes:
            queries["place in text"].append(f"q={rng.choice(postcodes)}")
        elif i % 3 == 1 and places:
            queries["place in text"].append(
                f"q={common[i % len(common)]} {rng.choice(places).name}"
            )
        else:
            queries["place in text"].append(f"q={rng.choice(deps)}")
        # One edit (two inner letters swapped) in a rare word: the typo automata.
        word = rare[i % len(rare)]
        queries["typo"].append(f"q={word[0]}{word[2]}{word[1]}{word[3:]}")
        # Around a commune, 5 to 30 km, half of them with a word.
        around = f"autour={rng.choice(communes)}&rayon={(5, 10, 30)[i % 3]}"
        queries["around"].append(around + (f"&q={common[i % len(common)]}" if i % 2 else ""))
    return queries


def naive_search(qs: str) -> tuple[int, dict]:
    """Baseline: ORM icontains on name/description + facet counts computed in Python."""
    params = SearchParams.from_querydict(QueryDict(qs))
    rows = Organisation.objects.filter(ess_rule__gt="", is_active=True)
    q = params.q if hasattr(params, "q") else ""
    if q:
        rows = rows.filter(Q(name__icontains=q) | Q(description__icontains=q))
    fam = QueryDict(qs).getlist("famille")
    if fam:
        rows = rows.filter(ess_family__in=fam)
    eff = QueryDict(qs).getlist("effectif")
    if eff:
        rows = rows.filter(headcount_band__in=eff)
    terr = QueryDict(qs).get("territoire", "")
    if terr:
        level, _, code = terr.partition(":")
        rows = rows.filter(**{f"{level}_code": code})
    counts: dict[str, Counter] = {k: Counter() for k in ("f", "l", "n", "h", "d", "t", "a")}
    total = 0
    for f, lc, n, h, d, t, a in rows.values_list(
        "ess_family",
        "legal_category_id",
        "naf_section",
        "headcount_band",
        "departement_code",
        "theme_bits",
        "approval_bits",
    ).iterator(chunk_size=5000):
        total += 1
        counts["f"][f] += 1
        counts["l"][lc] += 1
        counts["n"][n] += 1
        counts["h"][h] += 1
        counts["d"][d] += 1
        for b in range(12):
            if t & (1 << b):
                counts["t"][b] += 1
            if a & (1 << b):
                counts["a"][b] += 1
    return total, counts


def bench_search(rng: random.Random, reps: int, baseline_reps: int) -> dict:
    queries = query_set(rng)
    ours: dict[str, list[float]] = {}
    hits: dict[str, list[int]] = {}
    for qss in queries.values():
        for qs in qss:  # warm-up once
            search(SearchParams.from_querydict(QueryDict(qs)))
    for _ in range(reps):
        for kind, qss in queries.items():
            for qs in qss:
                t0 = time.perf_counter()
                result = search(SearchParams.from_querydict(QueryDict(qs)))
                ours.setdefault(kind, []).append((time.perf_counter() - t0) * 1000)
                hits.setdefault(kind, []).append(result.total)
    base: dict[str, list[float]] = {}
    for kind, qss in queries.items():
        for qs in qss[:baseline_reps]:
            t0 = time.perf_counter()
            naive_search(qs)
            base.setdefault(kind, []).append((time.perf_counter() - t0) * 1000)
    all_ours = [v for vs in ours.values() for v in vs]
    rows = []
    for kind in queries:
        rows.append(
            {
                "kind": kind,
                "median_hits": int(statistics.median(hits[kind])),
                "p50_ms": round(pct(ours[kind], 50), 2),
                "p95_ms": round(pct(ours[kind], 95), 2),
                "baseline_p50_ms": round(pct(base[kind], 50), 1),
                "speedup_p50": round(pct(base[kind], 50) / max(pct(ours[kind], 50), 1e-6), 1),
            }
        )
    all_base = [v for vs in base.values() for v in vs]
    return {
        "rows": rows,
        "p50_ms": round(pct(all_ours, 50), 2),
        "p95_ms": round(pct(all_ours, 95), 2),
        "baseline_p50_ms": round(pct(all_base, 50), 1),
        "speedup_p50": round(pct(all_base, 50) / max(pct(all_ours, 50), 1e-6), 1),
        "speedup_mean": round(statistics.mean(all_base) / max(statistics.mean(all_ours), 1e-6), 1),
        "samples": len(all_ours),
    }


VIEWPORTS = [  # (label, zoom, half-width in degrees of longitude)
    ("France", 5, 9.0),
    ("France", 6, 6.0),
    ("région", 8, 2.0),
    ("département", 10, 0.6),
    ("agglomération", 12, 0.15),
    ("quartier", 14, 0.04),
    ("rue", 16, 0.01),
]


def all_points_bytes() -> int:
    """What a browser-side clustering map (GoGoCarto style) downloads: every matching point."""
    size = 2  # brackets
    rows = (
        Establishment.objects.filter(
            is_open=True,
            latitude__isnull=False,
            organisation__ess_rule__gt="",
            organisation__is_active=True,
        )
        .values_list("id", "latitude", "longitude", "organisation__name")
        .iterator(chunk_size=20000)
    )
    for i, lat, lon, name in rows:
        item = {"id": i, "lat": round(lat, 5), "lon": round(lon, 5), "name": name}
        size += len(json.dumps(item, ensure_ascii=False).encode()) + 1
    return size


# Filtered map views: filters of every kind, at every zoom the Atlas opens on, centred on
# establishments.
FILTERED_ZOOMS = [(5, 9.0), (6, 6.0), (7, 3.5), (8, 2.0), (9, 1.1), (10, 0.6), (11, 0.3),
                  (12, 0.15), (13, 0.08), (14, 0.04)]  # fmt: skip


def map_filters(rng: random.Random) -> dict[str, str]:
    """One filter of each kind, built from the data like the search queries."""
    queries = query_set(rng)
    deps = [q for q in queries["territory only"] if "departement:" in q]
    return {
        "legal form": "forme=9220",
        "NAF section": "naf=Q",
        "common word": queries["common word"][0],
        "rare word": queries["rare word"][0],
        "theme": "theme=circular_economy",
        "approval": "agrement=esus",
        "headcount": "effectif=11",
        "territory": deps[0] if deps else "territoire=region:11",
        "family + theme": "famille=cooperative&theme=insertion",
        "word + family + territory": queries["text + 2 facets + territory"][0],
    }


def bench_map(rng: random.Random, reps: int) -> dict:
    client = Client()
    centres = list(
        Establishment.objects.filter(is_open=True, latitude__isnull=False).values_list(
            "longitude", "latitude"
        )[:5000]
    )
    lat_m, lon_m = 46.6, 2.5

    def viewport(zoom: int, half: float) -> str:
        lon, lat = (lon_m, lat_m) if zoom <= 6 else rng.choice(centres)
        return f"{lon - half:.5f},{lat - half / 1.5:.5f},{lon + half:.5f},{lat + half / 1.5:.5f}"

    def get(bbox: str, zoom: int, filters: str = ""):
        query = f"bbox={bbox}&zoom={zoom}" + (f"&{filters}" if filters else "")
        t0 = time.perf_counter()
        resp = client.get(f"/api/v1/map/clusters?{query}")
        dt = (time.perf_counter() - t0) * 1000
        assert resp.status_code == 200, resp.content[:300]
        return dt, len(resp.content)

    filters = map_filters(rng)
    for _label, zoom, half in VIEWPORTS:  # warm-up, as for the search
        get(viewport(zoom, half), zoom)
    for qs in filters.values():
        get(viewport(8, 2.0), 8, qs)
    ours: list[float] = []
    sizes: list[int] = []
    per_zoom: dict[int, list[float]] = {}
    unfiltered: list[float] = []
    filtered: list[float] = []
    per_kind: dict[str, list[float]] = {}
    filtered_per_zoom: dict[int, list[float]] = {}
    for _ in range(reps):
        for _label, zoom, half in VIEWPORTS:
            dt, size = get(viewport(zoom, half), zoom)
            ours.append(dt)
            unfiltered.append(dt)
            per_zoom.setdefault(zoom, []).append(dt)
            sizes.append(size)
        for kind, qs in filters.items():
            for zoom, half in FILTERED_ZOOMS:
                dt, size = get(viewport(zoom, half), zoom, qs)
                ours.append(dt)
                filtered.append(dt)
                per_zoom.setdefault(zoom, []).append(dt)
                per_kind.setdefault(kind, []).append(dt)
                filtered_per_zoom.setdefault(zoom, []).append(dt)
                sizes.append(size)
    everything = all_points_bytes()
    return {
        "p50_ms": round(pct(ours, 50), 2),
        "p95_ms": round(pct(ours, 95), 2),
        "per_zoom_p95_ms": {z: round(pct(v, 95), 2) for z, v in sorted(per_zoom.items())},
        "unfiltered_p95_ms": round(pct(unfiltered, 95), 2),
        "filtered_p50_ms": round(pct(filtered, 50), 2),
        "filtered_p95_ms": round(pct(filtered, 95), 2),
        "filtered_per_kind_p95_ms": {k: round(pct(v, 95), 2) for k, v in per_kind.items()},
        "filtered_per_zoom_p95_ms": {
            z: round(pct(v, 95), 2) for z, v in sorted(filtered_per_zoom.items())
        },
        "filters": filters,
        "max_bytes": max(sizes),
        "p95_bytes": int(pct(sizes, 95)),
        "all_points_bytes": everything,
        "ratio_all_points": round(everything / max(sizes), 1),
        "samples": len(ours),
        "filtered_samples": len(filtered),
    }


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--organisations", type=int, default=1_000_000)
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--baseline-reps", type=int, default=3)
    ap.add_argument("--map-reps", type=int, default=10)
    ap.add_argument("--json", type=Path, required=True)
    args = ap.parse_args()
    rng = random.Random(args.seed)
    out: dict = {"engine": connection.vendor, "sqlite_version": None}
    if connection.vendor == "sqlite":
        import sqlite3

        out["sqlite_version"] = sqlite3.sqlite_version
    else:
        with connection.cursor() as c:
            c.execute("SHOW server_version")
            out["postgresql_version"] = c.fetchone()[0]
    print(f"[{connection.vendor}] preparing {args.organisations} organisations…", flush=True)
    out["data"] = ensure_data(args.organisations, args.seed)
    print(f"[{connection.vendor}] data: {out['data']}", flush=True)
    out["search"] = bench_search(rng, args.reps, args.baseline_reps)
    print(
        f"[{connection.vendor}] search: p50 {out['search']['p50_ms']} ms, "
        f"p95 {out['search']['p95_ms']} ms, x{out['search']['speedup_p50']}",
        flush=True,
    )
    out["map"] = bench_map(rng, args.map_reps)
    print(
        f"[{connection.vendor}] map: p95 {out['map']['p95_ms']} ms "
        f"(filtered {out['map']['filtered_p95_ms']} ms), max {out['map']['max_bytes']} B",
        flush=True,
    )
    args.json.write_text(json.dumps(out, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
