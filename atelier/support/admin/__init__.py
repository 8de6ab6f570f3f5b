"""Staff admin of the support app, one module per part: Premières heures (insertion) and the
support journeys (structures, advisors, cases)."""

from . import cases, insertion

__all__ = ["cases", "insertion"]
