from django.urls import path

from .views import exports, organisation, search

app_name = "directory"
urlpatterns = [
    path("", search.search, name="search"),
    path("organisations/<int:pk>/", organisation.organisation_detail, name="organisation"),
    path("export.<str:fmt>", exports.export, name="export"),
]
