from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _restore_after_migrate(sender, using: str = "default", **kwargs) -> None:
    """`migrate` (and so `make run`) also heals a database left by an import killed midway."""
    from django.db import connections

    from .models import PendingRestore
    from .services.bulk import bulk_restore_pending

    # Not when migrating backwards or only part of the way (the journal table may not exist).
    if PendingRestore._meta.db_table in connections[using].introspection.table_names():
        bulk_restore_pending(using=using)


class DirectoryConfig(AppConfig):
    name = "atelier.directory"
    label = "directory"
    verbose_name = _("Annuaire (Atlas)")

    def ready(self) -> None:
        from .indexes import register_indexes

        post_migrate.connect(_restore_after_migrate, sender=self)
        register_indexes()
