"""Pages of the support app: orientation (public), the schemes catalogue, cases."""

from django.urls import path

from .views import cases, request, stats

app_name = "support"
urlpatterns: list = [
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
