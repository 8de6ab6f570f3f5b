from django.apps import AppConfig


class DirectoryConfig(AppConfig):
    name = "atelier.directory"
    label = "directory"
    verbose_name = "Annuaire (Atlas)"
