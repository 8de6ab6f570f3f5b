"""atelier search-index rebuild|sync|status: the embedded indexes of the Atlas — the search index
(organisations) and the map index (establishments, for the filtered map)."""

from collections.abc import Callable

from django.core.management.base import BaseCommand, CommandError

from atelier.directory.map_index import map_index_rebuild, map_index_status, map_index_sync
from atelier.directory.search_index import (
    SearchIndexError,
    search_index_rebuild,
    search_index_status,
    search_index_sync,
)
from atelier.directory.services.reports import Progress

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
        self.verbosity = options["verbosity"]
        try:
            if action in ("rebuild", "sync"):
                search, map_ = (
                    (search_index_rebuild, map_index_rebuild)
                    if action == "rebuild"
                    else (search_index_sync, map_index_sync)
                )
                self._report(SEARCH, self._with_progress(SEARCH, search))
                self._report(MAP, self._with_progress(MAP, map_))
            else:
                self._status(SEARCH, search_index_status())
                self._status(MAP, map_index_status())
        except SearchIndexError as exc:
            raise CommandError(str(exc)) from exc

    def _with_progress(self, index: tuple[str, str, str], call: Callable[..., dict]) -> dict:
        """Run `call`, showing on stderr the documents written when it rebuilds (about half a
        minute per million rows)."""
        name, rows, _indexed = index
        progress = Progress(f"{name} ({rows})", stream=self.stderr._out)
        if self.verbosity == 0:
            progress.every = float("inf")
        rebuilt = False

        def update(rows: int) -> None:
            nonlocal rebuilt
            rebuilt = True
            progress.update(rows)

        state = call(progress=update)
        if rebuilt and self.verbosity:
            progress.done()
        return state

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
