"""The end-to-end tests run on a transactional database that Django empties with `flush`
between tests. On SQLite the FTS5 index is external-content and kept by triggers: this proves
the flush goes through them, so the next test starts from an empty, consistent index."""

import pytest
from django.core.management import call_command
from django.db import connection

from atelier.directory.models import Organisation

from .data import make_atlas


def _fts_rows() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM directory_organisation_fts_docsize")
        return cursor.fetchone()[0]


def _fts_integrity_check() -> None:
    """Raises (SQLITE_CORRUPT_VTAB) when the index and its content table disagree."""
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO directory_organisation_fts(directory_organisation_fts, rank) "
            "VALUES ('integrity-check', 1)"
        )


@pytest.mark.skipif(connection.vendor != "sqlite", reason="index FTS5 propre à SQLite")
@pytest.mark.django_db(transaction=True)
def test_flush_between_transactional_tests_leaves_the_fts_index_consistent():
    make_atlas()
    assert _fts_rows() == Organisation.objects.count() > 0
    _fts_integrity_check()

    call_command("flush", verbosity=0, interactive=False)  # what TransactionTestCase does

    assert Organisation.objects.count() == 0
    assert _fts_rows() == 0
    _fts_integrity_check()
