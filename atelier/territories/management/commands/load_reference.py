"""`atelier load-reference`: load or refresh the reference data (territories, nomenclatures)."""

from django.core.management.base import BaseCommand, CommandError
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from atelier.territories.services import ReferenceSourceError, reference_load


def _percent(value: float | None) -> str:
    return number_format(value or 0.0, 1, use_l10n=True)


class Command(BaseCommand):
    help = _(
        "Charge ou met à jour le référentiel : communes, intercommunalités, départements, "
        "régions, codes postaux, positions, codes NAF et catégories juridiques."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--departements",
            default="",
            help=_("Codes de départements séparés par des virgules (ex. 75,93) : pour les tests."),
        )
        parser.add_argument(
            "--force",
            action="store_true",
            help=_("Recharger même si les sources n'ont pas changé."),
        )

    def handle(self, *args, departements: str, force: bool, **options):
        verbose = options["verbosity"] >= 1
        scope = [code for code in departements.split(",") if code.strip()] or None
        try:
            report = reference_load(
                departements=scope,
                force=force,
                progress=(lambda message: self.stdout.write(message)) if verbose else None,
            )
        except ReferenceSourceError as exc:
            raise CommandError(str(exc)) from exc
        if not verbose:
            return
        counts = report.counts
        if report.skipped:
            self.stdout.write(_("Référentiel déjà à jour (sources inchangées)."))
        else:
            changes = ", ".join(
                _("%(table)s +%(created)d ~%(updated)d -%(deleted)d")
                % {"table": table, "created": c, "updated": u, "deleted": d}
                for table, (c, u, d) in report.changes.items()
                if c or u or d
            )
            self.stdout.write(_("Modifications : %s") % (changes or _("aucune")))
            for table, kept in report.kept.items():
                self.stdout.write(
                    _("%(table)s : %(kept)d lignes disparues des sources conservées (utilisées).")
                    % {"table": table, "kept": kept}
                )
        self.stdout.write(
            _(
                "%(communes)d communes, %(arrondissements)d arrondissements municipaux, "
                "%(epci)d EPCI, %(ept)d EPT, %(departements)d départements et collectivités, "
                "%(regions)d régions et collectivités, %(postal_codes)d codes postaux, "
                "%(naf)d codes NAF, %(legal_categories)d catégories juridiques."
            )
            % {
                key: counts.get(key, 0)
                for key in (
                    "communes",
                    "arrondissements",
                    "epci",
                    "ept",
                    "departements",
                    "regions",
                    "postal_codes",
                    "naf",
                    "legal_categories",
                )
            }
        )
        approx = 100.0 - (report.geonames_rate or 0.0)
        if report.idf_rate is None:
            line = _(
                "Positions : %(rate)s %% des communes placées par GeoNames, "
                "%(approx)s %% approximatives"
            )
        else:
            line = _(
                "Positions : %(rate)s %% des communes placées par GeoNames "
                "(Île-de-France : %(idf)s %%), %(approx)s %% approximatives"
            )
        self.stdout.write(
            line
            % {
                "rate": _percent(report.geonames_rate),
                "idf": _percent(report.idf_rate),
                "approx": _percent(approx),
            }
        )
        self.stdout.write(_("Terminé en %s s.") % number_format(report.elapsed, 1, use_l10n=True))
