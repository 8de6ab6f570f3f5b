"""Dated parameters: the value of each parameter of a scheme on a given day."""

from collections.abc import Iterable
from datetime import date
from decimal import Decimal

from ..models import SchemeParameter


def parameters_at(scheme_ids: Iterable[int], on: date) -> dict[int, dict[str, Decimal]]:
    """scheme id -> {parameter name -> value in force on `on`} (the value of the latest start
    on or before that day; a parameter with no value yet on that day is absent)."""
    found: dict[int, dict[str, Decimal]] = {}
    rows = (
        SchemeParameter.objects.filter(scheme_id__in=list(scheme_ids), start__lte=on)
        .order_by("scheme_id", "name", "start")
        .values_list("scheme_id", "name", "value")
    )
    for scheme_id, name, value in rows:
        found.setdefault(scheme_id, {})[name] = value  # later starts overwrite earlier ones
    return found
