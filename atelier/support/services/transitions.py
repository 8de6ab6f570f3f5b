"""The life of a case: take it, start the support, put it back in the queue, close it with its
outcome, reopen it; add notes, the next-action date, a routing. Each change locks the case's
row (select_for_update: two advisors cannot both take it), checks the allowed transitions and
the user's rights (selectors.cases.case_access) on the row as it is now, and writes its entry
in the log (who, when, from, to), in one transaction."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from ..enums import CaseEventKind, CaseOutcome, CaseState
from ..models import Case, CaseEvent, CaseRouting, Scheme
from ..selectors.cases import CaseAccess, CaseNotFound, case_for_user, structures_for_manual_routing

# state -> the states it may go to.
TRANSITIONS: dict[str, frozenset[str]] = {
    CaseState.NEW: frozenset({CaseState.TAKEN, CaseState.CLOSED}),
    CaseState.TAKEN: frozenset({CaseState.IN_PROGRESS, CaseState.NEW, CaseState.CLOSED}),
    CaseState.IN_PROGRESS: frozenset({CaseState.CLOSED}),
    CaseState.CLOSED: frozenset({CaseState.IN_PROGRESS}),  # reopened by the staff
}
MAX_NOTE = 5000
MAX_AMOUNT = Decimal("100000000")

__all__ = [
    "TRANSITIONS",
    "CaseActionError",
    "CaseNotFound",
    "case_close",
    "case_next_action_set",
    "case_note_add",
    "case_reopen",
    "case_route_add",
    "case_take",
    "case_transition",
]


class CaseActionError(ValueError):
    """The action is not possible on the case as it is now (a French message)."""


def _state_label(state: str) -> str:
    return str(CaseState(state).label) if state in CaseState.values else state


def locked_case(
    case_id: int, user: Any, check: Callable[[CaseAccess], bool], refused: str
) -> tuple[Case, CaseAccess]:
    """The case row, locked until the end of the transaction, with the user's rights; raises
    CaseNotFound (not visible) or CaseActionError (anonymised, or `check` refuses)."""
    case, access = case_for_user(case_id, user, lock=True)
    if case.anonymised_at is not None:
        raise CaseActionError(_("Ce dossier est anonymisé : il ne peut plus changer."))
    if not check(access):
        raise CaseActionError(refused)
    return case, access


def log_event(
    case: Case, user: Any, kind: str, now: datetime, *, text: str = "", from_state: str = ""
) -> CaseEvent:
    return CaseEvent.objects.create(
        case=case,
        at=now,
        by=user if getattr(user, "is_authenticated", False) else None,
        kind=kind,
        from_state=from_state,
        to_state=case.state if kind == CaseEventKind.TRANSITION else "",
        text=text,
    )


def _move(case: Case, to_state: str) -> str:
    if to_state not in TRANSITIONS.get(case.state, frozenset()):
        raise CaseActionError(
            _("Un dossier « %(from)s » ne peut pas passer à « %(to)s ».")
            % {"from": _state_label(case.state), "to": _state_label(to_state)}
        )
    before = case.state
    case.state = to_state
    return before


def _text(text: str) -> str:
    text = (text or "").strip()
    if len(text) > MAX_NOTE:
        raise CaseActionError(_("Le texte dépasse %(n)d caractères.") % {"n": MAX_NOTE})
    return text


@transaction.atomic
def case_take(*, case_id: int, user: Any, now: datetime | None = None) -> Case:
    """`user` (an advisor of a routed structure, or the staff) takes the new case. A second
    take fails with CaseActionError naming who took it."""
    now = now or timezone.now()
    case, _access = locked_case(
        case_id,
        user,
        lambda a: a.may_take,
        _("Seul·es les conseiller·ères des structures du dossier peuvent le prendre."),
    )
    if case.state != CaseState.NEW:
        who = case.taken_by.get_username() if case.taken_by else _("quelqu'un d'autre")
        raise CaseActionError(
            _("Ce dossier est déjà « %(state)s » (pris en charge par %(who)s).")
            % {"state": _state_label(case.state), "who": who}
        )
    before = _move(case, CaseState.TAKEN)
    case.taken_by = user
    case.taken_at = now
    case.save(update_fields=["state", "taken_by", "taken_at", "updated_at"])
    log_event(case, user, CaseEventKind.TRANSITION, now, from_state=before)
    return case


@transaction.atomic
def case_transition(
    *, case_id: int, user: Any, to_state: str, text: str = "", now: datetime | None = None
) -> Case:
    """Start the support (taken → in progress) or put the case back in the queue (taken →
    new): the person who took it, or the staff. Taking, closing and reopening have their own
    services."""
    if to_state not in (CaseState.IN_PROGRESS, CaseState.NEW):
        raise CaseActionError(_("Changement d'état inconnu."))
    now = now or timezone.now()
    case, _access = locked_case(
        case_id,
        user,
        lambda a: a.may_change_state,
        _("Seul·e la personne qui a pris le dossier, ou l'équipe du réseau, change son état."),
    )
    if case.state == CaseState.CLOSED:
        raise CaseActionError(_("Ce dossier est clos : rouvrez-le d'abord."))
    before = _move(case, to_state)
    if to_state == CaseState.NEW:
        case.taken_by = None
        case.taken_at = None
    case.save(update_fields=["state", "taken_by", "taken_at", "updated_at"])
    log_event(case, user, CaseEventKind.TRANSITION, now, text=_text(text), from_state=before)
    return case


def _amount(value: Decimal | str | None) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        amount = Decimal(str(value).replace(" ", "").replace(",", "."))
    except InvalidOperation:
        raise CaseActionError(
            _("Le montant « %(v)s » n'est pas un nombre.") % {"v": value}
        ) from None
    if not amount.is_finite() or amount <= 0 or amount >= MAX_AMOUNT:
        raise CaseActionError(_("Le montant doit être positif (en euros)."))
    return amount.quantize(Decimal("0.01"))


@transaction.atomic
def case_close(
    *,
    case_id: int,
    user: Any,
    outcome: str,
    scheme_id: int | None = None,
    amount: Decimal | str | None = None,
    text: str = "",
    now: datetime | None = None,
) -> Case:
    """Close the case with its `outcome`; "financed" needs the scheme and the amount obtained
    (other outcomes keep neither)."""
    if outcome not in CaseOutcome.values:
        raise CaseActionError(_("Choisissez l'issue du dossier."))
    now = now or timezone.now()
    value = _amount(amount)
    scheme = None
    if outcome == CaseOutcome.FINANCED:
        scheme = Scheme.objects.filter(pk=scheme_id).first() if scheme_id else None
        if scheme is None or value is None:
            raise CaseActionError(
                _("Projet financé : indiquez le dispositif et le montant obtenu.")
            )
    else:
        value = None
    case, _access = locked_case(
        case_id,
        user,
        lambda a: a.may_change_state,
        _("Seul·e la personne qui a pris le dossier, ou l'équipe du réseau, le clôt."),
    )
    before = _move(case, CaseState.CLOSED)
    case.outcome = outcome
    case.financed_scheme = scheme
    case.financed_amount = value
    case.closed_at = now
    case.next_action_on = None
    case.save(
        update_fields=[
            "state",
            "outcome",
            "financed_scheme",
            "financed_amount",
            "closed_at",
            "next_action_on",
            "updated_at",
        ]
    )
    label = str(CaseOutcome(outcome).label)
    if scheme is not None and value is not None:
        label += f" — {scheme.name}, {formats.number_format(value, 2, use_l10n=True)} €"
    body = _text(text)
    log_event(
        case,
        user,
        CaseEventKind.TRANSITION,
        now,
        text=_("Issue : %(outcome)s.") % {"outcome": label} + (f"\n{body}" if body else ""),
        from_state=before,
    )
    return case


@transaction.atomic
def case_reopen(*, case_id: int, user: Any, text: str = "", now: datetime | None = None) -> Case:
    """The staff reopen a closed case (closed → in progress); its outcome is cleared."""
    now = now or timezone.now()
    case, _access = locked_case(
        case_id, user, lambda a: a.may_reopen, _("Seule l'équipe du réseau rouvre un dossier.")
    )
    before = _move(case, CaseState.IN_PROGRESS)
    case.outcome = ""
    case.financed_scheme = None
    case.financed_amount = None
    case.closed_at = None
    case.save(
        update_fields=[
            "state",
            "outcome",
            "financed_scheme",
            "financed_amount",
            "closed_at",
            "updated_at",
        ]
    )
    log_event(case, user, CaseEventKind.TRANSITION, now, text=_text(text), from_state=before)
    return case


@transaction.atomic
def case_note_add(*, case_id: int, user: Any, text: str, now: datetime | None = None) -> CaseEvent:
    """A note in the case's log (advisors and staff only; the holder never sees notes)."""
    body = _text(text)
    if not body:
        raise CaseActionError(_("La note est vide."))
    case, _access = locked_case(
        case_id, user, lambda a: a.may_annotate, _("Vous ne pouvez pas annoter ce dossier.")
    )
    return log_event(case, user, CaseEventKind.NOTE, now or timezone.now(), text=body)


