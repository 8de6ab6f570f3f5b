"""The support app's models, one module per part: the catalogue (schemes and their dated
parameters), the support journeys (structures, advisors, cases and their log)."""

from .cases import (
    Case,
    CaseAttachment,
    CaseEvent,
    CaseReminder,
    CaseRouting,
    StructureAdvisor,
    SupportStructure,
)
from .schemes import Scheme, SchemeParameter

__all__ = [
    "Case",
    "CaseAttachment",
    "CaseEvent",
    "CaseReminder",
    "CaseRouting",
    "Scheme",
    "SchemeParameter",
    "StructureAdvisor",
    "SupportStructure",
]
