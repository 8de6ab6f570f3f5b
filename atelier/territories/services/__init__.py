"""Loading the reference data (`atelier load-reference`): French administrative geography from
INSEE's Code officiel géographique as packaged on npm, commune positions from GeoNames, the NAF
rév. 2 nomenclature and INSEE's legal categories. Sources and regeneration: data/README.md.

The loader computes the whole wanted state in memory, compares it with the database and writes
only the differences with bulk operations, inside one transaction: running it twice changes
nothing. A fingerprint of the source versions lets it skip everything when nothing changed.

Modules: `sources` (sources, report), `loader` (entry point), `reading` (geography),
`nomenclatures` (NAF, legal categories), `positions` (GeoNames), `writing` (the differences)."""

from .loader import reference_load
from .positions import Place, place_communes, read_geonames_places
from .reading import CommuneRow, Geography
from .sources import ReferenceLoadReport, ReferenceSourceError, ReferenceSources

__all__ = [
    "CommuneRow",
    "Geography",
    "Place",
    "ReferenceLoadReport",
    "ReferenceSourceError",
    "ReferenceSources",
    "place_communes",
    "read_geonames_places",
    "reference_load",
]
