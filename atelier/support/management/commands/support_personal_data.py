"""atelier support-personal-data export|erase --email ADRESSE: a project holder's requests
(RGPD articles 15 and 17) on their support cases, found by their e-mail (services.privacy).
Every case handled is access-logged."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = (
        "Données personnelles d'un porteur de projet dans les dossiers d'accompagnement, "
        "retrouvées par son courriel : les exporter (export, JSON ou CSV) ou les effacer "
        "(erase, avec --yes)."
    )

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["export", "erase"], help="export ou erase")
        parser.add_argument("--email", required=True, help="courriel de la personne")
        parser.add_argument(
            "--format", choices=["json", "csv"], default="json", help="export : json ou csv"
        )
        parser.add_argument(
            "--output", type=Path, metavar="FICHIER", help="export : fichier (sinon écran)"
        )
        parser.add_argument(
            "--yes", action="store_true", help="erase : confirmer l'effacement définitif"
        )

    def handle(self, *args, action, email, format, output, yes, **options):
        from atelier.support.services.privacy import (
            case_data_csv,
            case_data_erase,
            case_data_export,
            case_data_json,
            cases_of_person,
        )

        cases = cases_of_person(email)
        count = cases.count()
        if not count:
            self.stdout.write(f"Aucun dossier d'accompagnement n'a pour courriel « {email} ».")
            return
        reason = f"commande support-personal-data {action}"
        if action == "export":
            try:
                fh = None if output is None else output.open("w", encoding="utf-8", newline="")
            except OSError as exc:
                raise CommandError(
                    f"Impossible d'écrire {output} : {exc.strerror}. Rien n'a été exporté."
                ) from None
            records = case_data_export(user=None, cases=cases, reason=reason)
            text = case_data_json(records) if format == "json" else case_data_csv(records)
            if fh is None:
                self.stdout.write(text, ending="")
                return
            with fh:
                fh.write(text if format == "json" else "\ufeff" + text)
            self.stdout.write(f"{len(records)} dossier(s) écrit(s) dans {output}.")
            return
        if not yes:
            for case in cases:
                self.stdout.write(
                    f"  {case.reference} — {case.network} — {case.get_state_display()}"
                )
            raise CommandError(
                f"{count} dossier(s) concerné(s) : relancez avec --yes pour effacer "
                "définitivement leurs données personnelles (un dossier ouvert est clos)."
            )
        erased = case_data_erase(user=None, cases=cases, reason=reason)
        self.stdout.write(f"Données personnelles effacées pour {erased} dossier(s).")
