"""atelier export --format csv|geojson|data-inclusion [--output FILE] [filters of the Atlas]."""

import sys

from django.core.management.base import BaseCommand, CommandError
from django.http import QueryDict

from atelier.directory.services.exports import (
    FORMATS,
    ExportReport,
    export_stream,
    invalid_filters_message,
)

# Command-line option -> Atlas query parameter (repeatable ones take several values).
FILTERS = {
    "q": False,
    "famille": True,
    "forme": True,
    "naf": True,
    "theme": True,
    "agrement": True,
    "effectif": True,
    "territoire": False,
}


class Command(BaseCommand):
    help = (
        "Exporte les organisations de l'Atlas (mêmes filtres que la page de recherche) en CSV, "
        "GeoJSON ou au schéma data·inclusion."
    )

    def add_arguments(self, parser):
        parser.add_argument("--format", required=True, choices=FORMATS, dest="fmt")
        parser.add_argument("--output", "-o", help="Fichier de sortie (défaut : sortie standard).")
        parser.add_argument(
            "--base-url",
            default="",
            help="Adresse du site (https://…) pour donner le lien de chaque fiche.",
        )
        for name, repeatable in FILTERS.items():
            parser.add_argument(
                f"--{name}",
                action="append" if repeatable else "store",
                default=[] if repeatable else None,
                help=f"Filtre « {name} » de l'Atlas" + (" (répétable)." if repeatable else "."),
            )

    def handle(self, *args, fmt, output, base_url, **options):
        from atelier.directory.selectors.search import SearchParams, search_queryset

        query = QueryDict(mutable=True)
        for name, repeatable in FILTERS.items():
            value = options.get(name)
            if repeatable and value:
                query.setlist(name, value)
            elif not repeatable and value:
                query[name] = value
        params = SearchParams.from_querydict(query)
        if params.errors:
            raise CommandError(invalid_filters_message(params.errors))
        page_url = base_url.rstrip("/") + "/atlas/organisations/{id}/" if base_url else ""
        report = ExportReport()
        chunks = export_stream(fmt, search_queryset(params), page_url=page_url, report=report)
        try:
            if output:
                try:
                    with open(output, "w", encoding="utf-8", newline="") as fh:
                        for chunk in chunks:
                            fh.write(chunk)
                except OSError as exc:
                    raise CommandError(f"Impossible d'écrire {output} : {exc.strerror}.") from None
            else:
                for chunk in chunks:
                    sys.stdout.write(chunk)
                sys.stdout.flush()
        finally:
            # A reader that went away (`| head`: BrokenPipeError, handled by atelier.cli) leaves
            # the stream half read: close it now, while the database connection is open.
            close = getattr(chunks, "close", None)
            if close is not None:
                close()
        if fmt == "data-inclusion":
            self.stderr.write(f"{report.written} structures exportées.")
            for pk, reason in report.skipped:
                self.stderr.write(f"Organisation {pk} non exportée : {reason}")
