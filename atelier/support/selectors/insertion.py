""" "Premières heures": reads for the pages — who may see a structure, its beneficiaries with
their contracts and hours, the parameters' dated values.

A structure, its beneficiaries, contracts and hours are seen only by the staff of the
structure's network (`structure_of_staff` and friends raise PermissionDenied otherwise)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Count, Prefetch, QuerySet

from atelier.accounts.enums import Role
from atelier.accounts.selectors import user_network_ids

from ..models import Beneficiary, Contract, InsertionStructure, MonthlyHours, SchemeParameter
from .premieres_heures import (
    PARAMETERS,
    SCHEME_SLUG,
    SPECS,
    ParameterSpec,
    first_of_month,
    previous_month,
)


def staff_networks(user: Any) -> set[int]:
    """The networks where `user` holds the staff role."""
    return user_network_ids(user, roles=[Role.STAFF])


def structures_of_staff(user: Any) -> QuerySet[InsertionStructure]:
    """The structures of the networks where `user` is staff, with their beneficiary counts."""
    return (
        InsertionStructure.objects.filter(network_id__in=staff_networks(user))
        .select_related("organisation", "network")
        .annotate(beneficiary_count=Count("beneficiaries"))
        .order_by("organisation__name", "pk")
    )


def _check(user: Any, network_id: int) -> None:
    if network_id not in staff_networks(user):
        raise PermissionDenied


def structure_of_staff(user: Any, pk: int) -> InsertionStructure:
    """The structure `pk` for `user`. Raises InsertionStructure.DoesNotExist, or
    PermissionDenied when `user` is not staff of its network."""
    structure = InsertionStructure.objects.select_related("organisation", "network").get(pk=pk)
    _check(user, structure.network_id)
    return structure


def beneficiary_of_staff(user: Any, pk: int) -> Beneficiary:
    beneficiary = Beneficiary.objects.select_related(
        "structure__organisation", "structure__network"
    ).get(pk=pk)
    _check(user, beneficiary.structure.network_id)
    return beneficiary


def contract_of_staff(user: Any, pk: int) -> Contract:
    contract = Contract.objects.select_related(
        "beneficiary__structure__organisation", "beneficiary__structure__network"
    ).get(pk=pk)
    _check(user, contract.beneficiary.structure.network_id)
    return contract


def structure_beneficiaries(structure: InsertionStructure) -> list[Beneficiary]:
    """The beneficiaries of `structure` by reference, each with its `contracts` (by entry)."""
    return list(
        structure.beneficiaries.order_by("reference").prefetch_related(
            Prefetch("contracts", queryset=Contract.objects.order_by("start"))
        )
    )


def beneficiary_contracts(beneficiary: Beneficiary) -> list[Contract]:
    """The contracts of `beneficiary` by entry, each with its `hours` by month."""
    return list(
        beneficiary.contracts.order_by("start").prefetch_related(
            Prefetch("hours", queryset=MonthlyHours.objects.order_by("month"))
        )
    )


def statement_months(structure: InsertionStructure, today: date, limit: int = 6) -> list[date]:
    """The last months (newest first, up to the current one) in which a contract of
    `structure` ran: the statements worth offering."""
    months: list[date] = []
    month = first_of_month(today)
    contracts = list(
        Contract.objects.filter(beneficiary__structure=structure).values_list("start", "end")
    )
    for _step in range(240):  # twenty years back at most
        if len(months) >= limit:
            break
        if any(
            first_of_month(start) <= month and (end is None or first_of_month(end) >= month)
            for start, end in contracts
        ):
            months.append(month)
        month = previous_month(month)
    return months


@dataclass(frozen=True, slots=True)
class ParameterHistory:
    spec: ParameterSpec
    values: list[SchemeParameter]  # by start
    in_force: SchemeParameter | None  # on `on`


def parameter_histories(on: date) -> list[ParameterHistory]:
    """Each parameter of Premières heures with all its dated values and the one in force on
    `on`, in the statement's order."""
    rows = (
        SchemeParameter.objects.filter(scheme__slug=SCHEME_SLUG, name__in=list(SPECS))
        .select_related("set_by")
        .order_by("name", "start")
    )
    by_name: dict[str, list[SchemeParameter]] = {spec.name: [] for spec in PARAMETERS}
    for row in rows:
        by_name[row.name].append(row)
    histories = []
    for spec in PARAMETERS:
        values = by_name[spec.name]
        current = [v for v in values if v.start <= on]
        histories.append(ParameterHistory(spec, values, current[-1] if current else None))
    return histories
