from django.urls import path, register_converter

from .views import exports, organisation, search


class SirenOrSiret:
    """9 or 14 digits (tried before the organisation id: see organisation_by_number)."""

    regex = r"[0-9]{9}|[0-9]{14}"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(SirenOrSiret, "siren_or_siret")

app_name = "directory"
urlpatterns = [
    path("", search.search, name="search"),
    path(
        "organisations/<siren_or_siret:number>/",
        organisation.organisation_by_number,
        name="organisation-by-number",
    ),
    path("organisations/<int:pk>/", organisation.organisation_detail, name="organisation"),
    path("export.<str:fmt>", exports.export, name="export"),
]
