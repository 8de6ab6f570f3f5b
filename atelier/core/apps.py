from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "atelier.core"
    label = "core"
    verbose_name = "Atelier — socle"
