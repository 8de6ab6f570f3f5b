"""The largest organisation of each aggregate cell (`Aggregate.max_org_jobs`, what the dominance
rule of statistical confidentiality reads) kept exact by the incremental refresh without reading
the facts of the cell's territory.

Every build stores, per cell, its `TOP_K` largest organisations' central jobs
(`observatory_topcontribution`, services.rebuild) and the number of organisations with jobs in
the cell (`Aggregate.employers`, exact by addition like the other counts). The invariant:
**every organisation of the cell that is not listed has at most the jobs of the smallest one
listed**, and a list is empty only when no organisation of the cell has jobs. So the largest
listed is the largest organisation, and the list is complete (holds every organisation with
jobs) exactly when it has `employers` entries.

A refresh, for every cell where a changed organisation's jobs moved (`collect_moved`, before
the rows are updated):

- the bound of the unknown ones: 0 when the list was complete, otherwise the smallest listed
  (nobody unlisted is above it, and the unchanged organisations did not move);
- the moved organisations' entries removed; their new jobs entered when they reach that bound
  (above it, they rank exactly; below it, an unlisted unchanged organisation may be larger,
  so they are left out: they are under the bound, which stays under the smallest listed);
- the list cut to `TOP_K` (those cut are under the smallest kept);
- a list left empty while the cell still has organisations with jobs (every listed one
  changed and fell under the bound: rare) is recomputed from the stored facts (the
  establishments with jobs of its territory only, grouped by organisation);
- `max_org_jobs` = the largest listed (0 when none).

Every step is set-based SQL over the moved (cell, organisation) pairs: it grows with the
organisations changed, not with the territories.
"""

from __future__ import annotations

from django.db import connection

from ..enums import Level
from ..models import Aggregate, TopContribution
from . import rebuild as rb

JOB_DELTA = "observatory_tmp_job_delta"  # the refresh's facts of both signs with jobs
MOVED = "observatory_tmp_moved"  # (cell, organisation): its new jobs, where they moved
CELLS = "observatory_tmp_top_cell"  # the cells of MOVED: bound of the unknown ones, largest
MAX_FACT = "observatory_tmp_max_fact"  # the recompute's stored facts of one level
CUSTOM_PLACE = "observatory_tmp_custom_place"  # place → custom territory (the refresh's)
_CELL = ("level", "code", "dimension", "value")
_CELL_COLUMNS = "level VARCHAR(16), code VARCHAR(40), dimension VARCHAR(8), value VARCHAR(16)"
TABLES = {
    JOB_DELTA: rb._FACT_TABLE + ", sign INTEGER DEFAULT 1",
    MOVED: _CELL_COLUMNS + ", org BIGINT, jobs DOUBLE PRECISION",
    CELLS: _CELL_COLUMNS + ", bound DOUBLE PRECISION, listed INTEGER, top DOUBLE PRECISION, "
    "recompute INTEGER DEFAULT 0",
    MAX_FACT: rb._FACT_TABLE,
    CUSTOM_PLACE: "place VARCHAR(5), code VARCHAR(40)",
}
INDEXES = {MOVED: (*_CELL, "org"), CELLS: _CELL, CUSTOM_PLACE: ("place",)}


def match(table: str, alias: str, columns: tuple[str, ...] = _CELL) -> str:
    return " AND ".join(f"{table}.{c} = {alias}.{c}" for c in columns)


def level_sql(level: str) -> tuple[str, str]:
    """The code expression and join of `level` over a table of facts with a `place` (the
    custom territories through CUSTOM_PLACE)."""
    if level == Level.CUSTOM:
        return "cp.code", f"JOIN {CUSTOM_PLACE} cp ON cp.place = f.place"
    return rb.LEVEL_EXPR[level], ""


def collect_moved(delta: str, levels: list[str]) -> int:
    """From the refresh's facts of both signs (`delta`), every (cell, organisation) whose
    central jobs moved, with the new ones, and the bound of each such cell (read before the
    lists and the aggregates change); the number of cells."""
    rb._execute(
        f"INSERT INTO {JOB_DELTA} SELECT * FROM {delta} "  # noqa: S608 — our temp tables
        "WHERE kind = 'E' AND jobs_central > 0"
    )
    for level in levels:
        code_expr, level_join = level_sql(level)
        for dimension, (value_expr, join) in rb.DIMENSION_SQL.items():
            rb._execute(
                f"INSERT INTO {MOVED} ({', '.join(_CELL)}, org, jobs) "  # noqa: S608
                f"SELECT '{level}', code, '{dimension}', value, org, njc FROM ("
                f"SELECT {code_expr} AS code, {value_expr} AS value, f.org AS org, "
                "SUM(CASE WHEN f.sign > 0 THEN f.jobs_central ELSE 0 END) AS njc, "
                "SUM(CASE WHEN f.sign < 0 THEN f.jobs_central ELSE 0 END) AS ojc "
                f"FROM {JOB_DELTA} f {level_join} {join} WHERE {code_expr} <> '' "
                "GROUP BY 1, 2, 3) AS per_org WHERE njc <> ojc"
            )
    top, agg = TopContribution._meta.db_table, Aggregate._meta.db_table
    cells = ", ".join(f"c.{c}" for c in _CELL)
    return rb._execute(
        f"INSERT INTO {CELLS} ({', '.join(_CELL)}, bound) "  # noqa: S608
        f"SELECT {cells}, CASE WHEN COUNT(t.org) >= MAX(COALESCE(a.employers, 0)) THEN 0 "
        f"ELSE MIN(t.jobs) END FROM (SELECT DISTINCT {', '.join(_CELL)} FROM {MOVED}) AS c "
        f"LEFT JOIN {agg} AS a ON {match('a', 'c')} "
        f"LEFT JOIN {top} AS t ON {match('t', 'c')} GROUP BY {cells}"
    )


