"""Import of a network's member list (CSV or XLSX) into organisations, establishments and the
network's memberships.

Member lists are small (hundreds or a few thousand rows) and edited by people, so rows are written
one by one through the ORM, each in its own transaction (so django-simple-history records them
like any staff edit), after every row of the file has been validated. Members of a network are in
the ESS by staff approval when their legal form does not already place them there.

Modules: `reading` (files, headers), `sources` and `workbook` (safe reading: limits, encodings,
archives, XLSX), `validation` (rows), `writing` (matching and writing), `importer` (the two
passes), `options` (options and result)."""

from .importer import organisation_import_members
from .options import MembersOptions, MembersResult, PlannedRow
from .reading import FIELDS
from .sources import source_check_exists

__all__ = [
    "FIELDS",
    "MembersOptions",
    "MembersResult",
    "PlannedRow",
    "organisation_import_members",
    "source_check_exists",
]
