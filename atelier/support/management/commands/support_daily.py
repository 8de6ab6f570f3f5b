"""atelier support-daily [--schedule]: the daily run of the support journeys (reminders, then
anonymisation of the closed cases whose delay has passed), idempotent: usable from cron. With
--schedule, only make sure the worker's daily task is queued (what `make serve` does before
starting the worker)."""

from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = (
        "Relances des dossiers d'accompagnement et anonymisation des dossiers clos depuis le "
        "délai fixé ; relançable sans doublon (cron). --schedule : programme seulement la "
        "tâche quotidienne du worker."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--schedule",
            action="store_true",
            help="Programmer la tâche quotidienne du worker si besoin, sans l'exécuter.",
        )

    def handle(self, *args, schedule: bool, **options):
        from atelier.support.services.daily import support_daily_run
        from atelier.support.tasks import daily_schedule_ensure

        if schedule:
            when = daily_schedule_ensure()
            if when is None:
                self.stdout.write(
                    "Tâche quotidienne de l'accompagnement : déjà programmée (ou file de tâches "
                    "sans exécution différée)."
                )
            else:
                self.stdout.write(
                    f"Tâche quotidienne de l'accompagnement programmée pour le "
                    f"{when:%d/%m/%Y à %H:%M}."
                )
            return
        report = support_daily_run()
        self.stdout.write(f"Accompagnement : {report.summary()}")
