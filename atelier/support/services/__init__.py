"""Writes of the support app."""
