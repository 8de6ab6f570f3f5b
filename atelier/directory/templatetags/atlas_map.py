"""`{% atlas_map_config as cfg %}`: what the Atlas maps need from settings and the request;
`{% atlas_map_families %}`: the ESS families as the map draws them (legend, marker letters)."""

import json
from typing import Any
from urllib.parse import urlsplit

from django import template
from django.conf import settings
from django.http import QueryDict
from django.urls import reverse

from ..families import MAP_FAMILIES, MapFamily, family_index
from ..selectors.search import SearchParams

register = template.Library()

# Query parameters that are not search filters (pagination, the map's own).
_NOT_FILTERS = ("page", "bbox", "zoom", "format")


def _filters_querystring(request: Any) -> str:
    if request is None:
        return ""
    query = QueryDict(SearchParams.from_querydict(request.GET).to_querystring(), mutable=True)
    for key in _NOT_FILTERS:
        query.pop(key, None)
    return query.urlencode()


def _web_url(url: str) -> str:
    """`url` when it is an http(s) address, else "" (the attribution is then not a link)."""
    parts = urlsplit(url or "")
    return url if parts.scheme in ("http", "https") and parts.netloc else ""


def _families_json() -> str:
    """The families for the map script: letter, CSS class, singular and plural labels."""
    return json.dumps(
        [
            {"letter": f.letter, "css": f.css_class, "label": str(f.label), "plural": str(f.plural)}
            for f in MAP_FAMILIES
        ],
        ensure_ascii=False,
        separators=(",", ":"),
    )


@register.simple_tag(takes_context=True)
def atlas_map_config(context: template.Context) -> dict[str, str]:
    """API and page URLs, the current search filters as a querystring, the base-map tiles
    (settings ATELIER_MAP_TILE_URL, _ATTRIBUTION, _ATTRIBUTION_URL, _MAX_ZOOM; an empty URL =
    plain background) and the families (JSON, escaped by the template as an attribute)."""
    tile_url = settings.ATELIER_MAP_TILE_URL
    return {
        "api_url": reverse("api:map-clusters"),
        "detail_url": reverse("api:organisation_get", args=["0"]),
        "query": _filters_querystring(context.get("request")),
        "org_url": reverse("directory:organisation", args=[0]),
        "tile_url": tile_url,
        "tile_attribution": settings.ATELIER_MAP_TILE_ATTRIBUTION if tile_url else "",
        "tile_attribution_url": (
            _web_url(settings.ATELIER_MAP_TILE_ATTRIBUTION_URL) if tile_url else ""
        ),
        "tile_max_zoom": str(settings.ATELIER_MAP_TILE_MAX_ZOOM),
        "families": _families_json(),
    }


@register.simple_tag
def atlas_map_families() -> tuple[MapFamily, ...]:
    return MAP_FAMILIES


@register.simple_tag
def atlas_map_family(value: str) -> MapFamily:
    """The map family of an `Organisation.ess_family` value (its letter and CSS class)."""
    return MAP_FAMILIES[family_index(value)]
