"""Change proposals: someone who may not edit an organisation proposes a change; the staff of
its networks or an instance moderator accept it (applied through `organisation_update`, with
the reason in the history) or refuse it with a reason; the proposer is told by e-mail.

Life of a proposal (`ProposalStatus`): a signed-in user's proposal is *confirmée* at once; a
visitor's is *proposée* until the signed link e-mailed to them is followed (valid
ATELIER_PROPOSAL_CONFIRM_SECONDS); only a confirmed proposal is moderated, to become
*acceptée* or *refusée*. At most ATELIER_PROPOSALS_PER_HOUR proposals per e-mail address (or
account) and per IP address in any hour.

When a proposal becomes pending (confirmed), its moderators are told by one e-mail, once the
transaction is committed: the staff of the networks the organisation is an active member of
and the instance's moderators (`access.MODERATE_PERMISSION`, superusers), every address in
Bcc (none sees another's), never the proposer, and the e-mail names no address.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core import signing
from django.core.exceptions import PermissionDenied
from django.core.mail import EmailMessage, send_mail
from django.db import transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from atelier.accounts.enums import Role
from atelier.accounts.selectors import users_with_network_role, users_with_permission

from ..enums import ProposalStatus
from ..models import ChangeProposal, Organisation, organisation_field
from .access import MODERATE_PERMISSION, may_moderate, organisation_network_ids
from .organisations import organisation_update

# Fields a proposal may change (the values are JSON: codes for the legal category and the NAF
# code, ISO text for the date).
PROPOSABLE_FIELDS = (
    "name",
    "acronym",
    "legal_category",
    "naf",
    "description",
    "website",
    "creation_date",
    "headcount_band",
    "is_active",
)
_SALT = "atelier.directory.proposal-confirm"


class ProposalError(Exception):
    """A proposal cannot be made or decided; the message is a sentence for people."""


class ProposalRateLimited(ProposalError):
    pass


class ProposalLinkInvalid(ProposalError):
    pass


class ProposalLinkExpired(ProposalError):
    pass


def _send(proposal: ChangeProposal, *, subject: str, template: str, **context: Any) -> None:
    """An e-mail to the proposer, in French (the site's language)."""
    to = proposal.contact_email
    if not to:
        return
    with translation.override(settings.LANGUAGE_CODE):
        body = render_to_string(template, {"proposal": proposal, **context})
    send_mail(subject, body, None, [to])


def proposal_moderator_addresses(proposal: ChangeProposal) -> list[str]:
    """Where a pending proposal is announced: the active staff of the organisation's networks
    (active memberships) and the instance's moderators, with an e-mail address, except the
    proposer (by account and by address)."""
    networks = organisation_network_ids(proposal.organisation)
    users = list(users_with_network_role(networks, roles=[Role.STAFF])) if networks else []
    users += list(users_with_permission(MODERATE_PERMISSION))
    proposer = (proposal.contact_email or "").strip().lower()
    addresses = {
        user.email.strip().lower(): user.email.strip()
        for user in users
        if user.email and user.pk != proposal.proposer_id
    }
    addresses.pop(proposer, None)
    return sorted(addresses.values())


def _announce(proposal: ChangeProposal, absolute_url: Callable[[str], str] | None) -> None:
    """One e-mail, in French, to the moderators of the pending `proposal`, after the commit."""
    to = proposal_moderator_addresses(proposal)
    if not to:
        return
    with translation.override(settings.LANGUAGE_CODE):
        path = reverse("directory:moderation-proposal", args=[proposal.pk])
        fields = [str(organisation_field(name).verbose_name) for name in proposal.values]
        body = render_to_string(
            "directory/email/proposal_pending.txt",
            {
                "proposal": proposal,
                "fields": fields,
                "link": absolute_url(path) if absolute_url else path,
            },
        )
    subject = f"Proposition de modification à modérer : « {proposal.organisation.name} »"
    # Bcc only: the moderators do not see one another's addresses (no To header).
    EmailMessage(subject, body, None, to=[], bcc=to).send()


def _announce_on_commit(
    proposal: ChangeProposal, absolute_url: Callable[[str], str] | None
) -> None:
    transaction.on_commit(lambda: _announce(proposal, absolute_url))


def _current_value(organisation: Organisation, name: str) -> Any:
    value = getattr(organisation, organisation_field(name).attname)
    if isinstance(value, datetime.date):
        return value.isoformat()
    return value if value is not None else ""


def proposal_changes(organisation: Organisation, values: dict[str, Any]) -> dict[str, Any]:
    """The entries of `values` (allow-listed fields) that differ from the organisation's."""
    out = {}
    for name, value in values.items():
        if name not in PROPOSABLE_FIELDS:
            raise ProposalError(_("Ce champ ne peut pas être proposé : %(name)s.") % {"name": name})
        if isinstance(value, datetime.date):
            value = value.isoformat()
        if value is None:
            value = ""
        if value != _current_value(organisation, name):
            out[name] = value
    return out


def _rate_limited(*, user: Any, email: str, ip: str | None) -> bool:
    limit = settings.ATELIER_PROPOSALS_PER_HOUR
    since = timezone.now() - datetime.timedelta(hours=1)
    recent = ChangeProposal.objects.filter(created_at__gte=since)
    who = Q(proposer=user) if user is not None else Q(email__iexact=email, proposer=None)
    if recent.filter(who).count() >= limit:
        return True
    return bool(ip) and recent.filter(ip_address=ip).count() >= limit


@transaction.atomic
def proposal_submit(
    *,
    organisation: Organisation,
    values: dict[str, Any],
    message: str = "",
    user: Any = None,
    email: str = "",
    ip: str | None = None,
    confirm_url: Any = None,
    absolute_url: Callable[[str], str] | None = None,
) -> ChangeProposal:
    """Record a proposal. A signed-in `user` submits it directly (confirmed: its moderators
    are told, with links made absolute by `absolute_url(path)`); a visitor gives `email` and
    gets a confirmation link, `confirm_url(token)` (an absolute URL). Raises ProposalError
    (nothing changed, no e-mail, over the hourly limit)."""
    if user is not None and not getattr(user, "is_authenticated", False):
        user = None
    changes = proposal_changes(organisation, values)
    if not changes and not message.strip():
        raise ProposalError(
            _("Rien à proposer : modifiez au moins un champ ou décrivez l'erreur dans le message.")
        )
    if user is None and not email:
        raise ProposalError(_("Indiquez votre adresse électronique pour confirmer la proposition."))
    if _rate_limited(user=user, email=email, ip=ip):
        raise ProposalRateLimited(
            _("Vous avez déjà envoyé beaucoup de propositions dans l'heure : réessayez plus tard.")
        )
    now = timezone.now()
    proposal = ChangeProposal.objects.create(
        organisation=organisation,
        proposer=user,
        email="" if user is not None else email,
        values=changes,
        message=message.strip(),
        status=ProposalStatus.CONFIRMED if user is not None else ProposalStatus.PROPOSED,
        confirmed_at=now if user is not None else None,
        ip_address=ip or None,
    )
    if user is not None:
        _announce_on_commit(proposal, absolute_url)
    else:
        link = confirm_url(proposal_token(proposal)) if confirm_url else ""
        hours = max(1, round(settings.ATELIER_PROPOSAL_CONFIRM_SECONDS / 3600))
        _send(
            proposal,
            subject=f"Confirmez votre proposition pour « {organisation.name} »",
            template="directory/email/proposal_confirm.txt",
            link=link,
            hours=hours,
        )
    return proposal


def proposal_token(proposal: ChangeProposal) -> str:
    """The signed token of the confirmation link of a visitor's proposal."""
    return signing.dumps({"p": proposal.pk, "e": proposal.email}, salt=_SALT)


def proposal_from_token(token: str) -> ChangeProposal:
    """The proposal a confirmation token names. Raises ProposalLinkExpired or
    ProposalLinkInvalid."""
    try:
        data = signing.loads(token, salt=_SALT, max_age=settings.ATELIER_PROPOSAL_CONFIRM_SECONDS)
    except signing.SignatureExpired:
        raise ProposalLinkExpired(
            _("Ce lien de confirmation a expiré : envoyez de nouveau votre proposition.")
        ) from None
    except signing.BadSignature:
        raise ProposalLinkInvalid(_("Ce lien de confirmation n'est pas valide.")) from None
    proposal = (
        ChangeProposal.objects.select_related("organisation")
        .filter(pk=data.get("p"), email=data.get("e"), proposer=None)
        .first()
    )
    if proposal is None:
        raise ProposalLinkInvalid(_("Ce lien de confirmation n'est pas valide."))
    return proposal


@transaction.atomic
def proposal_confirm(
    *, token: str, absolute_url: Callable[[str], str] | None = None
) -> ChangeProposal:
    """Confirm the visitor's proposal of `token` (once; later calls change nothing) and tell
    its moderators (links made absolute by `absolute_url(path)`)."""
    proposal = proposal_from_token(token)
    now = timezone.now()
    updated = ChangeProposal.objects.filter(pk=proposal.pk, status=ProposalStatus.PROPOSED).update(
        status=ProposalStatus.CONFIRMED, confirmed_at=now, updated_at=now
    )
    if updated:  # this call confirmed it (two clicks at once announce it once)
        proposal.refresh_from_db()
        _announce_on_commit(proposal, absolute_url)
    return proposal


def _decidable(proposal: ChangeProposal, user: Any) -> None:
    if not may_moderate(user, proposal.organisation):
        raise PermissionDenied
    if proposal.status != ProposalStatus.CONFIRMED:
        raise ProposalError(_("Cette proposition n'attend pas de décision."))


def _who(user: Any) -> str:
    return user.get_full_name() or user.get_username()


@transaction.atomic
def proposal_accept(*, proposal: ChangeProposal, user: Any, reason: str = "") -> ChangeProposal:
    """Apply the proposal's values to the organisation as `user` (a moderator of it), the
    history recording "Proposition n° X acceptée par …", and tell the proposer."""
    proposal = ChangeProposal.objects.select_for_update().get(pk=proposal.pk)
    _decidable(proposal, user)
    history_reason = f"Proposition n° {proposal.pk} acceptée par {_who(user)}"
    organisation_update(
        user=user,
        organisation=proposal.organisation,
        values=proposal.values,
        reason=history_reason,
        by_moderation=True,
    )
    return _decided(proposal, ProposalStatus.ACCEPTED, user, reason, outcome="acceptée")


@transaction.atomic
def proposal_refuse(*, proposal: ChangeProposal, user: Any, reason: str) -> ChangeProposal:
    """Refuse the proposal with `reason` (required, sent to the proposer)."""
    proposal = ChangeProposal.objects.select_for_update().get(pk=proposal.pk)
    _decidable(proposal, user)
    if not reason.strip():
        raise ProposalError(_("Indiquez le motif du refus : il est envoyé à l'auteur·rice."))
    return _decided(proposal, ProposalStatus.REFUSED, user, reason, outcome="refusée")


def _decided(
    proposal: ChangeProposal, status: str, user: Any, reason: str, *, outcome: str
) -> ChangeProposal:
    """Record the decision on the proposal and tell its author by e-mail."""
    proposal.status = status
    proposal.reason = reason.strip()
    proposal.decided_by = user
    proposal.decided_at = timezone.now()
    proposal.save(update_fields=["status", "reason", "decided_by", "decided_at", "updated_at"])
    _send(
        proposal,
        subject=f"Votre proposition pour « {proposal.organisation.name} » est {outcome}",
        template="directory/email/proposal_outcome.txt",
    )
    return proposal


@transaction.atomic
def proposal_ensure_pending(
    *, source: str, name: str, proposer: Any, values: dict[str, Any], message: str
) -> ChangeProposal | None:
    """A confirmed proposal of `proposer` with `message` on the organisation of `source` named
    `name`, waiting for a decision (created once; the demo's). None if there is no such
    organisation."""
    organisation = Organisation.objects.filter(source=source, name=name).first()
    if organisation is None:
        return None
    proposal, created = ChangeProposal.objects.get_or_create(
        organisation=organisation,
        proposer=proposer,
        message=message,
        defaults={
            "values": proposal_changes(organisation, values),
            "status": ProposalStatus.CONFIRMED,
            "confirmed_at": timezone.now(),
        },
    )
    return proposal
