"""Line numbers of the CSV scan (sirene/csv_blocks.py): the file is parsed by pyarrow on every
core in blocks cut here, and every row still carries its physical line — after values spanning
lines, rows of the wrong width, empty lines, in any block."""

import csv
import io
import random

import pytest

from atelier.directory.services.sirene import ETABLISSEMENT_COLUMNS, csv_blocks
from atelier.directory.services.sirene.csv_blocks import row_end
from atelier.directory.services.sirene.layout import EST_OPTIONAL, EST_REQUIRED
from atelier.directory.services.sirene.scan import ColumnarTable
from atelier.directory.tests.sirene_files import etab, siren_of, siret_of


def test_a_block_ends_after_a_line_break_outside_quotes():
    assert row_end(b'a,"x\ny"\nb,c\n', final=False) == 12
    assert row_end(b'a,b\nc,"x\ny', final=False) == 4  # the quoted value goes on
    assert row_end(b'a,"x\n', final=False) == 0  # no complete row yet
    assert row_end(b'a,"x\n', final=True) == 5  # the end of the file ends it
    assert row_end(b'a,b"c\nd,e\n', final=False) == 0  # a stray quote: see the next test


def reference(text: str) -> tuple[list[tuple[int, str]], list[tuple[int, str]]]:
    """What the csv module says of `text`: (line, SIRET) of the rows of the header's width and
    (line, reason) of the others; a row's line is the line where it starts."""
    reader = csv.reader(io.StringIO(text, newline=""))
    header = next(reader)
    i_siret = header.index("siret")
    rows, rejected = [], []
    line = reader.line_num + 1
    for record in reader:
        if not record:  # an empty line: pyarrow reads a row of empty values
            record = [""] * len(header)
        if len(record) == len(header):
            rows.append((line, record[i_siret]))
        else:
            short = len(record) < len(header)
            reason = "nombre de colonnes insuffisant" if short else "nombre de colonnes trop grand"
            rejected.append((line, reason))
        line = reader.line_num + 1
    return rows, rejected


def messy_file(seed: int, rows: int) -> str:
    """Rows of every shape: plain, quoted, with quotes, with values spanning lines (\\n, \\r\\n),
    too short, too long, empty lines, a row ended by a carriage return alone."""
    rnd = random.Random(seed)
    out = io.StringIO(newline="")
    writer = csv.writer(out)
    writer.writerow(ETABLISSEMENT_COLUMNS)
    for i in range(rows):
        siret = siret_of(siren_of(i))
        values = [etab(siret).get(c, "") for c in ETABLISSEMENT_COLUMNS]
        street = ETABLISSEMENT_COLUMNS.index("libelleVoieEtablissement")
        kind = rnd.random()
        if kind < 0.05:
            values[street] = "IMPASSE\nBOUTRON"
        elif kind < 0.08:
            values[street] = 'DU "GRAND"\r\nCHEMIN, BIS'
        elif kind < 0.10:
            values = values[:7]
        elif kind < 0.12:
            values = [*values, "EN TROP"]
        elif kind < 0.14:
            out.write("\r\n")
            continue
        elif kind < 0.15:
            out.write(",".join(values) + "\r")
            continue
        elif kind < 0.30:
            values[street] = "RUE, DE LA GARE"
        writer.writerow(values)
    return out.getvalue()


@pytest.mark.parametrize("block", [300, 2_048, 65_536, 16 << 20])
def test_every_row_carries_its_physical_line(tmp_path, monkeypatch, block):
    monkeypatch.setattr(csv_blocks, "BLOCK_BYTES", block)
    monkeypatch.setattr(csv_blocks, "MAX_BLOCK_BYTES", 4 * block)
    text = messy_file(seed=block, rows=600)
    path = tmp_path / "et.csv"
    path.write_bytes(text.encode("utf-8"))
    want_rows, want_rejected = reference(text)
    assert len(want_rejected) > 10 and any("\n" in r for r in text.split('"')[1::2])

    rejected: list[tuple[int, str]] = []
    table = ColumnarTable(
        path,
        label="StockEtablissement",
        required=EST_REQUIRED,
        optional=EST_OPTIONAL,
        reject=lambda line, column, value, reason: rejected.append((line, reason)),
    )
    i_siret = table.columns["siret"]
    got = [(line, row[i_siret]) for line, row in table.rows()]
    assert got == want_rows
    assert rejected == want_rejected
    assert table.invalid == len(want_rejected) and table.read == len(want_rows)


def test_a_value_spanning_lines_is_read_whole(tmp_path):
    text = messy_file(seed=1, rows=300)
    path = tmp_path / "et.csv"
    path.write_bytes(text.encode("utf-8"))
    table = ColumnarTable(
        path, label="StockEtablissement", required=EST_REQUIRED, reject=lambda *a: None
    )
    street = table.columns["libelleVoieEtablissement"]
    streets = {row[street] for _, row in table.rows()}
    assert {"IMPASSE\nBOUTRON", 'DU "GRAND"\r\nCHEMIN, BIS', "RUE, DE LA GARE"} <= streets


def test_a_stray_quote_inside_a_value(tmp_path, monkeypatch):
    """A quote inside an unquoted value (not RFC 4180) is a character of that value, for
    pyarrow as for the csv module: the blocks around it are cut at a line break anyway."""
    monkeypatch.setattr(csv_blocks, "BLOCK_BYTES", 1_024)
    monkeypatch.setattr(csv_blocks, "MAX_BLOCK_BYTES", 4_096)
    out = io.StringIO(newline="")
    writer = csv.writer(out)
    writer.writerow(ETABLISSEMENT_COLUMNS)
    sirets = [siret_of(siren_of(i)) for i in range(80)]
    for i, siret in enumerate(sirets):
        row = etab(siret, libelleVoieEtablissement='BOUT"RON' if i in (3, 40) else "BOUTRON")
        writer.writerow([row.get(c, "") for c in ETABLISSEMENT_COLUMNS])
    text = out.getvalue().replace('"BOUT""RON"', 'BOUT"RON')
    assert text.count('BOUT"RON') == 2
    path = tmp_path / "et.csv"
    path.write_bytes(text.encode("utf-8"))
    table = ColumnarTable(path, label="x", required=EST_REQUIRED, reject=lambda *a: None)
    i_siret, street = table.columns["siret"], table.columns["libelleVoieEtablissement"]
    got = [(line, row[i_siret], row[street]) for line, row in table.rows()]
    assert [g[:2] for g in got] == [(i + 2, s) for i, s in enumerate(sirets)]
    assert got[3][2] == got[40][2] == 'BOUT"RON'
