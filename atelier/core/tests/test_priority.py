"""Background work lowers its own priority once per thread (atelier.core.priority)."""

import threading

import pytest

from atelier.core import priority


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
