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
   before and after counts 0), the largest new contribution of an organisation that gained,
   and the largest old contribution of one that lost. Counts and sums are then exact by
   addition (the employee figures are multiples of ½: no rounding); the largest organisation's
   jobs is raised when a gainer passes it, and recomputed from the stored facts only for the
   cells whose largest organisation lost jobs there and was not passed.
4. In one transaction (the state row locked first, so readers see the old tables or the new
   ones): rows updated, created, removed when no organisation is left; creations and
   cessations the same; the stored facts of the changed organisations replaced; the state
   records the directory version.

A full rebuild (services.rebuild) is made instead when nothing was stored to subtract (first
build, facts of another layout), when the reference of places changed, or when more than
`INCREMENTAL_MAX_SHARE` of the organisations changed (the full rebuild is then as fast and
simpler).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import datetime

from django.db import connection, transaction
from django.db.models import QuerySet
from django.db.models.expressions import RawSQL
from django.utils import timezone

from atelier.directory.selectors import observatory_source as source

from ..enums import Level
from ..models import Aggregate, EconomyAggregate, Fact, FlowAggregate, State
from . import rebuild as rb
from .places import places_refresh

# Above this share of the directory's organisations changed, the full rebuild is made.
INCREMENTAL_MAX_SHARE = 0.10

