"""The Atlas page /atlas/: a GET form (works without JavaScript), results, facets and the map."""

from dataclasses import dataclass, replace

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from atelier.core.perms import public
from atelier.territories.enums import TerritoryLevel
from atelier.territories.selectors import LEVEL_DEPTH, TerritoryRef

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


@dataclass(frozen=True, slots=True)
class PlaceChoice:
    """Another territory of the name read in the text, as a link that searches there."""

    label: str
    querystring: str


def active_filters(result: SearchResult) -> list[Chip]:
    params = result.params
    chips = []
    if params.q:
        chips.append(Chip(_("Texte"), params.q, params.without("q").to_querystring()))
    facets_shown = set()
    for facet in result.facets:
        for value in facet.values:
            if value.selected:
                facets_shown.add(facet.name)
                chips.append(
                    Chip(
                        facet.legend,
                        value.label,
                        params.without(facet.name, value.value).to_querystring(),
                    )
                )
    if "territoire" not in facets_shown:  # the database's plain list counts no facet
        for ref in sorted(params.territories, key=lambda r: LEVEL_DEPTH[r.level]):
            chips.append(
                Chip(
                    _("Territoire"),
                    ref.label,
                    params.without("territoire", ref.key).to_querystring(),
                )
            )
    if params.center is not None:
        label = _("%(place)s, %(km)d km") % {"place": params.center.label, "km": params.rayon}
        chips.append(Chip(_("Autour de"), label, params.without("autour").to_querystring()))
    if params.zone_box is not None:
        chips.append(Chip(_("Zone de la carte"), "", params.without("zone").to_querystring()))
    return chips


def place_label(ref: TerritoryRef) -> str:
    """A territory read in the text, for people: a commune by its label ("Vienne (38)"), a
    département or région with its level ("Vienne (86), département")."""
    if ref.level == TerritoryLevel.DEPARTEMENT:
        return _("%(label)s, département") % {"label": ref.label}
    if ref.level == TerritoryLevel.REGION:
        return _("%(label)s, région") % {"label": ref.label}
    return ref.label


def place_links(params: SearchParams) -> tuple[str, list[PlaceChoice]]:
    """For a place read in the text: the query string that searches the text as typed instead,
    and one link per other territory of that name (the text's other words kept)."""
    place = params.place
    if place is None:
        return "", []
    plain = replace(params, territoire=[], territories=[], errors=[], page=1)
    as_text = replace(plain, q=place.typed, lieu="texte").to_querystring()
    choices = [
        PlaceChoice(
            place_label(ref),
            replace(plain, q=place.rest, territoire=[ref.key], territories=[ref]).to_querystring(),
        )
        for ref in place.choices
    ]
    return as_text, choices


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
    place_as_text, place_choices = place_links(params)
    bad = page_number(request.GET.get("page")) is None or params.invalid
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
            "place": params.place,
            "place_applied": [place_label(r) for r in params.place.applied] if params.place else [],
            "place_as_text": place_as_text,
            "place_choices": place_choices,
            # "Rechercher dans cette zone": the map's script adds zone=… to these filters.
            "atlas_map_zone_url": "?" + params.to_querystring(page=False),
        },
        # A page number that is not one (page=abc, page=²), a radius, centre or zone that
        # cannot be used: the page explains it, as a 400.
        status=400 if bad else 200,
    )
