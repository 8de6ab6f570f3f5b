"""The shared bulk writer of organisations and establishments (SIRENE import, synthetic generator).

Rows are written in batches with raw SQL upserts — `INSERT … ON CONFLICT (siren|siret) DO UPDATE`,
which both SQLite (≥ 3.24) and PostgreSQL understand — through `cursor.executemany` (pipelined by
psycopg 3 on PostgreSQL). An update only happens when a value really differs (`IS NOT` /
`IS DISTINCT FROM` guard), so that importing the same file twice changes nothing, not even
`updated_at`. The caller wraps each batch in `transaction.atomic`.

Bulk writes bypass the ORM on purpose: they create no django-simple-history rows (history records
staff edits, not the monthly refresh of millions of rows from INSEE), send no signals, and rely on
the database for the full-text index (FTS5 triggers on SQLite, GIN expression index on PostgreSQL).
Derived Organisation columns must be filled by the caller with `organisation_derive`.
"""

from __future__ import annotations

import contextlib
import operator
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, fields
from typing import Any, cast

from django.db import DatabaseError, connections, transaction
from django.utils import timezone

from atelier.territories.enums import EssFamily
from atelier.territories.selectors import CommunePlace

from ..enums import HeadcountBand
from ..models import Establishment, Organisation
from .organisations import organisation_derive

ORG_TABLE = Organisation._meta.db_table
EST_TABLE = Establishment._meta.db_table
# SQLite allows 32,766 parameters per statement (since 3.32); stay well under it.
IN_CHUNK = 5000


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
ORG_KEEP_ON_UPDATE = frozenset(
    {"source", "staff_approved", "approval_bits", "theme_bits", "description", "website"}
)

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


@dataclass
class UpsertResult:
    created: int = 0
    updated: int = 0


def _chunks(seq: Sequence[Any], size: int = IN_CHUNK) -> Iterable[Sequence[Any]]:
    for i in range(0, len(seq), size):
        yield seq[i : i + size]


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
        qn = self.connection.ops.quote_name
        differs = "IS DISTINCT FROM" if self.vendor == "postgresql" else "IS NOT"
        cols = ", ".join(qn(c) for c in [*columns, "created_at", "updated_at"])
        params = ", ".join(["%s"] * (len(columns) + 2))
        sets = ", ".join(f"{qn(c)} = excluded.{qn(c)}" for c in [*update, "updated_at"])
        guard = " OR ".join(f"{qn(table)}.{qn(c)} {differs} excluded.{qn(c)}" for c in update)
        return (
            f"INSERT INTO {qn(table)} ({cols}) VALUES ({params}) "  # noqa: S608
            f"ON CONFLICT ({qn(key)}) DO UPDATE SET {sets} WHERE {guard}"
        )

    def now(self) -> Any:
        return self.connection.ops.adapt_datetimefield_value(timezone.now())

    # -- reads ------------------------------------------------------------------------------

    def existing_organisations(self, sirens: Sequence[str]) -> dict[str, Existing]:
        out: dict[str, Existing] = {}
        with self.connection.cursor() as cursor:
            for chunk in _chunks(list(sirens)):
                marks = ", ".join(["%s"] * len(chunk))
                cursor.execute(
                    "SELECT siren, id, staff_approved, approval_bits, theme_bits, description, "  # noqa: S608
                    f"source, website FROM {ORG_TABLE} WHERE siren IN ({marks})",
                    list(chunk),
                )
                for siren, *rest in cursor.fetchall():
                    rest[1] = bool(rest[1])
                    out[siren] = Existing(*rest)
        return out

    def organisation_ids(self, sirens: Sequence[str]) -> dict[str, int]:
        out: dict[str, int] = {}
        with self.connection.cursor() as cursor:
            for chunk in _chunks(list(sirens)):
                marks = ", ".join(["%s"] * len(chunk))
                cursor.execute(
                    f"SELECT siren, id FROM {ORG_TABLE} WHERE siren IN ({marks})",  # noqa: S608
                    list(chunk),
                )
                out.update(cursor.fetchall())
        return out

    def existing_sirets(self, sirets: Sequence[str]) -> set[str]:
        out: set[str] = set()
        with self.connection.cursor() as cursor:
            for chunk in _chunks(list(sirets)):
                marks = ", ".join(["%s"] * len(chunk))
                cursor.execute(
                    f"SELECT siret FROM {EST_TABLE} WHERE siret IN ({marks})",  # noqa: S608
                    list(chunk),
                )
                out.update(r[0] for r in cursor.fetchall())
        return out

    # -- writes -----------------------------------------------------------------------------

    def upsert_organisations(
        self, records: Sequence[OrgRecord], *, existing: dict[str, Existing] | None = None
    ) -> UpsertResult:
        """Insert or update `records` (which must have a SIREN) by SIREN. `existing` (from
        `existing_organisations`) makes the created/updated counts exact."""
        if not records:
            return UpsertResult()
        now = self.now()
        values = _ORG_VALUES
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


FTS_TABLE = f"{ORG_TABLE}_fts"


@contextlib.contextmanager
def search_index_deferred(*, using: str = "default") -> Iterator[None]:
    """On SQLite, suspend the FTS5 insert/update triggers of the organisation table during a bulk
    write and rebuild the full-text index once at the end: FTS5 indexes a whole table in one pass
    about twenty times faster than row by row. The triggers' own SQL is read from the schema and
    restored, with the rebuild, in one transaction, whatever happens. Nothing to do on
    PostgreSQL (the GIN index is maintained by the server)."""
    connection = connections[using]
    if connection.vendor != "sqlite":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = %s "
            "AND name LIKE %s AND sql NOT LIKE %s",
            [ORG_TABLE, f"{FTS_TABLE}%", "%AFTER DELETE%"],
        )
        triggers = cursor.fetchall()
    if not triggers:
        yield
        return
    with transaction.atomic(using=using), connection.cursor() as cursor:
        for name, _sql in triggers:
            cursor.execute(f'DROP TRIGGER IF EXISTS "{name}"')
    try:
        yield
    finally:
        with transaction.atomic(using=using), connection.cursor() as cursor:
            cursor.execute(f"INSERT INTO {FTS_TABLE}({FTS_TABLE}) VALUES ('rebuild')")  # noqa: S608
            for _name, sql in triggers:
                cursor.execute(sql)


def map_after_bulk_write() -> None:
    """Tell the map that establishments changed: its precomputed pyramid (services/map.py) stops
    being served until the next refresh, and the map answers with live queries meanwhile."""
    try:
        from .map import map_pyramid_invalidate
    except ImportError:  # the map pyramid is optional
        return
    map_pyramid_invalidate()


# Memory budget of a bulk-writing SQLite connection: the site settings give the web process a
# large page cache and a 1 GB memory map, which for an import that touches every page of a
# multi-GB file would count in its resident memory. Pages still reach the OS cache.
SQLITE_BULK_PRAGMAS = {"cache_size": "-65536", "mmap_size": "0", "temp_store": "1"}


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
