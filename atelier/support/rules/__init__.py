"""Eligibility as code: the conditions (nodes.py), the generic ones every scheme gets from its
catalogue fields (generic.py), one module per scheme-specific rule (registered in
registry.RULES), and the evaluation of a whole catalogue for one profile or a batch
(evaluate.py). Each rule module has its YAML test cases in tests/<module>.yaml.

No database here: atelier.support.selectors reads the catalogue and the dated parameters,
resolves the profile's territory, and calls `evaluate`."""

from . import adie, cooperative, dla, ess, pie, standard  # noqa: F401 — they register their rules
