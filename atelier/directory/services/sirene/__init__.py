"""Import of the INSEE SIRENE stock files (StockUniteLegale, StockEtablissement and, optionally,
the file of geolocated establishments) into organisations (by SIREN) and establishments (by
SIRET), with bounded memory whatever the size of the files.

How memory stays bounded. The establishment pass needs, for each establishment, the data of its
legal unit; the legal-unit file has ~30 million rows, far too many for a dictionary. So:

1. pass 1 streams StockUniteLegale, validates and filters each row (`--ess-only`) and stores the
   few columns needed later in a temporary, on-disk SQLite index (one WITHOUT ROWID table keyed by
   SIREN, journal off). Its page cache is capped, so memory does not grow with the file;
2. the optional geolocation file is streamed into a second temporary table keyed by SIRET;
3. pass 2 streams StockEtablissement in batches: each batch looks its SIRENs (and SIRETs) up in the
   temporary index, converts Lambert-93 coordinates with one vectorised pyproj call, derives the
   organisations in memory (`organisation_derive`, with nomenclatures and commune places preloaded
   once) and writes organisations then establishments through `BulkWriter` in one transaction;
4. without `--territory`, the kept legal units that had no establishment in the file are written
   last, without a commune.

Organisations take their commune (and so their département, EPCI…) from their head office when it
is open, else from another open establishment, else from a closed one — the same order as
`organisation_refresh_derived`. The stock file is sorted by SIRET, so an organisation's
establishments are nearly always in the same batch; when a better one turns up later, the
organisation is derived and upserted again.

Speed (see services/bulk.py): into EMPTY tables (a first import), secondary indexes — and on
PostgreSQL foreign keys — are dropped and built once at the end; the SQLite full-text index is
rebuilt once; PostgreSQL receives each batch by COPY; the cyclic garbage collector leaves the
long-lived objects alone. Bulk writes create no django-simple-history rows.

Modules: `layout` (INSEE columns and vocabulary), `identifiers` (SIREN/SIRET checks), `options`
(options, result, `--territory`), `index` (the temporary index), `reader` (the streaming passes
and row checks), `writer` (batches to the bulk writer), `importer` (the passes in order).
"""

from .identifiers import siren_error, siret_error
from .importer import SireneImporter, organisation_import_sirene
from .layout import ETABLISSEMENT_COLUMNS, GEO_COLUMNS, UNITE_LEGALE_COLUMNS
from .options import SireneOptions, SireneResult, territory_communes

__all__ = [
    "ETABLISSEMENT_COLUMNS",
    "GEO_COLUMNS",
    "UNITE_LEGALE_COLUMNS",
    "SireneImporter",
    "SireneOptions",
    "SireneResult",
    "organisation_import_sirene",
    "siren_error",
    "siret_error",
    "territory_communes",
]
