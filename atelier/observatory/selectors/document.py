"""Everything the territorial diagnostic (the PDF) shows of a territory: its indicators,
tables and charts (the same as its page), top sectors, the written diagnostic, the published
reference figures, the support structures and networks present (from the Atlas, through the
directory's selectors), data sources and dates."""

from __future__ import annotations

from dataclasses import dataclass, replace

from django.db.models import Q
from django.utils.translation import gettext as _

from atelier.directory.selectors.observatory_support import (
    NetworkPresence,
    SupportStructure,
    networks_present,
    support_structures,
)

from ..enums import BAND_BOUNDS, BREAKDOWNS, Dimension, Level
from ..models import Place, TerritoryPopulation
from .charts import Chart, page_charts
from .diagnostic import SERIES, Sentence, breakdown_anchor, diagnostic
from .indicators import Cell, Indicators, indicators
from .references import ReferenceGroup, references_for
from .secrecy import RULE_EXPLANATION, RULES, Secret
from .tables import Table, all_tables
from .territory import Territory

TOP_SECTORS = 10
# The PDF prints the creations and cessations of the last years only (the page and its CSV have
# the whole series): a document of bounded length whatever the history.
SERIES_YEARS = 20
# A chart of the PDF is one image, which WeasyPrint cannot split across pages: a breakdown with
# many values (the legal forms: some 250 in a large territory) draws its largest ones only; its
# table prints the values with the most establishments (the page and its CSV have them all),
# which also bounds the time WeasyPrint takes (most of it goes in laying out table cells).
CHART_BARS = 16
BREAKDOWN_ROWS = 40
ESTABLISHMENTS_COLUMN = 2  # in a breakdown table (tables.breakdown_table)
BREAKDOWN_IDS = frozenset(breakdown_anchor(d) for d in BREAKDOWNS)


@dataclass(frozen=True, slots=True)
class Document:
    ind: Indicators
    tables: list[tuple[Table, Chart | None]]
    diagnostic: list[Sentence]
    top_sectors: list[Cell]
    references: list[ReferenceGroup]
    support_total: int
    support: list[SupportStructure]
    networks: list[NetworkPresence]
    secret_rule: str
    secret_rules: list[str]
    bands: list[tuple[str, int, int, float]]


def territory_places(territory: Territory) -> list[str]:
    """The INSEE codes (communes and municipal arrondissements) where a head office counts in
    the territory."""
    level, code = territory.level, territory.code
    if level == Level.COMMUNE:
        condition = Q(code=code) | Q(commune=code)
    elif level == Level.ARRONDISSEMENT:
        condition = Q(code=code)
    elif level in (Level.EPCI, Level.EPT, Level.DEPARTEMENT, Level.REGION):
        condition = Q(**{str(level): code})
    else:
        condition = Q()
    return list(Place.objects.filter(condition).values_list("code", flat=True))


def territory_size(territory: Territory) -> int:
    """How many communes the territory has (0 when the aggregates do not know it)."""
    found = (
        TerritoryPopulation.objects.filter(level=territory.level, code=territory.code)
        .values_list("communes", flat=True)
        .first()
    )
    return int(found or 0)


def top_sectors(ind: Indicators, count: int = TOP_SECTORS) -> list[Cell]:
    """The NAF sections with the most establishments (secret cells and the unknown section
    left out)."""
    cells = [
        c
        for c in ind.breakdown(Dimension.NAF).cells
        if c.value and not isinstance(c.establishments, Secret)
    ]
    return sorted(cells, key=lambda c: (-int(c.establishments), c.label))[:count]  # type: ignore[arg-type]


def _largest_rows(table: Table, count: int) -> Table:
    """The `count` rows with the most establishments, most first (secret counts last)."""

    def size(row: tuple) -> int:
        value = row[ESTABLISHMENTS_COLUMN]
        return -1 if isinstance(value, Secret) or value is None else int(value)

    rows = sorted(table.rows, key=lambda row: -size(row))[:count]
    caption = _(
        "%(caption)s — les %(n)d valeurs comptant le plus d'établissements, sur %(total)d "
        "(toutes en CSV sur la page)"
    ) % {"caption": table.caption, "n": count, "total": len(table.rows)}
    return replace(table, caption=caption, rows=tuple(rows))


def _bounded(table: Table) -> Table:
    if table.id in BREAKDOWN_IDS and len(table.rows) > BREAKDOWN_ROWS:
        return _largest_rows(table, BREAKDOWN_ROWS)
    if table.id != SERIES or len(table.rows) <= SERIES_YEARS:
        return table
    caption = _("%(caption)s — les %(n)d dernières années (série complète en CSV sur la page)") % {
        "caption": table.caption,
        "n": SERIES_YEARS,
    }
    return replace(table, caption=caption, rows=table.rows[-SERIES_YEARS:])


def document(territory: Territory, ind: Indicators | None = None) -> Document:
    ind = ind or indicators(territory)
    charts = page_charts(ind, CHART_BARS)
    tables = [(_bounded(table), charts.get(table.id)) for table in all_tables(ind)]
    places = territory_places(territory)
    support_total, support = support_structures(places)
    return Document(
        ind=ind,
        tables=tables,
        diagnostic=diagnostic(ind),
        top_sectors=top_sectors(ind),
        references=references_for(territory),
        support_total=support_total,
        support=support,
        networks=networks_present(places),
        secret_rule=str(RULE_EXPLANATION),
        secret_rules=[str(text) for text in RULES.values()],
        bands=[(band, low, high, (low + high) / 2) for band, (low, high) in BAND_BOUNDS.items()],
    )
