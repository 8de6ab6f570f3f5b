"""The incremental refresh of the observatory's aggregates: only what the organisations changed
since the last build or refresh contributed is taken out and put back, in set-based SQL.

1. The changed organisations (`directory.selectors.observatory_source`): those whose row or one
   of whose establishments was written since `State.changes_since` (a deleted establishment
   stamps its organisation), and those of the stored facts that the directory no longer has
   (deleted organisations).
2. Their new facts are read from the directory (the rebuild's queries narrowed to them), their
   old facts from `observatory_fact` (what the tables were computed from: the old places of an
   establishment that moved or closed, the old band, family, legal form, NAF section…).
3. For every level (communes to France and the custom territories) and dimension, the facts of
   both signs are grouped **by organisation first**, then by cell: the differences of the
   counts and employee sums, of the number of organisations present (an organisation present
   before and after counts 0) and of those with jobs. Counts and sums are then exact by
   addition (the employee figures are multiples of ½: no rounding). The largest
   organisation's jobs comes from each cell's list of largest contributions, kept exact by
   services.maxima from the (cell, organisation) pairs whose jobs moved.
4. In one transaction (the state row locked first, so readers see the old tables or the new
   ones): rows updated, created, removed when no organisation is left; creations and
   cessations the same; the stored facts of the changed organisations replaced; the lists of
   largest contributions and `max_org_jobs` of the moved cells updated; the state records the
   directory version.

A full rebuild (services.rebuild) is made instead when nothing was stored to subtract (first
build, facts of another layout), when the reference of places changed, or when more than
`INCREMENTAL_MAX_SHARE` of the organisations changed (the full rebuild is then as fast and
simpler).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import datetime

from django.db import transaction
from django.db.models import QuerySet
from django.db.models.expressions import RawSQL
from django.utils import timezone

from atelier.directory.selectors import observatory_source as source

from ..models import Aggregate, EconomyAggregate, Fact, FlowAggregate, State
from . import maxima
from . import rebuild as rb
from .places import places_refresh

# Above this share of the directory's organisations changed, the full rebuild is made.
INCREMENTAL_MAX_SHARE = 0.10

CHANGED = "observatory_tmp_changed"
DELTA_FACT = "observatory_tmp_delta_fact"
DELTA_OE = "observatory_tmp_delta_oe"  # its O and E rows (what the aggregates read)
DELTA = "observatory_tmp_delta"
FLOW_DELTA = "observatory_tmp_flow_delta"
CUSTOM_PLACE = maxima.CUSTOM_PLACE
_TABLES = {
    CHANGED: "org BIGINT",
    DELTA_FACT: rb._FACT_TABLE + ", sign INTEGER DEFAULT 1",
    DELTA_OE: rb._FACT_TABLE + ", sign INTEGER DEFAULT 1",
    DELTA: "level VARCHAR(16), code VARCHAR(40), dimension VARCHAR(8), value VARCHAR(16), "
    "organisations INTEGER, establishments INTEGER, contributors INTEGER, "
    "jobs_low DOUBLE PRECISION, jobs_central DOUBLE PRECISION, jobs_high DOUBLE PRECISION, "
    "employers INTEGER",
    FLOW_DELTA: "level VARCHAR(16), code VARCHAR(40), flow VARCHAR(8), year INTEGER, "
    "organisations INTEGER",
    **maxima.TABLES,
}
_CELL = ("level", "code", "dimension", "value")
_FLOW_KEY = ("level", "code", "flow", "year")
_SUMS = (
    "organisations",
    "establishments",
    "contributors",
    "jobs_low",
    "jobs_central",
    "jobs_high",
    "employers",
)


@dataclass(frozen=True)
class RefreshReport:
    kind: str  # "incremental", "full", "fresh" (nothing to do) or "skipped" (another ran)
    source_version: int
    organisations: int  # changed organisations read (incremental)
    aggregates: int  # rows of the aggregates table after it
    seconds: float
    reason: str = ""
    steps: dict[str, float] = field(default_factory=dict)  # seconds per step (incremental)
    recomputed: int = 0  # cells whose list of largest contributions was read from the facts


def _create() -> None:
    _drop()
    rb._create_temp_tables()
    for table, columns in _TABLES.items():
        rb._execute(f"CREATE TEMPORARY TABLE {table} ({columns})")
    # The keys the real tables are updated by (the planner then reads either side by index).
    indexes = {DELTA: _CELL, FLOW_DELTA: _FLOW_KEY, CHANGED: ("org",), **maxima.INDEXES}
    for table, key in indexes.items():
        rb._execute(f"CREATE INDEX {table}_key ON {table} ({', '.join(key)})")


def _drop() -> None:
    rb._drop_temp_tables()
    for table in _TABLES:
        rb._execute(f"DROP TABLE IF EXISTS {table}")


def _custom_places() -> None:
    """Each place of each custom territory (a member commune — its arrondissements too — or a
    member arrondissement): the custom level is then one indexed join on the fact's place."""
    rb._execute(
        f"INSERT INTO {CUSTOM_PLACE} (place, code) SELECT DISTINCT p.code, ct.code "  # noqa: S608
        "FROM observatory_place p "
        + rb.CUSTOM_JOIN.replace("f.commune", "p.commune").replace(
            "f.arrondissement", "p.arrondissement"
        )
    )


