from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseBadRequest,
    StreamingHttpResponse,
)
from django.urls import reverse

from atelier.core.perms import public

from ..services.exports import (
    CONTENT_TYPES,
    export_filename,
    export_stream,
    invalid_filters_message,
)

# URL extension -> export format (json is the data·inclusion schema).
FORMATS_BY_EXTENSION = {"csv": "csv", "geojson": "geojson", "json": "data-inclusion"}


@public
def export(request: HttpRequest, fmt: str) -> HttpResponse:
    """The organisations of an Atlas search (same query parameters as the page), streamed.
    Unlike the page, an invalid filter is refused (400, French message) rather than ignored:
    an export of everything instead of the asked selection would be silently wrong."""
    kind = FORMATS_BY_EXTENSION.get(fmt)
    if kind is None:
        raise Http404
    from ..selectors.search import SearchParams, search_queryset

    params = SearchParams.from_querydict(request.GET)
    if params.errors:
        return HttpResponseBadRequest(
            invalid_filters_message(params.errors), content_type="text/plain; charset=utf-8"
        )
    organisations = search_queryset(params)
    page = request.build_absolute_uri(reverse("directory:organisation", args=[0]))
    page_url = page.replace("/0/", "/{id}/")
    response = StreamingHttpResponse(
        export_stream(kind, organisations, page_url=page_url), content_type=CONTENT_TYPES[kind]
    )
    response["Content-Disposition"] = f'attachment; filename="{export_filename(kind)}"'
    return response
