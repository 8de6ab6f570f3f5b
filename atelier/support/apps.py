from django.apps import AppConfig


class SupportConfig(AppConfig):
    name = "atelier.support"
    label = "support"
    verbose_name = "Orientation et accompagnement"

    def ready(self) -> None:
        from atelier.search import versions

        from .models import Scheme, SchemeParameter
        from .selectors.catalogue import VERSION

        # The compiled catalogues (selectors.catalogue.catalogue_on) follow every change of a
        # scheme or of a dated parameter value, in the transaction of that change.
        versions.watch(VERSION, Scheme, SchemeParameter)
