from django.http import Http404, HttpRequest, HttpResponse

from atelier.core.perms import public


@public
def organisation_detail(request: HttpRequest, pk: int) -> HttpResponse:
    raise Http404  # implemented by the organisation-page task
