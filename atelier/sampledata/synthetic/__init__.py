"""Synthetic organisations for benchmarks and load tests: realistic, deterministic for a seed, on
real communes, never mixed silently with the demo data.

Distributions (rough orders of magnitude of the French ESS): associations ~80 %, cooperatives
~10 %, mutuals ~1.5 %, foundations ~1 %, commercial ESUS and other forms the rest; legal categories
and NAF codes consistent with the family; headcount bands skewed to small; about 1.2
establishments per organisation (most have one, a few have many); SIAE approvals only for
insertion structures. SIRENs are `9` + a 7-digit sequence + a Luhn key (SIRETs: SIREN + NIC +
key); numbers held by a non-synthetic organisation are skipped, so the generator can never collide
with the demo or imported data.

Two outputs share one generator: the database (through the bulk writer, like the SIRENE import)
or StockUniteLegale.csv / StockEtablissement.csv in the exact INSEE layout, for the import
benchmark.

Modules: `records` (what is generated), `distributions` (weights and the weighted choice),
`names` (words of names and addresses), `identifiers` (SIREN/SIRET), `geography` (communes and
positions), `generator` (the seeded stream), `database` and `sirene_files` (the two outputs);
`sirene_scan` writes a national-sized StockEtablissement (CSV and Parquet) with pyarrow for the
scan benchmark, most of its rows outside the territory the benchmark imports.
"""

from .database import demo_data_present, organisations_generate
from .generator import SyntheticGenerator
from .identifiers import synthetic_siren, synthetic_siret
from .records import GenerateResult, GenerationError, SynthEstablishment, SynthOrganisation
from .sirene_files import sirene_files_generate

__all__ = [
    "GenerateResult",
    "GenerationError",
    "SynthEstablishment",
    "SynthOrganisation",
    "SyntheticGenerator",
    "demo_data_present",
    "organisations_generate",
    "sirene_files_generate",
    "synthetic_siren",
    "synthetic_siret",
]
