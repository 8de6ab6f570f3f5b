"""The shared bulk writer of organisations and establishments (SIRENE import, synthetic generator).

Rows are written in batches with raw SQL upserts — `INSERT … ON CONFLICT (siren|siret) DO UPDATE`,
which both SQLite (≥ 3.24) and PostgreSQL understand. On SQLite, through `cursor.executemany` (one
prepared statement, no round trip); on PostgreSQL, a batch is streamed with COPY into a temporary
staging table and upserted by one `INSERT … SELECT`. An update only happens when a value really
differs (`IS NOT` / `IS DISTINCT FROM` guard), so that importing the same file twice changes
nothing, not even `updated_at`. The caller wraps each batch in `transaction.atomic`.

Around a whole import, `secondary_indexes_deferred` (fresh, empty tables only: indexes and
foreign keys built once at the end) and `collector_relaxed` (no cyclic GC scans of the
long-lived objects) remove most of the per-row cost that is not the row itself.

Bulk writes bypass the ORM on purpose: they create no django-simple-history rows (history records
staff edits, not the monthly refresh of millions of rows from INSEE) and send no signals:
`readers_after_bulk_write` moves the data version of the directory's indexes once the rows are
written (atelier.search.versions).
Derived Organisation columns must be filled by the caller with `organisation_derive`.
"""

from __future__ import annotations

import contextlib
import gc
import json
import operator
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field, fields
from typing import Any, cast

from django.db import DatabaseError, connections
from django.utils import timezone

from atelier.territories.enums import EssFamily
from atelier.territories.selectors import CommunePlace

from ..enums import HeadcountBand
from ..models import Organisation
from ..text import search_text_cached, stem_cache_clear
from .bulk_restore import (
    EST_TABLE,
    ORG_TABLE,
    bulk_restore_pending,
    secondary_indexes_deferred,
)
from .locks import LOCKABLE_FIELDS, locked_attributes
from .organisations import organisation_derive

__all__ = [
    "EST_TABLE",
    "ORG_TABLE",
    "BulkWriter",
    "Existing",
    "OrgRecord",
    "UpsertResult",
    "bounded_memory",
    "bulk_restore_pending",
    "collector_relaxed",
    "memory_release",
    "readers_after_bulk_write",
    "secondary_indexes_deferred",
]


@dataclass(slots=True)
class OrgRecord:
    """An organisation row held in memory by bulk writers. It has the attributes that
    `organisation_derive` reads and sets, so derived columns are computed exactly as for a model
    instance, without the cost of building millions of model instances."""

    siren: str | None
    name: str
    source: str
    acronym: str = ""
    legal_category_id: str | None = None
    ess_family: str = EssFamily.OTHER
    sirene_ess_flag: str = ""
    staff_approved: bool = False
    ess_rule: str = ""
    approval_bits: int = 0
    theme_bits: int = 0
    headcount_band: str = HeadcountBand.UNKNOWN
    naf_id: str | None = None
    description: str = ""
    website: str = ""
    creation_date: str | None = None  # ISO date
    is_active: bool = True
    naf_section: str = ""
    commune_code: str = ""
    departement_code: str = ""
    region_code: str = ""
    epci_code: str = ""
    ept_code: str = ""
    search_text: str = ""
    ess_decision: str = ""
    ess_source: str = ""
    locked_fields: str = "[]"  # JSON text, written on insert only (ORG_KEEP_ON_UPDATE)
    approval_sources: str = "{}"  # JSON text, written on insert only (services.approvals)

    def derive(
        self,
        *,
        family: str,
        place: CommunePlace | None,
        naf: tuple[str, str] | None,
    ) -> OrgRecord:
        section, label = naf if naf else ("", "")
        organisation_derive(
            cast(Organisation, self),
            family=family,
            place=place,
            naf_section=section,
            naf_label=label,
        )
        return self


