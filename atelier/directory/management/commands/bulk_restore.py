"""atelier bulk-restore: put back the indexes, foreign keys and full-text triggers that an
interrupted first import (killed outright) left removed. `migrate` and every import do it too."""

from django.core.management.base import BaseCommand

from atelier.directory.services.bulk import bulk_restore_pending


class Command(BaseCommand):
    help = (
        "Rétablit les index, clés étrangères et déclencheurs plein texte qu'un import "
        "interrompu brutalement (processus tué, coupure) a laissés supprimés."
    )

    def handle(self, *args, **opts):
        restored = bulk_restore_pending()
        if restored:
            self.stdout.write(f"{restored} instruction(s) rejouée(s) : la base est complète.")
        else:
            self.stdout.write("Rien à rétablir : la base est complète.")
