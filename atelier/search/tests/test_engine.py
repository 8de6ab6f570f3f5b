"""The index layer on its own, with an index of a few documents held in memory: generations,
the one freshness rule (data versions), readers that never wait for a writer, rebuilds that
leave the previous generation in place until they complete. Runs on SQLite and PostgreSQL (the
data versions live in the database)."""

import fcntl
import threading
import time
from dataclasses import dataclass, field, replace
from typing import Any

import pytest
import tantivy
from django.db import connection

from atelier.search import engine, storage, versions
from atelier.search.spec import Changes, IndexSpec

pytestmark = pytest.mark.django_db(transaction=True)


@dataclass
class Rows:
    """A table in memory: id -> word, with a change counter as its watermark."""

    rows: dict[int, str] = field(default_factory=dict)
    changed: dict[int, int] = field(default_factory=dict)
    clock: int = 0
    fail_after: int | None = None  # documents() raises after this many (a killed rebuild)
    probes: int = 0  # calls of within()
    states_read_for_changes: int = 0  # calls of changes()

    def write(self, pk: int, word: str | None) -> None:
        self.clock += 1
        if word is None:
            self.rows.pop(pk, None)
        else:
            self.rows[pk] = word
        self.changed[pk] = self.clock
        versions.bump("test")

    # -- Source --
    def state(self) -> dict[str, Any]:
        return {"clock": self.clock, "rows": len(self.rows)}

    def _doc(self, pk: int) -> tantivy.Document:
        doc = tantivy.Document()
        doc.add_unsigned("id", pk)
        doc.add_text("word", self.rows[pk])
        return doc

    def documents(self):
        for n, pk in enumerate(sorted(self.rows)):
            if self.fail_after is not None and n >= self.fail_after:
                raise RuntimeError("killed")
            yield self._doc(pk)

    def expected(self) -> int:
        return len(self.rows)

    def within(self, since: dict[str, Any], limit: int) -> bool:
        self.probes += 1
        return sum(at > since.get("clock", 0) for at in self.changed.values()) <= limit

    def changes(
        self, since: dict[str, Any], now: dict[str, Any], limit: int | None
    ) -> Changes | None:
        self.states_read_for_changes += 1
        ids = [pk for pk, at in self.changed.items() if at > since.get("clock", 0)]
        if limit is not None and len(ids) > limit:
            return None
        return Changes(
            deletes=[("id", ids)],
            documents=[self._doc(pk) for pk in ids if pk in self.rows],
            work=len(ids),
            recount=now["rows"] != since.get("rows"),
        )


def _schema() -> tantivy.Schema:
    sb = tantivy.SchemaBuilder()
    sb.add_unsigned_field("id", indexed=True, fast=True)
    sb.add_text_field("word", stored=True, tokenizer_name="raw")
    return sb.build()


@pytest.fixture
def table(settings, tmp_path):
    settings.ATELIER_SEARCH_INDEX_DIR = str(tmp_path / "indexes")
    settings.ATELIER_SEARCH_DATA_VERSION_SECONDS = 0
    engine.forget()
    rows = Rows()
    for pk, word in enumerate(["alpha", "beta", "gamma"], start=1):
        rows.write(pk, word)
    yield rows
    engine.forget()


def _spec(rows: Rows, **changes) -> IndexSpec:
    spec = IndexSpec(
        name="words",
        label="Index de test",
        rows="mots",
        version_key="test",
        schema_version="1",
        build_schema=_schema,
        source=rows,
        rebuild_share=0.9,
    )
    return replace(spec, **changes)


def _words(handle) -> list[str]:
    searcher = handle.searcher()
    hits = searcher.search(tantivy.Query.all_query(), limit=100).hits
    return sorted(searcher.doc(address)["word"][0] for _score, address in hits)


def test_a_reader_builds_a_small_index_then_answers_from_it(table):
    spec = _spec(table)
    handle = engine.reader(spec)
    assert _words(handle) == ["alpha", "beta", "gamma"]
    assert engine.status(spec)["up_to_date"]
    assert engine.reader(spec) is handle  # nothing changed: the same open generation


def test_a_write_moves_the_version_and_the_next_reader_syncs_it(table):
    spec = _spec(table)
    generation = engine.reader(spec).generation
    table.write(2, "delta")
    table.write(3, None)
    handle = engine.reader(spec)
    assert _words(handle) == ["alpha", "delta"]
    assert handle.generation == generation  # replaced in place, not rebuilt
    assert engine.sync(spec)["action"] == "none"


