from django.core.management.base import BaseCommand

from atelier.observatory.services.freshness import observatory_is_stale
from atelier.observatory.services.incremental import observatory_refresh
from atelier.observatory.services.rebuild import observatory_rebuild


class Command(BaseCommand):
    help = (
        "Met à jour les agrégats de l'observatoire de l'ESS à partir de l'annuaire : seulement "
        "les organisations modifiées depuis la dernière mise à jour quand c'est possible, tout "
        "sinon (ou avec --full). Avec --if-stale, rien si l'annuaire n'a pas changé."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--if-stale",
            action="store_true",
            help="Ne rien faire si les agrégats reflètent déjà l'annuaire.",
        )
        parser.add_argument(
            "--full",
            action="store_true",
            help="Tout reconstruire, même quand une mise à jour partielle suffirait.",
        )

    def handle(self, *args, if_stale: bool, full: bool, **options):
        if if_stale and not observatory_is_stale(recent=False):
            self.stdout.write("Observatoire à jour : rien à reconstruire.")
            return
        if not full:
            refresh = observatory_refresh()
            if refresh.kind == "incremental":
                self.stdout.write(
                    f"Observatoire mis à jour en {refresh.seconds:.1f} s : "
                    f"{refresh.organisations} organisations relues, {refresh.aggregates} "
                    f"agrégats (version de l'annuaire {refresh.source_version})."
                )
                return
            if refresh.kind != "fresh":
                self.stdout.write(
                    f"Observatoire reconstruit en {refresh.seconds:.1f} s "
                    f"({refresh.reason}) : {refresh.aggregates} agrégats "
                    f"(version de l'annuaire {refresh.source_version})."
                )
                return
        report = observatory_rebuild()
        self.stdout.write(
            f"Observatoire reconstruit en {report.seconds:.1f} s : {report.places} communes, "
            f"{report.facts} faits, {report.aggregates} agrégats, {report.flows} lignes de "
            f"créations et cessations (version de l'annuaire {report.source_version})."
        )
