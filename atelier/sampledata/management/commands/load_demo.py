"""atelier load-demo: the real demo dataset (data/demo/) and, in development, demo accounts."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = (
        "Charge les organisations réelles de démonstration (data/demo/), leurs réseaux, le "
        "catalogue des dispositifs (data/support/schemes.yaml) et, en développement, un compte "
        "de démonstration par rôle. Relançable sans doublon."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--with-accounts",
            action="store_true",
            help="Créer les comptes de démonstration même hors mode DEBUG (mot de passe public !).",
        )
        parser.add_argument(
            "--without-accounts", action="store_true", help="Ne pas créer de comptes."
        )
        parser.add_argument("--file", help="Autre fichier de données (JSON, même format).")

    def handle(self, *args, with_accounts, without_accounts, file, **options):
        from pathlib import Path

        from atelier.sampledata.demo import (
            DEMO_PASSWORD,
            DemoDataError,
            demo_accounts_ensure,
            demo_load,
            demo_schemes_load,
        )

        try:
            report = demo_load(path=Path(file) if file else None)
        except DemoDataError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(
            f"Organisations de démonstration : {report.organisations_created} créées, "
            f"{report.organisations_updated} mises à jour ; {report.establishments} "
            f"établissements, {report.networks} réseaux, {report.memberships} adhésions."
        )
        for warning in report.warnings:
            self.stderr.write(warning)
        try:
            schemes = demo_schemes_load()
        except DemoDataError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(
            f"Catalogue des dispositifs : {schemes.created} créés, {schemes.updated} mis à jour ; "
            f"{schemes.parameters_created} valeurs de paramètres ajoutées, "
            f"{schemes.parameters_updated} mises à jour."
        )
        for warning in schemes.warnings:
            self.stderr.write(warning)
        self._premieres_heures()
        self._refresh_observatory()
        self._support()

        if without_accounts:
            return
        if not settings.DEBUG and not with_accounts:
            self.stdout.write(
                "Comptes de démonstration NON créés (DEBUG est désactivé) : ajoutez "
                "--with-accounts pour les créer malgré tout, jamais en production."
            )
            return
        try:
            accounts = demo_accounts_ensure()
        except DemoDataError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(f"Comptes de démonstration (mot de passe : {DEMO_PASSWORD}) :")
        for account in accounts:
            where = f" — réseau {account.network}" if account.network else ""
            self.stdout.write(f"  {account.username:<8} {account.description}{where}")
        self._support_advisors()

    def _support(self) -> None:
        """The support structures of the demo network, and one request waiting to be taken."""
        from atelier.sampledata.demo_support import DemoSupportError, demo_support_ensure

        try:
            count = demo_support_ensure()
        except DemoSupportError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(f"Accompagnement : {count} structures d'accompagnement de démonstration.")

    def _support_advisors(self) -> None:
        from atelier.sampledata.demo_support import (
            ADVISED,
            ADVISOR,
            DemoSupportError,
            demo_support_advisors_ensure,
        )

        try:
            if demo_support_advisors_ensure():
                self.stdout.write(f"  ({ADVISOR} conseille pour {ADVISED} : il voit ses dossiers.)")
        except DemoSupportError as exc:
            raise CommandError(str(exc)) from None

    def _premieres_heures(self) -> None:
        """The Premières heures demo structure, its beneficiaries and the scheme's parameters."""
        from atelier.sampledata.demo import DemoDataError
        from atelier.sampledata.demo_premieres_heures import demo_premieres_heures_load

        try:
            ph = demo_premieres_heures_load()
        except DemoDataError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(
            f"Premières heures : {ph.beneficiaries} bénéficiaires de démonstration, relevé de "
            f"{ph.month:%m/%Y} calculable (montants d'exemple)."
        )

    def _refresh_observatory(self) -> None:
        """The observatory's figures follow the demo data at once (its pages do not wait for
        the worker): Paris and Île-de-France have figures after `make run`."""
        from atelier.observatory.services.rebuild import observatory_rebuild

        built = observatory_rebuild()
        self.stdout.write(
            f"Observatoire de l'ESS : indicateurs recalculés en {built.seconds:.1f} s "
            f"({built.aggregates} agrégats)."
        )
