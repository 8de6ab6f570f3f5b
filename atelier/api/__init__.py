"""The django-ninja API object; one router module per domain app (OpenAPI 3 at /api/v1/)."""

from ninja import NinjaAPI

api = NinjaAPI(
    title="Atelier API",
    version="1.0.0",
    description="API ouverte de l'Atlas des acteurs de l'économie sociale et solidaire.",
    urls_namespace="api",
)


def _register() -> None:
    from . import map, organisation_detail, organisations, territories

    api.add_router("/territories", territories.router)
    api.add_router("/organisations", organisations.router)
    api.add_router("/organisations", organisation_detail.router)
    api.add_router("/map", map.router)


_register()
