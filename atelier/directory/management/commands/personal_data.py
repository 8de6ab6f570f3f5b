"""atelier personal-data export|erase --email ADRESSE: a person's requests (RGPD articles 15
and 17) on the membership contacts of the directory, found by their e-mail, now or in the
change history (services.personal_data). Every membership handled is access-logged."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from atelier.directory.services.personal_data import (
    contact_data_csv,
    contact_data_erase,
    contact_data_export,
    memberships_of_contact,
)


class Command(BaseCommand):
    help = (
        "Données personnelles d'une personne (contacts des adhésions), retrouvées par son "
        "courriel : les exporter (export, CSV) ou les effacer (erase, avec --yes)."
    )

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["export", "erase"], help="export ou erase")
        parser.add_argument("--email", required=True, help="courriel de la personne")
        parser.add_argument(
            "--output", type=Path, metavar="FICHIER", help="export : fichier CSV (sinon écran)"
        )
        parser.add_argument(
            "--yes", action="store_true", help="erase : confirmer l'effacement définitif"
        )

    def handle(self, *args, action: str, email: str, output: Path | None, yes: bool, **opts):
        memberships = memberships_of_contact(email)
        count = memberships.count()
        if not count:
            self.stdout.write(f"Aucune adhésion n'a (ou n'a eu) pour contact « {email} ».")
            return
        reason = f"commande personal-data {action}"
        if action == "export":
            # Open the output first: a path that cannot be written fails before anything is
            # read or logged as exported.
            try:
                fh = None if output is None else output.open("w", encoding="utf-8", newline="")
            except OSError as exc:
                raise CommandError(
                    f"Impossible d'écrire {output} : {exc.strerror}. Rien n'a été exporté."
                ) from None
            records = contact_data_export(user=None, memberships=memberships, reason=reason)
            text = contact_data_csv(records)
            if fh is None:
                self.stdout.write(text, ending="")
                return
            with fh:
                fh.write("\ufeff" + text)
            self.stdout.write(f"{len(records)} ligne(s) écrite(s) dans {output}.")
            return
        if not yes:
            for m in memberships:
                self.stdout.write(f"  {m.organisation} — {m.network}")
            raise CommandError(
                f"{count} adhésion(s) concernée(s) : relancez avec --yes pour effacer "
                "définitivement leurs coordonnées de contact (historique compris)."
            )
        erased = contact_data_erase(user=None, memberships=memberships, reason=reason)
        self.stdout.write(f"Coordonnées effacées pour {erased} adhésion(s), historique compris.")
