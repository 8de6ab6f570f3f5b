"""Translations for the thousands of sentences of one answer, at the cost of a dict lookup.

Django's gettext reads the active language from a thread-local at every call (a few
microseconds): `speaking()` reads it once per answer, keeps it in a context variable (one per
thread or task), and `gettext` / `ngettext` here then look each message up in a per-language
dict filled from that language's catalogue. Outside `speaking()` they are Django's. The
messages keep the usual `_("…")` form, so `makemessages` extracts them."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from django.utils import translation
from django.utils.translation import trans_real

_current: ContextVar[tuple[str, Any, dict[str, str]] | None] = ContextVar(
    "atelier_support_speech", default=None
)
_messages: dict[str, dict[str, str]] = {}  # language -> message -> translation


@contextmanager
def speaking() -> Iterator[str]:
    """Within the block, this module's gettext and ngettext use the active language's
    catalogue read once; yields that language."""
    language = translation.get_language() or ""
    token = _current.set((language, trans_real.catalog(), _messages.setdefault(language, {})))
    try:
        yield language
    finally:
        _current.reset(token)


def language() -> str:
    current = _current.get()
    return current[0] if current else translation.get_language() or ""


def gettext(message: str) -> str:
    current = _current.get()
    if current is None:
        return translation.gettext(message)
    found = current[2].get(message)
    if found is None:
        found = current[2][message] = current[1].gettext(message)
    return found


def ngettext(singular: str, plural: str, number: int) -> str:
    current = _current.get()
    if current is None:
        return translation.ngettext(singular, plural, number)
    return current[1].ngettext(singular, plural, number)