def _full_reason(state: State | None) -> str:
    if state is None or state.built_at is None:
        return "première construction"
    if state.fact_schema != rb.FACT_SCHEMA or state.changes_since is None:
        return "faits enregistrés d'une autre version"
    return ""


def _full(reason: str, started: float) -> RefreshReport:
    report = rb.observatory_rebuild()
    return RefreshReport("full", report.source_version, 0, Aggregate.objects.count(),
                         time.monotonic() - started, reason)  # fmt: skip


def _collect_changed(since: datetime) -> int:
    """The changed organisations into CHANGED (written since `since`, or deleted: looked up
    one by one by primary key, where `NOT IN` would first copy every id of the directory)."""
    changed_sql, changed_params = source.organisations_changed_since(since).query.sql_with_params()
    ids_sql, ids_params = source.organisation_ids().query.sql_with_params()
    return rb._execute(
        f"INSERT INTO {CHANGED} (org) SELECT c.f_org FROM ({changed_sql}) AS c "  # noqa: S608
        f"UNION SELECT d.org FROM (SELECT DISTINCT org FROM {Fact._meta.db_table}) AS d "
        f"WHERE NOT EXISTS (SELECT 1 FROM ({ids_sql}) AS i WHERE i.f_org = d.org)",
        [*changed_params, *ids_params],
    )


def _narrow(queryset: QuerySet) -> QuerySet:
    changed = f"SELECT org FROM {CHANGED}"  # noqa: S608 — our temp table
    return queryset.filter(f_org__in=RawSQL(changed, ()))  # noqa: S611


