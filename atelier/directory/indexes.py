"""The embedded indexes of the directory (atelier.search), declared here and registered by
DirectoryConfig.ready():

- `organisations` — the Atlas search: one document per organisation of the perimeter (in the
  ESS, active) with `id` (fast: results are loaded from the database by id), `search_text` (its
  tokens, normalised by directory.text, whitespace-tokenised so that a query token
  matches exactly an index token), the facet columns as raw fast text fields, the set bits of
  `theme_bits` / `approval_bits` as multi-valued integers with the whole masks as fast fields
  (counts), `name_key` (name then id: the order of searches without text), and for the
  ranking of a text: `name_exact` (the exact-name keys of the name and of the acronym,
  text.words_key) and `name_text` (the tokens of the name and acronym, a subset of
  `search_text`); and `near`, the tiles (atelier.search.spatial, every level) of its open,
  placed establishments: a search around a place selects the organisations of the tiles
  wholly within its radius from this field (selectors/around_index.py);
- `establishments` — the Atlas map: one document per open, placed establishment of an
  organisation of the perimeter, carrying its organisation's filter fields (the same names and
  tokens, built by the same function, so that one condition selects the same organisations on
  both indexes; `id` is also a fast field here: the exact distances of a search around a place
  are read from this index), the establishment id, its organisation's ESS family as a small integer
  (`family`, directory.families), and its point on the map grid (atelier.search.spatial:
  x, y = zoom-20 world pixels, Morton `cell`, `tile` terms), sorted by `cell`.

Both follow the data version "directory", moved by every write to organisations and
establishments (versions.watch below for the ORM; the bulk writer bumps it itself).

How a sync finds what changed: rows whose `updated_at` is at or after the last sync's watermark
minus SYNC_OVERLAP (a transaction that stamped its rows before the watermark but committed after
it is read again), and the row counts of both tables (deleted rows: the index is then recounted).
The organisations index also re-reads the organisations of changed establishments (their `near`
tiles); deleting an establishment through the ORM stamps its organisation (`updated_at`, see
`_touch_organisation`), so that the deletion is found the same way.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import tantivy
from django.db.models import Count, Exists, Max, OuterRef
from django.db.models.signals import post_delete
from django.utils import timezone

from atelier.search import Changes, IndexSpec, register, spatial, versions

from .families import family_index
from .models import Establishment, Organisation
from .text import tokens, words_key

VERSION = "directory"
READ_CHUNK = 20_000
SYNC_OVERLAP = timedelta(seconds=2)
# Finest grid the map reads: 64-pixel cells at zoom 20 (selectors.map: shift 26 - zoom).
MAP_BASE_SHIFT = 6

# Facet columns: index field = column.
VALUE_FIELDS = ("ess_family", "legal_category_id", "naf_section", "headcount_band")
TERRITORY_FIELDS = ("region_code", "departement_code", "epci_code", "ept_code", "commune_code")
BIT_FIELDS = ("theme_bits", "approval_bits")
MASK_FIELDS = {"theme_bits": "theme_mask", "approval_bits": "approval_mask"}
COLUMNS = ("id", "name", "search_text", *VALUE_FIELDS, *TERRITORY_FIELDS, *BIT_FIELDS)
# The organisations index also reads the acronym (ranking fields), after COLUMNS.
ORGANISATION_COLUMNS = (*COLUMNS, "acronym")


def perimeter():
    """Organisations the Atlas shows by default (in the ESS perimeter, active)."""
    return Organisation.objects.in_perimeter().order_by()


# -- documents -------------------------------------------------------------------------------


def organisation_fields(doc: tantivy.Document, row: tuple, *, masks: bool) -> None:
    """Add the searchable fields of the organisation `row` (COLUMNS order) to `doc`: the same
    for both indexes; `masks` adds the whole bit sets (fast fields of the facet counts)."""
    pk, _name, text, *rest = row
    values, bit_sets = rest[: -len(BIT_FIELDS)], rest[-len(BIT_FIELDS) :]
    doc.add_unsigned("id", pk)
    if text:
        doc.add_text("search_text", text)
    for field, value in zip((*VALUE_FIELDS, *TERRITORY_FIELDS), values, strict=True):
        if value:
            doc.add_text(field, value)
    for field, value in zip(BIT_FIELDS, bit_sets, strict=True):
        if masks:
            doc.add_unsigned(MASK_FIELDS[field], value)
        bit = 0
        while value:
            if value & 1:
                doc.add_unsigned(field, bit)
            value >>= 1
            bit += 1


def _organisation_document(row: tuple, points: Iterable[tuple[int, int]]) -> tantivy.Document:
    """The document of an ORGANISATION_COLUMNS row whose open, placed establishments are at
    `points` (world pixels)."""
    doc = tantivy.Document()
    organisation_fields(doc, row[: len(COLUMNS)], masks=True)
    pk, name, acronym = row[0], row[1], row[len(COLUMNS)]
    doc.add_text("name_key", f"{name}\x00{pk:012d}")
    name_fields(doc, name, acronym)
    for term in sorted({t for x, y in points for t in spatial.tiles_of(x, y)}):
        doc.add_unsigned("near", term)
    return doc


def _placed_points(qs) -> dict[int, list[tuple[int, int]]]:
    """The points of the open, placed establishments of `qs`, by organisation id."""
    points: dict[int, list[tuple[int, int]]] = {}
    rows = qs.filter(is_open=True, mx__gte=0, my__gte=0).values_list("organisation_id", "mx", "my")
    for org, mx, my in rows.order_by().iterator(chunk_size=READ_CHUNK):
        points.setdefault(org, []).append((mx, my))
    return points


def _organisation_documents(rows: list[tuple], points_of) -> Iterator[tantivy.Document]:
    """The documents of ORGANISATION_COLUMNS `rows`; `points_of(rows)` reads their points."""
    points = points_of(rows) if rows else {}
    return (_organisation_document(row, points.get(row[0], ())) for row in rows)


def name_fields(doc: tantivy.Document, name: str, acronym: str) -> None:
    """The ranking fields of a name and acronym (see the module docstring)."""
    name_tokens = tokens(name) if name else []
    acronym_tokens = tokens(acronym) if acronym else []
    for key in {words_key(name_tokens), words_key(acronym_tokens)} - {""}:
        doc.add_text("name_exact", key)
    if name_tokens or acronym_tokens:
        doc.add_text("name_text", " ".join(name_tokens + acronym_tokens))


def _organisation_schema() -> tantivy.Schema:
    sb = tantivy.SchemaBuilder()
    sb.add_unsigned_field("id", indexed=True, fast=True)
    sb.add_text_field("search_text", tokenizer_name="whitespace", index_option="freq")
    for name in (*VALUE_FIELDS, *TERRITORY_FIELDS):
        sb.add_text_field(name, fast=True, tokenizer_name="raw", index_option="basic")
    for name in BIT_FIELDS:
        # The set bits (filters), and the whole mask (counts: a terms aggregation over a
        # single-valued column is several times faster than over a multi-valued one).
        sb.add_unsigned_field(name, indexed=True)
        sb.add_unsigned_field(MASK_FIELDS[name], fast=True)
    sb.add_text_field("name_key", fast=True, tokenizer_name="raw", index_option="basic")
    sb.add_text_field("name_exact", tokenizer_name="raw", index_option="basic")
    sb.add_text_field("name_text", tokenizer_name="whitespace", index_option="freq")
    sb.add_unsigned_field("near", indexed=True)
    return sb.build()


def _establishment_schema() -> tantivy.Schema:
    """The filter fields of the organisation index, indexed the same way but without fast
    columns (the map counts cells, not facets), and the establishment's."""
    sb = tantivy.SchemaBuilder()
    # The organisation (its documents are replaced when it changes); fast: the distances of a
    # search around a place are read by organisation.
    sb.add_unsigned_field("id", indexed=True, fast=True)
    sb.add_text_field("search_text", tokenizer_name="whitespace", index_option="basic")
    for name in (*VALUE_FIELDS, *TERRITORY_FIELDS):
        sb.add_text_field(name, tokenizer_name="raw", index_option="basic")
    for name in BIT_FIELDS:
        sb.add_unsigned_field(name, indexed=True)
    sb.add_unsigned_field("establishment", indexed=True, fast=True)
    # The organisation's ESS family as a small integer (families.MAP_FAMILIES): each map cell
    # counts its establishments per family (markers and clusters coloured by family).
    sb.add_unsigned_field("family", fast=True)
    spatial.add_point_schema(sb)
    return sb.build()


