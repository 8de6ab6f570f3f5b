import pytest
from django.core.cache import cache

from .factories import make_world
from .scheme_factories import load_catalogue, make_reference


@pytest.fixture(autouse=True)
def _fresh_request_counters():
    """The requests-per-hour counters live in the (shared) cache: none from another test."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def world(db):
    return make_world()


@pytest.fixture
def ref(db):
    return make_reference()


@pytest.fixture
def catalogue(db):
    """The reference, the demo operators and the whole catalogue file, loaded."""
    ref, _report = load_catalogue()
    return ref