CHANGED = "observatory_tmp_changed"
DELTA_FACT = "observatory_tmp_delta_fact"
DELTA_OE = "observatory_tmp_delta_oe"  # its O and E rows (what the aggregates read)
DELTA = "observatory_tmp_delta"
FLOW_DELTA = "observatory_tmp_flow_delta"
RECOMPUTE = "observatory_tmp_recompute"
MAX_FACT = "observatory_tmp_max_fact"
CUSTOM_PLACE = "observatory_tmp_custom_place"
MAXIMA = "observatory_tmp_maxima"
_TABLES = {
    CHANGED: "org BIGINT",
    DELTA_FACT: rb._TEMP_TABLES[rb.FACT] + ", sign INTEGER DEFAULT 1",
    DELTA_OE: rb._TEMP_TABLES[rb.FACT] + ", sign INTEGER DEFAULT 1",
    DELTA: "level VARCHAR(16), code VARCHAR(40), dimension VARCHAR(8), value VARCHAR(16), "
    "organisations INTEGER, establishments INTEGER, contributors INTEGER, "
    "jobs_low DOUBLE PRECISION, jobs_central DOUBLE PRECISION, jobs_high DOUBLE PRECISION, "
    "gain DOUBLE PRECISION, lost DOUBLE PRECISION",
    FLOW_DELTA: "level VARCHAR(16), code VARCHAR(40), flow VARCHAR(8), year INTEGER, "
    "organisations INTEGER",
    RECOMPUTE: "level VARCHAR(16), code VARCHAR(40), dimension VARCHAR(8), value VARCHAR(16)",
    MAX_FACT: "kind VARCHAR(1), org BIGINT, place VARCHAR(5), family VARCHAR(16), "
    "legal VARCHAR(4), naf VARCHAR(1), themes INTEGER, band VARCHAR(2), "
    "jobs_central DOUBLE PRECISION, commune VARCHAR(5), arrondissement VARCHAR(5), "
    "epci VARCHAR(9), ept VARCHAR(9), departement VARCHAR(3), region VARCHAR(3)",
    MAXIMA: "level VARCHAR(16), code VARCHAR(40), dimension VARCHAR(8), value VARCHAR(16), "
    "jc DOUBLE PRECISION",
    CUSTOM_PLACE: "place VARCHAR(5), code VARCHAR(40)",
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


def _create() -> None:
    _drop()
    rb._create_temp_tables()
    for table, columns in _TABLES.items():
        rb._execute(f"CREATE TEMPORARY TABLE {table} ({columns})")
    # The keys the real tables are updated by (the planner then reads either side by index).
    for table, key in ((DELTA, _CELL), (FLOW_DELTA, _FLOW_KEY), (RECOMPUTE, _CELL),
                       (MAXIMA, _CELL), (CHANGED, ("org",)),
                       (CUSTOM_PLACE, ("place",))):  # fmt: skip
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


def _level(level: str) -> tuple[str, str]:
    """The code expression and join of `level` over a table of facts with a `place`."""
    if level == Level.CUSTOM:
        return "cp.code", f"JOIN {CUSTOM_PLACE} cp ON cp.place = f.place"
    return rb.LEVEL_EXPR[level], ""


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
    """The changed organisations into CHANGED (written since `since`, or deleted)."""
    changed_sql, changed_params = source.organisations_changed_since(since).query.sql_with_params()
    ids_sql, ids_params = source.organisation_ids().query.sql_with_params()
    return rb._execute(
        f"INSERT INTO {CHANGED} (org) SELECT c.f_org FROM ({changed_sql}) AS c "  # noqa: S608
        f"UNION SELECT d.org FROM (SELECT DISTINCT org FROM {Fact._meta.db_table}) AS d "
        f"WHERE d.org NOT IN (SELECT i.f_org FROM ({ids_sql}) AS i)",
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
        code_expr, level_join = _level(level)
        for dimension, (value_expr, join) in rb.DIMENSION_SQL.items():
            total += rb._execute(
                f"INSERT INTO {DELTA} ({', '.join(_CELL + _SUMS)}, gain, lost) "  # noqa: S608
                f"SELECT '{level}', code, '{dimension}', value, SUM(o), SUM(e), "
                "SUM(CASE WHEN pn > 0 THEN 1 ELSE 0 END) "
                "- SUM(CASE WHEN po > 0 THEN 1 ELSE 0 END), "
                "SUM(jl), SUM(jc), SUM(jh), "
                "MAX(CASE WHEN pn > 0 AND (po = 0 OR njc > ojc) THEN njc END), "
                "MAX(CASE WHEN po > 0 AND (pn = 0 OR njc < ojc) THEN ojc END) FROM ("
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
                "OR MAX(CASE WHEN pn > 0 AND (po = 0 OR njc > ojc) THEN 1 END) IS NOT NULL "
                "OR MAX(CASE WHEN po > 0 AND (pn = 0 OR njc < ojc) THEN 1 END) IS NOT NULL"
            )
    for level in levels:
        code_expr, level_join = _level(level)
        for flow, kind in (("creation", "C"), ("closure", "X")):
            rb._execute(
                f"INSERT INTO {FLOW_DELTA} ({', '.join(_FLOW_KEY)}, organisations) "  # noqa: S608
                f"SELECT '{level}', {code_expr}, '{flow}', f.year, SUM(f.sign) "
                f"FROM {DELTA_FACT} f {level_join} "
                f"WHERE f.kind = '{kind}' AND f.year IS NOT NULL AND {code_expr} <> '' "
                "GROUP BY 1, 2, 3, 4 HAVING SUM(f.sign) <> 0"
            )
    return total


def _match(table: str, alias: str, columns: tuple[str, ...]) -> str:
    return " AND ".join(f"{table}.{c} = {alias}.{c}" for c in columns)


def _apply(table: str, delta: str, key: tuple[str, ...], sums: tuple[str, ...], extra: str) -> int:
    """Add the differences of `delta` to the rows of `table` (one per `key`), create the
    missing rows, remove those left with no organisation; the rows created minus removed."""
    sets = ", ".join(f"{c} = {table}.{c} + d.{c}" for c in sums)
    rb._execute(
        f"UPDATE {table} SET {sets}{extra} FROM {delta} AS d "  # noqa: S608
        f"WHERE {_match(table, 'd', key)}"
    )
    created_columns = ", ".join(key + sums) + (", max_org_jobs" if extra else "")
    created_values = ", ".join(f"d.{c}" for c in key + sums) + (
        ", COALESCE(d.gain, 0)" if extra else ""
    )
    present = sums[2] if extra else sums[0]  # contributors, or organisations for the flows
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


def _flag_maxima() -> int:
    """The cells whose largest organisation lost jobs there (or left) and that no gainer
    passed: their largest contribution is recomputed from the stored facts (not when it was
    0: every organisation had 0, the gainers say the rest)."""
    agg = Aggregate._meta.db_table
    return rb._execute(
        f"INSERT INTO {RECOMPUTE} ({', '.join(_CELL)}) "  # noqa: S608
        f"SELECT d.level, d.code, d.dimension, d.value FROM {DELTA} AS d "
        f"JOIN {agg} AS a ON {_match('a', 'd', _CELL)} "
        "WHERE d.lost IS NOT NULL AND d.lost >= a.max_org_jobs AND a.max_org_jobs > 0 "
        "AND (d.gain IS NULL OR d.gain < a.max_org_jobs) "
        "AND a.contributors + d.contributors > 0"
    )


def _recompute_maxima() -> None:
    """The largest organisation's jobs of the flagged cells, from the stored facts (already
    those of the refresh), grouped by organisation as the rebuild does. Per level, the
    establishments with jobs of the flagged territories' places only (read through the index
    on `place`; France: all of them), then every flagged dimension over those."""
    agg = Aggregate._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT DISTINCT level, dimension FROM {RECOMPUTE}")  # noqa: S608
        flagged = sorted((str(level), str(dimension)) for level, dimension in cursor.fetchall())
    columns = "kind, org, place, family, legal, naf, themes, band, jobs_central, " + ", ".join(
        c.strip() for c in rb._PLACE_COLUMNS.replace("p.", "").split(",")
    )
    stored = (
        "SELECT x.kind, x.org, x.place, x.family, x.legal, x.naf, x.themes, x.band, "  # noqa: S608
        f"x.jobs_central, {rb._PLACE_COLUMNS} FROM observatory_place p "
        f"JOIN {Fact._meta.db_table} x ON x.place = p.code "
        "WHERE x.kind = 'E' AND x.jobs_central > 0"
    )
    for level in sorted({level for level, _ in flagged}):
        rb._execute(f"DELETE FROM {MAX_FACT}")  # noqa: S608
        wanted = f"SELECT r.code FROM {RECOMPUTE} r WHERE r.level = %s"  # noqa: S608
        if level == Level.FRANCE:
            where, params = "", []
        elif level == Level.CUSTOM:
            members = f"SELECT cp.place FROM {CUSTOM_PLACE} cp WHERE cp.code IN ({wanted})"  # noqa: S608
            where, params = f" AND p.code IN ({members})", [level]
        else:
            where, params = (
                f" AND {rb.LEVEL_EXPR[level].replace('f.', 'p.')} IN ({wanted})",
                [level],
            )
        rb._execute(f"INSERT INTO {MAX_FACT} ({columns}) {stored}{where}", params)  # noqa: S608
        code_expr, level_join = _level(level)
        for dimension in (d for lv, d in flagged if lv == level):
            value_expr, join = rb.DIMENSION_SQL[dimension]
            values = (
                f"SELECT r.value FROM {RECOMPUTE} r "  # noqa: S608 — our temp table
                "WHERE r.level = %s AND r.dimension = %s"
            )
            rb._execute(
                f"INSERT INTO {MAXIMA} ({', '.join(_CELL)}, jc) "  # noqa: S608
                f"SELECT '{level}', code, '{dimension}', value, MAX(jc) FROM ("
                f"SELECT {code_expr} AS code, {value_expr} AS value, f.org, "
                f"SUM(f.jobs_central) AS jc FROM {MAX_FACT} f {level_join} {join} "
                f"WHERE {code_expr} IN ({wanted}) AND {value_expr} IN ({values}) "
                "GROUP BY 1, 2, 3) AS per_org GROUP BY code, value",
                [level, level, dimension],
            )
    # No establishment with jobs left in a cell: 0 (it still has organisations).
    rb._execute(
        f"UPDATE {agg} SET max_org_jobs = 0 FROM {RECOMPUTE} AS r "  # noqa: S608
        f"WHERE {_match(agg, 'r', _CELL)}"
    )
    # Every cell computed is exact (all its organisations grouped), flagged or not.
    rb._execute(
        f"UPDATE {agg} SET max_org_jobs = m.jc FROM {MAXIMA} AS m "  # noqa: S608
        f"WHERE {_match(agg, 'm', _CELL)}"
    )


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
    if places_refresh()[1]:
        return _full("référentiel des communes modifié", started)
    steps: dict[str, float] = {}
    clock = [time.monotonic()]

    def step(name: str) -> None:
        now = time.monotonic()
        steps[name] = round(now - clock[0], 3)
        clock[0] = now

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
            _flag_maxima()
            gain = ", max_org_jobs = CASE WHEN d.gain IS NOT NULL AND d.gain > "
            gain += f"{Aggregate._meta.db_table}.max_org_jobs THEN d.gain ELSE "
            gain += f"{Aggregate._meta.db_table}.max_org_jobs END"
            aggregates = state.aggregates
            aggregates += _apply(Aggregate._meta.db_table, DELTA, _CELL, _SUMS, gain)
            _apply(FlowAggregate._meta.db_table, FLOW_DELTA, _FLOW_KEY, ("organisations",), "")
            step("apply")
            state.facts += _replace_facts()
            step("stored_facts")
            _recompute_maxima()
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
    return RefreshReport("incremental", version, changed, aggregates, state.seconds, "", steps)