def _insert_deltas(levels: list[str]) -> int:
    """Per level and dimension, the difference of every cell the changed organisations were
    or are in (grouped by organisation first: see the module's docstring)."""
    rb._execute(
        f"INSERT INTO {DELTA_OE} SELECT * FROM {DELTA_FACT} "  # noqa: S608
        "WHERE kind IN ('O', 'E')"
    )
    total = 0
    for level in levels:
        code_expr, level_join = maxima.level_sql(level)
        for dimension, (value_expr, join) in rb.DIMENSION_SQL.items():
            total += rb._execute(
                f"INSERT INTO {DELTA} ({', '.join(_CELL + _SUMS)}) "  # noqa: S608
                f"SELECT '{level}', code, '{dimension}', value, SUM(o), SUM(e), "
                "SUM(CASE WHEN pn > 0 THEN 1 ELSE 0 END) "
                "- SUM(CASE WHEN po > 0 THEN 1 ELSE 0 END), "
                "SUM(jl), SUM(jc), SUM(jh), "
                "SUM(CASE WHEN njc > 0 THEN 1 ELSE 0 END) "
                "- SUM(CASE WHEN ojc > 0 THEN 1 ELSE 0 END) FROM ("
                f"SELECT {code_expr} AS code, {value_expr} AS value, f.org AS org, "
                "SUM(CASE WHEN f.kind = 'O' THEN f.sign ELSE 0 END) AS o, "
                "SUM(CASE WHEN f.kind = 'E' THEN f.sign ELSE 0 END) AS e, "
                "SUM(f.sign * f.jobs_low) AS jl, SUM(f.sign * f.jobs_central) AS jc, "
                "SUM(f.sign * f.jobs_high) AS jh, "
                "SUM(CASE WHEN f.sign > 0 THEN 1 ELSE 0 END) AS pn, "
                "SUM(CASE WHEN f.sign < 0 THEN 1 ELSE 0 END) AS po, "
                "SUM(CASE WHEN f.sign > 0 THEN f.jobs_central ELSE 0 END) AS njc, "
                "SUM(CASE WHEN f.sign < 0 THEN f.jobs_central ELSE 0 END) AS ojc "
                f"FROM {DELTA_OE} f {level_join} {join} WHERE {code_expr} <> '' "
                "GROUP BY 1, 2, 3) AS per_org GROUP BY code, value "
                "HAVING SUM(o) <> 0 OR SUM(e) <> 0 OR SUM(jl) <> 0 OR SUM(jc) <> 0 "
                "OR SUM(jh) <> 0 OR SUM(CASE WHEN pn > 0 THEN 1 ELSE 0 END) "
                "<> SUM(CASE WHEN po > 0 THEN 1 ELSE 0 END) "
                "OR SUM(CASE WHEN njc > 0 THEN 1 ELSE 0 END) "
                "<> SUM(CASE WHEN ojc > 0 THEN 1 ELSE 0 END)"
            )
    for level in levels:
        code_expr, level_join = maxima.level_sql(level)
        for flow, kind in (("creation", "C"), ("closure", "X")):
            rb._execute(
                f"INSERT INTO {FLOW_DELTA} ({', '.join(_FLOW_KEY)}, organisations) "  # noqa: S608
                f"SELECT '{level}', {code_expr}, '{flow}', f.year, SUM(f.sign) "
                f"FROM {DELTA_FACT} f {level_join} "
                f"WHERE f.kind = '{kind}' AND f.year IS NOT NULL AND {code_expr} <> '' "
                "GROUP BY 1, 2, 3, 4 HAVING SUM(f.sign) <> 0"
            )
    return total


_match = maxima.match


def _apply(table: str, delta: str, key: tuple[str, ...], sums: tuple[str, ...]) -> int:
    """Add the differences of `delta` to the rows of `table` (one per `key`), create the
    missing rows, remove those left with no organisation; the rows created minus removed."""
    sets = ", ".join(f"{c} = {table}.{c} + d.{c}" for c in sums)
    rb._execute(
        f"UPDATE {table} SET {sets} FROM {delta} AS d "  # noqa: S608
        f"WHERE {_match(table, 'd', key)}"
    )
    cell = table == Aggregate._meta.db_table  # max_org_jobs: set by maxima.publish_maxima
    created_columns = ", ".join(key + sums) + (", max_org_jobs" if cell else "")
    created_values = ", ".join(f"d.{c}" for c in key + sums) + (", 0" if cell else "")
    present = "contributors" if cell else "organisations"
    created = rb._execute(
        f"INSERT INTO {table} ({created_columns}) SELECT {created_values} "  # noqa: S608
        f"FROM {delta} AS d WHERE d.{present} > 0 AND NOT EXISTS ("
        f"SELECT 1 FROM {table} WHERE {_match(table, 'd', key)})"
    )
    removed = rb._execute(
        f"DELETE FROM {table} WHERE id IN (SELECT a.id FROM {delta} AS d "  # noqa: S608
        f"JOIN {table} AS a ON {_match('a', 'd', key)} WHERE a.{present} <= 0)"
    )
    return created - removed