def update_lists() -> None:
    """The lists of the moved cells brought up to date (module docstring), and the largest of
    each into CELLS.top."""
    top = TopContribution._meta.db_table
    rb._execute(
        f"DELETE FROM {top} WHERE id IN (SELECT t.id FROM {MOVED} AS m "  # noqa: S608
        f"JOIN {top} AS t ON {match('t', 'm', (*_CELL, 'org'))})"
    )
    rb._execute(
        f"INSERT INTO {top} ({rb.TOP_COLUMNS}) "  # noqa: S608
        f"SELECT {', '.join(f'm.{c}' for c in _CELL)}, m.org, m.jobs FROM {MOVED} AS m "
        f"JOIN {CELLS} AS c ON {match('c', 'm')} WHERE m.jobs > 0 AND m.jobs >= c.bound"
    )
    rb._execute(
        f"UPDATE {CELLS} SET (listed, top) = (SELECT COUNT(*), MAX(t.jobs) "  # noqa: S608
        f"FROM {top} AS t WHERE {match('t', CELLS)})"
    )
    partition = ", ".join(f"c.{c}" for c in _CELL)  # c's: read from CELLS, not the whole table
    rb._execute(  # cut to TOP_K (the largest is kept: `top` holds)
        f"DELETE FROM {top} WHERE id IN (SELECT id FROM ("  # noqa: S608
        f"SELECT t.id, ROW_NUMBER() OVER (PARTITION BY {partition} "
        f"ORDER BY t.jobs DESC, t.org) AS n FROM {CELLS} AS c "
        f"JOIN {top} AS t ON {match('t', 'c')} WHERE c.listed > {int(rb.TOP_K)}) AS ranked "
        f"WHERE n > {int(rb.TOP_K)})"
    )


def flag_empty() -> int:
    """The cells left with no list while organisations with jobs remain (after the aggregates
    were updated): to recompute."""
    agg = Aggregate._meta.db_table
    return rb._execute(
        f"UPDATE {CELLS} SET recompute = 1 WHERE top IS NULL AND EXISTS ("  # noqa: S608
        f"SELECT 1 FROM {agg} AS a WHERE {match('a', CELLS)} AND a.employers > 0)"
    )


def recompute() -> None:
    """The lists of the flagged cells from the stored facts (already those of the refresh):
    per level, the establishments with jobs of the flagged territories' places only (read
    through the index on `place`; France: all of them), then every flagged dimension."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT DISTINCT level, dimension FROM {CELLS} WHERE recompute = 1"  # noqa: S608
        )
        flagged = sorted((str(level), str(dimension)) for level, dimension in cursor.fetchall())
    wanted = f"SELECT r.code FROM {CELLS} r WHERE r.recompute = 1 AND r.level = %s"  # noqa: S608
    for level in sorted({level for level, _ in flagged}):
        rb._execute(f"DELETE FROM {MAX_FACT}")  # noqa: S608
        if level == Level.FRANCE:
            where, params = "", []
        elif level == Level.CUSTOM:
            members = f"SELECT cp.place FROM {CUSTOM_PLACE} cp WHERE cp.code IN ({wanted})"  # noqa: S608
            where, params = f" AND p.code IN ({members})", [level]
        else:
            where = f" AND {rb.LEVEL_EXPR[level].replace('f.', 'p.')} IN ({wanted})"
            params = [level]
        jobs = "x.kind = 'E' AND x.jobs_central > 0"
        rb.insert_stored_facts(jobs + where, params, table=MAX_FACT)
        code_expr, level_join = level_sql(level)
        for dimension in (d for lv, d in flagged if lv == level):
            value_expr = rb.DIMENSION_SQL[dimension][0]
            cells = (
                f" AND EXISTS (SELECT 1 FROM {CELLS} r WHERE r.recompute = 1 "  # noqa: S608
                f"AND r.level = %s AND r.dimension = %s AND r.code = {code_expr} "
                f"AND r.value = {value_expr})"
            )
            sql = rb.top_contributions_sql(
                level, dimension, code_expr, f"{MAX_FACT} f {level_join}", cells
            )
            rb._execute(
                f"INSERT INTO {TopContribution._meta.db_table} ({rb.TOP_COLUMNS}) {sql}",  # noqa: S608
                [level, dimension],
            )
    top = TopContribution._meta.db_table
    rb._execute(
        f"UPDATE {CELLS} SET top = (SELECT MAX(t.jobs) FROM {top} AS t "  # noqa: S608
        f"WHERE {match('t', CELLS)}) WHERE recompute = 1"
    )


def publish_maxima() -> int:
    """`max_org_jobs` of every moved cell: its largest listed (0: nobody has jobs there); the
    number of cells whose list was recomputed from the facts."""
    recomputed = flag_empty()
    if recomputed:
        recompute()
    agg = Aggregate._meta.db_table
    rb._execute(
        f"UPDATE {agg} SET max_org_jobs = COALESCE(c.top, 0) FROM {CELLS} AS c "  # noqa: S608
        f"WHERE {match(agg, 'c')}"
    )
    return recomputed
