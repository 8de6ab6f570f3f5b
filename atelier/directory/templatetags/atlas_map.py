"""`{% atlas_map_config as cfg %}`: what the Atlas maps need from settings and the request."""

from typing import Any

from django import template
from django.conf import settings
from django.http import QueryDict
from django.urls import reverse

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


@register.simple_tag(takes_context=True)
def atlas_map_config(context: template.Context) -> dict[str, str]:
    """API and page URLs, the current search filters as a querystring, and the base-map tiles
    (settings ATELIER_MAP_TILE_URL / ATELIER_MAP_TILE_ATTRIBUTION; empty = plain background)."""
    return {
        "api_url": reverse("api:map-clusters"),
        "query": _filters_querystring(context.get("request")),
        "org_url": reverse("directory:organisation", args=[0]),
        "tile_url": settings.ATELIER_MAP_TILE_URL,
        "tile_attribution": settings.ATELIER_MAP_TILE_ATTRIBUTION,
    }
