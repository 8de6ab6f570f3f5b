"""The comparison view: two to five territories side by side, a plain GET form to add or
remove territories (no script needed), every table as CSV."""

from __future__ import annotations

from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from atelier.core.perms import public
from atelier.territories.selectors import territory_lookup

from ..selectors.compare import MAX_TERRITORIES, CompareError, compare, compare_table, parse_keys
from ..selectors.secrecy import RULE_EXPLANATION
from ..selectors.territory import Territory
from .pages import QUERY_MAX, csv_response

KEYS_MAX = 12  # more `t` values than this are not even read


def compare_url(keys: list[str]) -> str:
    query = urlencode([("t", k) for k in keys])
    return reverse("observatory:compare") + (f"?{query}" if query else "")


def _page(
    request: HttpRequest, territories: list[Territory], error: str = "", status: int = 200
) -> HttpResponse:
    comparison = None
    if not error and territories:
        try:
            comparison = compare(territories)
        except CompareError as exc:
            error, status = exc.message, exc.status
    keys = [t.key for t in territories]
    context = {
        "territories": territories,
        "comparison": comparison,
        "error": error,
        "max": MAX_TERRITORIES,
        "can_add": len(territories) < MAX_TERRITORIES,
        "csv_query": urlencode([("t", k) for k in keys]),
        "secret_rule": RULE_EXPLANATION,
        "add": request.GET.get("ajout", "")[:QUERY_MAX],
    }
    return render(request, "observatory/compare.html", context, status=status)


@public
def compare_page(request: HttpRequest) -> HttpResponse:
    raw = request.GET.getlist("t")[:KEYS_MAX]
    add = request.GET.get("ajout", "").strip()[:QUERY_MAX]
    try:
        territories = parse_keys(raw)
    except CompareError as exc:
        return _page(request, [], exc.message, exc.status)
    if add:
        found = territory_lookup(add, 1)
        if not found:
            message = _("Aucun territoire ne correspond à « %(q)s ».") % {"q": add}
            return _page(request, territories, message, 200)
        keys = [t.key for t in territories]
        keys.append(f"{found[0].level}:{found[0].code}")
        return redirect(compare_url(keys))
    if not territories:  # the empty form: nothing to complain about yet
        return _page(request, [])
    return _page(request, territories)


@public
def compare_csv(request: HttpRequest, table: str) -> HttpResponse:
    try:
        comparison = compare(parse_keys(request.GET.getlist("t")[:KEYS_MAX]))
    except CompareError as exc:
        return HttpResponse(
            exc.message, status=exc.status, content_type="text/plain; charset=utf-8"
        )
    chosen = compare_table(comparison, table)
    if chosen is None:
        message = _("Tableau inconnu : « %(table)s ».") % {"table": table[:40]}
        return HttpResponse(message, status=404, content_type="text/plain; charset=utf-8")
    return csv_response(chosen, f"observatoire-comparaison-{chosen.id}.csv")
