"""Full-text index over Organisation.search_text (already normalised by directory.text).

SQLite: an FTS5 external-content table kept in sync by triggers (database-level, so bulk
inserts from the importers are indexed too). PostgreSQL: a GIN index on the 'simple' tsvector.
"""

from django.db import migrations

SQLITE_UP = [
    """CREATE VIRTUAL TABLE directory_organisation_fts USING fts5(
        search_text, content='directory_organisation', content_rowid='id',
        tokenize='unicode61 remove_diacritics 2', detail='column')""",
    """CREATE TRIGGER directory_organisation_fts_ai AFTER INSERT ON directory_organisation BEGIN
        INSERT INTO directory_organisation_fts(rowid, search_text) VALUES (new.id, new.search_text);
    END""",
    """CREATE TRIGGER directory_organisation_fts_ad AFTER DELETE ON directory_organisation BEGIN
        INSERT INTO directory_organisation_fts(directory_organisation_fts, rowid, search_text)
        VALUES ('delete', old.id, old.search_text);
    END""",
    """CREATE TRIGGER directory_organisation_fts_au AFTER UPDATE OF search_text
        ON directory_organisation BEGIN
        INSERT INTO directory_organisation_fts(directory_organisation_fts, rowid, search_text)
        VALUES ('delete', old.id, old.search_text);
        INSERT INTO directory_organisation_fts(rowid, search_text) VALUES (new.id, new.search_text);
    END""",
    "INSERT INTO directory_organisation_fts(directory_organisation_fts) VALUES ('rebuild')",
]
SQLITE_DOWN = [
    "DROP TRIGGER IF EXISTS directory_organisation_fts_ai",
    "DROP TRIGGER IF EXISTS directory_organisation_fts_ad",
    "DROP TRIGGER IF EXISTS directory_organisation_fts_au",
    "DROP TABLE IF EXISTS directory_organisation_fts",
]
POSTGRES_UP = [
    """CREATE INDEX IF NOT EXISTS directory_organisation_search_gin ON directory_organisation
        USING GIN (to_tsvector('simple'::regconfig, search_text))""",
]
POSTGRES_DOWN = ["DROP INDEX IF EXISTS directory_organisation_search_gin"]


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        for sql in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("directory", "0001_initial")]

    operations = [
        migrations.RunPython(
            _run({"sqlite": SQLITE_UP, "postgresql": POSTGRES_UP}),
            _run({"sqlite": SQLITE_DOWN, "postgresql": POSTGRES_DOWN}),
        )
    ]
