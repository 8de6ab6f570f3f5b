"""The tables of a territory's page, shared by the page (each chart's data table), its CSV
downloads and the written diagnostic's anchors: one definition, three uses."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

from ..enums import BREAKDOWNS, Dimension
from .comparisons import Comparison
from .diagnostic import COMPARISONS, KEY_FIGURES, SERIES, breakdown_anchor
from .indicators import Indicators, Jobs
from .secrecy import Secret

Value = int | float | str | Secret | None


@dataclass(frozen=True, slots=True)
class Table:
    id: str  # the anchor and the CSV name
    caption: str
    headers: tuple[str, ...]
    rows: tuple[tuple[Value, ...], ...]


def _jobs(jobs: Jobs | Secret) -> tuple[Value, Value, Value]:
    if isinstance(jobs, Secret):
        return (jobs, jobs, jobs)
    return (jobs.low, jobs.central, jobs.high)


def _first_upper(text: str) -> str:
    return text[:1].upper() + text[1:]


def key_figures_table(ind: Indicators) -> Table:
    low, central, high = _jobs(ind.employees)
    return Table(
        KEY_FIGURES,
        _("Chiffres clés"),
        (_("Indicateur"), _("Valeur")),
        (
            (_("Organisations de l'ESS actives (siège dans le territoire)"), ind.organisations),
            (_("Établissements ouverts dans le territoire"), ind.establishments),
            (_("Emplois salariés estimés — bas"), low),
            (_("Emplois salariés estimés — central"), central),
            (_("Emplois salariés estimés — haut"), high),
        ),
    )


def breakdown_table(ind: Indicators, dimension: str) -> Table:
    b = ind.breakdown(dimension)
    return Table(
        breakdown_anchor(dimension),
        _("Répartition par %(dimension)s") % {"dimension": b.label},
        (
            _first_upper(str(Dimension(dimension).label)),
            _("Organisations"),
            _("Établissements"),
            _("Emplois estimés — bas"),
            _("Emplois estimés — central"),
            _("Emplois estimés — haut"),
        ),
        tuple((c.label, c.organisations, c.establishments, *_jobs(c.employees)) for c in b.cells),
    )


def series_table(ind: Indicators) -> Table:
    return Table(
        SERIES,
        _("Créations et cessations d'organisations de l'ESS par année"),
        (_("Année"), _("Créations"), _("Cessations")),
        # Years as text: a figure would be printed with a thousands separator ("2 019").
        tuple((str(y.year), y.creations, y.closures) for y in ind.series),
    )


def _index(values: dict[str, float | None] | None, name: str) -> Value:
    return None if values is None else values.get(name)


def comparison_row(c: Comparison) -> tuple[Value, ...]:
    return (
        c.territory.label,
        c.organisations,
        c.establishments,
        c.employees,
        c.population,
        c.per_10k["establishments"],
        _index(c.index_region, "establishments"),
        _index(c.index_france, "establishments"),
        c.per_10k["employees"],
        _index(c.index_region, "employees"),
        _index(c.index_france, "employees"),
    )


def comparisons_table(ind: Indicators) -> Table:
    return Table(
        COMPARISONS,
        _("Le territoire, ses territoires englobants et la France"),
        (
            _("Territoire"),
            _("Organisations"),
            _("Établissements"),
            _("Emplois estimés (central)"),
            _("Population"),
            _("Établissements pour 10 000 habitants"),
            _("Indice établissements (région = 100)"),
            _("Indice établissements (France = 100)"),
            _("Emplois pour 10 000 habitants"),
            _("Indice emplois (région = 100)"),
            _("Indice emplois (France = 100)"),
        ),
        tuple(comparison_row(c) for c in ind.comparisons),
    )


def all_tables(ind: Indicators) -> list[Table]:
    return [
        key_figures_table(ind),
        *(breakdown_table(ind, d) for d in BREAKDOWNS),
        series_table(ind),
        comparisons_table(ind),
    ]


def table_by_id(ind: Indicators, table_id: str) -> Table | None:
    return next((t for t in all_tables(ind) if t.id == table_id), None)


def csv_value(value: Any) -> str:
    """A CSV cell: numbers with a point and at most one decimal, "secret", "" for none."""
    if value is None:
        return ""
    if isinstance(value, Secret):
        return "secret"
    if isinstance(value, float):
        return f"{value:.1f}".rstrip("0").rstrip(".")
    return str(value)
