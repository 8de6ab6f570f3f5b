"""atelier search-index rebuild|sync|status [--index NAME]: the embedded indexes declared by the
domain apps (for the Atlas: the search index of organisations, the map index of establishments).
They keep themselves up to date (worker task, requests); these commands serve after a large
import or to check."""

from typing import IO, cast

from django.core.management.base import BaseCommand, CommandError

from atelier.core.progress import Progress
from atelier.search import IndexSpec, SearchIndexError, get, rebuild, registered, status, sync

ACTIONS = ("rebuild", "sync", "status")


class Command(BaseCommand):
    help = (
        "Index embarqués (tantivy) : reconstruire (rebuild), mettre à jour depuis la base "
        "(sync) ou afficher leur état (status)."
    )

    def add_arguments(self, parser):
        parser.add_argument("action", help="rebuild, sync ou status")
        parser.add_argument(
            "--index",
            action="append",
            dest="indexes",
            metavar="NOM",
            help="un index seulement (répétable) ; tous par défaut",
        )

    def handle(self, *args, action: str, indexes: list[str] | None = None, **options):
        if action not in ACTIONS:
            raise CommandError(
                f"Action inconnue « {action} » : choisir parmi rebuild, sync, status."
            )
        try:
            specs = [get(name) for name in indexes] if indexes else registered()
        except LookupError as exc:
            raise CommandError(str(exc)) from exc
        self.verbosity = options["verbosity"]
        try:
            for spec in specs:
                if action == "status":
                    self._status(spec, status(spec))
                else:
                    self._report(spec, self._with_progress(spec, action))
        except SearchIndexError as exc:
            raise CommandError(str(exc)) from exc

    def _with_progress(self, spec: IndexSpec, action: str) -> dict:
        """Rebuild or sync `spec`, showing on stderr the documents written when it rebuilds
        (about half a minute per million rows)."""
        # The terminal itself: progress lines end with their own newline.
        stream = cast(IO[str], self.stderr._out)
        progress = Progress(f"{spec.label} ({spec.rows})", stream=stream)
        if self.verbosity == 0:
            progress.every = float("inf")
        rebuilt = False

        def update(rows: int) -> None:
            nonlocal rebuilt
            rebuilt = True
            progress.update(rows)

        state = (rebuild if action == "rebuild" else sync)(spec, progress=update)
        if rebuilt and self.verbosity:
            progress.done()
        return state

    def _report(self, spec: IndexSpec, state: dict) -> None:
        if state["action"] == "none":
            self.stdout.write(f"{spec.label} déjà à jour.")
        elif state["action"] == "rebuild":
            self.stdout.write(
                f"{spec.label} reconstruit : {state['documents']} {spec.rows} "
                f"en {state['seconds']} s."
            )
        else:
            self.stdout.write(
                f"{spec.label} mis à jour : {state['replaced']} lignes relues "
                f"en {state['seconds']} s."
            )

    def _status(self, spec: IndexSpec, state: dict) -> None:
        self.stdout.write(f"{spec.label} — dossier : {state['path']}")
        self.stdout.write(
            f"  {spec.rows.capitalize()} dans l'index : {state['documents']} "
            f"(d'après la base : {state['expected']})"
        )
        self.stdout.write(f"  Taille : {state['bytes'] / 1e6:.1f} Mo")
        self.stdout.write("  État : " + ("à jour" if state["up_to_date"] else "en retard"))
