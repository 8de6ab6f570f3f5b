"""Pages of the support app: orientation (public), the schemes catalogue, cases."""

from django.urls import path

from .views import catalogue

app_name = "support"
urlpatterns: list = [
    path("dispositifs/", catalogue.scheme_list, name="schemes"),
    # Before the scheme pages: its segment would be read as a slug.
    path("dispositifs/a-verifier/", catalogue.stale_list, name="schemes_stale"),
    path("dispositifs/<slug:slug>/", catalogue.scheme_page, name="scheme"),
]
