"""The support app's models, one module per part: the catalogue (schemes and their dated
parameters), Premières heures (structures, beneficiaries, contracts, hours)."""

from .insertion import Beneficiary, Contract, InsertionStructure, MonthlyHours
from .schemes import Scheme, SchemeParameter

__all__ = [
    "Beneficiary",
    "Contract",
    "InsertionStructure",
    "MonthlyHours",
    "Scheme",
    "SchemeParameter",
]
