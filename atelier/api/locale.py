"""The API speaks the language its client asks for (Accept-Language: fr or en).

Its URLs carry no language prefix, and LocaleMiddleware gives every unprefixed URL the default
language when i18n_patterns(prefix_default_language=False) is used (the pages: /atlas/ is
French, /en/atlas/ English). An API client has no prefix to choose with, so under /api/ this
middleware, placed after LocaleMiddleware, activates the language of the request's cookie or
Accept-Language header instead (French when none is supported)."""

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils import translation
from django.utils.cache import patch_vary_headers

API_PREFIX = "/api/"


class ApiLanguageMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not request.path_info.startswith(API_PREFIX):
            return self.get_response(request)
        language = translation.get_language_from_request(request, check_path=False)
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()
        response = self.get_response(request)
        patch_vary_headers(response, ("Accept-Language",))
        response.headers.setdefault("Content-Language", language)
        return response
