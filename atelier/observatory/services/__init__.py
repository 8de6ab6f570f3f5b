"""Writes of the observatory: the rebuild of its aggregates and its freshness rule."""
