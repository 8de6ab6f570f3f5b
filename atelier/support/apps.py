from django.apps import AppConfig


class SupportConfig(AppConfig):
    name = "atelier.support"
    label = "support"
    verbose_name = "Orientation et accompagnement"