@transaction.atomic
def case_next_action_set(
    *, case_id: int, user: Any, on: date | None, text: str = "", now: datetime | None = None
) -> Case:
    """Set (or clear, with None) the date of the next action on an open case."""
    now = now or timezone.now()
    case, _access = locked_case(
        case_id, user, lambda a: a.may_annotate, _("Vous ne pouvez pas modifier ce dossier.")
    )
    if case.state == CaseState.CLOSED:
        raise CaseActionError(_("Ce dossier est clos : il n'a plus de prochaine action."))
    if on is not None and on < timezone.localdate(now):
        raise CaseActionError(_("La prochaine action ne peut pas être dans le passé."))
    case.next_action_on = on
    case.save(update_fields=["next_action_on", "updated_at"])
    what = (
        _("Prochaine action le %(day)s.") % {"day": formats.date_format(on, "j F Y")}
        if on
        else _("Plus de prochaine action prévue.")
    )
    body = _text(text)
    log_event(case, user, CaseEventKind.NEXT_ACTION, now, text=what + (f"\n{body}" if body else ""))
    return case


@transaction.atomic
def case_route_add(
    *, case_id: int, user: Any, structure_id: int, now: datetime | None = None
) -> CaseRouting:
    """The staff send the case to one more structure (of their network)."""
    now = now or timezone.now()
    case, _access = locked_case(
        case_id, user, lambda a: a.may_route, _("Seule l'équipe du réseau oriente un dossier.")
    )
    choices = {s.pk: s for s in structures_for_manual_routing(case, user)}
    structure = choices.get(structure_id)
    if structure is None:
        raise CaseActionError(_("Structure inconnue, inactive ou déjà destinataire du dossier."))
    routing = CaseRouting.objects.create(case=case, structure=structure, routed_by=user)
    log_event(
        case,
        user,
        CaseEventKind.ROUTING,
        now,
        text=_("Dossier orienté aussi vers %(name)s.") % {"name": structure.display_name},
    )
    return routing
