"""The observatory's pages: the territory picker, a territory's indicators, CSV tables."""

import csv
import io
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.html import escape
from django.utils.translation import gettext as _

from atelier.core.perms import public
from atelier.directory.services.exports import csv_cell
from atelier.territories.selectors import territory_lookup

from ..enums import BAND_BOUNDS, PAGE_LEVELS, Level
from ..selectors.charts import page_charts
from ..selectors.custom import custom_members_of
from ..selectors.diagnostic import diagnostic
from ..selectors.economy import NO_COUNT, economy_share
from ..selectors.indicators import indicators
from ..selectors.references import references_for
from ..selectors.secrecy import RULE_EXPLANATION, RULES
from ..selectors.tables import Table, all_tables, csv_value, table_by_id
from ..selectors.territory import Territory, territory_resolve
from ..services.freshness import observatory_is_stale
from ..tasks import observatory_refresh_if_stale

# Shown on the picker when they exist (the demo data covers them).
FEATURED = [(Level.COMMUNE, "75056"), (Level.EPT, "200057867"), (Level.REGION, "11")]
QUERY_MAX = 100


def _url(level: str, code: str) -> str:
    return reverse("observatory:territory", kwargs={"level": level, "code": code})


@public
def index(request: HttpRequest) -> HttpResponse:
    """Pick a territory by name, code or postcode (a plain GET form: no script needed)."""
    q = request.GET.get("q", "").strip()[:QUERY_MAX]
    results = [(ref.label, _url(ref.level, ref.code)) for ref in territory_lookup(q, 20)]
    featured = []
    for level, code in FEATURED:
        territory = territory_resolve(level, code)
        if territory is not None:
            featured.append((territory.label, _url(territory.level, territory.code)))
    return render(
        request,
        "observatory/index.html",
        {"q": q, "results": results, "featured": featured, "searched": bool(q)},
    )


def _not_found(request: HttpRequest, level: str, code: str) -> HttpResponse:
    context = {"key": f"{level}:{code}"[:60], "levels": [str(lv) for lv in PAGE_LEVELS]}
    return render(request, "observatory/not_found.html", context, status=404)


def _embed_snippet(request: HttpRequest, found: Territory) -> str:
    """The iframe HTML another site pastes to show the territory's key figures."""
    url = request.build_absolute_uri(
        reverse("observatory:widget", kwargs={"level": found.level, "code": found.code})
    )
    title = _("L'ESS à %(label)s en chiffres") % {"label": found.label}
    # A plain string (the template escapes it once more for the textarea): attribute values
    # escaped here, so that the copied code is valid HTML whatever the territory's name.
    return (
        f'<iframe src="{escape(url)}" title="{escape(title)}" width="100%" height="220" '
        'loading="lazy"></iframe>'
    )


def _compare_url(found: Territory) -> str:
    """The comparison of the territory with its widest parent (its région, usually)."""
    keys = [found.key, *(p.key for p in found.parents if p.level in PAGE_LEVELS)][:1]
    wider = [p.key for p in found.parents if p.level in PAGE_LEVELS][-1:]
    query = urlencode([("t", k) for k in keys + wider])
    return f"{reverse('observatory:compare')}?{query}"


@public
def territory(request: HttpRequest, level: str, code: str) -> HttpResponse:
    found = territory_resolve(level, code)
    if found is None:
        return _not_found(request, level, code)
    if (found.level, found.code) != (level, code):
        return redirect(_url(found.level, found.code), permanent=True)
    stale = observatory_is_stale()
    observatory_refresh_if_stale()
    ind = indicators(found)
    charts = page_charts(ind)
    tables = [(table, charts.get(table.id)) for table in all_tables(ind)]
    parents = [(p.label, _url(p.level, p.code)) for p in found.parents if p.level in PAGE_LEVELS]
    context = {
        "ind": ind,
        "territory": found,
        "parents": parents,
        "tables": tables,
        "diagnostic": [
            (sentence, next(t.caption for t, _ in tables if t.id == sentence.figure))
            for sentence in diagnostic(ind)
        ],
        "stale": stale,
        "references": references_for(found),
        "compare_url": _compare_url(found),
        "embed": _embed_snippet(request, found),
        "secret_rule": RULE_EXPLANATION,
        "secret_rules": [str(text) for text in RULES.values()],
        "share": economy_share(ind),
        "no_count": NO_COUNT,
        "members": custom_members_of(found.code) if found.level == Level.CUSTOM else [],
        "bands": [(band, low, high, (low + high) / 2) for band, (low, high) in BAND_BOUNDS.items()],
    }
    return render(request, "observatory/territory.html", context)


@public
def table_csv(request: HttpRequest, level: str, code: str, table: str) -> HttpResponse:
    """One table of a territory's page as CSV (semicolons, UTF-8; "secret" where the
    statistical confidentiality hides a figure)."""
    found = territory_resolve(level, code)
    if found is None:
        return _not_found(request, level, code)
    chosen = table_by_id(indicators(found), table)
    if chosen is None:
        return _not_found(request, level, f"{code}/{table}")
    return csv_response(chosen, f"observatoire-{found.level}-{found.code}-{chosen.id}.csv")


def csv_response(table: Table, filename: str) -> HttpResponse:
    """A table as CSV (semicolons, UTF-8; "secret" where confidentiality hides a figure)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow([csv_cell(h) for h in table.headers])
    for row in table.rows:
        writer.writerow([csv_cell(csv_value(v)) for v in row])
    response = HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
