"""One error model for the whole API, described as it is returned.

Every error answer, whatever its status, is an `ApiError`: `detail` is one sentence for people
in the request's language (Accept-Language fr or en, French by default: LocaleMiddleware),
`errors` lists the invalid parameters of a 422 (empty otherwise). The exception handlers
installed by `install` turn ninja's validation errors (pydantic's, in English, with `detail` as
an array) and `HttpError`/`Http404` into that shape, so that the OpenAPI document and the
answers agree.

Statuses: 422 = a parameter is invalid (malformed, out of range, not a possible value); 404 = no
such resource (an organisation, a territory, a page past the last one). What a parameter must
look like is in the document (pattern, bounds, enum), so that a request the document accepts is
answered (checked by schemathesis: atelier/api/tests/test_api_schemathesis.py).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Field, NinjaAPI, Schema
from ninja.errors import HttpError, ValidationError

VALIDATION_STATUS = 422
# What a value refused by a `pattern` should look like, by pattern, in words (routers add
# theirs); a pattern not listed here is reported as "ne doit pas être vide" (r"\S").
PATTERN_MESSAGES: dict[str, Any] = {}


class ParamError(Schema):
    param: str = Field(
        description="Le paramètre en cause, par exemple page ; vide quand le message le nomme "
        "lui-même (valeurs refusées par les règles de l'Atlas)."
    )
    message: str = Field(description="Pourquoi sa valeur n'est pas acceptée.")


class ApiError(Schema):
    """The body of every error answer of the API."""

    detail: str = Field(
        description="Message pour les personnes, dans la langue de la requête "
        "(Accept-Language : fr ou en ; français par défaut)."
    )
    errors: list[ParamError] = Field(
        default_factory=list,
        description="Pour une réponse 422 : chaque paramètre invalide et la raison ; vide sinon.",
    )


def error_body(detail: str, errors: Iterable[tuple[str, str]] = ()) -> dict[str, Any]:
    return {"detail": detail, "errors": [{"param": p, "message": m} for p, m in errors]}


def _param(loc: Any) -> str:
    # ninja: ("query", "page"), ("query", "famille", 0), ("path", "key"),
    # ("body", "body", "stage"), ("body", "body", "situations", 0)
    parts = [str(p) for p in (loc or []) if not isinstance(p, int)]
    if parts[:1] == ["body"] and len(parts) > 2:
        return parts[-1]
    return parts[1] if len(parts) > 1 else (parts[0] if parts else "?")


def pydantic_message(error: dict[str, Any]) -> str:
    """A pydantic error (English, for developers) as a sentence in the request's language."""
    kind = error.get("type", "")
    ctx = error.get("ctx") or {}
    if kind == "missing":
        return _("paramètre obligatoire.")
    if kind in ("int_parsing", "int_type", "int_from_float"):
        return _("nombre entier attendu, écrit avec les chiffres 0 à 9.")
    if kind in ("float_parsing", "float_type"):
        return _("nombre attendu, avec un point décimal (par exemple 2.35).")
    if kind == "greater_than_equal":
        return _("la valeur doit être au moins %(limit)s.") % {"limit": ctx.get("ge")}
    if kind == "less_than_equal":
        return _("la valeur doit être au plus %(limit)s.") % {"limit": ctx.get("le")}
    if kind == "string_too_long":
        return _("au plus %(limit)s caractères.") % {"limit": ctx.get("max_length")}
    if kind == "string_pattern_mismatch" and ctx.get("pattern") in PATTERN_MESSAGES:
        return str(PATTERN_MESSAGES[ctx["pattern"]])
    if kind in ("string_too_short", "string_pattern_mismatch"):
        return _("ne doit pas être vide.")
    if kind in ("date_from_datetime_parsing", "date_parsing", "date_type"):
        return _("date attendue, au format AAAA-MM-JJ.")
    if kind in ("list_type", "too_long"):
        return _("liste de valeurs attendue (au plus %(limit)s).") % {
            "limit": ctx.get("max_length", "…")
        }
    if kind in ("enum", "literal_error"):
        return _("valeurs possibles : %(values)s.") % {"values": ctx.get("expected", "")}
    return str(error.get("msg", kind))


def validation_response(api: NinjaAPI, request: HttpRequest, errors: list[tuple[str, str]]):
    detail = _("Paramètres invalides : %(errors)s") % {
        "errors": " ".join(f"{param} : {message}" for param, message in errors)
    }
    return api.create_response(request, error_body(detail, errors), status=VALIDATION_STATUS)


def install(api: NinjaAPI) -> None:
    """Install the handlers that give every error answer of `api` the ApiError shape."""

    def on_validation(request: HttpRequest, exc: ValidationError) -> HttpResponse:
        errors = [(_param(e.get("loc")), pydantic_message(e)) for e in exc.errors]
        return validation_response(api, request, errors)

    def on_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
        invalid = isinstance(exc, ParamsInvalid)
        errors = [(exc.param, m) for m in exc.messages] if invalid else []
        return api.create_response(request, error_body(str(exc), errors), status=exc.status_code)

    def on_404(request: HttpRequest, exc: Http404) -> HttpResponse:
        return api.create_response(
            request, error_body(_("Cette ressource n'existe pas dans l'API.")), status=404
        )

    api.add_exception_handler(ValidationError, on_validation)
    api.add_exception_handler(HttpError, on_http_error)
    api.add_exception_handler(Http404, on_404)


class ParamsInvalid(HttpError):
    """Parameters that pydantic accepted but the Atlas rules refuse (`SearchParams.errors`,
    whole sentences naming their parameter): a 422 like a validation error."""

    def __init__(self, messages: Iterable[str], *, param: str = ""):
        self.messages = [str(m) for m in messages]
        self.param = param
        super().__init__(VALIDATION_STATUS, " ".join(self.messages))
