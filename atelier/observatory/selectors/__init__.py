"""Reads of the observatory: indicators of a territory, its diagnostic, charts and tables."""