_ORG_COLUMNS = tuple(f"organisation__{c}" for c in COLUMNS)
_FAMILY_COLUMN = COLUMNS.index("ess_family")


def _establishment_documents(qs) -> Iterator[tantivy.Document]:
    for row in qs.values_list(*_ORG_COLUMNS, "id", "mx", "my").iterator(chunk_size=READ_CHUNK):
        pk, mx, my = row[-3:]
        doc = tantivy.Document()
        organisation_fields(doc, row[:-3], masks=False)
        doc.add_unsigned("establishment", pk)
        doc.add_unsigned("family", family_index(row[_FAMILY_COLUMN]))
        spatial.point_fields(doc, mx, my, MAP_BASE_SHIFT)
        yield doc


def placed():
    """Open, placed establishments of organisations of the perimeter (what the map shows)."""
    return Establishment.objects.filter(
        Exists(perimeter().filter(pk=OuterRef("organisation_id"))),
        is_open=True,
        mx__gte=0,  # placed (world pixels are never negative: geo.lonlat_to_world)
        my__gte=0,
    ).order_by()


# -- what changed ----------------------------------------------------------------------------


def _iso(value: datetime | str | None) -> str | None:
    """A timestamp as the meta file keeps it (SQLite may hand back a string)."""
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if value.tzinfo is None:  # SQLite stores UTC without an offset
        value = value.replace(tzinfo=UTC)
    return value.isoformat()


