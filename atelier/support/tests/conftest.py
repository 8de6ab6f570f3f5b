import pytest

from .factories import load_catalogue, make_reference


@pytest.fixture
def ref(db):
    return make_reference()


@pytest.fixture
def catalogue(db):
    """The reference, the demo operators and the whole catalogue file, loaded."""
    ref, _report = load_catalogue()
    return ref
