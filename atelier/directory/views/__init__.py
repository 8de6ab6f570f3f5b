"""Views of the Atlas, one module per page family (search, organisation, exports)."""
