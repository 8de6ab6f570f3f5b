"""Search latency while an import runs: a real server on loopback answering the Atlas search API
to parallel clients, first on a quiet database (the in-run baseline), then for the whole time
that `atelier import-sirene` imports a file into that database and until the worker's follow-up
index sync finishes.

    DJANGO_SETTINGS_MODULE=config.settings.bench DATABASE_URL=… python bench/concurrency.py \
        --rows 150000 [--threads 8] [--quiet-seconds 30] [--max-seconds 300] [--json FILE]

1. the bench database (DATABASE_URL, prepared by bench/engine.py) is copied beside itself
   (SQLite backup API, PostgreSQL `CREATE DATABASE … TEMPLATE`), so the bench data set stays as
   it was; the copy gets its own index directory, built by `atelier search-index rebuild`;
2. gunicorn (2 workers × 4 threads) serves the copy on 127.0.0.1, and the task worker
   (`atelier db_worker`, as `make serve` starts it) syncs the indexes after writes;
3. `--threads` client threads (stdlib http.client, keep-alive) send the mixed search query set
   of bench/engine.py to /api/v1/organisations, without pause;
4. after `--quiet-seconds`, `atelier import-sirene` imports about `--rows` establishments (files
   written by `atelier generate --csv`, as bench/import_bench.py does); the clients go on until
   every index reports itself up to date (public `atelier.search.status`), all within
   `--max-seconds`.

Per phase: requests, failures (non-2xx or errors), p50/p95/p99/max latency and the longest stall
(the longest interval in which no request completed)."""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import shutil
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import quote, urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

import import_bench  # noqa: E402  (bench/, no Django at import)

VENV_BIN = Path(sys.executable).parent
COPY_NAME = "atelier_concurrency"
REQUEST_TIMEOUT = 60.0  # seconds; a request that takes longer counts as a failure


