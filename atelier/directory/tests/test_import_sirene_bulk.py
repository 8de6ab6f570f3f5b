"""The bulk writes of a first SIRENE import: secondary indexes dropped and rebuilt, and the
journal that heals an import killed midway."""

import pytest
from django.core.management import call_command
from django.db import connection

from atelier.directory.apps import _restore_after_migrate
from atelier.directory.models import Establishment, Organisation, PendingRestore
from atelier.directory.services.bulk import (
    bulk_restore_pending,
    secondary_indexes_deferred,
)
from atelier.directory.tests.factories import OrganisationFactory
from atelier.directory.tests.sirene_files import etab, run_import, siren_of, siret_of, unit
from atelier.territories.tests.factories import make_small_reference

pytestmark = pytest.mark.django_db


@pytest.fixture
def ref():
    return make_small_reference()


def _secondary_indexes(model) -> set[str]:
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, model._meta.db_table)
    return {
        name
        for name, c in constraints.items()
        if c["index"] and not c["unique"] and not c["primary_key"]
    }


def test_fresh_import_builds_the_secondary_indexes_again(ref, tmp_path):
    before = (_secondary_indexes(Organisation), _secondary_indexes(Establishment))
    assert before[0] and before[1]
    a = siren_of(40)
    run_import(tmp_path, [unit(a)], [etab(siret_of(a, 1))])
    assert (_secondary_indexes(Organisation), _secondary_indexes(Establishment)) == before
    # The full-text index still answers (rebuilt on SQLite, GIN index on PostgreSQL).
    assert Establishment.objects.get().organisation.siren == a


def test_indexes_dropped_only_on_empty_tables_and_restored_after_an_error(ref):
    org_indexes = _secondary_indexes(Organisation)
    est_indexes = _secondary_indexes(Establishment)
    OrganisationFactory(siren=siren_of(41))
    with pytest.raises(RuntimeError), secondary_indexes_deferred():
        # Organisations hold a row: their indexes stay; establishments are empty: dropped.
        assert _secondary_indexes(Organisation) == org_indexes
        assert _secondary_indexes(Establishment) == set()
        raise RuntimeError("interrupted")
    assert _secondary_indexes(Establishment) == est_indexes


def _killed_midway(manager) -> None:
    """Enter a bulk-write context manager and never leave it, as when the process is killed:
    its generator is dropped without running the restore (its `finally` would find the journal
    already replayed, which is what the test checks first)."""
    manager.__enter__()


def test_a_first_import_killed_midway_is_healed_by_the_journal(ref):
    org_indexes = _secondary_indexes(Organisation)
    est_indexes = _secondary_indexes(Establishment)
    deferred = secondary_indexes_deferred()
    _killed_midway(deferred)
    # What the kill leaves: indexes gone, their statements journalled.
    assert _secondary_indexes(Establishment) == set()
    assert PendingRestore.objects.count() >= len(est_indexes)
    OrganisationFactory(siren=siren_of(42), name="Tiers-lieu", search_text="tier lieu marais")

    assert bulk_restore_pending() > 0
    assert (_secondary_indexes(Organisation), _secondary_indexes(Establishment)) == (
        org_indexes,
        est_indexes,
    )
    assert not PendingRestore.objects.exists()
    assert bulk_restore_pending() == 0  # nothing twice
    del deferred


def test_no_sql_full_text_machinery_is_left(ref):
    """The SQL faceted full-text path is retired (migration 0007): no FTS5 table or trigger
    that a killed import could leave half-dropped, no GIN index to build at every import."""
    table = Organisation._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("SELECT name FROM sqlite_master WHERE name LIKE %s", [f"{table}_fts%"])
        else:
            cursor.execute(
                "SELECT indexname FROM pg_indexes WHERE indexname = %s",
                [f"{table}_search_gin"],
            )
        assert cursor.fetchall() == []


def test_migrate_and_the_command_replay_the_journal(ref, capsys):
    est_indexes = _secondary_indexes(Establishment)
    deferred = secondary_indexes_deferred()
    _killed_midway(deferred)
    assert _secondary_indexes(Establishment) == set()
    _restore_after_migrate(sender=None, using="default")  # what `migrate` runs at its end
    assert _secondary_indexes(Establishment) == est_indexes
    call_command("bulk_restore")
    assert "Rien à rétablir" in capsys.readouterr().out
    del deferred


def test_the_journal_tolerates_an_index_already_rebuilt_by_hand(ref):
    deferred = secondary_indexes_deferred()
    _killed_midway(deferred)
    with connection.cursor() as cursor:
        # An operator recreated one index by hand before replaying.
        statement = PendingRestore.objects.filter(statement__icontains="INDEX").first().statement
        cursor.execute(statement)
    assert bulk_restore_pending() > 0
    assert not PendingRestore.objects.exists()
    del deferred