ORG_COLUMNS: tuple[str, ...] = tuple(f.name for f in fields(OrgRecord))
_ORG_VALUES = operator.attrgetter(*ORG_COLUMNS)
# Columns a refresh from an external source never overwrites: staff-curated ones and the origin.
# A staff decision on the ESS status and the list of fields a person corrected are kept too
# (the values of those fields are put back by the caller: SireneWriter._derive).
ORG_KEEP_ON_UPDATE = frozenset(
    {
        "source",
        "staff_approved",
        "approval_bits",
        "approval_sources",
        "theme_bits",
        "description",
        "website",
        "ess_decision",
        "locked_fields",
    }
)
# Model field name -> OrgRecord attribute (the model's attname) of the fields a person's edit
# locks (services.locks.LOCKABLE_FIELDS).
LOCKED_COLUMNS = locked_attributes(LOCKABLE_FIELDS)

EST_COLUMNS: tuple[str, ...] = (
    "siret",
    "organisation_id",
    "name",
    "address_complement",
    "street",
    "postcode",
    "commune_id",
    "latitude",
    "longitude",
    "geo_precision",
    "mx",
    "my",
    "is_head_office",
    "is_open",
    "naf_id",
    "headcount_band",
    "closed_on",  # ISO date or None
)


@dataclass(slots=True)
class Existing:
    """What the writer must know of an organisation already in the database to derive it right."""

    id: int
    staff_approved: bool
    approval_bits: int
    theme_bits: int
    description: str
    source: str
    website: str
    ess_decision: str = ""
    ess_source: str = ""
    # Values of the fields a person corrected, by OrgRecord attribute: an import keeps them.
    locked: dict[str, Any] = field(default_factory=dict)


@dataclass
class UpsertResult:
    created: int = 0
    updated: int = 0


def _stage_name(table: str) -> str:
    return f"{table}_stage"


