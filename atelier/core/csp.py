"""Exceptions to the Content-Security-Policy, each one named and as narrow as the policy allows.

django-simple-history's history page (admin, "Historique") writes one style attribute,
`style="border-top: 0"`, on its paginator. Rather than copy that third-party template to drop
it, the history pages of the admin allow exactly that attribute value by its hash
(`style-src-attr 'unsafe-hashes' 'sha256-…'`): no other inline style, and no inline script,
is allowed anywhere. Placed after csp.middleware.CSPMiddleware in MIDDLEWARE (responses go up
the list: this one marks the response before CSPMiddleware writes the header)."""

import base64
import hashlib
import re
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

HISTORY_PAGE = re.compile(r"^/(?:[a-z]{2}/)?admin/.+/history/")
HISTORY_STYLE_ATTRIBUTES = ("border-top: 0",)


def style_hash(value: str) -> str:
    digest = hashlib.sha256(value.encode("utf-8")).digest()
    return "'sha256-" + base64.b64encode(digest).decode("ascii") + "'"


HISTORY_UPDATE = {
    "style-src-attr": ["'unsafe-hashes'", *(style_hash(v) for v in HISTORY_STYLE_ATTRIBUTES)]
}


class AdminHistoryCspMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if HISTORY_PAGE.match(request.path_info):
            response._csp_update = HISTORY_UPDATE  # type: ignore[attr-defined]
        return response
