"""The OpenAPI document as the API behaves, and its interactive documentation served locally.

- Filters whose values form a closed list carry that list as an `enum` (taken from the rules
  that validate them, `directory.selectors.search_params`), on every operation that takes them.
- Query parameters are never `null` (a URL has no null): the `anyOf […, null]` that pydantic
  writes for optional ones is reduced to the value's own schema.
- Every operation that takes parameters documents the 422 of its invalid values, and every
  error answer documents the one error model (`errors.ApiError`).
- Swagger UI comes from the npm package swagger-ui-dist, served by staticfiles (no CDN: the
  page works offline and under the Content-Security-Policy, no inline script).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.template import engines
from ninja import NinjaAPI, Swagger

from atelier.directory.selectors.search_params import (
    APPROVALS_BY_NAME,
    BAND_VALUES,
    FAMILY_VALUES,
    NAF_SECTIONS,
    THEMES_BY_NAME,
)
from atelier.territories.enums import TerritoryLevel

ENUMS: dict[str, list[str]] = {
    "famille": list(FAMILY_VALUES),
    "naf": list(NAF_SECTIONS),
    "theme": sorted(THEMES_BY_NAME),
    "agrement": sorted(APPROVALS_BY_NAME),
    "effectif": list(BAND_VALUES),
    "level": list(TerritoryLevel.values),
}
ERROR_REF = {"$ref": "#/components/schemas/ApiError"}
ERROR_DESCRIPTIONS = {
    "400": "Requête impossible à satisfaire (message dans `detail`).",
    "404": "Ressource introuvable, ou page au-delà de la dernière.",
    "422": "Paramètre invalide : `errors` dit lequel et pourquoi.",
}
TEMPLATE = Path(__file__).parent / "templates" / "api" / "swagger.html"


def _plain(schema: dict[str, Any]) -> dict[str, Any]:
    """`schema` without its `null` alternative (query and path parameters are never null)."""
    variants = [v for v in schema.get("anyOf", []) if v.get("type") != "null"]
    if len(variants) != 1:
        return schema
    rest = {k: v for k, v in schema.items() if k != "anyOf"}
    return {**rest, **variants[0]}


def _parameter(param: dict[str, Any]) -> None:
    schema = _plain(param.get("schema", {}))
    values = ENUMS.get(param.get("name", ""))
    if values is not None and "enum" not in schema:  # an operation's own enum is kept
        if schema.get("type") == "array":
            # An empty value in a repeated filter is ignored (HTML forms send `theme=`): the
            # document says so rather than promise a 422 the API does not give.
            schema["items"] = {**schema.get("items", {}), "type": "string", "enum": [*values, ""]}
        else:
            schema["enum"] = values
    param["schema"] = schema


def document(schema: dict[str, Any]) -> dict[str, Any]:
    """Complete the OpenAPI document built by ninja (see the module docstring)."""
    for methods in schema.get("paths", {}).values():
        for operation in methods.values():
            for param in operation.get("parameters", []):
                _parameter(param)
            responses = operation.setdefault("responses", {})
            if operation.get("parameters") and not {422, "422"} & set(responses):
                responses["422"] = {}
            for status, response in responses.items():
                if str(status) in ERROR_DESCRIPTIONS:
                    response["description"] = ERROR_DESCRIPTIONS[str(status)]
                    response["content"] = {"application/json": {"schema": ERROR_REF}}
    return schema


class LocalSwagger(Swagger):
    """Swagger UI from the project's static files (`vendor/swagger-ui/`, npm swagger-ui-dist)
    with its settings in a JSON block read by `api/swagger-init.js`."""

    def render_page(self, request: HttpRequest, api: NinjaAPI, **kwargs: Any) -> HttpResponse:
        settings = {**self.settings, "url": self.get_openapi_url(api, kwargs)}
        template = engines["django"].from_string(TEMPLATE.read_text(encoding="utf-8"))
        context = {"api": api, "swagger_settings": settings, "openapi_url": settings["url"]}
        return HttpResponse(template.render(context, request))


class AtelierAPI(NinjaAPI):
    def get_openapi_schema(self, *, path_prefix=None, path_params=None):
        schema = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        return document(schema)
