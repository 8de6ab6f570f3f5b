"""The index sync task runs as background work (atelier.core.priority)."""

import pytest

from atelier.search import engine


@pytest.mark.django_db
def test_the_index_sync_task_runs_as_background_work(monkeypatch):
    seen: list[bool] = []
    monkeypatch.setattr(engine, "background_priority", lambda: seen.append(True))
    monkeypatch.setattr(engine, "sync_all", lambda names=None: {})
    engine.index_sync_task.call()
    assert seen == [True]
