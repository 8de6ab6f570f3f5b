"""Background work lowers its own priority once per thread (atelier.core.priority)."""

import threading

import pytest

from atelier.core import priority

# The call also sets up the thread's open database sessions (PostgreSQL).
pytestmark = pytest.mark.django_db


@pytest.fixture
def calls(monkeypatch):
    """The increments asked of os.nice, which answers the nice value reached."""
    asked: list[int] = []
    state = {"nice": 0}

    def fake_nice(step: int) -> int:
        asked.append(step)
        state["nice"] += step
        return state["nice"]

    monkeypatch.setattr(priority.os, "nice", fake_nice)
    monkeypatch.setattr(priority, "_done", threading.local())
    return asked


def test_lowered_once_per_thread(settings, calls):
    settings.ATELIER_BACKGROUND_NICE = 10
    assert priority.background_priority() == 10
    assert priority.background_priority() == 10  # not 20: once per thread
    assert calls == [10, 0]
    other: list[int] = []
    thread = threading.Thread(target=lambda: other.append(priority.background_priority()))
    thread.start()
    thread.join()
    assert calls == [10, 0, 10]  # another thread (Linux: one nice value per thread)


def test_zero_turns_it_off(settings, calls):
    settings.ATELIER_BACKGROUND_NICE = 0
    assert priority.background_priority() == 0
    assert calls == [0]


def test_a_refusal_is_logged_and_the_work_goes_on(settings, monkeypatch, caplog):
    settings.ATELIER_BACKGROUND_NICE = 5
    monkeypatch.setattr(priority, "_done", threading.local())

    def refuse(step: int) -> int:
        if step:
            raise PermissionError("not allowed")
        return 0

    monkeypatch.setattr(priority.os, "nice", refuse)
    assert priority.background_priority() == 0
    assert "Could not lower the priority" in caplog.text


def _parallel_workers(connection) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SHOW max_parallel_workers_per_gather")
        return cursor.fetchone()[0]


def test_postgresql_sessions_of_background_work_plan_without_parallel_workers(settings, calls):
    """The open session and one opened later by the same thread; not another thread's."""
    from django.db import connection, connections

    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only: SQLite runs its queries in the calling thread")
    settings.ATELIER_BACKGROUND_NICE = 5
    assert _parallel_workers(connection) != "0"
    priority.background_priority()
    assert _parallel_workers(connection) == "0"
    fresh = connections.create_connection("default")  # as a reconnection opens one
    try:
        assert _parallel_workers(fresh) == "0"
    finally:
        fresh.close()
    seen: list[str] = []

    def other_thread() -> None:
        other = connections.create_connection("default")
        try:
            seen.append(_parallel_workers(other))
        finally:
            other.close()

    thread = threading.Thread(target=other_thread)
    thread.start()
    thread.join()
    assert seen and seen[0] != "0"