class BulkWriter:
    """Batch upserts of organisations (by SIREN) and establishments (by SIRET)."""

    def __init__(self, *, using: str = "default") -> None:
        self.connection = connections[using]
        self.vendor = self.connection.vendor
        self._org_sql = self._upsert_sql(
            ORG_TABLE,
            ORG_COLUMNS,
            "siren",
            [c for c in ORG_COLUMNS if c != "siren" and c not in ORG_KEEP_ON_UPDATE],
        )
        self._est_sql = self._upsert_sql(
            EST_TABLE, EST_COLUMNS, "siret", [c for c in EST_COLUMNS if c != "siret"]
        )

    def _upsert_sql(
        self, table: str, columns: Sequence[str], key: str, update: Sequence[str]
    ) -> str:
        """The upsert of one row (SQLite), or on PostgreSQL of every row of the staging table
        filled by COPY (see `_copy_upsert`)."""
        qn = self.connection.ops.quote_name
        differs = "IS DISTINCT FROM" if self.vendor == "postgresql" else "IS NOT"
        cols = ", ".join(qn(c) for c in [*columns, "created_at", "updated_at"])
        if self.vendor == "postgresql":
            source = (
                f"SELECT {', '.join(qn(c) for c in columns)}, %s, %s "  # noqa: S608
                f"FROM {qn(_stage_name(table))}"
            )
        else:
            source = f"VALUES ({', '.join(['%s'] * (len(columns) + 2))})"
        sets = ", ".join(f"{qn(c)} = excluded.{qn(c)}" for c in [*update, "updated_at"])
        guard = " OR ".join(f"{qn(table)}.{qn(c)} {differs} excluded.{qn(c)}" for c in update)
        return (
            f"INSERT INTO {qn(table)} ({cols}) {source} "  # noqa: S608
            f"ON CONFLICT ({qn(key)}) DO UPDATE SET {sets} WHERE {guard}"
        )

    def _copy_upsert(self, table: str, columns: Sequence[str], rows: Iterable[tuple], sql: str):
        """PostgreSQL: COPY `rows` into a temporary staging table shaped like `table`, then
        upsert them all with one INSERT … SELECT … ON CONFLICT. Returns the rows changed.
        COPY streams the batch in one round trip, where one INSERT per row costs a round trip
        and a statement execution each."""
        qn = self.connection.ops.quote_name
        stage = qn(_stage_name(table))
        names = ", ".join(qn(c) for c in columns)
        now = self.now()
        with self.connection.cursor() as cursor:
            cursor.execute(
                f"CREATE TEMPORARY TABLE IF NOT EXISTS {stage} AS "  # noqa: S608
                f"SELECT {names} FROM {qn(table)} WITH NO DATA"
            )
            cursor.execute(f"TRUNCATE {stage}")
            raw = cursor.cursor  # the psycopg cursor under Django's wrapper
            with raw.copy(f"COPY {stage} ({names}) FROM STDIN") as copy:  # noqa: S608
                write = copy.write_row
                for row in rows:
                    write(row)
            cursor.execute(sql, [now, now])
            return max(cursor.rowcount, 0)

    def now(self) -> Any:
        return self.connection.ops.adapt_datetimefield_value(timezone.now())

    # -- reads ------------------------------------------------------------------------------

    def _select_in(self, sql: str, column: str, values: Sequence[Any]) -> Iterator[tuple]:
        """Rows of `sql` (a SELECT ending in `WHERE`) for `column` in `values`, with ONE
        parameter whatever their number: PostgreSQL an array (`= ANY(%s)`), SQLite a JSON
        array read by `json_each`. The statement is then the same for every batch: a list of
        placeholders would make one statement per length, each kept prepared in the
        connection's statement cache (128 of them, hundreds of kilobytes each: 100 MB and
        more by the end of a national import), and costs more to prepare than to run."""
        with self.connection.cursor() as cursor:
            if self.vendor == "postgresql":
                cursor.execute(f"{sql} {column} = ANY(%s)", [list(values)])
            else:
                values_sql = "SELECT value FROM json_each(%s)"
                cursor.execute(f"{sql} {column} IN ({values_sql})", [json.dumps(list(values))])  # noqa: S608
            yield from cursor.fetchall()

    def existing_organisations(self, sirens: Sequence[str]) -> dict[str, Existing]:
        out: dict[str, Existing] = {}
        locks: dict[int, list[str]] = {}
        for siren, *rest, locked in self._select_in(
            "SELECT siren, id, staff_approved, approval_bits, theme_bits, description, "  # noqa: S608
            f"source, website, ess_decision, ess_source, locked_fields FROM {ORG_TABLE} WHERE",
            "siren",
            sirens,
        ):
            rest[1] = bool(rest[1])
            out[siren] = Existing(*rest)
            names = json.loads(locked) if isinstance(locked, str | bytes) else locked
            if names:
                locks[rest[0]] = [n for n in names if n in LOCKED_COLUMNS]
        if locks:
            self._locked_values(out, locks)
        return out

    def _locked_values(self, out: dict[str, Existing], locks: dict[int, list[str]]) -> None:
        """The current values of the locked fields (the few organisations a person edited)."""
        attrs = list(LOCKED_COLUMNS.values())
        by_id = {e.id: e for e in out.values()}
        for row in self._select_in(
            f"SELECT id, {', '.join(attrs)} FROM {ORG_TABLE} WHERE",  # noqa: S608
            "id",
            list(locks),
        ):
            current = dict(zip(attrs, row[1:], strict=True))
            current["is_active"] = bool(current["is_active"])
            if current["creation_date"] is not None:
                current["creation_date"] = str(current["creation_date"])
            by_id[row[0]].locked = {
                LOCKED_COLUMNS[name]: current[LOCKED_COLUMNS[name]] for name in locks[row[0]]
            }

    def organisation_ids(self, sirens: Sequence[str]) -> dict[str, int]:
        return dict(
            self._select_in(f"SELECT siren, id FROM {ORG_TABLE} WHERE", "siren", sirens)  # noqa: S608
        )

    def existing_sirets(self, sirets: Sequence[str]) -> set[str]:
        return {
            r[0]
            for r in self._select_in(f"SELECT siret FROM {EST_TABLE} WHERE", "siret", sirets)  # noqa: S608
        }

    # -- writes -----------------------------------------------------------------------------

    def upsert_organisations(
        self, records: Sequence[OrgRecord], *, existing: dict[str, Existing] | None = None
    ) -> UpsertResult:
        """Insert or update `records` (which must have a SIREN) by SIREN. `existing` (from
        `existing_organisations`) makes the created/updated counts exact."""
        if not records:
            return UpsertResult()
        values = _ORG_VALUES
        if self.vendor == "postgresql":
            changed = self._copy_upsert(ORG_TABLE, ORG_COLUMNS, map(values, records), self._org_sql)
            return self._result(len(records), changed, existing)
        now = self.now()
        rows = [(*values(r), now, now) for r in records]
        with self.connection.cursor() as cursor:
            cursor.executemany(self._org_sql, rows)
            changed = max(cursor.rowcount, 0)
        return self._result(len(records), changed, existing)

    def upsert_establishments(
        self, rows: Sequence[tuple], *, existing: set[str] | None = None
    ) -> UpsertResult:
        """Insert or update establishments given as tuples in EST_COLUMNS order, by SIRET."""
        if not rows:
            return UpsertResult()
        if self.vendor == "postgresql":
            changed = self._copy_upsert(EST_TABLE, EST_COLUMNS, rows, self._est_sql)
            return self._result(len(rows), changed, existing)
        now = self.now()
        with self.connection.cursor() as cursor:
            cursor.executemany(self._est_sql, [(*r, now, now) for r in rows])
            changed = max(cursor.rowcount, 0)
        return self._result(len(rows), changed, existing)

    @staticmethod
    def _result(total: int, changed: int, existing: Any) -> UpsertResult:
        if existing is None:
            return UpsertResult(created=0, updated=changed)
        created = total - len(existing)
        return UpsertResult(created=created, updated=max(changed - created, 0))