def test_a_reader_never_waits_for_another_writer(table):
    spec = _spec(table)
    engine.reader(spec)
    table.write(1, "omega")
    path = storage.index_path(spec.name)
    with open(path / "write.lock", "a") as lock:  # another process is writing
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            started = time.monotonic()
            handle = engine.reader(spec)
            assert time.monotonic() - started < 1
            assert _words(handle) == ["alpha", "beta", "gamma"]  # the last complete generation
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
    assert _words(engine.reader(spec)) == ["beta", "gamma", "omega"]


def test_a_writer_thread_does_not_hold_readers_back(table):
    spec = _spec(table)
    engine.reader(spec)
    table.write(1, "omega")
    path = storage.index_path(spec.name)
    answered: list[list[str]] = []
    from atelier.search.locks import writing

    def read() -> None:
        try:
            answered.append(_words(engine.reader(spec)))
        finally:
            connection.close()  # the thread's own database connection

    with writing(path):  # this thread writes; another one reads meanwhile
        reader = threading.Thread(target=read)
        reader.start()
        reader.join(timeout=5)
    assert answered == [["alpha", "beta", "gamma"]]


def test_far_behind_a_reader_answers_from_its_generation_and_queues_the_sync(table, monkeypatch):
    spec = _spec(table, inline_rows=1, inline_documents=0)
    engine.rebuild(spec)
    queued: list[tuple] = []
    monkeypatch.setattr(engine, "queue_sync", lambda *names: queued.append(names))
    table.write(1, "omega")
    table.write(2, "psi")
    for _ in range(3):
        assert _words(engine.reader(spec)) == ["alpha", "beta", "gamma"]
    assert queued == [("words",)]  # once for this version
    # The request told "too much changed" from the cheap probe, without reading the changes.
    assert table.probes == 1 and table.states_read_for_changes == 0
    engine.sync(spec)  # what the task does
    assert _words(engine.reader(spec)) == ["gamma", "omega", "psi"]


def test_a_killed_rebuild_leaves_the_previous_generation(table):
    spec = _spec(table)
    before = engine.reader(spec)
    table.write(4, "delta")
    table.fail_after = 2
    with pytest.raises(RuntimeError):
        engine.rebuild(spec)
    path = storage.index_path(spec.name)
    assert [p.name for p in path.iterdir() if p.is_dir()] == [before.generation]
    table.fail_after = None
    engine.forget()  # as another process would open it
    assert engine.status(spec)["generation"] == before.generation
    assert _words(engine.reader(spec)) == ["alpha", "beta", "delta", "gamma"]


def test_a_rebuild_replaces_the_generation_readers_hold(table):
    spec = _spec(table)
    old = engine.reader(spec)
    old_searcher = old.searcher()
    state = engine.rebuild(spec)
    assert state["generation"] != old.generation
    assert old_searcher.num_docs == 3  # an open searcher keeps its files
    assert engine.reader(spec).generation == state["generation"]


def test_another_schema_is_never_read(table, monkeypatch):
    spec = _spec(table)
    engine.reader(spec)
    changed = _spec(table, schema_version="2", inline_documents=0)
    monkeypatch.setattr(engine, "queue_sync", lambda *names: None)
    assert engine.reader(changed) is None  # the caller answers from the database
    engine.rebuild(changed)
    assert _words(engine.reader(changed)) == ["alpha", "beta", "gamma"]


def test_an_unusable_directory_is_an_error_the_caller_can_catch(table, settings, tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    settings.ATELIER_SEARCH_INDEX_DIR = str(blocker / "indexes")
    with pytest.raises(engine.SearchIndexError):
        engine.reader(_spec(table))


def test_a_segment_merged_away_while_opening_is_read_again(table, monkeypatch):
    spec = _spec(table)
    engine.rebuild(spec)
    engine.forget()  # as another process would open it
    real, failures = engine._index, []

    def racing(spec_, where, *, reuse):
        if not failures:  # the first attempt finds a segment file gone (a concurrent merge)
            failures.append(where)
            raise ValueError("Failed to open file for read: 'FileDoesNotExist(…store)'")
        return real(spec_, where, reuse=reuse)

    monkeypatch.setattr(engine, "_index", racing)
    assert _words(engine.reader(spec)) == ["alpha", "beta", "gamma"]
    assert len(failures) == 1
