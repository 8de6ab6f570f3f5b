"""The conditions every scheme gets from its catalogue fields: state and opening dates on the
day of evaluation, perimeter, audiences, stages, projects, legal forms, sectors, and the amount
asked between the dated parameters `montant_minimum` and `montant_maximum` (when the scheme has
them). An empty list in the catalogue means "no condition on that answer"."""

from __future__ import annotations

from ..enums import LegalForm
from .nodes import Bound, Choice, Node, Opening, Overlap, Param, State
from .spec import SchemeSpec

MINIMUM = "montant_minimum"
MAXIMUM = "montant_maximum"
# Codes of the conditions about the amount asked (ranking: "finances the amount asked").
AMOUNT_CODES = frozenset({"amount_min", "amount_max"})


def generic_nodes(spec: SchemeSpec) -> list[Node]:
    nodes: list[Node] = [State("state", spec.state)]
    if spec.opens_on or spec.closes_on:
        nodes.append(Opening("opening", spec.opens_on, spec.closes_on))
    if spec.perimeter:
        nodes.append(Overlap("perimeter", "territory", frozenset(spec.perimeter)))
    if spec.audiences:
        nodes.append(Overlap("audience", "situations", spec.audiences))
    if spec.stages:
        nodes.append(Choice("stage", "stage", spec.stages))
    if spec.projects:
        nodes.append(Choice("project", "project", spec.projects))
    if spec.legal_forms:
        undecided = frozenset({LegalForm.UNDECIDED.value})
        nodes.append(Choice("legal_form", "legal_form", spec.legal_forms, not_said=undecided))
    if spec.sectors:
        nodes.append(Choice("sector", "sector", spec.sectors, not_said=frozenset({""})))
    nodes.append(Bound("amount_min", "minimum", Param(MINIMUM)))
    nodes.append(Bound("amount_max", "maximum", Param(MAXIMUM)))
    return nodes
