from django.urls import path

from .views import compare, diagnostic, pages

app_name = "observatory"
urlpatterns = [
    path("", pages.index, name="index"),
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
