"""The temporary on-disk index of legal units and geolocations (bounded memory)."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import tempfile
from collections.abc import Iterator, Sequence

# The values of a lookup, one JSON array parameter: the same statement for every batch (a list
# of placeholders would keep one prepared statement per length in the connection's cache).
_JSON_VALUES = "SELECT value FROM json_each(?)"

# ---------------------------------------------------------------------------------------------
# The temporary on-disk index


class TempIndex:
    """Legal units (and geolocations) needed by the establishment pass, on disk."""

    UL_FIELDS = (
        "siren",
        "status",
        "line",
        "name",
        "acronym",
        "legal_category_id",
        "flag",
        "band",
        "naf_id",
        "creation_date",
        "is_active",
    )
    KEPT, FILTERED, REJECTED = 1, 0, 2

    def __init__(self) -> None:
        self.dir = tempfile.mkdtemp(prefix="atelier-sirene-")
        self.db = sqlite3.connect(os.path.join(self.dir, "index.sqlite3"), isolation_level=None)
        for pragma in (
            "journal_mode=OFF",
            "synchronous=OFF",
            "cache_size=-32768",  # 32 MB at most
            "temp_store=FILE",
            "locking_mode=EXCLUSIVE",
        ):
            self.db.execute(f"PRAGMA {pragma}")
        self.db.execute(
            "CREATE TABLE ul (siren TEXT PRIMARY KEY, status INT, line INT, name TEXT, "
            "acronym TEXT, legal_category_id TEXT, flag TEXT, band TEXT, naf_id TEXT, "
            "creation_date TEXT, is_active INT, written INT DEFAULT 0, "
            "place_rank INT DEFAULT -1) WITHOUT ROWID"
        )
        self.db.execute(
            "CREATE TABLE geo (siret TEXT PRIMARY KEY, lon REAL, lat REAL) WITHOUT ROWID"
        )

    def add_units(self, rows: list[tuple]) -> None:
        marks = ", ".join("?" * len(self.UL_FIELDS))
        self.db.execute("BEGIN")
        self.db.executemany(
            f"INSERT OR REPLACE INTO ul ({', '.join(self.UL_FIELDS)}) VALUES ({marks})",  # noqa: S608
            rows,
        )
        self.db.execute("COMMIT")

    def add_geo(self, rows: list[tuple]) -> None:
        self.db.execute("BEGIN")
        self.db.executemany("INSERT OR REPLACE INTO geo VALUES (?, ?, ?)", rows)
        self.db.execute("COMMIT")

    def units(self, sirens: Sequence[str]) -> dict[str, tuple]:
        cols = ", ".join(self.UL_FIELDS)
        rows = self.db.execute(
            f"SELECT {cols}, written, place_rank FROM ul WHERE siren IN ({_JSON_VALUES})",  # noqa: S608
            (json.dumps(list(sirens)),),
        )
        return {row[0]: row for row in rows}

    def geo(self, sirets: Sequence[str]) -> dict[str, tuple[float, float]]:
        rows = self.db.execute(
            f"SELECT siret, lon, lat FROM geo WHERE siret IN ({_JSON_VALUES})",  # noqa: S608
            (json.dumps(list(sirets)),),
        )
        return {siret: (lon, lat) for siret, lon, lat in rows}

    def mark_written(self, ranks: dict[str, int]) -> None:
        self.db.execute("BEGIN")
        self.db.executemany(
            "UPDATE ul SET written = 1, place_rank = ? WHERE siren = ?",
            [(rank, siren) for siren, rank in ranks.items()],
        )
        self.db.execute("COMMIT")

    def sirens_in_scope(self) -> list[str]:
        """SIRENs whose establishments the establishment pass must read: the legal units kept,
        and those rejected (their establishments are reported)."""
        rows = self.db.execute(
            "SELECT siren FROM ul WHERE status IN (?, ?)", (self.KEPT, self.REJECTED)
        )
        return [r[0] for r in rows]

    def unwritten(self, batch_size: int) -> Iterator[list[tuple]]:
        cols = ", ".join(self.UL_FIELDS)
        cursor = self.db.execute(
            f"SELECT {cols}, written, place_rank FROM ul WHERE status = ? AND written = 0",  # noqa: S608
            (self.KEPT,),
        )
        while rows := cursor.fetchmany(batch_size):
            yield rows

    def close(self) -> None:
        self.db.close()
        shutil.rmtree(self.dir, ignore_errors=True)
