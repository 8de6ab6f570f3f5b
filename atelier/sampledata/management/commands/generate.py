"""atelier generate --organisations N --seed S [--csv DIR] [--force]"""

import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from atelier.core.progress import Progress
from atelier.directory.services.reports import after_bulk_write
from atelier.sampledata.synthetic import (
    GenerationError,
    demo_data_present,
    organisations_generate,
    sirene_files_generate,
)


class Command(BaseCommand):
    help = (
        "Génère des organisations synthétiques réalistes (bancs d'essai) dans la base, ou des "
        "fichiers au format stock SIRENE de l'INSEE avec --csv."
    )

    def add_arguments(self, parser):
        parser.add_argument("--organisations", type=int, required=True, metavar="N")
        parser.add_argument("--seed", type=int, default=42, metavar="S")
        parser.add_argument(
            "--csv",
            type=Path,
            metavar="DOSSIER",
            help="écrire StockUniteLegale.csv et StockEtablissement.csv au lieu de la base",
        )
        parser.add_argument(
            "--force",
            action="store_true",
            help="accepter d'écrire dans une base qui contient les données de démonstration",
        )

    def handle(self, *args, **opts):
        count = opts["organisations"]
        if count < 1:
            raise CommandError("Le nombre d'organisations doit être au moins 1.")
        progress = Progress("Organisations générées", stream=self.stderr._out)
        if opts["verbosity"] == 0:
            progress.every = float("inf")
        start = time.perf_counter()
        try:
            if opts["csv"]:
                result = sirene_files_generate(
                    count=count, seed=opts["seed"], directory=opts["csv"], progress=progress
                )
            else:
                if demo_data_present() and not opts["force"]:
                    raise CommandError(
                        "La base contient les données de démonstration : les organisations "
                        "synthétiques ne s'y mêlent pas sans --force."
                    )
                result = organisations_generate(count=count, seed=opts["seed"], progress=progress)
        except GenerationError as exc:
            raise CommandError(str(exc)) from None
        seconds = time.perf_counter() - start
        where = ", ".join(str(p) for p in result.files) if result.files else "la base de données"
        self.stdout.write(
            f"{result.organisations} organisations synthétiques et {result.establishments} "
            f"établissements écrits dans {where} (graine {opts['seed']}, {seconds:.1f} s)."
        )
        if not result.files:
            after_bulk_write(self.stdout.write)
