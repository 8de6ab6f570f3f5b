import pytest

from atelier.observatory.services.freshness import forget_queued


@pytest.fixture(autouse=True)
def _forget_queued_refreshes():
    """Test databases reuse data version numbers after a rollback: forget which were queued."""
    forget_queued()
    yield
    forget_queued()
