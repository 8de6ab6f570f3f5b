"""Bar charts as server-side SVG geometry (no canvas, no script, no style attribute): each
chart has a title, a text alternative (`summary`) and the table it is drawn from."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.formats import number_format
from django.utils.translation import gettext as _

from .diagnostic import SERIES, breakdown_anchor
from .indicators import Indicators
from .secrecy import Secret

WIDTH = 640
LABEL_HEIGHT = 18
BAR_HEIGHT = 16
ROW_HEIGHT = 44
BAR_MAX = 520
TOP = 8


@dataclass(frozen=True, slots=True)
class Bar:
    label: str
    value_text: str
    secret: bool
    label_y: int
    bar_y: int
    width: int  # 0 for a secret or zero value
    value_x: int


@dataclass(frozen=True, slots=True)
class Chart:
    id: str
    title: str
    summary: str
    table_id: str
    height: int
    bars: tuple[Bar, ...]
    width: int = WIDTH


def _fmt(value: float, decimals: int = 0) -> str:
    return number_format(round(value, decimals), decimals, use_l10n=True, force_grouping=True)


def bar_chart(
    chart_id: str,
    title: str,
    table_id: str,
    rows: list[tuple[str, float | int | Secret | None]],
    decimals: int = 0,
) -> Chart:
    """Horizontal bars, one per row (label above its bar, value after it); a secret value or
    one that does not exist (None) has no bar."""
    published = [v for _, v in rows if v is not None and not isinstance(v, Secret)]
    top = max(published, default=0) or 1
    bars = []
    for i, (label, value) in enumerate(rows):
        y = TOP + i * ROW_HEIGHT
        secret = isinstance(value, Secret)
        number = None if secret or value is None else float(value)  # type: ignore[arg-type]
        width = 0 if number is None else round(BAR_MAX * number / top)
        if number is not None:
            text = _fmt(number, decimals)
        else:
            text = "secret" if secret else _("non disponible")
        bars.append(
            Bar(
                label=label,
                value_text=text,
                secret=secret,
                label_y=y + 13,
                bar_y=y + LABEL_HEIGHT,
                width=width,
                value_x=width + 6,
            )
        )
    parts = [f"{label} : {b.value_text}" for (label, _v), b in zip(rows, bars, strict=True)]
    summary = (
        f"{title}. " + " ; ".join(parts) + "." if parts else f"{title} : {_('aucune donnée')}."
    )
    return Chart(chart_id, title, summary, table_id, TOP * 2 + ROW_HEIGHT * len(rows), tuple(bars))


BarRow = tuple[str, float | int | Secret | None]


def _largest(rows: list[BarRow], count: int) -> list[BarRow]:
    """The `count` rows with the largest published values, largest first (secret and missing
    values left out: they have no bar)."""
    published = [(label, float(v)) for label, v in rows if isinstance(v, int | float)]
    published.sort(key=lambda row: -row[1])
    return [(label, v) for label, v in published[:count]]


def page_charts(ind: Indicators, bars_max: int | None = None) -> dict[str, Chart]:
    """The charts of the page by table id: establishments by each breakdown, creations per
    year (the last 15 years). With `bars_max` (the PDF: a chart is an image that cannot run
    over a page), a breakdown with more values draws only its `bars_max` largest ones."""
    charts = {}
    for b in ind.breakdowns:
        table_id = breakdown_anchor(b.dimension)
        title = _("Établissements par %(dimension)s") % {"dimension": b.label}
        rows: list[BarRow] = [(c.label, c.establishments) for c in b.cells]
        if bars_max is not None and len(rows) > bars_max:
            rows = _largest(rows, bars_max)
            title = _("%(title)s — les %(n)d valeurs les plus fréquentes") % {
                "title": title,
                "n": len(rows),
            }
        charts[table_id] = bar_chart(f"graphique-{b.dimension}", title, table_id, rows)
    recent = ind.series[-15:]
    charts[SERIES] = bar_chart(
        "graphique-creations",
        _("Créations d'organisations par année"),
        SERIES,
        [(str(y.year), y.creations) for y in recent],
    )
    return charts
