"""atelier import-members FICHIER [--network SLUG] [--map "colonne=champ,…"] [--sheet NOM]
[--dry-run] [--report F]"""

from pathlib import Path

from django.core.management.base import CommandError

from atelier.core.priority import background_priority
from atelier.directory.services.members import (
    FIELDS,
    MembersOptions,
    organisation_import_members,
    source_check_exists,
)
from atelier.directory.services.reports import ImportFormatError

from ._reporting import ImportCommand


class Command(ImportCommand):
    help = "Importe la liste des adhérents d'un réseau (CSV ou XLSX)."
    report_kind = "adherents"

    def add_arguments(self, parser):
        parser.add_argument("path", type=Path, metavar="FICHIER")
        parser.add_argument("--network", default="", metavar="SLUG", help="identifiant du réseau")
        parser.add_argument(
            "--map",
            default="",
            metavar="COLONNE=CHAMP,…",
            help=f"correspondance des colonnes ; champs : {', '.join(FIELDS)}",
        )
        parser.add_argument("--sheet", default="", metavar="NOM", help="feuille du classeur XLSX")
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="tout vérifier et afficher un aperçu sans rien écrire",
        )
        self.add_report_argument(parser)

    def handle(self, *args, **opts):
        background_priority()  # a batch job: the requests served meanwhile come first
        try:  # before the report is created: no report for a file that does not exist
            source_check_exists(opts["path"])
        except ImportFormatError as exc:
            raise CommandError(str(exc)) from None
        options = MembersOptions(
            path=opts["path"],
            network_slug=opts["network"],
            mapping=opts["map"],
            sheet=opts["sheet"],
            dry_run=opts["dry_run"],
        )
        result, report = self.run_with_report(
            opts,
            opts["path"],
            lambda report: organisation_import_members(options=options, report=report),
        )
        out = self.stdout.write
        out(
            "Colonnes reconnues : " + ", ".join(f"{k} ← « {v} »" for k, v in result.columns.items())
        )
        if result.dry_run:
            out("Essai à blanc : rien n'a été écrit. Aperçu :")
            out(f"{'ligne':>6}  {'organisation':<40}  {'commune':<40}  action")
            for line, name, commune, action in result.preview:
                out(f"{line:>6}  {name[:40]:<40}  {commune[:40]:<40}  {action}")
            out(
                f"{result.rows} lignes : {result.created} organisation(s) seraient créées, "
                f"{result.updated} mises à jour, {report.count} rejetée(s)."
            )
            if result.locked_kept:
                out(
                    f"{result.locked_kept} valeur(s) ne seraient pas écrites : corrections et "
                    "décisions des personnes conservées (voir le rapport)."
                )
        else:
            out(
                f"{result.rows} lignes : {result.created} organisation(s) créée(s), "
                f"{result.updated} mise(s) à jour, {result.memberships} adhésion(s) au réseau "
                f"{result.network or '—'}."
            )
            if result.locked_kept:
                out(
                    f"{result.locked_kept} valeur(s) non écrite(s) : corrections et décisions "
                    "des personnes conservées (voir le rapport)."
                )
            if result.possible_duplicates:
                out(
                    f"{result.possible_duplicates} doublon(s) possible(s) non écrit(s) : voir le "
                    "rapport."
                )
            if not result.network:
                out("Aucun réseau indiqué (--network) : adhésions et contacts non enregistrés.")
        self.finish(report)
