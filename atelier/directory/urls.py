from django.urls import path

from .views import search

app_name = "directory"
urlpatterns = [
    path("", search.search, name="search"),
]
