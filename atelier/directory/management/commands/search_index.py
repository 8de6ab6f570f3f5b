"""atelier search-index rebuild|sync|status: the embedded indexes of the Atlas — the search index
(organisations) and the map index (establishments, for the filtered map)."""

from django.core.management.base import BaseCommand, CommandError

from atelier.directory.map_index import map_index_rebuild, map_index_status, map_index_sync
from atelier.directory.search_index import (
    SearchIndexError,
    search_index_rebuild,
    search_index_status,
    search_index_sync,
)

ACTIONS = ("rebuild", "sync", "status")
# Each index, what it holds and how to say it is indexed (for the messages).
SEARCH = ("Index de recherche", "organisations", "indexées")
MAP = ("Index de la carte", "établissements", "indexés")


class Command(BaseCommand):
    help = (
        "Index embarqués de l'Atlas (tantivy) — recherche et carte filtrée : reconstruire "
        "(rebuild), mettre à jour depuis la base (sync) ou afficher leur état (status)."
    )

    def add_arguments(self, parser):
        parser.add_argument("action", help="rebuild, sync ou status")

    def handle(self, *args, action: str, **options):
        if action not in ACTIONS:
            raise CommandError(
                f"Action inconnue « {action} » : choisir parmi rebuild, sync, status."
            )
        try:
            if action == "rebuild":
                self._report(SEARCH, search_index_rebuild())
                self._report(MAP, map_index_rebuild())
            elif action == "sync":
                self._report(SEARCH, search_index_sync())
                self._report(MAP, map_index_sync())
            else:
                self._status(SEARCH, search_index_status())
                self._status(MAP, map_index_status())
        except SearchIndexError as exc:
            raise CommandError(str(exc)) from exc

    def _report(self, index: tuple[str, str, str], state: dict) -> None:
        name, rows, _indexed = index
        if state["action"] == "none":
            self.stdout.write(f"{name} déjà à jour.")
        elif state["action"] == "rebuild":
            self.stdout.write(
                f"{name} reconstruit : {state['documents']} {rows} en {state['seconds']} s."
            )
        else:
            self.stdout.write(
                f"{name} mis à jour : {state['replaced']} lignes relues en {state['seconds']} s."
            )

    def _status(self, index: tuple[str, str, str], state: dict) -> None:
        name, rows, indexed = index
        self.stdout.write(f"{name} — dossier : {state['path']}")
        self.stdout.write(
            f"  {rows.capitalize()} {indexed} : {state['documents']} "
            f"(périmètre en base : {state['perimeter']})"
        )
        self.stdout.write(f"  Taille : {state['bytes'] / 1e6:.1f} Mo")
        self.stdout.write("  État : " + ("à jour" if state["up_to_date"] else "en retard"))
