"""The full rebuild of the observatory's aggregates, in set-based SQL (no Python loop over
organisations or establishments). The work is done in the connection's TEMP tables (private
to it; on SQLite, writing them takes no lock on the database), then copied into the real tables
in one short transaction: readers see the previous figures until it commits, and other writers
(imports, edits) wait only for that copy.

1. `observatory_place` is copied from the territories reference (services.places; rewritten
   only when the reference changed).
2. The temp table of facts receives, by `INSERT … SELECT` from the directory's queries
   (atelier.directory.selectors.observatory_source) joined with the places:
   - O: each active organisation of the ESS perimeter, at its **head-office commune** (so an
     organisation with establishments in several communes of a territory counts once);
   - E: each open establishment, **where it is**, with the employee estimate of its own
     headcount band (low, central, high: enums.BAND_BOUNDS);
   - C: each organisation of the perimeter (ceased ones included) by creation year;
   - X: each ceased organisation by the year the Atlas recorded the cessation.
3. Aggregates, for every level (commune — arrondissements included —,
   arrondissement, EPCI, EPT, département, région, France) and every dimension (total,
   family, legal form, NAF section, headcount band, theme), grouped first by organisation
   (so that the number of organisations present and the largest organisation's jobs are
   exact at every level), then by territory and value; and each cell's TOP_K largest
   organisations (`observatory_topcontribution`, what services.maxima keeps the largest one
   exact with during an incremental refresh).
4. Creations and cessations per year, and the population of every territory; then the copy
   into `observatory_aggregate`, `observatory_flowaggregate`, `observatory_territorypopulation`,
   and of the facts themselves into `observatory_fact` (what services.incremental subtracts
   when an organisation changes).

Every figure of a territory is therefore also the sum of the figures of its communes (the
tests check it), except the number of organisations present and the largest one's share, which
are computed for each territory directly.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from django.db import connection, transaction
from django.db.models import QuerySet
from django.utils import timezone

from atelier.directory.selectors import observatory_source as source

from ..enums import BAND_BOUNDS, FRANCE_CODE, Dimension, Flow, Level
from ..models import (
    Aggregate,
    EconomyAggregate,
    Fact,
    FlowAggregate,
    State,
    TerritoryPopulation,
    TopContribution,
)
from .places import places_rebuild

STATE_KEY = "default"
# The layout of `observatory_fact`: a stored build of another layout is rebuilt in full.
FACT_SCHEMA = 2  # 2: with the lists of largest contributions (TopContribution)
# The largest organisations listed per aggregate cell (services.maxima).
TOP_K = 12
# A refresh reads the directory rows written at or after the start of the previous one minus
# this margin (a transaction that stamped its rows before that start but committed after it is
# read again; reading an organisation twice changes nothing).
CHANGES_OVERLAP = timedelta(seconds=30)

# The column of the facts table holding each level's code (France: one constant code).
LEVEL_EXPR: dict[str, str] = {
    Level.COMMUNE: "f.commune",
    Level.ARRONDISSEMENT: "f.arrondissement",
    Level.EPCI: "f.epci",
    Level.EPT: "f.ept",
    Level.DEPARTEMENT: "f.departement",
    Level.REGION: "f.region",
    Level.FRANCE: f"'{FRANCE_CODE}'",
    Level.CUSTOM: "ct.code",
}
# A custom territory's rows: the facts of its communes (a member may be a commune — Paris,
# Lyon, Marseille with their arrondissements — or a municipal arrondissement; the form refuses
# both an arrondissement and its commune, so a fact matches one member of a territory at most).
CUSTOM_JOIN = (
    "JOIN observatory_customterritorycommune m "
    "ON (m.code = f.commune OR m.code = f.arrondissement) "
    "JOIN observatory_customterritory ct ON ct.id = m.territory_id"
)


def _level_join(level: str, custom_id: int | None) -> str:
    if level != Level.CUSTOM:
        return ""
    return CUSTOM_JOIN + (f" AND ct.id = {int(custom_id)}" if custom_id is not None else "")


THEME_BITS = 12  # directory.enums.Theme: bits 0…11
NO_THEME = "-1"
_THEME_JOIN = (
    "JOIN (VALUES "
    + ", ".join(f"({bit})" for bit in range(-1, THEME_BITS))
    + ") AS t ON ((t.column1 = -1 AND f.themes = 0)"
    " OR (t.column1 >= 0 AND (f.themes & (1 << t.column1)) <> 0))"
)
DIMENSION_SQL: dict[str, tuple[str, str]] = {  # value expression, extra join
    Dimension.TOTAL: ("''", ""),
    Dimension.FAMILY: ("f.family", ""),
    Dimension.LEGAL: ("f.legal", ""),
    Dimension.NAF: ("f.naf", ""),
    Dimension.BAND: ("f.band", ""),
    Dimension.THEME: ("CAST(t.column1 AS VARCHAR(3))", _THEME_JOIN),
}
_FACT_COLUMNS = (
    "kind, org, place, commune, arrondissement, epci, ept, departement, region, family, legal, "
    "naf, themes, band, year, jobs_low, jobs_central, jobs_high"
)
_PLACE_COLUMNS = "p.commune, p.arrondissement, p.epci, p.ept, p.departement, p.region"
_AGGREGATE_COLUMNS = (
    "level, code, dimension, value, organisations, establishments, contributors, jobs_low, "
    "jobs_central, jobs_high, max_org_jobs, employers"
)
TOP_COLUMNS = "level, code, dimension, value, org, jobs"
# The columns of `observatory_fact` (the temp facts without the codes of the levels, which the
# place gives back).
STORED_FACT_COLUMNS = (
    "kind, org, place, family, legal, naf, themes, band, year, jobs_low, jobs_central, jobs_high"
)
_FLOW_COLUMNS = "level, code, flow, year, organisations"
_POPULATION_COLUMNS = "level, code, population, communes, communes_without_population"
_ECONOMY_COLUMNS = (
    "level, code, establishments, jobs_low, jobs_central, jobs_high, communes_missing"
)
# The connection's temp tables (portable types: SQLite and PostgreSQL).
FACT = "observatory_tmp_fact"
JOB_FACT = "observatory_tmp_job_fact"  # its establishments with jobs (the lists read them)
AGGREGATE = "observatory_tmp_aggregate"
TOP = "observatory_tmp_top"
FLOW = "observatory_tmp_flow"
POPULATION = "observatory_tmp_population"
ECONOMY_FACT = "observatory_tmp_economy_fact"
ECONOMY = "observatory_tmp_economy"
_FACT_TABLE = (
    "kind VARCHAR(1), org BIGINT, place VARCHAR(5), commune VARCHAR(5), "
    "arrondissement VARCHAR(5), epci VARCHAR(9), ept VARCHAR(9), departement VARCHAR(3), "
    "region VARCHAR(3), family VARCHAR(16), legal VARCHAR(4), naf VARCHAR(1), themes INTEGER, "
    "band VARCHAR(2), year INTEGER, jobs_low DOUBLE PRECISION, jobs_central DOUBLE PRECISION, "
    "jobs_high DOUBLE PRECISION"
)
_TEMP_TABLES = {
    FACT: _FACT_TABLE,
    JOB_FACT: _FACT_TABLE,
    AGGREGATE: "level VARCHAR(16), code VARCHAR(40), dimension VARCHAR(8), value VARCHAR(16), "
    "organisations INTEGER, establishments INTEGER, contributors INTEGER, "
    "jobs_low DOUBLE PRECISION, jobs_central DOUBLE PRECISION, jobs_high DOUBLE PRECISION, "
    "max_org_jobs DOUBLE PRECISION, employers INTEGER",
    TOP: "level VARCHAR(16), code VARCHAR(40), dimension VARCHAR(8), value VARCHAR(16), "
    "org BIGINT, jobs DOUBLE PRECISION",
    FLOW: "level VARCHAR(16), code VARCHAR(40), flow VARCHAR(8), year INTEGER, "
    "organisations INTEGER",
    POPULATION: "level VARCHAR(16), code VARCHAR(40), population BIGINT, communes INTEGER, "
    "communes_without_population INTEGER",
    ECONOMY_FACT: "commune VARCHAR(5), arrondissement VARCHAR(5), epci VARCHAR(9), "
    "ept VARCHAR(9), departement VARCHAR(3), region VARCHAR(3), n BIGINT, "
    "jobs_low DOUBLE PRECISION, jobs_central DOUBLE PRECISION, jobs_high DOUBLE PRECISION, "
    "missing INTEGER",
    ECONOMY: "level VARCHAR(16), code VARCHAR(40), establishments BIGINT, "
    "jobs_low DOUBLE PRECISION, jobs_central DOUBLE PRECISION, jobs_high DOUBLE PRECISION, "
    "communes_missing INTEGER",
}


def _band_case(index: int) -> str:
    """SQL: the bound `index` (0 low, 1 high, -1 the midpoint) of src.f_band's estimate."""
    whens = " ".join(
        f"WHEN '{band}' THEN {bounds[index] if index >= 0 else (bounds[0] + bounds[1]) / 2}"
        for band, bounds in BAND_BOUNDS.items()
        if bounds != (0, 0)
    )
    return f"CASE src.f_band {whens} ELSE 0 END"


