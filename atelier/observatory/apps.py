from django.apps import AppConfig


class ObservatoryConfig(AppConfig):
    name = "atelier.observatory"
    label = "observatory"
    verbose_name = "Observatoire de l'ESS"
