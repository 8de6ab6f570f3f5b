"""Reads of the directory app: search (text + facets), map clusters, organisation detail."""
