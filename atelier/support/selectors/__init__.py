"""Reads of the support app: the catalogue and its dated parameters, eligibility answers."""
