"""Two to five territories side by side (`/observatoire/comparer/?t=commune:75056&t=…`): their
key figures, their indexes (per 10,000 inhabitants, région = 100, France = 100) and the shares
of their establishments in each breakdown — every figure read from each territory's own
indicators (selectors.indicators), so statistical confidentiality applies as on its page."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext as _

from ..enums import BREAKDOWNS, Dimension
from .charts import Chart, bar_chart
from .indicators import Indicators, indicators
from .secrecy import Secret
from .tables import Table, Value, _jobs, comparison_row, comparisons_table
from .territory import Territory, territory_resolve

MIN_TERRITORIES = 2
MAX_TERRITORIES = 5


class CompareError(ValueError):
    """Why the list of territories cannot be compared (French, shown on the page)."""

    def __init__(self, message: str, status: int = 400):
        super().__init__(message)
        self.message = message
        self.status = status


def parse_keys(values: list[str]) -> list[Territory]:
    """The territories of `t=level:code` values, in order, without repeats. CompareError
    naming the first unknown one."""
    found: list[Territory] = []
    for raw in values:
        level, _sep, code = raw.strip().partition(":")
        territory = territory_resolve(level, code) if code else None
        if territory is None:
            shown = raw.strip()[:40]
            raise CompareError(
                _(
                    "Territoire inconnu : « %(key)s » (attendu : niveau:code, par exemple "
                    "commune:75056)."
                )
                % {"key": shown},
                404,
            )
        if territory.key not in {t.key for t in found}:
            found.append(territory)
    return found


def check_count(territories: list[Territory]) -> None:
    if len(territories) < MIN_TERRITORIES:
        raise CompareError(
            _("Choisissez au moins %(n)d territoires à comparer (%(got)d choisi).")
            % {"n": MIN_TERRITORIES, "got": len(territories)}
        )
    if len(territories) > MAX_TERRITORIES:
        raise CompareError(
            _("Au plus %(n)d territoires peuvent être comparés (%(got)d demandés) : retirez-en.")
            % {"n": MAX_TERRITORIES, "got": len(territories)}
        )


@dataclass(frozen=True, slots=True)
class TerritoryComparison:
    territories: tuple[Territory, ...]
    indicators: tuple[Indicators, ...]
    tables: tuple[Table, ...]
    chart: Chart


def _share(part: int | Secret, whole: int) -> Value:
    if isinstance(part, Secret):
        return part
    return None if not whole else 100 * part / whole


def key_table(inds: list[Indicators]) -> Table:
    return Table(
        "chiffres-cles",
        _("Chiffres clés"),
        (
            _("Territoire"),
            _("Organisations"),
            _("Établissements"),
            _("Emplois estimés — bas"),
            _("Emplois estimés — central"),
            _("Emplois estimés — haut"),
        ),
        tuple(
            (i.territory.label, i.organisations, i.establishments, *_jobs(i.employees))
            for i in inds
        ),
    )


def index_table(inds: list[Indicators]) -> Table:
    template = comparisons_table(inds[0])
    return Table(
        "indices",
        _("Indices : pour 10 000 habitants, région = 100, France = 100"),
        template.headers,
        tuple(comparison_row(i.comparisons[0]) for i in inds),
    )


def share_table(inds: list[Indicators], dimension: str) -> Table:
    """Rows: every value of the breakdown present in one of the territories; columns: the
    share (%) of each territory's establishments."""
    labels: dict[str, str] = {}
    for ind in inds:
        for cell in ind.breakdown(dimension).cells:
            labels.setdefault(cell.value, cell.label)
    cells = [{c.value: c for c in ind.breakdown(dimension).cells} for ind in inds]
    rows = []
    for value, label in labels.items():
        row: list[Value] = [label]
        for ind, mine in zip(inds, cells, strict=True):
            found = mine.get(value)
            row.append(0.0 if found is None else _share(found.establishments, ind.establishments))
        rows.append(tuple(row))
    name = str(Dimension(dimension).label)
    return Table(
        f"parts-{dimension}",
        _("Part des établissements par %(dimension)s (%%)") % {"dimension": name},
        (name[:1].upper() + name[1:], *(i.territory.label for i in inds)),
        tuple(rows),
    )


def compare(territories: list[Territory]) -> TerritoryComparison:
    check_count(territories)
    inds = [indicators(t) for t in territories]
    tables = [key_table(inds), index_table(inds), *(share_table(inds, d) for d in BREAKDOWNS)]
    chart = bar_chart(
        "graphique-comparaison",
        _("Établissements de l'ESS pour 10 000 habitants"),
        "indices",
        [(i.territory.label, i.comparisons[0].per_10k["establishments"]) for i in inds],
        decimals=2,
    )
    return TerritoryComparison(tuple(territories), tuple(inds), tuple(tables), chart)


def compare_table(comparison: TerritoryComparison, table_id: str) -> Table | None:
    return next((t for t in comparison.tables if t.id == table_id), None)
