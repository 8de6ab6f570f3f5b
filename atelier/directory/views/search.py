"""The Atlas page /atlas/: a GET form (works without JavaScript), results, facets and the map."""

from dataclasses import dataclass

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from atelier.core.perms import public

from ..selectors.search import SearchParams, SearchResult
from ..selectors.search import search as search_organisations
from ..selectors.search_params import page_number

PAGE_SIZE = 20


@dataclass(frozen=True, slots=True)
class Chip:
    """An active filter, shown as a link that removes it."""

    legend: str
    label: str
    querystring: str


@dataclass(frozen=True, slots=True)
class PageLink:
    number: int | None  # None: an ellipsis
    querystring: str
    current: bool


def active_filters(result: SearchResult) -> list[Chip]:
    params = result.params
    chips = []
    if params.q:
        chips.append(Chip(_("Texte"), params.q, params.without("q").to_querystring()))
    for facet in result.facets:
        for value in facet.values:
            if value.selected:
                chips.append(
                    Chip(
                        facet.legend,
                        value.label,
                        params.without(facet.name, value.value).to_querystring(),
                    )
                )
    return chips


def page_links(result: SearchResult) -> list[PageLink]:
    return [
        PageLink(
            n,
            result.params.with_page(n).to_querystring() if n else "",
            n == result.page,
        )
        for n in result.page_numbers()
    ]


@public
def search(request: HttpRequest) -> HttpResponse:
    params = SearchParams.from_querydict(request.GET)
    result = search_organisations(params, page_size=PAGE_SIZE)
    previous_qs = result.params.with_page(result.page - 1).to_querystring()
    next_qs = result.params.with_page(result.page + 1).to_querystring()
    return render(
        request,
        "directory/search.html",
        {
            "params": params,
            "result": result,
            "chips": active_filters(result),
            "pages": page_links(result),
            "previous_querystring": previous_qs,
            "next_querystring": next_qs,
            # The current filters without the page: export links, the map.
            "querystring": params.to_querystring(page=False),
            "capped": result.total > result.browsable,
            # "Rechercher dans cette zone": the map's script adds zone=… to these filters.
            "atlas_map_zone_url": "?" + params.to_querystring(page=False),
        },
        # A page number that is not one (page=abc, page=²): the page explains it, as a 400.
        status=400 if page_number(request.GET.get("page")) is None else 200,
    )