@dataclass(frozen=True)
class RebuildReport:
    source_version: int
    places: int
    facts: int
    aggregates: int
    flows: int
    seconds: float


def _execute(sql: str, params: list | tuple = ()) -> int:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount


def _drop_temp_tables() -> None:
    for table in _TEMP_TABLES:
        _execute(f"DROP TABLE IF EXISTS {table}")


def _create_temp_tables() -> None:
    _drop_temp_tables()
    for table, columns in _TEMP_TABLES.items():
        _execute(f"CREATE TEMPORARY TABLE {table} ({columns})")


def fact_queries(
    narrow: Callable[[QuerySet], QuerySet] | None = None,
) -> list[tuple[str, QuerySet]]:
    """The directory's queries of each kind of fact, each narrowed by `narrow` when given
    (services.incremental: to the changed organisations)."""
    queries = [
        ("O", source.organisation_facts()),
        ("E", source.establishment_facts()),
        ("C", source.organisation_creations()),
        ("X", source.organisation_closures()),
    ]
    return [(kind, narrow(qs) if narrow else qs) for kind, qs in queries]


def _insert_facts(
    place_filter: str = "",
    filter_params: list | tuple = (),
    *,
    table: str = FACT,
    narrow: Callable[[QuerySet], QuerySet] | None = None,
) -> int:
    """The facts (of the places matching `place_filter`, an SQL condition on `p`, when given)
    into `table` (the temp facts by default)."""
    where = f" WHERE {place_filter}" if place_filter else ""
    total = 0
    for kind, queryset in fact_queries(narrow):
        sql, params = queryset.query.sql_with_params()
        if kind in ("O", "E"):
            jobs = (
                f"{_band_case(0)}, {_band_case(-1)}, {_band_case(1)}" if kind == "E" else "0, 0, 0"
            )
            values = f"src.f_family, src.f_legal, src.f_naf, src.f_themes, src.f_band, NULL, {jobs}"
        else:
            values = "'', '', '', 0, '', src.f_year, 0, 0, 0"
        total += _execute(
            f"INSERT INTO {table} ({_FACT_COLUMNS}) "  # noqa: S608 — constant fragments
            f"SELECT '{kind}', src.f_org, p.code, {_PLACE_COLUMNS}, {values} "
            f"FROM ({sql}) AS src JOIN observatory_place p ON p.code = src.f_place{where}",
            [*params, *filter_params],
        )
    return total