def copy_database(source: str) -> str:
    """A copy of the bench database beside it; returns its URL."""
    target = import_bench.sibling_url(source, COPY_NAME, create=False)
    parts = urlsplit(source)
    if parts.scheme.startswith("sqlite"):
        import sqlite3

        src = sqlite3.connect(parts.path)
        dst = sqlite3.connect(urlsplit(target).path)
        with dst:
            src.backup(dst)
        src.close()
        dst.close()
    else:
        import psycopg

        # (from another database: the template must have no session, this one included)
        maintenance = urlsplit(source)._replace(path="/template1").geturl()
        with psycopg.connect(import_bench.pg_dsn(maintenance), autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{COPY_NAME}"')
            conn.execute(f'CREATE DATABASE "{COPY_NAME}" TEMPLATE "{parts.path.lstrip("/")}"')
    return target


def drop_database(url: str, source: str) -> None:
    parts = urlsplit(url)
    if parts.scheme.startswith("sqlite"):
        for suffix in ("", "-wal", "-shm"):
            Path(f"{parts.path}{suffix}").unlink(missing_ok=True)
        return
    import psycopg

    with psycopg.connect(import_bench.pg_dsn(source), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{COPY_NAME}" WITH (FORCE)')


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_ready(port: int, proc: subprocess.Popen, seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"gunicorn s'est arrêté (code {proc.returncode})")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            conn.request("GET", "/api/v1/organisations?q=a")
            conn.getresponse().read()
            conn.close()
            return
        except OSError:
            time.sleep(0.5)
    raise SystemExit(f"gunicorn ne répond pas sur le port {port} après {seconds} s")


class Clients:
    """`threads` keep-alive clients looping over `paths`; every completed request is recorded
    as (end time, latency in s, ok)."""

    def __init__(self, port: int, paths: list[str], threads: int, seed: int) -> None:
        self.port, self.paths = port, paths
        self.stop = threading.Event()
        self.records: list[tuple[float, float, bool, str]] = []
        self.lock = threading.Lock()
        self.errors: dict[str, int] = {}
        self.threads = [
            threading.Thread(target=self._run, args=(random.Random(seed + i),), daemon=True)
            for i in range(threads)
        ]

    def start(self) -> None:
        for t in self.threads:
            t.start()

    def join(self) -> None:
        self.stop.set()
        for t in self.threads:
            t.join(REQUEST_TIMEOUT + 5)

    def _run(self, rng: random.Random) -> None:
        conn = None
        paths = self.paths[:]
        rng.shuffle(paths)
        i = 0
        while not self.stop.is_set():
            path = paths[i % len(paths)]
            i += 1
            if conn is None:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=REQUEST_TIMEOUT)
            t0 = time.monotonic()
            ok, error = False, ""
            try:
                conn.request("GET", path)
                resp = conn.getresponse()
                resp.read()
                ok = 200 <= resp.status < 300
                error = "" if ok else f"HTTP {resp.status}"
                if resp.will_close:
                    conn.close()
                    conn = None
            except (OSError, http.client.HTTPException) as exc:
                error = type(exc).__name__
                conn.close()
                conn = None
            t1 = time.monotonic()
            with self.lock:
                self.records.append((t1, t1 - t0, ok, path))
                if error:
                    self.errors[error] = self.errors.get(error, 0) + 1
        if conn is not None:
            conn.close()


def pct(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[max(0, min(len(values) - 1, round(p / 100 * (len(values) - 1))))]


def phase(records: list[tuple[float, float, bool, str]], start: float, end: float) -> dict:
    """Figures of the requests that completed in [start, end); the slowest five with when they
    started (seconds from the start of the phase) and their query."""
    inside = sorted(r for r in records if start <= r[0] < end)
    latencies = [r[1] * 1000 for r in inside]
    ends = [start, *(r[0] for r in inside), end]
    stall = max(b - a for a, b in zip(ends, ends[1:], strict=False))
    if not latencies:
        return {"seconds": round(end - start, 1), "requests": 0, "stall_ms": round(stall * 1000)}
    return {
        "seconds": round(end - start, 1),
        "requests": len(inside),
        "failures": sum(1 for r in inside if not r[2]),
        "per_s": round(len(inside) / max(end - start, 1e-6), 1),
        "p50_ms": round(pct(latencies, 50), 1),
        "p95_ms": round(pct(latencies, 95), 1),
        "p99_ms": round(pct(latencies, 99), 1),
        "max_ms": round(max(latencies), 1),
        "over_1s": sum(1 for v in latencies if v > 1000),
        "stall_ms": round(stall * 1000),
        "slowest": [
            {"start_s": round(r[0] - r[1] - start, 1), "ms": round(r[1] * 1000), "query": r[3]}
            for r in sorted(inside, key=lambda r: -r[1])[:5]
        ],
    }


def query_paths(url: str, env: dict[str, str], seed: int) -> list[str]:
    """The mixed query set of bench/engine.py, as API paths (built in a subprocess: Django)."""
    code = (
        "import json, random, engine; "
        f"q = engine.query_set(random.Random({seed})); "
        "print(json.dumps([s for qs in q.values() for s in qs]))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        check=True,
        env={**env, "PYTHONPATH": str(ROOT / "bench")},
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    queries = json.loads(out.stdout.strip().splitlines()[-1])
    return ["/api/v1/organisations?" + quote(qs, safe="=&:") for qs in queries]


def wait_synced_stage(seconds: float) -> None:
    """In Django: wait until every registered index is up to date (public `atelier.search`
    status), polling once a second; exit 0 then, 1 after `seconds`."""
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.db import connection

    from atelier.search import registered, status

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if all(status(spec)["up_to_date"] for spec in registered()):
            sys.exit(0)
        connection.close()
        time.sleep(1)
    sys.exit(1)


def run(
    rows: int,
    *,
    threads: int = 8,
    quiet_seconds: float = 30,
    max_seconds: float = 300,
    workdir: Path | None = None,
    seed: int = 42,
) -> dict:
    base = import_bench.base_url()
    workdir = workdir or ROOT / "var" / "bench" / "concurrency"
    workdir.mkdir(parents=True, exist_ok=True)
    ul, et, establishments = import_bench.prepare_files(rows, workdir, base)
    url = copy_database(base)
    index_dir = workdir / "search-index"
    shutil.rmtree(index_dir, ignore_errors=True)
    env = import_bench.env_for(url)
    env["ATELIER_SEARCH_INDEX_DIR"] = str(index_dir)
    procs: list[subprocess.Popen] = []
    clients = None
    log = (workdir / "server.log").open("w")  # gunicorn, the worker and the import's stderr
    try:
        t0 = time.perf_counter()
        subprocess.run(
            [sys.executable, str(ROOT / "manage.py"), "search_index", "rebuild", "-v", "0"],
            check=True,
            env=env,
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
        )
        rebuild_s = time.perf_counter() - t0
        paths = query_paths(url, env, seed)
        port = free_port()
        server = subprocess.Popen(
            [str(VENV_BIN / "gunicorn"), "config.wsgi", "-b", f"127.0.0.1:{port}", "-w", "2",
             "--threads", "4", "--timeout", "120", "--graceful-timeout", "5"],
            env=env, cwd=ROOT, stdout=log, stderr=log,
        )  # fmt: skip
        procs.append(server)
        worker = subprocess.Popen(
            [sys.executable, str(ROOT / "manage.py"), "db_worker", "--no-startup-delay",
             "--no-reload", "-v0"],
            env=env, cwd=ROOT, stdout=log, stderr=log,
        )  # fmt: skip
        procs.append(worker)
        wait_ready(port, server)
        clients = Clients(port, paths, threads, seed)
        for path in paths:  # warm-up: every query once, before anything is counted
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=REQUEST_TIMEOUT)
            conn.request("GET", path)
            status = conn.getresponse().status
            conn.close()
            if status != 200:
                raise SystemExit(f"{path} : HTTP {status} (voir {workdir / 'server.log'})")
        deadline = time.monotonic() + max_seconds
        clients.start()
        quiet_start = time.monotonic()
        time.sleep(quiet_seconds)
        import_start = time.monotonic()
        imp = subprocess.Popen(
            [sys.executable, str(ROOT / "manage.py"), "import_sirene", "--unites-legales",
             str(ul), "--etablissements", str(et), "--report", str(workdir / "rapport.csv")],
            env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=log,
        )  # fmt: skip
        procs.append(imp)
        while imp.poll() is None and time.monotonic() < deadline:
            time.sleep(0.2)
        import_end = time.monotonic()
        if imp.poll() is None:
            raise SystemExit(f"l'import dure plus de {max_seconds} s : arrêté")
        if imp.returncode != 0:
            raise SystemExit(f"l'import a échoué (code {imp.returncode})")
        waiter = subprocess.Popen(
            [sys.executable, __file__, "--stage", "wait-synced",
             "--max-seconds", str(max(1.0, deadline - time.monotonic()))],
            env=env, cwd=ROOT,
        )  # fmt: skip
        procs.append(waiter)
        synced = waiter.wait() == 0
        end = time.monotonic()
        clients.join()
        if server.poll() is not None or worker.poll() is not None:
            raise SystemExit(f"le serveur ou le worker s'est arrêté (voir {workdir}/server.log)")
    finally:
        if clients is not None:
            clients.join()
        for proc in reversed(procs):
            if proc.poll() is None:
                proc.terminate()
                try:
                    proc.wait(15)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()
        log.close()
        drop_database(url, base)
        shutil.rmtree(index_dir, ignore_errors=True)
    records = clients.records
    return {
        "engine": "postgresql" if base.startswith("postgres") else "sqlite",
        "threads": threads,
        "endpoint": "/api/v1/organisations",
        "queries": len(paths),
        "establishments_imported": establishments,
        "copy_index_rebuild_seconds": round(rebuild_s, 1),
        "import_seconds": round(import_end - import_start, 1),
        "sync_after_import_seconds": round(end - import_end, 1),
        "synced": synced,
        "quiet": phase(records, quiet_start, import_start),
        "during_import": phase(records, import_start, end),
        "errors": clients.errors,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=150_000, help="establishments to import")
    ap.add_argument("--threads", type=int, default=8)
    ap.add_argument("--quiet-seconds", type=float, default=30)
    ap.add_argument("--max-seconds", type=float, default=300)
    ap.add_argument("--workdir", type=Path)
    ap.add_argument("--json", type=Path)
    ap.add_argument("--stage", choices=["all", "wait-synced"], default="all")
    args = ap.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.bench")
    if args.stage == "wait-synced":
        wait_synced_stage(args.max_seconds)
    result = run(
        args.rows,
        threads=args.threads,
        quiet_seconds=args.quiet_seconds,
        max_seconds=args.max_seconds,
        workdir=args.workdir,
    )
    print(json.dumps(result, indent=2, ensure_ascii=False))
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(result, indent=2, ensure_ascii=False))
    if not result["synced"]:
        raise SystemExit(f"les index ne sont pas à jour après {args.max_seconds} s")


if __name__ == "__main__":
    main()
