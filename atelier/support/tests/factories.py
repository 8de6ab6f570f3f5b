"""Builders of the support journeys' tests: a small world (reference data with Paris 19e,
two networks, structures and one user per role) and cases opened through the service."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import factory
from django.contrib.auth import get_user_model
from django.utils import timezone

from atelier.accounts.enums import Role
from atelier.accounts.services import network_role_grant
from atelier.directory.tests.factories import NetworkFactory, OrganisationFactory
from atelier.support.enums import Need, Project, Stage
from atelier.support.models import Case, CaseEvent, StructureAdvisor, SupportStructure
from atelier.support.profile import Profile
from atelier.support.services.cases import CaseContact, case_open
from atelier.territories.tests.factories import ArrondissementFactory, make_small_reference


class SupportStructureFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SupportStructure

    organisation = factory.SubFactory(OrganisationFactory)
    network = factory.SubFactory(NetworkFactory)
    label = factory.Sequence(lambda n: f"Structure {n}")


def profile(**fields: Any) -> Profile:
    """A holder in Paris 19e with an idea, asking for advice (overridable)."""
    values: dict[str, Any] = {
        "stage": Stage.IDEA,
        "project": Project.BUSINESS,
        "commune": "75119",
        "needs": frozenset({Need.ADVICE}),
    }
    values.update(fields)
    return Profile(**values)


def contact(**fields: Any) -> CaseContact:
    values = {"first_name": "Camille", "email": "camille@example.org", "phone": ""}
    values.update(fields)
    return CaseContact(**values)


def user(username: str, *, network=None, role: str | None = None, **fields: Any):
    fields.setdefault("email", f"{username}@example.org")
    u = get_user_model().objects.create_user(username, password="x", **fields)
    if network is not None and role is not None:
        network_role_grant(user=u, network=network, role=role)
    return u


@dataclass
class World:
    ref: dict
    idf: Any
    other: Any
    paris: SupportStructure  # idf, Paris (departement:75)
    plaine: SupportStructure  # idf, Plaine Commune (ept)
    other_structure: SupportStructure  # other network, Île-de-France, financing only
    member: Any
    advisor: Any  # advisor of `paris`
    advisor2: Any  # a second advisor of `paris`
    advisor_plaine: Any  # advisor of `plaine` (same network)
    staff: Any  # staff of idf
    staff_other: Any  # staff of the other network
    superuser: Any
    nobody: Any  # signed in, no role
    users: dict[str, Any] = field(default_factory=dict)


def make_world() -> World:
    ref = make_small_reference()
    ArrondissementFactory(
        code="75119", name="Paris 19e Arrondissement", parent=ref["paris"], population=182952
    )
    idf = NetworkFactory(slug="atelier-idf", name="L'Atelier")
    other = NetworkFactory(slug="cae-paris", name="CAE de Paris")
    paris = SupportStructureFactory(
        network=idf, label="Couveuse de Paris", territories=["departement:75"]
    )
    plaine = SupportStructureFactory(
        network=idf, label="Maison de Plaine", territories=["ept:200057867"]
    )
    other_structure = SupportStructureFactory(
        network=other, label="Finance IDF", territories=["region:11"], needs=["financing"]
    )
    advisor = user("conseil", network=idf, role=Role.ADVISOR)
    advisor2 = user("conseil2", network=idf, role=Role.ADVISOR)
    advisor_plaine = user("conseil-plaine", network=idf, role=Role.ADVISOR)
    for u, s in ((advisor, paris), (advisor2, paris), (advisor_plaine, plaine)):
        StructureAdvisor.objects.create(structure=s, user=u)
    world = World(
        ref=ref,
        idf=idf,
        other=other,
        paris=paris,
        plaine=plaine,
        other_structure=other_structure,
        member=user("membre", network=idf, role=Role.MEMBER),
        advisor=advisor,
        advisor2=advisor2,
        advisor_plaine=advisor_plaine,
        staff=user("equipe", network=idf, role=Role.STAFF, is_staff=True),
        staff_other=user("equipe2", network=other, role=Role.STAFF, is_staff=True),
        superuser=get_user_model().objects.create_superuser("admin", "admin@example.org", "x"),
        nobody=user("personne"),
    )
    return world


def open_case(**fields: Any) -> Case:
    """A case opened through the service (profile, contact, consent, schemes overridable)."""
    values: dict[str, Any] = {
        "profile": profile(),
        "contact": contact(),
        "consent": True,
        "schemes": [],
    }
    values.update(fields)
    return case_open(**values)


def age(case: Case, days: float, *, now: datetime | None = None) -> Case:
    """Move the case's opening (and its first log entry) `days` back in time."""
    now = now or timezone.now()
    when = now - timedelta(days=days)
    Case.objects.filter(pk=case.pk).update(created_at=when, consent_at=when)
    CaseEvent.objects.filter(case=case, kind="opened").update(at=when)
    case.refresh_from_db()
    return case
