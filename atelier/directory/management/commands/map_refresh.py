"""atelier map-refresh [--max-zoom Z]: rebuild the clustering pyramid of the Atlas map."""

import time

from django.core.management.base import BaseCommand, CommandError

from atelier.directory.selectors.map import PYRAMID_MAX_ZOOM, map_cell_count
from atelier.directory.services.map import map_pyramid_refresh


class Command(BaseCommand):
    help = (
        "Recalcule les regroupements précalculés de la carte de l'Atlas (à lancer après un "
        "import ; sans eux, la carte reste exacte mais plus lente sur de gros volumes)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--max-zoom", type=int, default=PYRAMID_MAX_ZOOM, metavar="Z")

    def handle(self, *args, **opts):
        max_zoom = opts["max_zoom"]
        if not 0 <= max_zoom <= PYRAMID_MAX_ZOOM:
            raise CommandError(f"--max-zoom doit être compris entre 0 et {PYRAMID_MAX_ZOOM}.")
        started = time.monotonic()
        pyramid = map_pyramid_refresh(max_zoom=max_zoom)
        cells = map_cell_count()
        self.stdout.write(
            f"Carte : {cells} cellules sur les zooms 0 à {pyramid.max_zoom} "
            f"en {time.monotonic() - started:.1f} s."
        )
