"""Fixtures shared by every app's tests."""

import pytest
from django.conf import settings
from django.utils import translation

from atelier.directory.selectors.around import distances_forget
from atelier.support.selectors.catalogue import catalogue_forget
from atelier.support.selectors.places import places_forget
from atelier.territories.selectors import reference_labels_forget


@pytest.fixture(autouse=True)
def _default_language():
    """Each test starts in the default language: a request to /en/… activates English for the
    thread, which must not leak into the next test's reverse() or gettext()."""
    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture(autouse=True)
def _isolated_search_index(settings, tmp_path_factory):
    """Each test gets its own search index directory: test databases reuse ids after a
    rollback, so an index shared between tests would describe rows that no longer exist."""
    settings.ATELIER_SEARCH_INDEX_DIR = str(tmp_path_factory.mktemp("search-index"))
    settings.ATELIER_SEARCH_DATA_VERSION_SECONDS = 0  # every search sees the test's writes
    reference_labels_forget()
    distances_forget()  # keyed by data version: a rolled-back test's numbers come again
    catalogue_forget()  # the compiled schemes catalogues too
    places_forget()
