"""atelier search-index rebuild|sync|status: the embedded search index of the Atlas."""

from django.core.management.base import BaseCommand, CommandError

from atelier.directory.search_index import (
    SearchIndexError,
    search_index_rebuild,
    search_index_status,
    search_index_sync,
)

ACTIONS = ("rebuild", "sync", "status")


class Command(BaseCommand):
    help = (
        "Index de recherche embarqué de l'Atlas (tantivy) : reconstruire (rebuild), mettre à "
        "jour depuis la base (sync) ou afficher son état (status)."
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
                state = search_index_rebuild()
                self.stdout.write(
                    f"Index reconstruit : {state['documents']} organisations "
                    f"en {state['seconds']} s."
                )
            elif action == "sync":
                state = search_index_sync()
                if state["action"] == "none":
                    self.stdout.write("Index déjà à jour.")
                elif state["action"] == "rebuild":
                    self.stdout.write(
                        f"Index reconstruit : {state['documents']} organisations "
                        f"en {state['seconds']} s."
                    )
                else:
                    self.stdout.write(
                        f"Index mis à jour : {state['replaced']} organisations relues "
                        f"en {state['seconds']} s."
                    )
            else:
                state = search_index_status()
                self.stdout.write(f"Dossier : {state['path']}")
                self.stdout.write(
                    f"Organisations indexées : {state['documents']} "
                    f"(périmètre en base : {state['perimeter']})"
                )
                self.stdout.write(f"Taille : {state['bytes'] / 1e6:.1f} Mo")
                self.stdout.write("État : " + ("à jour" if state["up_to_date"] else "en retard"))
        except SearchIndexError as exc:
            raise CommandError(str(exc)) from exc
