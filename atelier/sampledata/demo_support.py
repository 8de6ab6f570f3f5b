"""The demo's support journeys: real support structures of the demo Atlas registered by the
regional network `atelier-idf` with their routing filters, the demo advisor `conseil` linked to
one of them, and one request of a (fictitious) project holder of Paris 19e waiting to be taken.

So the demo flow works at once: a holder in Paris 19e asks for support → the case goes to
Coopaname (and to the other structures that fit) → `conseil` sees it and takes it.
Idempotent: structures are matched on (organisation, network), the demo case on its e-mail."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.core.exceptions import ObjectDoesNotExist
from django.db import transaction

from atelier.accounts.selectors import network_get
from atelier.directory.enums import Source
from atelier.directory.selectors.organisations import organisation_find
from atelier.support.enums import Need, Project, Stage
from atelier.support.profile import Profile
from atelier.support.selectors.routing import structure_get
from atelier.support.services.cases import CaseContact, case_open
from atelier.support.services.privacy import cases_of_person
from atelier.support.services.structures import structure_advisor_link, structure_ensure

NETWORK = "atelier-idf"
ADVISOR = "conseil"
ADVISED = "Coopaname"  # the structure `conseil` advises for
DEMO_HOLDER_EMAIL = "porteur-demo@example.org"


@dataclass(frozen=True)
class DemoStructure:
    organisation: str  # the demo organisation's name (data/demo/organisations.json)
    label: str
    territories: tuple[str, ...]
    stages: tuple[str, ...] = ()
    needs: tuple[str, ...] = ()
    legal_forms: tuple[str, ...] = ()


DEMO_STRUCTURES = (
    # Microcredit and the support that comes with it, for people creating their activity.
    DemoStructure(
        "Association pour le droit à l'initiative économique",
        "ADIE — Île-de-France",
        ("region:11",),
        stages=(Stage.IDEA, Stage.STARTING, Stage.YOUNG),
        needs=(Need.FINANCING, Need.ADVICE),
    ),
    # Honour loans and guarantees (France Active / France Initiative), takeovers included.
    DemoStructure(
        "Paris Initiative Entreprise",
        "Paris Initiative Entreprise",
        ("departement:75",),
        stages=(Stage.STARTING, Stage.YOUNG, Stage.ESTABLISHED, Stage.TAKEOVER),
        needs=(Need.FINANCING, Need.TAKEOVER, Need.CONSOLIDATION),
    ),
    # The CAE: test one's activity as an entrepreneur-employee, collective support.
    DemoStructure(
        "Coopaname",
        "Coopaname (coopérative d'activités et d'emploi)",
        ("departement:75", "departement:93"),
        stages=(Stage.IDEA, Stage.STARTING, Stage.YOUNG),
    ),
    # A couveuse: test before creating.
    DemoStructure(
        "Astrolabe Conseil",
        "Astrolabe Conseil (couveuse)",
        ("departement:75",),
        stages=(Stage.IDEA, Stage.STARTING),
        needs=(Need.TEST, Need.ADVICE),
    ),
)
DEMO_PROFILE = Profile(
    stage=Stage.IDEA,
    project=Project.COLLECTIVE,
    commune="75119",
    needs=frozenset({Need.ADVICE, Need.TEST}),
)


class DemoSupportError(Exception):
    pass


@transaction.atomic
def demo_support_ensure() -> int:
    """Register the demo support structures and the demo request; returns how many structures."""
    try:
        network = network_get(slug=NETWORK)
    except ObjectDoesNotExist:
        raise DemoSupportError(
            f"Le réseau « {NETWORK} » n'existe pas : chargez d'abord les organisations."
        ) from None
    count = 0
    for item in DEMO_STRUCTURES:
        org_id = organisation_find(source=Source.DEMO, name=item.organisation)
        if org_id is None:
            raise DemoSupportError(f"Organisation de démonstration absente : {item.organisation}.")
        structure_ensure(
            organisation_id=org_id,
            network_id=network.pk,
            label=item.label,
            territories=item.territories,
            stages=item.stages,
            needs=item.needs,
            legal_forms=item.legal_forms,
        )
        count += 1
    if not cases_of_person(DEMO_HOLDER_EMAIL).exists():
        case_open(
            profile=DEMO_PROFILE,
            contact=CaseContact(first_name="Camille (démo)", email=DEMO_HOLDER_EMAIL),
            consent=True,
            schemes=[],
        )
    return count


def demo_support_advisors_ensure(*, username: str = ADVISOR) -> bool:
    """Link the demo advisor to the structure they advise for (after the demo accounts are
    created). False when the account does not exist."""
    user = get_user_model().objects.filter(username=username).first()
    if user is None:
        return False
    network = network_get(slug=NETWORK)
    org_id = organisation_find(source=Source.DEMO, name=ADVISED)
    structure = (
        structure_get(organisation_id=org_id, network_id=network.pk) if org_id is not None else None
    )
    if structure is None:
        raise DemoSupportError(f"Structure de démonstration absente : {ADVISED}.")
    structure_advisor_link(structure=structure, user=user)
    return True