def _since(iso: str | None) -> datetime | None:
    return datetime.fromisoformat(iso) - SYNC_OVERLAP if iso else None


def _table_state(model) -> tuple[str | None, int]:
    """(the latest `updated_at` of `model`'s rows, their count): one query."""
    found = model.objects.aggregate(m=Max("updated_at"), n=Count("pk"))
    return _iso(found["m"]), found["n"]


def _changed(model, iso: str | None, limit: int | None) -> list | None:
    """Ids (and organisation ids, for establishments) of the rows of `model` changed since the
    watermark `iso`; None when more than `limit`, or when there is no watermark (an index built
    on empty tables: only a rebuild can tell)."""
    since = _since(iso)
    if since is None:
        return None
    qs = model.objects.order_by().filter(updated_at__gte=since)
    columns = ("id",) if model is Organisation else ("id", "organisation_id")
    rows = qs.values_list(*columns)
    rows = list(rows[: limit + 1] if limit is not None else rows)
    if limit is not None and len(rows) > limit:
        return None
    return rows


def _within(limit: int, *watermarks: tuple[Any, str | None]) -> bool:
    """At most `limit` rows of each model changed since its watermark: at most limit + 1 ids
    read through the `updated_at` index of each (no watermark: only a rebuild can tell)."""
    for model, iso in watermarks:
        since = _since(iso)
        if since is None:
            return False
        qs = model.objects.order_by().filter(updated_at__gte=since)
        if len(qs.values_list("id", flat=True)[: limit + 1]) > limit:
            return False
    return True


class OrganisationSource:
    def state(self) -> dict[str, Any]:
        org, est = _table_state(Organisation), _table_state(Establishment)
        return {"watermark": org[0], "rows": org[1], "est_watermark": est[0], "est_rows": est[1]}

    def documents(self) -> Iterable[tantivy.Document]:
        """Every document, by chunks of READ_CHUNK organisations in id order, each chunk's
        points read by a range of organisation ids."""
        rows = perimeter().order_by("id").values_list(*ORGANISATION_COLUMNS)
        chunk: list[tuple] = []
        for row in rows.iterator(chunk_size=READ_CHUNK):
            chunk.append(row)
            if len(chunk) == READ_CHUNK:
                yield from _organisation_documents(chunk, _points_by_range)
                chunk = []
        yield from _organisation_documents(chunk, _points_by_range)

    def expected(self) -> int:
        return perimeter().count()

    def within(self, since: dict[str, Any], limit: int) -> bool:
        return _within(
            limit,
            (Organisation, since.get("watermark")),
            (Establishment, since.get("est_watermark")),
        )

    def changes(
        self, since: dict[str, Any], now: dict[str, Any], limit: int | None
    ) -> Changes | None:
        rows = _changed(Organisation, since.get("watermark"), limit)
        if rows is None:
            return None
        ests = _changed(Establishment, since.get("est_watermark"), limit)
        if ests is None:
            return None
        ids = sorted({pk for (pk,) in rows} | {org for _e, org in ests})
        if limit is not None and len(ids) > limit:
            return None
        return Changes(
            deletes=[("id", ids)],
            documents=self._documents_of(ids),
            work=len(ids),
            recount=now["rows"] != since.get("rows"),
        )

    @staticmethod
    def _documents_of(ids: list[int]) -> Iterator[tantivy.Document]:
        for i in range(0, len(ids), READ_CHUNK):
            qs = perimeter().filter(id__in=ids[i : i + READ_CHUNK])
            yield from _organisation_documents(
                list(qs.values_list(*ORGANISATION_COLUMNS)), _points_by_ids
            )


def _points_by_range(rows: list[tuple]) -> dict[int, list[tuple[int, int]]]:
    """The points of the organisations of `rows` (sorted by id): one range of ids."""
    qs = Establishment.objects.filter(
        organisation_id__gte=rows[0][0], organisation_id__lte=rows[-1][0]
    )
    return _placed_points(qs)


def _points_by_ids(rows: list[tuple]) -> dict[int, list[tuple[int, int]]]:
    return _placed_points(Establishment.objects.filter(organisation_id__in=[r[0] for r in rows]))


class EstablishmentSource:
    def state(self) -> dict[str, Any]:
        org, est = _table_state(Organisation), _table_state(Establishment)
        return {
            "org_watermark": org[0],
            "est_watermark": est[0],
            "org_rows": org[1],
            "est_rows": est[1],
        }

    def documents(self) -> Iterable[tantivy.Document]:
        return _establishment_documents(placed())

    def expected(self) -> int:
        return placed().count()

    def within(self, since: dict[str, Any], limit: int) -> bool:
        return _within(
            limit,
            (Organisation, since.get("org_watermark")),
            (Establishment, since.get("est_watermark")),
        )

    def changes(
        self, since: dict[str, Any], now: dict[str, Any], limit: int | None
    ) -> Changes | None:
        orgs = _changed(Organisation, since.get("org_watermark"), limit)
        if orgs is None:
            return None
        ests = _changed(Establishment, since.get("est_watermark"), limit)
        if ests is None:
            return None
        org_ids = [pk for (pk,) in orgs]
        changed = set(org_ids)
        # Changed organisations: all their establishments are replaced (family, text, perimeter).
        est_ids = [e for e, o in ests if o not in changed]
        recount = (now["org_rows"], now["est_rows"]) != (
            since.get("org_rows"),
            since.get("est_rows"),
        )
        return Changes(
            deletes=[("id", org_ids), ("establishment", est_ids)],
            documents=self._documents_of(org_ids, est_ids),
            work=len(org_ids) + len(est_ids),
            recount=recount,
        )

    @staticmethod
    def _documents_of(org_ids: list[int], est_ids: list[int]) -> Iterator[tantivy.Document]:
        for lookup, ids in (("organisation_id__in", org_ids), ("id__in", est_ids)):
            for i in range(0, len(ids), READ_CHUNK):
                yield from _establishment_documents(
                    placed().filter(**{lookup: ids[i : i + READ_CHUNK]})
                )


ORGANISATIONS = IndexSpec(
    name="organisations",
    label="Index de recherche",
    rows="organisations",
    version_key=VERSION,
    schema_version="5",  # 5: the `near` tiles
    build_schema=_organisation_schema,
    source=OrganisationSource(),
)
ESTABLISHMENTS = IndexSpec(
    name="establishments",
    label="Index de la carte",
    rows="établissements",
    version_key=VERSION,
    schema_version="5",  # 4: the `family` fast field; 5: `id` fast
    build_schema=_establishment_schema,
    source=EstablishmentSource(),
    sort_by_field="cell",
)


def _touch_organisation(sender: Any, instance: Establishment, **kwargs: Any) -> None:
    """A deleted establishment leaves no row to be found by its `updated_at`: its organisation
    is stamped instead (its document, and its `near` tiles, are then read again)."""
    Organisation.objects.filter(pk=instance.organisation_id).update(updated_at=timezone.now())


def register_indexes() -> None:
    """Declare both indexes and the writes that move their data version (AppConfig.ready)."""
    register(ORGANISATIONS)
    register(ESTABLISHMENTS)
    versions.watch(VERSION, Organisation, Establishment)
    post_delete.connect(
        _touch_organisation,
        sender=Establishment,
        weak=False,
        dispatch_uid="atelier.directory.indexes:touch-organisation",
    )
