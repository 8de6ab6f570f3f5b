"""The demo of "Premières heures": a participating structure with a few beneficiaries,
contracts and hours, so that the statement of the last complete month computes.

The founding documents name no atelier or chantier d'insertion (seeds/002 describes the scheme
and the SIAE in general only), so the structure is an existing demo organisation of
data/demo/organisations.json: Voisin Malin, which employs and trains residents of working-class
neighbourhoods (seeds/000), followed by L'Atelier's network (`atelier-idf`, whose demo staff
account is `equipe`). Its participation and its beneficiaries are fictitious (references
DEMO-…).

Idempotent: the scheme's parameters are seeded once (services.ph_parameters), the structure is
found again, and the demo beneficiaries are recreated on every run around the month before the
current one, so that a recent statement always has lines."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.core.exceptions import ObjectDoesNotExist
from django.db import transaction
from django.utils import timezone

from atelier.accounts.selectors import network_get
from atelier.directory.enums import Source
from atelier.directory.selectors.organisations import public_organisations
from atelier.sampledata.demo import DemoDataError
from atelier.support.selectors.insertion import structure_beneficiaries
from atelier.support.selectors.premieres_heures import first_of_month, previous_month
from atelier.support.services.insertion import (
    beneficiaries_delete,
    beneficiary_create,
    contract_create,
    hours_record,
    structure_register,
)
from atelier.support.services.ph_parameters import premieres_heures_seed

DEMO_ORGANISATION = "Voisin Malin"
DEMO_NETWORK = "atelier-idf"
DEMO_PREFIX = "DEMO-"


@dataclass(frozen=True)
class PHDemoReport:
    structure_id: int
    beneficiaries: int
    month: date  # the last complete month, whose statement has lines


# (reference, entry (months before M, day), exit (day in M or M-1 offset, outcome) or None,
#  hours by offset from M: {2: M-2, 1: M-1, 0: M}), M being the last complete month.
_PEOPLE = (
    ("DEMO-01", (2, 1), None, {2: 3, 1: 12, 0: 40}),  # 1–4 h, then tier 1, then tier 2
    ("DEMO-02", (1, 15), None, {1: 6, 0: 18}),  # tier 1
    ("DEMO-03", (2, 1), (0, 20, "employment"), {2: 30, 1: 60, 0: 50}),  # exit with the bonus
    ("DEMO-04", (0, 10), None, {0: 2}),  # entry in M, flat amount only
    ("DEMO-05", (2, 1), None, {1: 70, 0: 74}),  # above 72 h: no tier
    ("DEMO-06", (2, 1), (0, 5, "other"), {2: 8, 1: 4, 0: 0}),  # 0 h, exit without bonus
)


def _month_minus(month: date, steps: int) -> date:
    for _step in range(steps):
        month = previous_month(month)
    return month


@transaction.atomic
def demo_premieres_heures_load(*, today: date | None = None) -> PHDemoReport:
    """Seed the parameters and (re)create the demo structure's beneficiaries. Needs the demo
    organisations and networks (`demo_load`) first."""
    premieres_heures_seed()
    today = today or timezone.localdate()
    organisation = public_organisations().filter(source=Source.DEMO, name=DEMO_ORGANISATION).first()
    try:
        network = network_get(slug=DEMO_NETWORK)
    except ObjectDoesNotExist:
        network = None
    if organisation is None or network is None:
        raise DemoDataError(
            f"« {DEMO_ORGANISATION} » ou le réseau « {DEMO_NETWORK} » manque : chargez d'abord "
            "les organisations de démonstration."
        )
    structure = structure_register(organisation_id=organisation.pk, network_id=network.pk)
    beneficiaries_delete(structure=structure, reference_prefix=DEMO_PREFIX)
    month = previous_month(first_of_month(today))  # the last complete month
    for reference, (entry_back, entry_day), exit_, hours in _PEOPLE:
        person = beneficiary_create(structure=structure, reference=reference)
        start = _month_minus(month, entry_back).replace(day=entry_day)
        end, outcome = None, ""
        if exit_ is not None:
            end = _month_minus(month, exit_[0]).replace(day=exit_[1])
            outcome = exit_[2]
        contract_create(
            user=None, beneficiary=person, start=start, end=end, outcome=outcome, today=today
        )
        for back, worked in hours.items():
            hours_record(
                user=None,
                beneficiary=person,
                month=_month_minus(month, back),
                hours=worked,
                today=today,
            )
    demo = [b for b in structure_beneficiaries(structure) if b.reference.startswith(DEMO_PREFIX)]
    return PHDemoReport(structure_id=structure.pk, beneficiaries=len(demo), month=month)
