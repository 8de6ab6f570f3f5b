"""The catalogue's pages and `GET /api/v1/schemes`: schemes filtered, each with the parameters
in force on a day (with their dates and sources, example values marked), its conditions in
plain French and whether its facts need checking again (stale)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from atelier.territories.selectors import territory_detail

from ..enums import LegalForm, Need, Project, SchemeKind, SchemeState, Situation, Stage
from ..rules.evaluate import CompiledScheme, compile_scheme
from ..rules.nodes import ParamValue
from ..rules.registry import RULES
from ..rules.spec import SchemeSpec
from ..rules.texts import parameter_label, parameter_value, value_label
from .catalogue import (
    ParameterRow,
    catalogue_context,
    is_stale,
    parameter_histories,
    scheme_specs,
    today,
)
from .places import NAF_SECTIONS, key_exists, key_labels, places_resolve

FILTER_VALUES: dict[str, list[str]] = {
    "kind": list(SchemeKind.values),
    "state": list(SchemeState.values),
    "audience": [s for s in Situation.values if s != Situation.NONE],
    "stage": list(Stage.values),
    "project": list(Project.values),
    "legal_form": [f for f in LegalForm.values if f != LegalForm.UNDECIDED],
    "need": list(Need.values),
    "sector": list(NAF_SECTIONS),
}


class FilterError(ValueError):
    """A filter value the catalogue cannot apply: `messages` say which and why (French)."""

    def __init__(self, messages: list[tuple[str, str]]):
        self.messages = messages
        super().__init__(" ".join(m for _p, m in messages))


@dataclass(frozen=True)
class SchemeFilters:
    """Filters of the catalogue; empty values filter nothing. `territory`: "level:code"
    (departement:75, arrondissement:75119…) or the INSEE code of a commune: the schemes
    offered in all or part of that territory."""

    kind: str = ""
    state: str = ""
    territory: str = ""
    audience: str = ""
    stage: str = ""
    project: str = ""
    legal_form: str = ""
    need: str = ""
    sector: str = ""
    q: str = ""


@dataclass(frozen=True)
class SchemeRow:
    spec: SchemeSpec
    kind_label: str
    state_label: str
    perimeter: list[tuple[str, str]]  # (key, label)
    parameters: list[ParameterRow]  # in force on the day
    stale: bool
    on: datetime.date


@dataclass(frozen=True)
class SchemeDetail(SchemeRow):
    history: list[ParameterRow] = field(default_factory=list)  # every dated value
    conditions: list[tuple[str, str]] = field(default_factory=list)  # (code, plain French)
    rule_title: str = ""
    lists: list[tuple[str, list[str]]] = field(default_factory=list)  # (label, value labels)
    parent_name: str = ""  # the national scheme this one is a variant of


def _parameter_rows(history: dict[str, list[ParamValue]], on: datetime.date) -> list[ParameterRow]:
    rows = []
    for name in sorted(history):
        values = history[name]
        current = max((v for v in values if v.start <= on), key=lambda v: v.start, default=None)
        for v in values:
            rows.append(
                ParameterRow(
                    name=name,
                    label=parameter_label(name),
                    value=v.value,
                    shown=parameter_value(name, v.value),
                    start=v.start,
                    is_example=v.is_example,
                    source=v.source,
                    in_force=v is current,
                    future=v.start > on,
                )
            )
    return rows


def _ancestors(key: str) -> set[str]:
    """`key` and the keys of every territory containing it."""
    level, _sep, code = key.partition(":")
    if level in ("commune", "arrondissement"):
        place = places_resolve([code]).get(code)
        return set(place.keys) if place else {key}
    if level == "country":
        return {key}
    found = {key, "country:FR"}
    detail = territory_detail(level, code)
    for parent in detail.parents if detail else ():
        found |= {parent.key, *(_ancestors(parent.key) if parent.level != level else ())}
    return found


def _territory(value: str) -> tuple[str, set[str]]:
    value = value.strip()
    if ":" not in value:
        place = places_resolve([value]).get(value)
        if place is None:
            raise FilterError([("territory", _("Commune inconnue : %(code)s.") % {"code": value})])
        key = (
            f"arrondissement:{value}"
            if f"arrondissement:{value}" in place.keys
            else f"commune:{value}"
        )
        return key, set(place.keys)
    if not key_exists(value):
        raise FilterError([("territory", _("Territoire inconnu : %(key)s.") % {"key": value})])
    return value, _ancestors(value)


def _check(filters: SchemeFilters) -> None:
    errors = []
    for name, values in FILTER_VALUES.items():
        value = getattr(filters, name)
        if value and value not in values:
            errors.append(
                (
                    name,
                    _("« %(value)s » n'est pas une valeur possible pour « %(name)s ».")
                    % {"value": value, "name": name},
                )
            )
    if errors:
        raise FilterError(errors)


def _keeps(spec: SchemeSpec, f: SchemeFilters) -> bool:
    if f.kind and spec.kind != f.kind or f.state and spec.state != f.state:
        return False
    if f.need and f.need not in spec.needs:
        return False
    for name, values in (
        ("audience", spec.audiences),
        ("stage", spec.stages),
        ("project", spec.projects),
        ("legal_form", spec.legal_forms),
        ("sector", spec.sectors),
    ):
        wanted = getattr(f, name)
        if wanted and values and wanted not in values:
            return False
    if f.q:
        needle = f.q.casefold().strip()
        return needle in spec.name.casefold() or needle in spec.summary.casefold()
    return True


def _row(spec: SchemeSpec, history: dict[str, list[ParamValue]], on: datetime.date, labels):
    return SchemeRow(
        spec=spec,
        kind_label=value_label("kind", spec.kind),
        state_label=value_label("state", spec.state),
        perimeter=[(k, labels.get(k, k)) for k in spec.perimeter],
        parameters=[p for p in _parameter_rows(history, on) if p.in_force],
        stale=is_stale(spec.last_checked_on, on),
        on=on,
    )


def schemes_list(filters: SchemeFilters | None = None, on: datetime.date | None = None):
    """The schemes matching `filters`, by name, each with its parameters in force on `on`.
    Raises FilterError for a value the catalogue does not know."""
    filters = filters or SchemeFilters()
    on = on or today()
    _check(filters)
    specs = [s for s in scheme_specs() if _keeps(s, filters)]
    if filters.territory:
        key, around = _territory(filters.territory)
        memo: dict[str, set[str]] = {}

        def inside(k: str) -> bool:  # the perimeter key `k` lies in the territory asked
            if k not in memo:
                memo[k] = _ancestors(k)
            return key in memo[k]

        specs = [s for s in specs if around & set(s.perimeter) or any(map(inside, s.perimeter))]
    histories = parameter_histories([s.id for s in specs])
    labels = key_labels({k for s in specs for k in s.perimeter})
    return [_row(s, histories.get(s.id, {}), on, labels) for s in specs]


def scheme_detail(slug: str, on: datetime.date | None = None) -> SchemeDetail | None:
    """One scheme with the whole history of its parameters and its conditions in force on
    `on` in plain French; None when no scheme has this slug."""
    on = on or today()
    specs = scheme_specs([slug])
    if not specs:
        return None
    spec = specs[0]
    history = parameter_histories([spec.id]).get(spec.id, {})
    context = catalogue_context([spec])
    row = _row(spec, history, on, dict(context.territories))
    compiled: CompiledScheme | None = (
        compile_scheme(spec, history, on, context) if spec.rule in RULES else None
    )
    lists = [
        (_("Publics"), [value_label("situations", v) for v in sorted(spec.audiences)]),
        (_("Étapes du projet"), [value_label("stage", v) for v in sorted(spec.stages)]),
        (_("Types de projet"), [value_label("project", v) for v in sorted(spec.projects)]),
        (_("Formes juridiques"), [value_label("legal_form", v) for v in sorted(spec.legal_forms)]),
        (
            _("Secteurs d'activité"),
            [value_label("sector", v, dict(context.sectors)) for v in sorted(spec.sectors)],
        ),
        (_("Besoins couverts"), [value_label("needs", v) for v in sorted(spec.needs)]),
    ]
    return SchemeDetail(
        **{f: getattr(row, f) for f in SchemeRow.__dataclass_fields__},
        history=_parameter_rows(history, on),
        conditions=compiled.describe(context) if compiled else [],
        rule_title=str(RULES[spec.rule].title) if spec.rule in RULES else spec.rule,
        lists=lists,
        parent_name=next((p.name for p in scheme_specs([spec.variant_of])), spec.variant_of)
        if spec.variant_of
        else "",
    )


def schemes_stale(on: datetime.date | None = None) -> list[SchemeRow]:
    """The schemes whose facts need checking again, the oldest check first (never first)."""
    on = on or today()
    rows = [r for r in schemes_list(on=on) if r.stale]
    return sorted(rows, key=lambda r: (r.spec.last_checked_on or datetime.date.min, r.spec.name))
