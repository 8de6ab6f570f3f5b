"""The django-ninja API object; one router module per domain app (OpenAPI 3 at /api/v1/).

Errors have one shape (errors.ApiError) and the OpenAPI document is completed to say what the
API does (openapi.document); the interactive documentation is served from local static files
(openapi.LocalSwagger)."""

from .errors import install
from .openapi import AtelierAPI, LocalSwagger

api = AtelierAPI(
    title="Atelier API",
    version="1.0.0",
    description="API ouverte de l'Atlas des acteurs de l'économie sociale et solidaire.",
    urls_namespace="api",
    docs=LocalSwagger(),
)
install(api)


def _register() -> None:
    from . import indicators, map, organisation_detail, organisations, schemes, territories

    api.add_router("/territories", territories.router)
    api.add_router("/organisations", organisations.router)
    api.add_router("/organisations", organisation_detail.router)
    api.add_router("/map", map.router)
    api.add_router("/indicators", indicators.router)
    api.add_router("", schemes.router)  # /schemes, /orientation (orientation & support)


_register()
