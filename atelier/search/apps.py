from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SearchConfig(AppConfig):
    """Domain-free search infrastructure: embedded indexes (tantivy) kept in sync with the
    database, their data versions, task and command. Imports no domain app: domain apps
    register their indexes here (see atelier.search.registry)."""

    name = "atelier.search"
    label = "search"
    verbose_name = _("Recherche")