def _replace_facts() -> int:
    """The stored facts of the changed organisations replaced by their new ones; the rows
    added minus removed."""
    table = Fact._meta.db_table
    removed = rb._execute(
        f"DELETE FROM {table} WHERE org IN (SELECT org FROM {CHANGED})"  # noqa: S608
    )
    return (
        rb._execute(
            f"INSERT INTO {table} ({rb.STORED_FACT_COLUMNS}) "  # noqa: S608
            f"SELECT {rb.STORED_FACT_COLUMNS} FROM {DELTA_FACT} WHERE sign = 1"
        )
        - removed
    )


def _economy_refresh() -> None:
    """The whole economy's counts (imported since the last refresh): their table rebuilt."""
    rb._insert_economy(list(rb.LEVEL_EXPR))
    table = EconomyAggregate._meta.db_table
    rb._execute(f"DELETE FROM {table}")  # noqa: S608 — our table names
    rb._execute(
        f"INSERT INTO {table} ({rb._ECONOMY_COLUMNS}) "  # noqa: S608
        f"SELECT {rb._ECONOMY_COLUMNS} FROM {rb.ECONOMY}"
    )


def observatory_refresh(*, max_share: float | None = None) -> RefreshReport:
    """Bring the tables up to the directory's current data version: incrementally when the
    stored facts allow it and few organisations changed, by a full rebuild otherwise."""
    started = time.monotonic()
    share = INCREMENTAL_MAX_SHARE if max_share is None else max_share
    state = State.objects.filter(key=rb.STATE_KEY).first()
    reason = _full_reason(state)
    if state is None or state.changes_since is None or reason:
        return _full(reason, started)
    since, built = state.changes_since, state.source_version
    next_since = timezone.now() - rb.CHANGES_OVERLAP
    version = source.data_version()  # before any row: a write after it makes it stale again
    if version == built:
        return RefreshReport("fresh", version, 0, state.aggregates, 0.0)
    steps: dict[str, float] = {}
    clock = [time.monotonic()]

    def step(name: str) -> None:
        now = time.monotonic()
        steps[name] = round(now - clock[0], 3)
        clock[0] = now

    if places_refresh()[1]:
        return _full("référentiel des communes modifié", started)
    step("places")
    try:
        _create()
        _custom_places()
        changed = _collect_changed(since)
        organisations = source.organisation_ids().count()
        step("changed")
        if changed > share * max(organisations, 1):
            _drop()
            return _full(f"{changed} organisations modifiées sur {organisations}", started)
        rb._insert_facts(table=DELTA_FACT, narrow=_narrow)
        step("new_facts")
        with transaction.atomic():
            state = State.objects.select_for_update().get(key=rb.STATE_KEY)
            if state.source_version != built:  # another refresh published meanwhile
                return RefreshReport("skipped", state.source_version, 0, state.aggregates,
                                     time.monotonic() - started)  # fmt: skip
            old = f"x.org IN (SELECT org FROM {CHANGED})"  # noqa: S608 — our temp table
            rb.insert_stored_facts(old, table=DELTA_FACT, sign="-1")
            step("old_facts")
            _insert_deltas(list(rb.LEVEL_EXPR))
            step("deltas")
            maxima.collect_moved(DELTA_FACT, list(rb.LEVEL_EXPR))
            step("moved")
            aggregates = state.aggregates
            aggregates += _apply(Aggregate._meta.db_table, DELTA, _CELL, _SUMS)
            _apply(FlowAggregate._meta.db_table, FLOW_DELTA, _FLOW_KEY, ("organisations",))
            step("apply")
            state.facts += _replace_facts()
            step("stored_facts")
            maxima.update_lists()
            step("lists")
            recomputed = maxima.publish_maxima()
            step("maxima")
            if source.economy_changed_since(since):
                _economy_refresh()
                step("economy")
            state.source_version = version
            state.built_at = timezone.now()
            state.seconds = time.monotonic() - started
            state.aggregates = aggregates
            state.changes_since = next_since
            state.refresh_kind = "incremental"
            state.refreshed_organisations = changed
            state.save()
        step("commit")
    finally:
        _drop()
    return RefreshReport("incremental", version, changed, aggregates, state.seconds, "", steps,
                         recomputed)  # fmt: skip
