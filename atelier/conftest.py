"""Fixtures shared by every app's tests."""

import pytest
from django.conf import settings
from django.utils import translation


@pytest.fixture(autouse=True)
def _default_language():
    """Each test starts in the default language: a request to /en/… activates English for the
    thread, which must not leak into the next test's reverse() or gettext()."""
    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)