def _insert_aggregates(levels: list[str], custom_id: int | None = None) -> int:
    table = AGGREGATE
    fact = FACT
    total = 0
    for level in levels:
        code_expr, level_join = LEVEL_EXPR[level], _level_join(level, custom_id)
        for dimension, (value_expr, join) in DIMENSION_SQL.items():
            total += _execute(
                f"INSERT INTO {table} (level, code, dimension, value, organisations, "  # noqa: S608
                "establishments, contributors, jobs_low, jobs_central, jobs_high, max_org_jobs, "
                f"employers) SELECT '{level}', code, '{dimension}', value, SUM(o), SUM(e), "
                "COUNT(*), SUM(jl), SUM(jc), SUM(jh), MAX(jc), "
                "SUM(CASE WHEN jc > 0 THEN 1 ELSE 0 END) FROM ("
                f"SELECT {code_expr} AS code, {value_expr} AS value, f.org AS org, "
                "SUM(CASE WHEN f.kind = 'O' THEN 1 ELSE 0 END) AS o, "
                "SUM(CASE WHEN f.kind = 'E' THEN 1 ELSE 0 END) AS e, "
                "SUM(f.jobs_low) AS jl, SUM(f.jobs_central) AS jc, SUM(f.jobs_high) AS jh "
                f"FROM {fact} f {level_join} {join} "
                f"WHERE f.kind IN ('O', 'E') AND {code_expr} <> '' "
                "GROUP BY 1, 2, 3) AS per_org GROUP BY code, value"
            )
    return total


