"""What a bulk write removes for speed, and how it is put back whatever happens.

A first import into empty tables drops the secondary indexes (and PostgreSQL foreign keys) and
builds them once at the end (`secondary_indexes_deferred`). The statements that rebuild them are
journalled (`PendingRestore`) in the transaction that drops them, so that a bulk write killed
outright (SIGKILL, power loss) is healed by the next bulk write, `migrate` or
`atelier bulk-restore` (`bulk_restore_pending`)."""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from django.db import connections, transaction
from django.utils import timezone

from ..models import Establishment, Organisation, PendingRestore

ORG_TABLE = Organisation._meta.db_table
EST_TABLE = Establishment._meta.db_table
# SQLite allows 32,766 parameters per statement (since 3.32); stay well under it.
IN_CHUNK = 5000
# Page cache (KiB, negative: SQLite's unit) while the deferred indexes are built: each sorting
# thread holds at most this much before it writes a sorted run to a temporary file.
SQLITE_SORT_CACHE_KIB = -8192


def chunks(seq: Sequence[Any], size: int = IN_CHUNK) -> Iterable[Sequence[Any]]:
    for i in range(0, len(seq), size):
        yield seq[i : i + size]


RESTORE_TABLE = PendingRestore._meta.db_table
_IF_NOT_EXISTS = re.compile(
    r"^\s*CREATE\s+(UNIQUE\s+)?(INDEX|TRIGGER)\s+(?!IF\s+NOT\s+EXISTS)", re.IGNORECASE
)


def _idempotent(statement: str) -> str:
    """`CREATE INDEX x …` -> `CREATE INDEX IF NOT EXISTS x …` (same for triggers): a journal
    replayed after somebody already rebuilt part of it by hand must not fail."""
    return _IF_NOT_EXISTS.sub(
        lambda m: f"CREATE {m.group(1) or ''}{m.group(2).upper()} IF NOT EXISTS ", statement
    )


def _journal(cursor: Any, connection: Any, statements: Sequence[str]) -> list[int]:
    """Record the statements that restore what is being removed, in the caller's transaction."""
    ids = []
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    for statement in statements:
        cursor.execute(
            f"INSERT INTO {RESTORE_TABLE} (statement, created_at) VALUES (%s, %s) "  # noqa: S608
            "RETURNING id",
            [_idempotent(statement), now],
        )
        ids.append(cursor.fetchone()[0])
    return ids


def _replay(cursor: Any, vendor: str, ids: Sequence[int] | None) -> int:
    """Run the journalled statements (all of them, or those of `ids`) and forget them, in the
    caller's transaction: either everything is back and the journal is empty, or nothing
    changed."""
    cursor.execute(f"SELECT id, statement FROM {RESTORE_TABLE} ORDER BY id")  # noqa: S608
    rows = [r for r in cursor.fetchall() if ids is None or r[0] in ids]
    if not rows:
        return 0
    if vendor == "postgresql":
        # Server memory for the sorts of this one transaction (index builds in fewer passes);
        # the importing process itself does not grow.
        cursor.execute("SET LOCAL maintenance_work_mem = '256MB'")
    elif vendor == "sqlite":
        # Index builds sort with helper threads (SQLite's multi-threaded sorter): the second
        # core shortens the end of a first import by about a third. Each sorting thread may
        # fill as much memory as the page cache is allowed: the cache is made small for the
        # builds (the pages it held are freed for the sorts), its size put back afterwards.
        cursor.execute("PRAGMA threads = 2")
        cursor.execute("PRAGMA cache_size")
        cache_size = int(cursor.fetchone()[0])
        cursor.execute(f"PRAGMA cache_size = {SQLITE_SORT_CACHE_KIB}")
    try:
        for _id, statement in rows:
            cursor.execute(statement)
    finally:
        if vendor == "sqlite":
            cursor.execute(f"PRAGMA cache_size = {cache_size}")
    done = [r[0] for r in rows]
    for chunk in chunks(done):
        marks = ", ".join(["%s"] * len(chunk))
        cursor.execute(f"DELETE FROM {RESTORE_TABLE} WHERE id IN ({marks})", list(chunk))  # noqa: S608
    return len(rows)


