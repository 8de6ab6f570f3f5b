"""Indexes of the Atlas search (vendor SQL, no model state, same on SQLite and PostgreSQL):
- (name, id): the first page of a search without text, ordered by name, reads 20 index entries
  instead of sorting every matching organisation;
- updated_at: MAX(updated_at) is the cheap "data version" that keys the facet-count cache
  (selectors.search)."""

from django.db import migrations

UP = [
    "CREATE INDEX IF NOT EXISTS directory_organisation_name_id\n    ON directory_organisation (name, id)",
    "CREATE INDEX IF NOT EXISTS directory_organisation_updated\n    ON directory_organisation (updated_at)",
]
DOWN = [
    "DROP INDEX IF EXISTS directory_organisation_name_id",
    "DROP INDEX IF EXISTS directory_organisation_updated",
]


class Migration(migrations.Migration):
    dependencies = [("directory", "0003_map")]

    operations = [migrations.RunSQL(UP, DOWN)]