def top_contributions_sql(
    level: str, dimension: str, code_expr: str, source: str, where: str = ""
) -> str:
    """SQL selecting (level, code, dimension, value, org, jobs): the TOP_K largest
    organisations (by central jobs, above 0) of every cell of `level` × `dimension` over
    `source` (the establishments with jobs, alias `f`, with the level's join), grouped by
    organisation first; `where` adds conditions (` AND …`)."""
    value_expr, join = DIMENSION_SQL[dimension]
    return (
        f"SELECT '{level}', code, '{dimension}', value, org, jc FROM ("  # noqa: S608
        "SELECT code, value, org, jc, ROW_NUMBER() OVER (PARTITION BY code, value "
        "ORDER BY jc DESC, org) AS n FROM ("
        f"SELECT {code_expr} AS code, {value_expr} AS value, f.org AS org, "
        f"SUM(f.jobs_central) AS jc FROM {source} {join} WHERE {code_expr} <> ''{where} "
        f"GROUP BY 1, 2, 3) AS per_org) AS ranked WHERE n <= {int(TOP_K)}"
    )


def _insert_top(levels: list[str], custom_id: int | None = None) -> int:
    """Each cell's largest contributions (TOP_K at most), from the establishments with jobs."""
    _execute(
        f"INSERT INTO {JOB_FACT} SELECT * FROM {FACT} "  # noqa: S608 — our temp tables
        "WHERE kind = 'E' AND jobs_central > 0"
    )
    total = 0
    for level in levels:
        source = f"{JOB_FACT} f {_level_join(level, custom_id)}"
        for dimension in DIMENSION_SQL:
            sql = top_contributions_sql(level, dimension, LEVEL_EXPR[level], source)
            total += _execute(f"INSERT INTO {TOP} ({TOP_COLUMNS}) {sql}")  # noqa: S608
    return total


def _insert_flows(levels: list[str], custom_id: int | None = None) -> int:
    table = FLOW
    fact = FACT
    total = 0
    for level in levels:
        code_expr, level_join = LEVEL_EXPR[level], _level_join(level, custom_id)
        for flow, kind in ((Flow.CREATION, "C"), (Flow.CLOSURE, "X")):
            total += _execute(
                f"INSERT INTO {table} (level, code, flow, year, organisations) "  # noqa: S608
                f"SELECT '{level}', {code_expr}, '{flow}', f.year, COUNT(*) "
                f"FROM {fact} f {level_join} "
                f"WHERE f.kind = '{kind}' AND f.year IS NOT NULL AND {code_expr} <> '' "
                "GROUP BY 1, 2, 3, 4"
            )
    return total


def _insert_populations(levels: list[str], custom_id: int | None = None) -> int:
    table = POPULATION
    total = 0
    for level in levels:
        code_expr = LEVEL_EXPR[level]
        if level == Level.CUSTOM:  # its members as listed: communes or arrondissements
            join = CUSTOM_JOIN.replace(
                "ON (m.code = f.commune OR m.code = f.arrondissement)", "ON m.code = f.code"
            )
            if custom_id is not None:
                join += f" AND ct.id = {int(custom_id)}"
            where, params = "", []
        else:
            join, where, params = (
                "",
                "f.is_arrondissement = %s AND",
                [level == Level.ARRONDISSEMENT],
            )
        total += _execute(
            f"INSERT INTO {table} (level, code, population, communes, "  # noqa: S608
            f"communes_without_population) SELECT '{level}', {code_expr}, SUM(f.population), "
            "COUNT(*), SUM(CASE WHEN f.population IS NULL THEN 1 ELSE 0 END) "
            f"FROM observatory_place f {join} WHERE {where} {code_expr} <> '' "
            "GROUP BY 1, 2",
            params,
        )
    return total


def _insert_economy(levels: list[str], custom_id: int | None = None) -> int:
    """The whole economy's establishments (directory counts of `import-sirene --count-all`)
    per territory, with their employee estimate, and the places whose counts were never
    imported (`communes_missing`: then the share is not given)."""
    counts_sql, counts_params = source.economy_counts().query.sql_with_params()
    covered_sql, covered_params = source.economy_coverage().query.sql_with_params()
    jobs = ", ".join(f"src.f_count * {_band_case(i)}" for i in (0, -1, 1))
    columns = f"{_PLACE_COLUMNS.replace('p.', '')}, n, jobs_low, jobs_central, jobs_high, missing"
    _execute(
        f"INSERT INTO {ECONOMY_FACT} ({columns}) "  # noqa: S608 — constant fragments
        f"SELECT {_PLACE_COLUMNS}, src.f_count, {jobs}, 0 "
        f"FROM ({counts_sql}) AS src JOIN observatory_place p ON p.code = src.f_place",
        counts_params,
    )
    _execute(
        f"INSERT INTO {ECONOMY_FACT} ({columns}) "  # noqa: S608 — constant fragments
        f"SELECT {_PLACE_COLUMNS}, 0, 0, 0, 0, 1 FROM observatory_place p "
        f"WHERE p.code NOT IN (SELECT cov.f_place FROM ({covered_sql}) AS cov)",
        covered_params,
    )
    total = 0
    for level in levels:
        code_expr, level_join = LEVEL_EXPR[level], _level_join(level, custom_id)
        total += _execute(
            f"INSERT INTO {ECONOMY} ({_ECONOMY_COLUMNS}) "  # noqa: S608 — constant fragments
            f"SELECT '{level}', {code_expr}, SUM(f.n), SUM(f.jobs_low), SUM(f.jobs_central), "
            "SUM(f.jobs_high), SUM(f.missing) "
            f"FROM {ECONOMY_FACT} f {level_join} WHERE {code_expr} <> '' GROUP BY 1, 2"
        )
    return total


