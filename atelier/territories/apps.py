from django.apps import AppConfig


class TerritoriesConfig(AppConfig):
    name = "atelier.territories"
    label = "territories"
    verbose_name = "Territoires et nomenclatures"
