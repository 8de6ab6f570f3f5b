"""The map: a clustering pyramid for the unfiltered Atlas (MapCell, MapPyramid) and a partial
covering index of the open establishments keyed by map column, for live clustering.

The index leads with the expression `(mx >> 12)` (columns 4096 world pixels wide, 64 screen
pixels at zoom 14): a view asks for its few columns with `IN (…)` and a range of `my` inside each,
instead of a range of `mx` that would read a whole strip of the country. It is created with
vendor SQL (no model state). Django writes `filter(is_open=True)` as the bare column `is_open` on
both databases, the term both planners need to use a partial index `WHERE is_open`. SQLite
indexes carry the rowid (= id); PostgreSQL gets mx, organisation_id and id as INCLUDE columns for
index-only scans."""

from django.db import migrations, models

SQLITE_UP = [
    """CREATE INDEX IF NOT EXISTS directory_establishment_map_key
        ON directory_establishment ((mx >> 12), my, mx, organisation_id) WHERE is_open""",
]
POSTGRES_UP = [
    """CREATE INDEX IF NOT EXISTS directory_establishment_map_key
        ON directory_establishment ((mx >> 12), my) INCLUDE (mx, organisation_id, id)
        WHERE is_open""",
]
DOWN = ["DROP INDEX IF EXISTS directory_establishment_map_key"]


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        for sql in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("directory", "0002_search_index")]

    operations = [
        migrations.CreateModel(
            name="MapPyramid",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("built_at", models.DateTimeField()),
                ("max_zoom", models.PositiveSmallIntegerField()),
                ("max_establishment_id", models.BigIntegerField()),
                ("max_organisation_id", models.BigIntegerField()),
                ("is_valid", models.BooleanField(default=True)),
            ],
            options={
                "verbose_name": "pyramide de la carte",
                "verbose_name_plural": "pyramides de la carte",
            },
        ),
        migrations.CreateModel(
            name="MapCell",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("zoom", models.PositiveSmallIntegerField()),
                ("family", models.CharField(max_length=16)),
                ("cx", models.IntegerField()),
                ("cy", models.IntegerField()),
                ("n", models.IntegerField()),
                ("sum_mx", models.BigIntegerField()),
                ("sum_my", models.BigIntegerField()),
                ("min_mx", models.IntegerField()),
                ("min_my", models.IntegerField()),
                ("max_mx", models.IntegerField()),
                ("max_my", models.IntegerField()),
                ("establishment_id", models.BigIntegerField(null=True)),
            ],
            options={
                "verbose_name": "cellule de la carte",
                "verbose_name_plural": "cellules de la carte",
                "constraints": [
                    models.UniqueConstraint(
                        fields=("zoom", "cx", "cy", "family"), name="directory_mapcell_unique"
                    )
                ],
            },
        ),
        migrations.RunPython(
            _run({"sqlite": SQLITE_UP, "postgresql": POSTGRES_UP}),
            _run({"sqlite": DOWN, "postgresql": DOWN}),
        ),
    ]
