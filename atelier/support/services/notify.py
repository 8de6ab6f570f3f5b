"""E-mails about cases: who receives them (the advisors of the routed structures, the staff of
the networks concerned) and how they are sent (French, blind copies, after the commit). They
carry the case's reference and a link, never the holder's contact."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from atelier.accounts.enums import Role
from atelier.accounts.selectors import users_with_network_role

from ..models import Case, StructureAdvisor

AbsoluteUrl = Callable[[str], str]


def site_url(path: str) -> str:
    """`path` on the site's public address (ATELIER_SITE_URL): for e-mails sent without a
    request (background tasks)."""
    return settings.ATELIER_SITE_URL.rstrip("/") + path


def case_url(case: Case, absolute_url: AbsoluteUrl | None = None) -> str:
    with translation.override(settings.LANGUAGE_CODE):
        path = reverse("support:case-detail", args=[case.pk])
    return (absolute_url or site_url)(path)


def _addresses(users: Iterable[Any]) -> list[str]:
    found = {
        u.email.strip().lower(): u.email.strip()
        for u in users
        if u.is_active and (u.email or "").strip()
    }
    return sorted(found.values())


def advisor_users(case: Case) -> list[Any]:
    """The advisors of the structures `case` is routed to (holding the advisor role in the
    structure's network)."""
    links = StructureAdvisor.objects.filter(structure__routings__case=case).select_related(
        "user", "structure"
    )
    allowed: dict[int, set[int]] = {}
    users = {}
    for link in links:
        network = link.structure.network_id
        if network not in allowed:
            advisors = users_with_network_role([network], roles=[Role.ADVISOR])
            allowed[network] = set(advisors.values_list("pk", flat=True))
        if link.user_id in allowed[network]:
            users[link.user_id] = link.user
    return list(users.values())


def staff_users(case: Case) -> list[Any]:
    """The staff of the case's network and of the routed structures' networks."""
    networks = {case.network_id, *case.routings.values_list("structure__network_id", flat=True)}
    return list(users_with_network_role(networks, roles=[Role.STAFF]))


def advisor_addresses(case: Case) -> list[str]:
    return _addresses(advisor_users(case))


def staff_addresses(case: Case) -> list[str]:
    return _addresses(staff_users(case))


def user_addresses(users: Iterable[Any]) -> list[str]:
    return _addresses(users)


def send(*, subject: str, template: str, context: dict[str, Any], to: list[str]) -> int:
    """One e-mail in French to `to` in blind copy (recipients do not see one another). Returns
    how many addresses it went to."""
    if not to:
        return 0
    with translation.override(settings.LANGUAGE_CODE):
        body = render_to_string(template, context)
    EmailMessage(subject, body, None, to=[], bcc=to).send()
    return len(to)


def send_to_holder(*, subject: str, template: str, context: dict[str, Any], to: str) -> None:
    """An e-mail to the project holder alone."""
    if not to:
        return
    with translation.override(settings.LANGUAGE_CODE):
        body = render_to_string(template, context)
    EmailMessage(subject, body, None, to=[to]).send()


def on_commit(callback: Callable[[], Any]) -> None:
    transaction.on_commit(callback)