def bulk_restore_pending(*, using: str = "default") -> int:
    """Put back whatever an interrupted bulk write left removed (indexes, foreign keys): the
    journal of `PendingRestore`. Returns the number of statements replayed; 0 when nothing was
    pending. Called at the start of every bulk write (before it enters
    `secondary_indexes_deferred`, whose own journal it would otherwise replay), after
    `migrate`, and by `atelier bulk-restore`."""
    connection = connections[using]
    with transaction.atomic(using=using), connection.cursor() as cursor:
        return _replay(cursor, connection.vendor, None)


def _secondary_indexes(cursor: Any, vendor: str, table: str) -> list[tuple[str, str]]:
    """(name, CREATE INDEX statement) of the non-unique indexes of `table`: the unique ones
    (primary key, siren, siret) are what the upserts rely on and stay."""
    if vendor == "sqlite":
        cursor.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = %s "
            "AND sql IS NOT NULL AND upper(sql) NOT LIKE 'CREATE UNIQUE%%'",
            [table],
        )
    elif vendor == "postgresql":
        cursor.execute(
            "SELECT c.relname, pg_get_indexdef(i.indexrelid) FROM pg_index i "
            "JOIN pg_class c ON c.oid = i.indexrelid "
            "WHERE i.indrelid = %s::regclass AND NOT i.indisunique AND NOT i.indisprimary "
            "AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid)",
            [table],
        )
    else:
        return []
    return [(name, sql) for name, sql in cursor.fetchall()]


@contextlib.contextmanager
def secondary_indexes_deferred(
    tables: Sequence[str] = (ORG_TABLE, EST_TABLE), *, using: str = "default"
) -> Iterator[None]:
    """For a first, fresh import: drop the secondary (non-unique) indexes — and on PostgreSQL
    the foreign keys — of those of `tables` that are EMPTY at the start, and build them again
    once at the end. Building an index over a full table in one sorted pass is many times
    cheaper than keeping a dozen indexes up to date row by row, and checking a foreign key over
    a whole table is one join instead of one query per row.

    Tables that already hold rows keep everything (the import is then an update, and readers
    may be using them). The statements that rebuild what is dropped are read from the schema
    and journalled (`PendingRestore`) in the same transaction as the drops; they run again in a
    `finally`, so indexes and keys come back whatever happens, and if the process itself is
    killed (SIGKILL, power loss) the journal is replayed by the next bulk write, by
    `atelier migrate` or by `atelier bulk-restore`."""
    connection = connections[using]
    # Inside an enclosing transaction (tests), PostgreSQL refuses DDL on a table with deferred
    # foreign-key checks pending: run them first. Alone, each step is its own transaction.
    settle = connection.vendor == "postgresql" and connection.in_atomic_block
    ids: list[int] = []
    with transaction.atomic(using=using), connection.cursor() as cursor:
        qn = connection.ops.quote_name
        steps: list[tuple[str, str]] = []
        for table in tables:
            cursor.execute(f"SELECT 1 FROM {qn(table)} LIMIT 1")  # noqa: S608
            if cursor.fetchone() is not None:
                continue
            steps += [
                (f"DROP INDEX {qn(name)}", sql)
                for name, sql in _secondary_indexes(cursor, connection.vendor, table)
            ]
            if connection.vendor == "postgresql":
                # Foreign keys: one check query per row and per key at each commit, where
                # adding the constraint back checks the whole table in one join.
                cursor.execute(
                    "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
                    "WHERE conrelid = %s::regclass AND contype = 'f' ORDER BY conname",
                    [table],
                )
                steps += [
                    (
                        f"ALTER TABLE {qn(table)} DROP CONSTRAINT {qn(name)}",
                        f"ALTER TABLE {qn(table)} ADD CONSTRAINT {qn(name)} {definition}",
                    )
                    for name, definition in cursor.fetchall()
                ]
        if steps:
            if settle:
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            ids = _journal(cursor, connection, [create for _drop, create in steps])
            for drop, _create in steps:
                cursor.execute(drop)
            if settle:
                cursor.execute("SET CONSTRAINTS ALL DEFERRED")
    try:
        yield
    finally:
        if ids:
            with transaction.atomic(using=using), connection.cursor() as cursor:
                if settle:
                    cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
                _replay(cursor, connection.vendor, ids)
                if settle:
                    cursor.execute("SET CONSTRAINTS ALL DEFERRED")
