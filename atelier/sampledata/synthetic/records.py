"""What the generator yields and returns, and its one error."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path


class GenerationError(Exception):
    """One French sentence for the person who ran the generator."""


@dataclass(slots=True)
class SynthEstablishment:
    siret: str
    nic: str
    commune: str
    postcode: str
    number: str
    street_type: str
    street_name: str
    lon: float
    lat: float
    is_head_office: bool
    is_open: bool
    naf: str
    band: str
    name: str


@dataclass(slots=True)
class SynthOrganisation:
    siren: str
    name: str
    acronym: str
    legal_category: str
    family: str
    naf: str
    band: str
    creation_date: str
    is_active: bool
    ess_flag: str
    theme_bits: int
    approval_bits: int
    staff_approved: bool
    establishments: list[SynthEstablishment] = field(default_factory=list)


@dataclass
class GenerateResult:
    organisations: int = 0
    establishments: int = 0
    files: list[Path] = field(default_factory=list)


def batches(it: Iterator[SynthOrganisation], size: int) -> Iterator[list[SynthOrganisation]]:
    batch: list[SynthOrganisation] = []
    for org in it:
        batch.append(org)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch
