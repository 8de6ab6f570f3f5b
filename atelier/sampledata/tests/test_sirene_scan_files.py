"""The national scan files of the benchmark: deterministic, the same rows in CSV and Parquet, and
the rows inside the territory import with no rejection."""

import io

import pyarrow.csv as pa_csv
import pyarrow.parquet as pq
import pytest

from atelier.directory.models import Establishment
from atelier.directory.services.reports import ImportReport
from atelier.directory.services.sirene import SireneOptions, organisation_import_sirene
from atelier.sampledata.synthetic.sirene_scan import scan_files_generate
from atelier.territories.tests.factories import make_small_reference

pytestmark = pytest.mark.django_db


def test_scan_files_import_their_territory_rows_without_rejection(tmp_path):
    make_small_reference()
    files = scan_files_generate(
        directory=tmp_path / "a", rows=2_000, inside_communes=["93066"],
        outside_communes=["75110", "69123"], share=0.05, seed=7,
    )  # fmt: skip
    again = scan_files_generate(
        directory=tmp_path / "b", rows=2_000, inside_communes=["93066"],
        outside_communes=["75110", "69123"], share=0.05, seed=7,
    )  # fmt: skip
    assert files.csv.read_bytes() == again.csv.read_bytes()  # same seed, same file
    from_csv = pa_csv.read_csv(files.csv, convert_options=pa_csv.ConvertOptions(
        column_types={c: "string" for c in pq.read_schema(files.parquet).names}))  # fmt: skip
    assert from_csv.equals(pq.read_table(files.parquet))
    assert files.inside == 100
    report = ImportReport()
    result = organisation_import_sirene(
        options=SireneOptions(unites_legales=files.units, etablissements=files.parquet,
                              territory="departement:93", progress_stream=io.StringIO()),
        report=report,
    )  # fmt: skip
    assert report.count == 0
    assert result.etablissements_read == 2_000 and result.etablissements_filtered == 1_900
    assert Establishment.objects.count() == 100