def _publish(custom_code: str | None = None) -> int:
    """Replace the real tables by the temp ones (inside the caller's transaction); only the
    rows of one custom territory when `custom_code` is given."""
    copied = 0
    for model, temp, columns in (
        (Aggregate, AGGREGATE, _AGGREGATE_COLUMNS),
        (TopContribution, TOP, TOP_COLUMNS),
        (FlowAggregate, FLOW, _FLOW_COLUMNS),
        (TerritoryPopulation, POPULATION, _POPULATION_COLUMNS),
        (EconomyAggregate, ECONOMY, _ECONOMY_COLUMNS),
    ):
        table = model._meta.db_table
        if custom_code is None:
            _execute(f"DELETE FROM {table}")  # noqa: S608 — our table names
        else:
            _execute(
                f"DELETE FROM {table} WHERE level = %s AND code = %s",  # noqa: S608
                [Level.CUSTOM, custom_code],
            )
        copied += _execute(
            f"INSERT INTO {table} ({columns}) SELECT {columns} FROM {temp}"  # noqa: S608
        )
    return copied


def publish_facts() -> int:
    """Replace the stored facts by the temp ones (inside the caller's transaction)."""
    table = Fact._meta.db_table
    _execute(f"DELETE FROM {table}")  # noqa: S608 — our table names
    return _execute(
        f"INSERT INTO {table} ({STORED_FACT_COLUMNS}) "  # noqa: S608 — constant fragments
        f"SELECT {STORED_FACT_COLUMNS} FROM {FACT}"
    )


def observatory_rebuild() -> RebuildReport:
    """Rebuild every table of the observatory from the directory and the reference: computed
    in temp tables, then published in one short transaction (one rebuild at a time: the state
    row is locked first)."""
    started = time.monotonic()
    since = timezone.now() - CHANGES_OVERLAP  # the next refresh reads the changes from then
    State.objects.get_or_create(key=STATE_KEY)
    version = source.data_version()  # before any row: a write after it makes it stale again
    places = places_rebuild()  # read outside any transaction, written only when changed
    try:
        _create_temp_tables()
        levels = list(LEVEL_EXPR)
        facts = _insert_facts()
        aggregates = _insert_aggregates(levels)
        _insert_top(levels)
        flows = _insert_flows(levels)
        _insert_populations(levels)
        _insert_economy(levels)
        with transaction.atomic():
            state = State.objects.select_for_update().get(key=STATE_KEY)
            _publish()
            publish_facts()
            state.source_version = version
            state.built_at = timezone.now()
            state.seconds = time.monotonic() - started
            state.facts = facts
            state.aggregates = aggregates
            state.changes_since = since
            state.fact_schema = FACT_SCHEMA
            state.refresh_kind = "full"
            state.refreshed_organisations = 0
            state.save()
    finally:
        _drop_temp_tables()
    return RebuildReport(version, places, facts, aggregates, flows, state.seconds)


def insert_stored_facts(
    condition: str = "", params: list | tuple = (), *, table: str = FACT, sign: str = ""
) -> int:
    """The stored facts (`observatory_fact`, those matching `condition` on `x` and `p`) with the
    codes of their place's levels, into `table`; `sign` fills its extra `sign` column."""
    where = f" WHERE {condition}" if condition else ""
    columns = _FACT_COLUMNS + (", sign" if sign else "")
    stored = ", ".join(f"x.{c.strip()}" for c in STORED_FACT_COLUMNS.split(",")[3:])
    return _execute(
        f"INSERT INTO {table} ({columns}) "  # noqa: S608 — constant fragments
        f"SELECT x.kind, x.org, x.place, {_PLACE_COLUMNS}, {stored}{', ' + sign if sign else ''} "
        f"FROM {Fact._meta.db_table} x JOIN observatory_place p ON p.code = x.place{where}",
        params,
    )
