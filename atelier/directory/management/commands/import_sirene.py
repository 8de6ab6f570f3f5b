"""atelier import-sirene --unites-legales F --etablissements F [--geo F] [--ess-only]
[--count-all] [--territory CODE] [--format auto|csv|parquet] [--report F]"""

from pathlib import Path

from django.core.management.base import CommandError

from atelier.core.priority import background_priority
from atelier.directory.services.reports import ImportFormatError, after_bulk_write
from atelier.directory.services.sirene import SireneOptions, organisation_import_sirene
from atelier.directory.services.sources import source_check_exists

from ._reporting import ImportCommand


class Command(ImportCommand):
    report_kind = "sirene"
    help = (
        "Importe les fichiers stock SIRENE de l'INSEE (unités légales, établissements et, en "
        "option, leur géolocalisation) : CSV, CSV compressé gzip ou zip, ou Parquet."
    )

    def add_arguments(self, parser):
        parser.add_argument("--unites-legales", required=True, type=Path, metavar="FICHIER")
        parser.add_argument("--etablissements", required=True, type=Path, metavar="FICHIER")
        parser.add_argument(
            "--geo", type=Path, metavar="FICHIER", help="établissements géolocalisés"
        )
        parser.add_argument(
            "--ess-only", action="store_true", help="ne garder que le périmètre de l'ESS"
        )
        parser.add_argument(
            "--count-all",
            action="store_true",
            help="compter aussi tous les établissements actifs (ESS ou non) par commune, section "
            "NAF et tranche d'effectifs, pour la part de l'ESS dans l'observatoire",
        )
        parser.add_argument(
            "--territory", default="", metavar="CODE", help="ex. departement:93, region:11"
        )
        parser.add_argument(
            "--format",
            choices=["auto", "csv", "parquet"],
            default="auto",
            help="format des fichiers stock (auto : d'après l'extension, .parquet ou .csv)",
        )
        self.add_report_argument(parser)
        parser.add_argument("--batch-size", type=int, default=10_000, help="lignes par lot")

    def handle(self, *args, **opts):
        background_priority()  # a batch job: the requests served meanwhile come first
        try:  # before the report is created: no report for a file that does not exist
            for path in (opts["unites_legales"], opts["etablissements"], opts["geo"]):
                if path is not None:
                    source_check_exists(path)
        except ImportFormatError as exc:
            raise CommandError(str(exc)) from None
        options = SireneOptions(
            unites_legales=opts["unites_legales"],
            etablissements=opts["etablissements"],
            geo=opts["geo"],
            ess_only=opts["ess_only"],
            count_all=opts["count_all"],
            territory=opts["territory"],
            batch_size=max(100, opts["batch_size"]),
            file_format=opts["format"],
            progress_stream=self.stderr._out if opts["verbosity"] > 0 else _Null(),
        )
        result, report = self.run_with_report(
            opts,
            opts["etablissements"],
            lambda report: organisation_import_sirene(options=options, report=report),
        )
        out = self.stdout.write
        rate = f"{result.establishments_per_second:,.0f}".replace(",", " ")
        if result.territory_label:
            out(f"Territoire : {result.territory_label}")
        out(
            f"Unités légales : {result.unites_legales_read} lues, "
            f"{result.unites_legales_kept} retenues."
        )
        out(
            f"Établissements : {result.etablissements_read} lus, "
            f"{result.etablissements_kept} retenus, {result.etablissements_filtered} hors "
            f"périmètre, {result.etablissements_abroad} à l'étranger."
        )
        out(
            f"Organisations : {result.organisations_created} créées, "
            f"{result.organisations_updated} mises à jour."
        )
        out(
            f"Établissements écrits : {result.establishments_created} créés, "
            f"{result.establishments_updated} mis à jour "
            f"({rate} établissements/s)."
        )
        if options.count_all:
            out(
                f"Toute l'économie : {result.economy_counted} établissements actifs comptés "
                f"(ESS ou non), {result.economy_rows} lignes commune × section NAF × tranche."
            )
        after_bulk_write(out)
        self.finish(report)


class _Null:
    def write(self, _text: str) -> None:
        pass

    def flush(self) -> None:
        pass
