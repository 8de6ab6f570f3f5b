from django.urls import path

from .views import custom, pages

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
    path("<str:level>/<str:code>/", pages.territory, name="territory"),
    path("<str:level>/<str:code>/<slug:table>.csv", pages.table_csv, name="csv"),
]
