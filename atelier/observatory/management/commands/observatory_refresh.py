from django.core.management.base import BaseCommand

from atelier.observatory.services.freshness import observatory_is_stale
from atelier.observatory.services.rebuild import observatory_rebuild


class Command(BaseCommand):
    help = (
        "Reconstruit les agrégats de l'observatoire de l'ESS à partir de l'annuaire. "
        "Avec --if-stale, seulement si l'annuaire a changé depuis la dernière reconstruction."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--if-stale",
            action="store_true",
            help="Ne rien faire si les agrégats reflètent déjà l'annuaire.",
        )

    def handle(self, *args, if_stale: bool, **options):
        if if_stale and not observatory_is_stale(recent=False):
            self.stdout.write("Observatoire à jour : rien à reconstruire.")
            return
        report = observatory_rebuild()
        self.stdout.write(
            f"Observatoire reconstruit en {report.seconds:.1f} s : {report.places} communes, "
            f"{report.facts} faits, {report.aggregates} agrégats, {report.flows} lignes de "
            f"créations et cessations (version de l'annuaire {report.source_version})."
        )
