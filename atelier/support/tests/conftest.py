import pytest
from django.core.cache import cache

from .factories import make_world


@pytest.fixture(autouse=True)
def _fresh_request_counters():
    """The requests-per-hour counters live in the (shared) cache: none from another test."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def world(db):
    return make_world()
