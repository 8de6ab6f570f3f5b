"""Dated parameters: the value of each parameter of a scheme on a given day."""

from collections.abc import Iterable
from dataclasses import dataclass
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


@dataclass(frozen=True, slots=True)
class ParameterValue:
    """The value of a parameter in force on a day, with where it comes from: the start of
    that value, whether it is an example to be set by the operator, its source."""

    name: str
    value: Decimal
    start: date
    is_example: bool
    source: str


def parameter_values_at(scheme_id: int, on: date) -> dict[str, ParameterValue]:
    """{parameter name -> the value in force on `on`, with its start, example flag and
    source} for one scheme (the latest start on or before that day, as parameters_at)."""
    found: dict[str, ParameterValue] = {}
    rows = (
        SchemeParameter.objects.filter(scheme_id=scheme_id, start__lte=on)
        .order_by("name", "start")
        .values_list("name", "value", "start", "is_example", "source")
    )
    for name, value, start, is_example, source in rows:
        found[name] = ParameterValue(name, value, start, is_example, source)
    return found
