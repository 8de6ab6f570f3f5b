from django.urls import path

from .views import compare, custom, diagnostic, pages

app_name = "observatory"
urlpatterns = [
    path("", pages.index, name="index"),
    # Before the territory pages: their first segment would be read as a level.
    path("territoires-personnalises/", custom.custom_list, name="custom_list"),
    path("territoires-personnalises/nouveau/", custom.custom_create, name="custom_create"),
    path(
        "territoires-personnalises/<slug:code>/modifier/",
        custom.custom_edit,
        name="custom_edit",
    ),
    path(
        "territoires-personnalises/<slug:code>/supprimer/",
        custom.custom_delete,
        name="custom_delete",
    ),
    path("comparer/", compare.compare_page, name="compare"),
    path("comparer/<slug:table>.csv", compare.compare_csv, name="compare_csv"),
    path("<str:level>/<str:code>/", pages.territory, name="territory"),
    path("<str:level>/<str:code>/diagnostic.pdf", diagnostic.diagnostic_pdf, name="diagnostic_pdf"),
    path(
        "<str:level>/<str:code>/diagnostic/",
        diagnostic.diagnostic_progress,
        name="diagnostic_progress",
    ),
    path("<str:level>/<str:code>/widget/", diagnostic.widget, name="widget"),
    path("<str:level>/<str:code>/<slug:table>.csv", pages.table_csv, name="csv"),
]
