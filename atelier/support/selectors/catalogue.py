"""The schemes catalogue as the rules, the pages and the API read it.

`catalogue_on(day)` is the whole catalogue compiled for a day (rules.evaluate.Catalogue: each
scheme's conditions with their parameters resolved), kept per process until the catalogue or
the Atlas changes: the data versions "support" (moved by every save or delete of a scheme or a
parameter value, in its transaction: apps.py) and "directory" (operators' names)."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.utils import timezone

from atelier.directory.selectors.organisations import organisation_names
from atelier.search import versions

from ..models import Scheme, SchemeParameter
from ..rules.evaluate import Catalogue, compile_catalogue
from ..rules.nodes import Context, ParamValue
from ..rules.spec import SchemeSpec
from .places import key_labels, sector_labels

VERSION = "support"
DIRECTORY_VERSION = "directory"
_CACHE_DAYS = 4  # compiled catalogues kept per process (today, and a few days asked for)
_compiled: dict[tuple[int, int, datetime.date], Catalogue] = {}


def catalogue_forget() -> None:
    """Drop the compiled catalogues of this process (tests: rolled-back data versions)."""
    _compiled.clear()


def today() -> datetime.date:
    return timezone.localdate()


def stale_after_days() -> int:
    return int(getattr(settings, "SUPPORT_STALE_AFTER_DAYS", 180))


def is_stale(last_checked_on: datetime.date | None, on: datetime.date | None = None) -> bool:
    """Never checked, or checked more than SUPPORT_STALE_AFTER_DAYS days before `on`."""
    if last_checked_on is None:
        return True
    return ((on or today()) - last_checked_on).days > stale_after_days()


def _spec(row: Scheme, operators: dict[int, str], parents: dict[int, str]) -> SchemeSpec:
    operator = operators.get(row.operator_id) if row.operator_id else None
    return SchemeSpec(
        id=row.pk,
        slug=row.slug,
        name=row.name,
        kind=row.kind,
        rule=row.rule,
        perimeter=tuple(row.perimeter or ()),
        state=row.state,
        audiences=frozenset(row.audiences or ()),
        stages=frozenset(row.stages or ()),
        projects=frozenset(row.projects or ()),
        legal_forms=frozenset(row.legal_forms or ()),
        needs=frozenset(row.needs or ()),
        sectors=frozenset(row.sectors or ()),
        opens_on=row.opens_on,
        closes_on=row.closes_on,
        operator_id=row.operator_id if operator else None,
        operator_name=operator or row.operator_name,
        variant_of=parents.get(row.variant_of_id, "") if row.variant_of_id else "",
        summary=row.summary,
        last_checked_on=row.last_checked_on,
        sources=tuple(row.sources or ()),
    )


def scheme_specs(slugs: Iterable[str] | None = None) -> list[SchemeSpec]:
    """The schemes of the catalogue (all, or those of `slugs`), by name, as plain values."""
    qs = Scheme.objects.order_by("name", "slug")
    if slugs is not None:
        qs = qs.filter(slug__in=list(slugs))
    rows = list(qs)
    operators = organisation_names([r.operator_id for r in rows if r.operator_id])
    parent_ids = {r.variant_of_id for r in rows if r.variant_of_id}
    parents = dict(Scheme.objects.filter(pk__in=parent_ids).values_list("pk", "slug"))
    return [_spec(r, operators, parents) for r in rows]


def parameter_histories(
    scheme_ids: Iterable[int] | None = None,
) -> dict[int, dict[str, list[ParamValue]]]:
    """Scheme id -> parameter name -> its dated values, by start ascending (the whole
    history: past, current and future values)."""
    qs = SchemeParameter.objects.order_by("scheme_id", "name", "start")
    if scheme_ids is not None:
        qs = qs.filter(scheme_id__in=list(scheme_ids))
    found: dict[int, dict[str, list[ParamValue]]] = {}
    rows = qs.values_list("scheme_id", "name", "value", "start", "is_example", "source")
    for scheme_id, name, value, start, is_example, source in rows:
        found.setdefault(scheme_id, {}).setdefault(name, []).append(
            ParamValue(name, Decimal(value), start, is_example, source)
        )
    return found


def catalogue_context(specs: Iterable[SchemeSpec]) -> Context:
    keys = {key for spec in specs for key in spec.perimeter}
    return Context(territories=key_labels(keys), sectors=sector_labels())


def catalogue_on(day: datetime.date | None = None) -> Catalogue:
    """The whole catalogue compiled for `day` (today by default), from this process's cache
    while neither the catalogue nor the Atlas changed."""
    day = day or today()
    key = (versions.current(VERSION), versions.current(DIRECTORY_VERSION), day)
    found = _compiled.get(key)
    if found is None:
        specs = scheme_specs()
        found = compile_catalogue(specs, parameter_histories(), day, catalogue_context(specs))
        stale = [k for k in _compiled if k[:2] != key[:2]]
        for old in stale:
            del _compiled[old]
        while len(_compiled) >= _CACHE_DAYS:
            del _compiled[next(iter(_compiled))]
        _compiled[key] = found
    return found


@dataclass(frozen=True, slots=True)
class ParameterRow:
    name: str
    label: str
    value: Decimal
    shown: str  # "30 000 €"
    start: datetime.date
    is_example: bool
    source: str
    in_force: bool  # the value that applies on the day asked
    future: bool  # starts after that day
