"""The support app's models, one module per part: the catalogue (schemes and their dated
parameters), Premières heures (structures, beneficiaries, contracts, hours), the support
journeys (structures, advisors, cases and their log)."""

from .cases import (
    Case,
    CaseAttachment,
    CaseEvent,
    CaseReminder,
    CaseRouting,
    StructureAdvisor,
    SupportStructure,
)
from .insertion import Beneficiary, Contract, InsertionStructure, MonthlyHours
from .schemes import Scheme, SchemeParameter

__all__ = [
    "Beneficiary",
    "Case",
    "CaseAttachment",
    "CaseEvent",
    "CaseReminder",
    "CaseRouting",
    "Contract",
    "InsertionStructure",
    "MonthlyHours",
    "Scheme",
    "SchemeParameter",
    "StructureAdvisor",
    "SupportStructure",
]
