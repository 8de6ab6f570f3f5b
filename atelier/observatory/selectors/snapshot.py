"""Every row of the observatory's tables, for comparing two builds (an incremental refresh
against a full rebuild: the tests and bench/observatory_bench.py). The lists of largest
contributions (`TopContribution`) are not compared: a refresh keeps them exact but not always
as long as a rebuild makes them (services.maxima); `max_org_jobs`, read from them, is."""

from __future__ import annotations

from ..models import Aggregate, EconomyAggregate, Fact, FlowAggregate, TerritoryPopulation

TABLES = {
    Aggregate: ("level", "code", "dimension", "value", "organisations", "establishments",
                "contributors", "jobs_low", "jobs_central", "jobs_high", "max_org_jobs",
                "employers"),
    FlowAggregate: ("level", "code", "flow", "year", "organisations"),
    TerritoryPopulation: ("level", "code", "population", "communes",
                          "communes_without_population"),
    EconomyAggregate: ("level", "code", "establishments", "jobs_low", "jobs_central",
                       "jobs_high", "communes_missing"),
    Fact: ("kind", "org", "place", "family", "legal", "naf", "themes", "band", "year",
           "jobs_low", "jobs_central", "jobs_high"),
}  # fmt: skip


def tables_snapshot() -> dict[str, list[tuple]]:
    """Every row of every table of the observatory (ids aside), sorted."""
    return {
        model.__name__: sorted(
            model._default_manager.values_list(*columns), key=lambda row: tuple(map(str, row))
        )
        for model, columns in TABLES.items()
    }