@contextlib.contextmanager
def collector_relaxed() -> Iterator[None]:
    """Keep Python's cyclic garbage collector out of a bulk write's way: the objects alive at
    the start (Django, nomenclatures, 35,000 commune places) are frozen out of its scans, and
    the young generation is collected every 10,000 allocations rather than 700. Batches make
    no reference cycles, so memory stays bounded; the settings are restored at the end."""
    thresholds = gc.get_threshold()
    gc.collect()
    gc.freeze()
    gc.set_threshold(10_000, 20, 100)
    try:
        yield
    finally:
        gc.set_threshold(*thresholds)
        gc.unfreeze()


def memory_release(*, using: str = "default") -> None:
    """Before the final index builds of a bulk write, give back what the row-by-row phase held:
    the token caches of the text module and SQLite's page cache (`shrink_memory`), so that the
    sorts of the index builds reuse that memory instead of adding to it."""
    search_text_cached.cache_clear()
    stem_cache_clear()
    gc.collect()
    connection = connections[using]
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA shrink_memory")


def readers_after_bulk_write() -> None:
    """Tell the readers that organisations and establishments changed (after the rows are
    written, in the caller's transaction if any): the data version of the directory's indexes
    moves on, so requests answer from the last complete index generation while the worker
    (`atelier db_worker`) syncs both indexes, once the write is committed. Without a worker,
    `atelier search-index sync` does the catching up (the import commands say so)."""
    from atelier.search import queue_sync, versions

    from ..indexes import VERSION

    versions.bump(VERSION)
    queue_sync()


# Memory budget of a bulk-writing SQLite connection: the site settings give the web process a
# large page cache and a 1 GB memory map, which for an import that touches every page of a
# multi-GB file would count in its resident memory. Pages still reach the OS cache.
SQLITE_BULK_PRAGMAS = {"cache_size": "-32768", "mmap_size": "0", "temp_store": "1"}


@contextlib.contextmanager
def bounded_memory(*, using: str = "default") -> Iterator[None]:
    """Keep a bulk write's memory bounded whatever the size of the database (SQLite: smaller
    page cache, no memory map, temporary sorts on disk), then restore the connection."""
    connection = connections[using]
    if connection.vendor != "sqlite":
        yield
        return
    previous = {}
    with connection.cursor() as cursor:
        for name, value in SQLITE_BULK_PRAGMAS.items():
            cursor.execute(f"PRAGMA {name}")  # noqa: S608
            row = cursor.fetchone()
            if row is None:  # e.g. no memory map for an in-memory database
                continue
            try:
                cursor.execute(f"PRAGMA {name} = {value}")
            except DatabaseError:  # temp_store cannot change inside a transaction (tests)
                continue
            previous[name] = row[0]
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            for name, value in previous.items():
                cursor.execute(f"PRAGMA {name} = {int(value)}")
