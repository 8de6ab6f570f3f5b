"""The indicators of a territory, read from the aggregates (a few indexed look-ups, whatever
the size of the territory): totals, breakdowns, creations and cessations per year, and the
same totals for its parent territories, indexed to its région and to France = 100.

Counting rules (also on the page, "Méthode"):
- organisations: active organisations of the ESS perimeter whose **head office** is in the
  territory (an organisation with establishments in several of its communes counts once);
- establishments: open establishments of those organisations, **where they are** (an
  establishment in the territory of an organisation whose head office is elsewhere counts);
- employees: from each establishment's INSEE headcount band, low / central / high
  (enums.BAND_BOUNDS: the central value is the middle of the band, 53 capped at 20,000;
  NN and 00 count 0).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from ..enums import BREAKDOWNS, NON_ADDITIVE, Dimension, Flow
from ..models import Aggregate, FlowAggregate, State
from ..services.rebuild import STATE_KEY
from .comparisons import Comparison, comparisons_for
from .labels import value_labels, value_order
from .secrecy import SECONDARY, Secret, primary_secret, secondary_choice
from .territory import Territory


@dataclass(frozen=True, slots=True)
class Jobs:
    low: float
    central: float
    high: float


@dataclass(frozen=True, slots=True)
class Cell:
    value: str
    label: str
    organisations: int | Secret
    establishments: int | Secret
    employees: Jobs | Secret
    secret: Secret | None = None


@dataclass(frozen=True, slots=True)
class Breakdown:
    dimension: str
    label: str
    additive: bool
    cells: tuple[Cell, ...]


@dataclass(frozen=True, slots=True)
class YearFlows:
    year: int
    creations: int | Secret
    closures: int | Secret


@dataclass(frozen=True, slots=True)
class Indicators:
    territory: Territory
    organisations: int
    establishments: int
    employees: Jobs | Secret
    breakdowns: tuple[Breakdown, ...]
    series: tuple[YearFlows, ...]
    comparisons: tuple[Comparison, ...]
    built_at: datetime.datetime | None
    explanation: str = ""
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def empty(self) -> bool:
        return self.organisations == 0 and self.establishments == 0

    def breakdown(self, dimension: str) -> Breakdown:
        return next(b for b in self.breakdowns if b.dimension == dimension)


@dataclass(frozen=True, slots=True)
class _Row:
    value: str
    organisations: int
    establishments: int
    contributors: int
    jobs: Jobs
    max_org_jobs: float


def _rows(level: str, code: str) -> dict[str, list[_Row]]:
    found: dict[str, list[_Row]] = {}
    for r in Aggregate.objects.filter(level=level, code=code).values_list(
        "dimension",
        "value",
        "organisations",
        "establishments",
        "contributors",
        "jobs_low",
        "jobs_central",
        "jobs_high",
        "max_org_jobs",
    ):
        found.setdefault(r[0], []).append(_Row(r[1], r[2], r[3], r[4], Jobs(*r[5:8]), r[8]))
    return found


def _breakdown(dimension: str, rows: list[_Row]) -> Breakdown:
    rows = sorted(rows, key=lambda r: value_order(dimension, r.value))
    labels = value_labels(dimension, [r.value for r in rows])
    secrets = {
        r.value: primary_secret(r.contributors, r.jobs.central, r.max_org_jobs) for r in rows
    }
    additive = dimension not in NON_ADDITIVE
    if additive:
        second = secondary_choice(
            [(r.value, r.contributors, r.jobs.central, secrets[r.value] is not None) for r in rows]
        )
        if second is not None:
            secrets[second] = Secret(SECONDARY)
    cells = []
    for r in rows:
        secret = secrets[r.value]
        cells.append(
            Cell(
                r.value,
                labels[r.value],
                secret or r.organisations,
                secret or r.establishments,
                secret or r.jobs,
                secret,
            )
        )
    return Breakdown(dimension, str(Dimension(dimension).label), additive, tuple(cells))


def _series(level: str, code: str) -> tuple[YearFlows, ...]:
    by_year: dict[int, dict[str, int]] = {}
    for flow, year, count in FlowAggregate.objects.filter(level=level, code=code).values_list(
        "flow", "year", "organisations"
    ):
        by_year.setdefault(year, {})[flow] = count

    def publish(count: int) -> int | Secret:
        secret = primary_secret(count, 0, 0)
        return secret or count

    return tuple(
        YearFlows(
            year,
            publish(flows.get(Flow.CREATION, 0)),
            publish(flows.get(Flow.CLOSURE, 0)),
        )
        for year, flows in sorted(by_year.items())
    )


def built_at() -> datetime.datetime | None:
    return State.objects.filter(key=STATE_KEY).values_list("built_at", flat=True).first()


def indicators(territory: Territory) -> Indicators:
    """Every indicator of `territory` (from territory.territory_resolve)."""
    rows = _rows(territory.level, territory.code)
    total = rows[Dimension.TOTAL][0] if rows.get(Dimension.TOTAL) else None
    when = built_at()
    explanation = ""
    if when is None:
        explanation = _(
            "Les indicateurs de l'observatoire n'ont pas encore été calculés : lancez "
            "« atelier observatory-refresh » (ou attendez la tâche de fond)."
        )
    elif total is None:
        explanation = _(
            "Aucune organisation de l'ESS active n'est recensée dans l'Atlas pour ce "
            "territoire : les indicateurs valent zéro."
        )
    if total is None:
        organisations = establishments = 0
        employees: Jobs | Secret = Jobs(0, 0, 0)
    else:
        organisations, establishments = total.organisations, total.establishments
        employees = (
            primary_secret(total.contributors, total.jobs.central, total.max_org_jobs) or total.jobs
        )
    breakdowns = tuple(_breakdown(d, rows.get(d, [])) for d in BREAKDOWNS)
    return Indicators(
        territory=territory,
        organisations=organisations,
        establishments=establishments,
        employees=employees,
        breakdowns=breakdowns,
        series=_series(territory.level, territory.code),
        comparisons=comparisons_for(territory),
        built_at=when,
        explanation=explanation,
    )
