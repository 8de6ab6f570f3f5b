"""Pages of the support app: orientation (public), the schemes catalogue, cases, Premières
heures."""

from django.urls import path, register_converter

from .views import cases, catalogue, orientation, request, stats
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
    # Orientation: the public questionnaire and its results.
    path("orientation/", orientation.orientation, name="orientation"),
    # The schemes catalogue (public; the stale list for staff).
    path("dispositifs/", catalogue.scheme_list, name="schemes"),
    # Before the scheme pages: its segment would be read as a slug.
    path("dispositifs/a-verifier/", catalogue.stale_list, name="schemes_stale"),
    path("dispositifs/<slug:slug>/", catalogue.scheme_page, name="scheme"),
    # Premières heures (staff of the structure's network).
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
    # Support journeys: the holder's request and private follow-up link (public).
    path("accompagnement/demande/", request.case_request, name="case-request"),
    path("accompagnement/suivi/<str:token>/", request.case_follow, name="case-follow"),
    path(
        "accompagnement/suivi/<str:token>/effacer/",
        request.case_follow_erase,
        name="case-follow-erase",
    ),
    # Advisors and staff.
    path("accompagnement/dossiers/", cases.case_list_view, name="case-list"),
    path("accompagnement/dossiers/<int:pk>/", cases.case_detail, name="case-detail"),
    path("accompagnement/dossiers/<int:pk>/prendre/", cases.case_take_view, name="case-take"),
    path(
        "accompagnement/dossiers/<int:pk>/etat/",
        cases.case_transition_view,
        name="case-transition",
    ),
    path("accompagnement/dossiers/<int:pk>/cloturer/", cases.case_close_view, name="case-close"),
    path("accompagnement/dossiers/<int:pk>/rouvrir/", cases.case_reopen_view, name="case-reopen"),
    path("accompagnement/dossiers/<int:pk>/note/", cases.case_note_view, name="case-note"),
    path(
        "accompagnement/dossiers/<int:pk>/prochaine-action/",
        cases.case_next_action_view,
        name="case-next-action",
    ),
    path(
        "accompagnement/dossiers/<int:pk>/documents/",
        cases.case_attachment_view,
        name="case-attachment",
    ),
    path(
        "accompagnement/dossiers/<int:pk>/documents/<int:attachment_id>/",
        cases.case_attachment_download,
        name="case-attachment-download",
    ),
    path("accompagnement/dossiers/<int:pk>/orienter/", cases.case_route_view, name="case-route"),
    path("accompagnement/statistiques/", stats.case_stats_view, name="case-stats"),
    path("accompagnement/statistiques.csv", stats.case_stats_csv_view, name="case-stats-csv"),
]
