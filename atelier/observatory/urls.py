from django.urls import path

from .views import pages

app_name = "observatory"
urlpatterns = [
    path("", pages.index, name="index"),
    path("<str:level>/<str:code>/", pages.territory, name="territory"),
    path("<str:level>/<str:code>/<slug:table>.csv", pages.table_csv, name="csv"),
]
