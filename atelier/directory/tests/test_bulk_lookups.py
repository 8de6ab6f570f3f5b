"""The lookups of the bulk writers run ONE statement whatever the number of values: a list of
placeholders would make one prepared statement per length, each kept in the connection's
statement cache (the memory of a national import grew by 100 MB and more that way)."""

import pytest
from django.db import connection

from atelier.directory.services.bulk import BulkWriter
from atelier.directory.services.sirene.index import TempIndex
from atelier.directory.tests.factories import EstablishmentFactory, OrganisationFactory

pytestmark = pytest.mark.django_db


class Recorder:
    def __init__(self) -> None:
        self.calls: list[tuple[str, int]] = []

    def __call__(self, execute, sql, params, many, context):
        self.calls.append((sql, len(params or ())))
        return execute(sql, params, many, context)


def test_writer_lookups_one_statement_one_parameter_for_any_number():
    orgs = [OrganisationFactory(siren=f"1000000{i:02d}") for i in range(5)]
    ests = [EstablishmentFactory(organisation=o, siret=f"{o.siren}00010") for o in orgs]
    writer = BulkWriter()
    recorder = Recorder()
    found = []
    with connection.execute_wrapper(recorder):
        for size in (1, 3, 5):
            sirens = [o.siren for o in orgs[:size]] + ["000000000"] * size  # absent ones too
            found.append(writer.organisation_ids(sirens))
            found.append(writer.existing_sirets([e.siret for e in ests[:size]]))
    assert found[4] == {o.siren: o.pk for o in orgs}
    assert found[5] == {e.siret for e in ests}
    assert found[0] == {orgs[0].siren: orgs[0].pk}
    by_table = {sql for sql, _ in recorder.calls}
    assert len(by_table) == 2  # one statement per lookup, whatever the size
    assert {n for _, n in recorder.calls} == {1}


class RecordingDb:
    """The temporary index's connection, its statements recorded."""

    def __init__(self, db) -> None:
        self.db, self.statements = db, []

    def execute(self, sql, params=()):
        self.statements.append(sql)
        return self.db.execute(sql, params)

    def __getattr__(self, name):
        return getattr(self.db, name)


def test_temporary_index_lookups_one_statement_for_any_number():
    index = TempIndex()
    try:
        row = ("123456789", TempIndex.KEPT, 2, "A", "", "9220", "O", "NN", "", "", 1)
        index.add_units([row, ("987654321", *row[1:])])
        index.add_geo([("12345678900011", 2.35, 48.85)])
        recording = RecordingDb(index.db)
        index.db = recording
        assert set(index.units(["123456789"])) == {"123456789"}
        assert set(index.units(["123456789", "987654321", "111111111"])) == {
            "123456789",
            "987654321",
        }
        assert index.geo(["12345678900011", "x"]) == {"12345678900011": (2.35, 48.85)}
        assert index.geo(["12345678900011"]) == {"12345678900011": (2.35, 48.85)}
        assert len(set(recording.statements)) == 2
        index.db = recording.db
    finally:
        index.close()
