"""Where indexes live on disk: one directory per index, holding its generations and the meta
file that names the current one.

    <root>/<index name>/current.json    the last complete generation and what it reflects
    <root>/<index name>/g<time>/         tantivy files of one generation
    <root>/<index name>/write.lock       the writers' lock (locks.py)

A rebuild writes a new generation beside the current one and then replaces `current.json`
(an atomic rename): readers keep answering from the previous generation until then, and a
killed rebuild leaves the previous one in place. Incremental syncs commit into the current
generation (tantivy's readers see a commit only when they reload)."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import time
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connection

META_FILE = "current.json"


def root_dir() -> Path:
    """ATELIER_SEARCH_INDEX_DIR, else var/search-index/<engine>-<hash of the database>: one set
    of indexes per database (tests, development and benchmarks never share one)."""
    configured = getattr(settings, "ATELIER_SEARCH_INDEX_DIR", None)
    if configured:
        return Path(configured)
    db = connection.settings_dict
    ident = "|".join(
        (connection.vendor, str(db.get("NAME")), str(db.get("HOST")), str(db.get("PORT")))
    )
    digest = hashlib.sha256(ident.encode()).hexdigest()[:16]
    return Path(settings.VAR_DIR) / "search-index" / f"{connection.vendor}-{digest}"


def index_path(name: str) -> Path:
    return root_dir() / name


def meta_mtime(path: Path) -> int:
    try:
        return (path / META_FILE).stat().st_mtime_ns
    except OSError:
        return 0


def read_meta(path: Path) -> tuple[dict[str, Any], int]:
    """The meta file of the index in `path` and its modification time ({} and 0 when none)."""
    try:
        mtime = (path / META_FILE).stat().st_mtime_ns
        return json.loads((path / META_FILE).read_text()), mtime
    except (OSError, ValueError):
        return {}, 0


def write_meta(path: Path, meta: dict[str, Any]) -> None:
    tmp = path / (META_FILE + ".tmp")
    tmp.write_text(json.dumps(meta))
    os.replace(tmp, path / META_FILE)


def new_generation(path: Path) -> Path:
    """A new, empty generation directory in `path`."""
    path.mkdir(parents=True, exist_ok=True)
    generation = path / f"g{time.time_ns()}"
    generation.mkdir()
    return generation


def remove_generations(path: Path, *, keep: str) -> None:
    """Delete every generation of `path` but `keep` (the current one). Readers of other
    processes that still have an old one open keep their open files (POSIX)."""
    for child in path.iterdir():
        if child.is_dir() and child.name.startswith("g") and child.name != keep:
            shutil.rmtree(child, ignore_errors=True)


def size_bytes(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())
