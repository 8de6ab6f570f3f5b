"""Writes of the directory app, one module per concern:

- organisations: derived fields (ESS rule, territory columns, search text), create/update
- sirene: the INSEE SIRENE stock importer
- members: member-list import (CSV/XLSX)
- exports: CSV, GeoJSON and data·inclusion exports
"""
