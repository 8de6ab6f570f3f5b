"""Pages of the support app: orientation (public), the schemes catalogue, cases, Premières
heures."""

from django.urls import path, register_converter

from .views import premieres_heures as ph


class MonthConverter:
    """A month in a URL: 2025-03."""

    regex = r"\d{4}-\d{2}"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(MonthConverter, "yyyymm")

PH = "accompagnement/premieres-heures/"

app_name = "support"
urlpatterns: list = [
    path(PH, ph.structures, name="ph-structures"),
    path(f"{PH}parametres/", ph.parameters, name="ph-parameters"),
    path(f"{PH}structures/inscrire/", ph.structure_add, name="ph-structure-add"),
    path(f"{PH}structures/<int:pk>/", ph.structure, name="ph-structure"),
    path(
        f"{PH}structures/<int:pk>/beneficiaires/ajouter/",
        ph.beneficiary_add,
        name="ph-beneficiary-add",
    ),
    path(f"{PH}structures/<int:pk>/releves/", ph.statement_pick, name="ph-statement-pick"),
    path(f"{PH}structures/<int:pk>/releves/<yyyymm:month>/", ph.statement, name="ph-statement"),
    path(
        f"{PH}structures/<int:pk>/releves/<yyyymm:month>.csv",
        ph.statement_csv,
        name="ph-statement-csv",
    ),
    path(
        f"{PH}structures/<int:pk>/releves/<yyyymm:month>.pdf",
        ph.statement_pdf_view,
        name="ph-statement-pdf",
    ),
    path(f"{PH}beneficiaires/<int:pk>/", ph.beneficiary, name="ph-beneficiary"),
    path(f"{PH}beneficiaires/<int:pk>/contrats/ajouter/", ph.contract_add, name="ph-contract-add"),
    path(f"{PH}beneficiaires/<int:pk>/heures/", ph.hours, name="ph-hours"),
    path(f"{PH}contrats/<int:pk>/modifier/", ph.contract_edit, name="ph-contract-edit"),
]
