"""Pages of the support app: orientation (public), the schemes catalogue, cases."""

from django.urls import path  # noqa: F401 — the parts add their routes here

app_name = "support"
urlpatterns: list = []
