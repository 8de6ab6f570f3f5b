""" "Premières heures": the writes — structures, beneficiaries, contracts, hours of a month.

Every rule is checked here, before anything is written, with a French message attached to the
field it is about (django.core.exceptions.ValidationError with a dict: forms show each message
beside its field). Each write is one transaction, and the beneficiary's row is locked first, so
two people saving contracts or hours of the same person at once cannot break the rules between
them. The database constraints (models/insertion.py) are the backstop.

Rules: hours of a month between 0 and 744 (31 × 24), in total over the beneficiary's contracts
of that month, for a month of a contract (from the month of entry to the month of exit) that
has begun; a beneficiary's contracts do not overlap; an exit is not before the entry nor in the
future, and it has an outcome (employment, training, other) — which only an exit has."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from ..enums import ExitOutcome
from ..models import Beneficiary, Contract, InsertionStructure, MonthlyHours
from ..models.insertion import MONTH_HOURS_MAX, REFERENCE_MAX_LENGTH
from ..selectors.premieres_heures import day_text, first_of_month, month_text, next_month

# A reference is pseudonymous: no e-mail address, no long number (a social security number
# has 13 digits and its key 2).
_LOOKS_PERSONAL = re.compile(r"@|\d{10,}")


def _user(user: Any) -> Any:
    return user if getattr(user, "is_authenticated", False) else None


def _today(today: date | None) -> date:
    return today or timezone.localdate()


@transaction.atomic
def structure_register(*, organisation_id: int, network_id: int) -> InsertionStructure:
    """The structure of the Atlas organisation `organisation_id` followed by the network
    `network_id` (created when missing)."""
    structure, _created = InsertionStructure.objects.get_or_create(
        organisation_id=organisation_id, network_id=network_id
    )
    return structure


def _reference_clean(structure: InsertionStructure, reference: str, *, exclude: int | None) -> str:
    reference = " ".join(reference.split())
    if not reference:
        raise ValidationError({"reference": _("Donnez une référence à la personne.")})
    if len(reference) > REFERENCE_MAX_LENGTH:
        raise ValidationError(
            {
                "reference": _("La référence tient en %(max)d caractères au plus.")
                % {"max": REFERENCE_MAX_LENGTH}
            }
        )
    if _LOOKS_PERSONAL.search(reference):
        raise ValidationError(
            {
                "reference": _(
                    "La référence doit être pseudonyme : ni adresse électronique, ni numéro "
                    "(de sécurité sociale, de téléphone…). Choisissez par exemple PH-2025-07."
                )
            }
        )
    taken = Beneficiary.objects.filter(structure=structure, reference__iexact=reference)
    if exclude is not None:
        taken = taken.exclude(pk=exclude)
    if taken.exists():
        raise ValidationError(
            {
                "reference": _("La référence « %(ref)s » est déjà prise dans cette structure.")
                % {"ref": reference}
            }
        )
    return reference


@transaction.atomic
def beneficiary_create(*, structure: InsertionStructure, reference: str) -> Beneficiary:
    """A new beneficiary of `structure`, known by a pseudonymous `reference`."""
    clean = _reference_clean(structure, reference, exclude=None)
    return Beneficiary.objects.create(structure=structure, reference=clean)


@transaction.atomic
def beneficiaries_delete(*, structure: InsertionStructure, reference_prefix: str) -> int:
    """Delete the beneficiaries of `structure` whose reference starts with `reference_prefix`
    (the demo's, recreated on each run), with their contracts and hours. Returns how many."""
    if not reference_prefix:
        raise ValueError("reference_prefix is required")
    deleted = structure.beneficiaries.filter(reference__startswith=reference_prefix)
    count = deleted.count()
    deleted.delete()
    return count


def _locked(beneficiary: Beneficiary) -> Beneficiary:
    """The beneficiary's row, locked until the end of the transaction; refused if erased."""
    locked = Beneficiary.objects.select_for_update().get(pk=beneficiary.pk)
    if locked.erased_at is not None:
        raise ValidationError(
            _("Les données de cette personne ont été effacées : plus aucune saisie possible.")
        )
    return locked


def _period(start: date, end: date | None) -> str:
    if end is None:
        return _("entré·e le %(start)s, sans date de sortie") % {"start": day_text(start)}
    return _("du %(start)s au %(end)s") % {"start": day_text(start), "end": day_text(end)}


def _contract_check(
    beneficiary: Beneficiary,
    start: date,
    end: date | None,
    outcome: str,
    *,
    contract: Contract | None,
    today: date,
) -> None:
    errors: dict[str, str] = {}
    if end is not None and end < start:
        errors["end"] = _("La date de sortie (%(end)s) précède la date d'entrée (%(start)s).") % {
            "end": day_text(end),
            "start": day_text(start),
        }
    elif end is not None and end > today:
        errors["end"] = _(
            "La date de sortie (%(end)s) est dans le futur : on l'enregistre une fois la sortie "
            "faite, avec son issue."
        ) % {"end": day_text(end)}
    if outcome and outcome not in ExitOutcome.values:
        errors["outcome"] = _("Issue de sortie inconnue : « %(value)s ».") % {"value": outcome}
    elif end is not None and not outcome:
        errors["outcome"] = _(
            "Précisez l'issue de la sortie : retour à l'emploi, entrée en formation ou autre."
        )
    elif end is None and outcome:
        errors["outcome"] = _("L'issue se renseigne avec la date de sortie.")
    if errors:
        raise ValidationError(errors)
    others = Contract.objects.filter(beneficiary=beneficiary)
    if contract is not None:
        others = others.exclude(pk=contract.pk)
    # Two periods overlap when each starts before (or on the day) the other ends.
    overlapping = others.filter(Q(end__isnull=True) | Q(end__gte=start))
    if end is not None:
        overlapping = overlapping.filter(start__lte=end)
    clash = overlapping.order_by("start").first()
    if clash is not None:
        raise ValidationError(
            {
                "start": _(
                    "Ce contrat chevaucherait celui de %(ref)s %(period)s : les contrats d'une "
                    "même personne se suivent sans se chevaucher."
                )
                % {"ref": beneficiary.reference, "period": _period(clash.start, clash.end)}
            }
        )
    if contract is not None:
        outside = contract.hours.filter(month__lt=first_of_month(start))
        if end is not None:
            outside = outside | contract.hours.filter(month__gt=first_of_month(end))
        first = outside.order_by("month").first()
        if first is not None:
            raise ValidationError(
                {
                    "start" if first.month < start else "end": _(
                        "Des heures sont saisies pour %(month)s, hors des nouvelles dates du "
                        "contrat : corrigez-les d'abord (mettez-les à 0 ou sur le bon contrat)."
                    )
                    % {"month": month_text(first.month)}
                }
            )


@transaction.atomic
def contract_create(
    *,
    user: Any,
    beneficiary: Beneficiary,
    start: date,
    end: date | None = None,
    outcome: str = "",
    today: date | None = None,
) -> Contract:
    """A new contract of `beneficiary` (entry, and the exit with its outcome when known)."""
    locked = _locked(beneficiary)
    _contract_check(locked, start, end, outcome, contract=None, today=_today(today))
    return Contract.objects.create(
        beneficiary=locked, start=start, end=end, outcome=outcome, set_by=_user(user)
    )


@transaction.atomic
def contract_update(
    *,
    user: Any,
    contract: Contract,
    start: date,
    end: date | None,
    outcome: str,
    today: date | None = None,
) -> Contract:
    """Change the dates or the exit of `contract` (to record an exit: its date and outcome)."""
    locked = _locked(contract.beneficiary)
    _contract_check(locked, start, end, outcome, contract=contract, today=_today(today))
    Contract.objects.filter(pk=contract.pk).update(
        start=start, end=end, outcome=outcome, set_by=_user(user), updated_at=timezone.now()
    )
    contract.refresh_from_db()
    return contract


def _contracts_of_month(beneficiary: Beneficiary, month: date) -> list[Contract]:
    after = next_month(month)
    return list(
        Contract.objects.filter(beneficiary=beneficiary, start__lt=after)
        .filter(Q(end__isnull=True) | Q(end__gte=month))
        .order_by("start")
    )


@transaction.atomic
def hours_record(
    *,
    user: Any,
    beneficiary: Beneficiary,
    month: date,
    hours: int,
    contract: Contract | None = None,
    today: date | None = None,
) -> MonthlyHours:
    """Record (or correct) the hours `beneficiary` worked in `month` (any day of it) under
    `contract` — by default the one contract of that month."""
    month = first_of_month(month)
    if not 0 <= hours <= MONTH_HOURS_MAX:
        raise ValidationError(
            {
                "hours": _(
                    "Le nombre d'heures d'un mois est compris entre 0 et %(max)d (31 jours × "
                    "24 h) : %(hours)s n'est pas possible."
                )
                % {"max": MONTH_HOURS_MAX, "hours": hours}
            }
        )
    if month > first_of_month(_today(today)):
        raise ValidationError(
            {
                "month": _("%(month)s n'a pas commencé : on saisit les heures d'un mois commencé.")
                % {"month": month_text(month)}
            }
        )
    locked = _locked(beneficiary)
    covering = _contracts_of_month(locked, month)
    if contract is None:
        if not covering:
            raise ValidationError(
                {
                    "month": _(
                        "%(ref)s n'a pas de contrat en %(month)s : les heures se saisissent pour "
                        "un mois du contrat, de l'entrée à la sortie."
                    )
                    % {"ref": locked.reference, "month": month_text(month)}
                }
            )
        if len(covering) > 1:
            raise ValidationError(
                {
                    "contract": _("Deux contrats couvrent %(month)s : choisissez celui des heures.")
                    % {"month": month_text(month)}
                }
            )
        contract = covering[0]
    elif contract.beneficiary_id != locked.pk:
        raise ValidationError({"contract": _("Ce contrat n'est pas celui de cette personne.")})
    elif contract.pk not in {c.pk for c in covering}:
        raise ValidationError(
            {
                "month": _(
                    "%(month)s est hors du contrat (%(period)s) : les heures se saisissent pour "
                    "un mois du contrat."
                )
                % {"month": month_text(month), "period": _period(contract.start, contract.end)}
            }
        )
    elsewhere = (
        MonthlyHours.objects.filter(contract__beneficiary=locked, month=month)
        .exclude(contract=contract)
        .aggregate(total=Sum("hours"))["total"]
        or 0
    )
    if elsewhere + hours > MONTH_HOURS_MAX:
        raise ValidationError(
            {
                "hours": _(
                    "Avec les %(other)d h déjà saisies pour %(month)s sur un autre contrat, le "
                    "mois compterait %(total)d h : plus de %(max)d h n'est pas possible."
                )
                % {
                    "other": elsewhere,
                    "month": month_text(month),
                    "total": elsewhere + hours,
                    "max": MONTH_HOURS_MAX,
                }
            }
        )
    row, _created = MonthlyHours.objects.update_or_create(
        contract=contract, month=month, defaults={"hours": hours, "set_by": _user(user)}
    )
    return row
