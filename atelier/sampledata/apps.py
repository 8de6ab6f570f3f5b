from django.apps import AppConfig


class SampledataConfig(AppConfig):
    name = "atelier.sampledata"
    label = "sampledata"
    verbose_name = "Données d'exemple (démonstration, bancs d'essai)"
