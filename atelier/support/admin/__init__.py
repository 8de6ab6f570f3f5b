"""Staff admin of the support app, one module per part: the schemes catalogue (dated parameter
values), Premières heures (insertion) and the support journeys (structures, advisors, cases)."""

from . import cases, insertion, schemes

__all__ = ["cases", "insertion", "schemes"]
