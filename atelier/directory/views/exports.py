from django.http import Http404, HttpRequest, HttpResponse

from atelier.core.perms import public


@public
def export(request: HttpRequest, fmt: str) -> HttpResponse:
    raise Http404  # implemented by the exports task
