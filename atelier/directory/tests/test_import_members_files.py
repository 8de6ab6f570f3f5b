"""`atelier import-members` on files that are not what they claim: stale XLSX dimensions, far
cells, zip bombs, XML entity expansion, binary files, bad encodings, oversized fields, truncated
archives. Each is read whole or refused with one French sentence, and nothing is written."""

import gzip
import io
import re
import struct
import zipfile
import zlib

import openpyxl
import pytest

from atelier.directory.models import Organisation
from atelier.directory.services.members.reading import read_rows
from atelier.directory.services.members.sources import SourceLimits
from atelier.directory.tests.test_import_members import HEADER, run, write
from atelier.territories.tests.factories import make_small_reference

pytestmark = pytest.mark.django_db


@pytest.fixture
def ref():
    return make_small_reference()


ROW = ["Coopaname", "", "", "75020", "Paris", "", "", "", ""]


def members(n):
    return [[f"Structure {i}", "", "", "75020", "Paris"] for i in range(n)]


def workbook_bytes(rows, *, far_cell=None):
    book = openpyxl.Workbook()
    ws = book.active
    for row in rows:
        ws.append(row)
    if far_cell:
        ws[far_cell] = "égarée"
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()


def rezip(data, replace):
    """The same XLSX with some members' bytes replaced by replace(name, bytes)."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            dst.writestr(
                info.filename, replace(info.filename, src.read(info)), zipfile.ZIP_DEFLATED
            )
    return out.getvalue()


def with_dimension(data, ref):
    def replace(name, body):
        if name != "xl/worksheets/sheet1.xml":
            return body
        return re.sub(rb'<dimension ref="[^"]*"', f'<dimension ref="{ref}"'.encode(), body)

    return rezip(data, replace)


def assert_refused(path, *args, contains):
    err, _ = run(path, *args, expect_error=True)
    message = str(err)
    assert err.returncode == 1 and contains in message, message
    assert "\n" not in message and "Traceback" not in message
    assert not Organisation.objects.exists()
    return message


# -- XLSX: every row, whatever the stored dimension


def first_sheet_rows_as_stored(path):
    """What openpyxl's read-only mode reads when it trusts the stored dimension."""
    book = openpyxl.load_workbook(path, read_only=True)
    try:
        return sum(1 for _ in book.active.iter_rows(values_only=True))
    finally:
        book.close()


@pytest.mark.parametrize("dimension", ["A1", "A1:C2", "B3:C4"])
def test_xlsx_stale_dimension_imports_every_row(ref, tmp_path, dimension):
    path = tmp_path / "adherents.xlsx"
    path.write_bytes(with_dimension(workbook_bytes([HEADER[:5], *members(40)]), dimension))
    assert first_sheet_rows_as_stored(path) < 41  # the trap is really there
    _, out = run(path)
    assert "40 lignes : 40 organisation(s) créée(s)" in out
    assert Organisation.objects.count() == 40


def test_xlsx_stale_dimension_many_rows_all_read(tmp_path):
    book = openpyxl.Workbook(write_only=True)
    ws = book.create_sheet()
    ws.append(["Nom", "Ville", "Code postal"])
    for i in range(12_000):
        ws.append([f"Structure {i}", "Paris", "75020"])
    buf = io.BytesIO()
    book.save(buf)
    path = tmp_path / "adherents.xlsx"
    path.write_bytes(with_dimension(buf.getvalue(), "A1:C2"))
    header, body, handle = read_rows(path, "", SourceLimits.from_settings())
    try:
        lines = [line for line, _ in body]
    finally:
        handle.close()
    assert header == ["Nom", "Ville", "Code postal"]
    assert len(lines) == 12_000 and lines[-1] == 12_001


@pytest.mark.parametrize(
    ("cell", "contains"),
    [
        ("XFD1048576", "valeur à la ligne 1 048 576, au-delà de 500 000 lignes"),
        ("XFD3", "valeur en XFD3, au-delà de 1000 colonnes"),
    ],
)
def test_xlsx_far_cell_refused(ref, tmp_path, cell, contains):
    path = tmp_path / "adherents.xlsx"
    data = workbook_bytes([HEADER[:5], ROW[:5]], far_cell=cell)
    path.write_bytes(with_dimension(data, "A1:B2"))  # the dimension does not warn either
    assert_refused(path, contains=contains)


def test_xlsx_row_limit_is_a_setting(ref, tmp_path, settings):
    settings.ATELIER_IMPORT_MAX_ROWS = 3
    path = tmp_path / "adherents.xlsx"
    path.write_bytes(workbook_bytes([HEADER[:5], *members(4)]))
    assert_refused(path, contains="au-delà de 3 lignes (ATELIER_IMPORT_MAX_ROWS)")


# -- Zip bombs


def raw_deflate_of_spaces(mib):
    """A raw deflate stream of `mib` MiB of spaces, built in milliseconds: after a full flush
    the compressor starts afresh, so one compressed MiB can be repeated."""
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    block = c.compress(b" " * (1 << 20)) + c.flush(zlib.Z_FULL_FLUSH)
    return block * mib + c.flush()


def zip_with_raw_member(data, name, raw, size, crc=0):
    """The XLSX `data` with member `name` replaced by an already deflated stream `raw` that
    declares `size` bytes once inflated (written by hand: zipfile cannot store raw streams)."""
    parts = []
    with zipfile.ZipFile(io.BytesIO(data)) as src:
        for info in src.infolist():
            if info.filename == name:
                parts.append((name, raw, size, crc))
            else:
                body = src.read(info)
                c = zlib.compressobj(6, zlib.DEFLATED, -15)
                parts.append(
                    (info.filename, c.compress(body) + c.flush(), len(body), zlib.crc32(body))
                )
    out = io.BytesIO()
    central = []
    for filename, stream, usize, crc32 in parts:
        fname, offset = filename.encode(), out.tell()
        sizes = (crc32, len(stream), usize, len(fname))
        out.write(struct.pack("<4s5H3L2H", b"PK\x03\x04", 20, 0, 8, 0, 0, *sizes, 0))
        out.write(fname + stream)
        head = struct.pack("<4s6H3L5H2L", b"PK\x01\x02", 20, 20, 0, 8, 0, 0, *sizes, 0, 0, 0, 0,
                           0, offset)  # fmt: skip
        central.append(head + fname)
    start = out.tell()
    for entry in central:
        out.write(entry)
    n = len(central)
    out.write(struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, n, n, out.tell() - start, start, 0))
    return out.getvalue()


def test_xlsx_zip_bomb_of_one_gib_refused_before_parsing(ref, tmp_path):
    path = tmp_path / "adherents.xlsx"
    data = workbook_bytes([HEADER[:5], ROW[:5]])
    path.write_bytes(
        zip_with_raw_member(data, "xl/worksheets/sheet1.xml", raw_deflate_of_spaces(1024), 1 << 30)
    )
    assert path.stat().st_size < 2 << 20  # small on disk
    with zipfile.ZipFile(path) as z:  # and really 1 GiB once inflated
        assert z.getinfo("xl/worksheets/sheet1.xml").file_size == 1 << 30
    assert_refused(path, contains="se décompresse")


def test_xlsx_compression_ratio_refused_under_the_size_limit(ref, tmp_path):
    path = tmp_path / "adherents.xlsx"
    data = workbook_bytes([HEADER[:5], ROW[:5]])
    raw = raw_deflate_of_spaces(8)
    path.write_bytes(zip_with_raw_member(data, "xl/worksheets/sheet1.xml", raw, 8 << 20))
    message = assert_refused(path, contains="ATELIER_IMPORT_MAX_COMPRESSION_RATIO")
    assert "bombe de décompression" in message


def test_xlsx_member_inflating_past_its_declared_size_is_cut(ref, tmp_path):
    """Python's zipfile stops at the declared size (and checks the CRC of what it read): a
    member that lies about its size inflates no further than the checked size."""
    path = tmp_path / "adherents.xlsx"
    data = workbook_bytes([HEADER[:5], ROW[:5]])
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        sheet = z.read("xl/worksheets/sheet1.xml")
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    stream = c.compress(sheet + b"<row>" * (16 << 20)) + c.flush()
    path.write_bytes(
        zip_with_raw_member(data, "xl/worksheets/sheet1.xml", stream, len(sheet), zlib.crc32(sheet))
    )
    _, out = run(path)
    assert "1 lignes : 1 organisation(s) créée(s)" in out


def test_xlsx_member_with_a_wrong_crc_refused(ref, tmp_path):
    path = tmp_path / "adherents.xlsx"
    data = workbook_bytes([HEADER[:5], ROW[:5]])
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        sheet = z.read("xl/worksheets/sheet1.xml")
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    stream = c.compress(sheet) + c.flush()
    path.write_bytes(zip_with_raw_member(data, "xl/worksheets/sheet1.xml", stream, len(sheet), 1))
    assert_refused(path, contains="tronqué ou corrompu")


def test_gzip_csv_counted_while_streaming(ref, tmp_path, settings):
    settings.ATELIER_IMPORT_MAX_UNCOMPRESSED_BYTES = 1 << 20
    path = tmp_path / "adherents.csv.gz"
    with gzip.open(path, "wt", encoding="utf-8") as fh:
        fh.write(";".join(HEADER) + "\nCoopaname;;;75020;Paris\n" + "\n" * (2 << 20))
    assert path.stat().st_size < 16 << 10
    assert_refused(path, contains="une fois décompressé (ATELIER_IMPORT_MAX_UNCOMPRESSED_BYTES)")


def test_zipped_csv_imported_and_its_declared_size_checked(ref, tmp_path, settings):
    path = tmp_path / "adherents.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("adherents.csv", ";".join(HEADER) + "\nCoopaname;;;75020;Paris\n")
    _, out = run(path)
    assert "1 organisation(s) créée(s)" in out
    Organisation.objects.all().delete()
    settings.ATELIER_IMPORT_MAX_UNCOMPRESSED_BYTES = 1 << 20
    settings.ATELIER_IMPORT_MAX_COMPRESSION_RATIO = 10_000
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr(
            "adherents.csv", ";".join(HEADER) + "\nCoopaname;;;75020;Paris\n" + "\n" * (2 << 20)
        )
    assert_refused(path, contains="il se décompresse en plus de 1 Mio")


# -- XML entities


BILLION_LAUGHS = (
    b'<?xml version="1.0"?>\n<!DOCTYPE worksheet [\n<!ENTITY a "aaaaaaaaaa">\n'
    + b"".join(
        f'<!ENTITY {n} "{("&" + p + ";") * 10}">\n'.encode()
        for p, n in zip("abcdefgh", "bcdefghi", strict=True)
    )
    + b"]>\n"
)


def test_xlsx_entity_expansion_refused(ref, tmp_path):
    def replace(name, body):
        if name != "xl/worksheets/sheet1.xml":
            return body
        body = BILLION_LAUGHS + re.sub(rb"^<\?xml[^>]*\?>", b"", body)
        return body.replace(b"<t>Coopaname</t>", b"<t>&i;</t>")

    path = tmp_path / "adherents.xlsx"
    path.write_bytes(rezip(workbook_bytes([HEADER[:5], ROW[:5]]), replace))
    with zipfile.ZipFile(path) as z:
        assert b"&i;" in z.read("xl/worksheets/sheet1.xml")
    assert_refused(path, contains="déclare des entités XML")


# -- CSV and other inputs


def test_binary_file_refused(ref, tmp_path):
    path = tmp_path / "adherents.csv"
    path.write_bytes(bytes(range(256)) * 64)
    assert_refused(path, contains="octet nul")


def test_mac_line_endings_read(ref, tmp_path):
    path = tmp_path / "adherents.csv"
    lines = [";".join(HEADER), "Coopaname;;;75020;Paris", "Voisin Malin;;;93200;Saint-Denis"]
    path.write_bytes("\r".join(lines).encode("cp1252") + b"\r")
    _, out = run(path)
    assert "2 lignes : 2 organisation(s) créée(s)" in out


def test_old_excel_file_refused(ref, tmp_path):
    path = tmp_path / "adherents.xls"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504))
    assert_refused(path, contains="Excel 97-2003 (.xls) : enregistrez-le au format .xlsx")


def test_workbook_named_csv_read_as_a_workbook(ref, tmp_path):
    path = tmp_path / "adherents.csv"
    path.write_bytes(workbook_bytes([HEADER[:5], ROW[:5]]))
    _, out = run(path)
    assert "1 organisation(s) créée(s)" in out


def test_nul_byte_after_the_header_refused(ref, tmp_path):
    path = write(tmp_path / "adherents.csv", [HEADER, ROW, ROW])
    path.write_bytes(path.read_bytes().replace(b"Coopaname", b"Coop\x00aname", 1))
    assert_refused(path, contains="octet nul à la ligne 2")


def test_undefined_cp1252_bytes_refused(ref, tmp_path):
    path = tmp_path / "adherents.csv"
    path.write_bytes(
        ";".join(HEADER).encode("cp1252") + b"\r\nCoop\xe9\x81 Paris;;;75020;Paris\r\n"
    )
    assert_refused(path, contains="ni en UTF-8 ni en Windows-1252, à la ligne 2")


def test_invalid_utf8_after_64_kib_refused(ref, tmp_path):
    rows = [HEADER] + [[f"Société {i}", "", "r" * 2000, "75020", "Paris"] for i in range(40)]
    path = write(tmp_path / "adherents.csv", rows)
    path.write_bytes(path.read_bytes() + b"Soci\xe9t\xe9 en Latin-1;;;75020;Paris\r\n")
    assert path.stat().st_size > 1 << 16
    assert_refused(path, contains="n'est pas entièrement en UTF-8 : octet invalide à la ligne 42")


def test_field_over_131072_characters_refused(ref, tmp_path):
    path = write(tmp_path / "adherents.csv", [HEADER, ROW, ["x" * 131_073, "", "", "75020"]])
    assert_refused(path, contains="champ de plus de 131 072 caractères vers la ligne 3")


def test_truncated_gzip_refused(ref, tmp_path):
    path = tmp_path / "adherents.csv.gz"
    rows = "\n".join([";".join(HEADER)] + [f"Structure {i};;;75020;Paris" for i in range(5000)])
    data = gzip.compress(rows.encode())
    path.write_bytes(data[: len(data) // 2])
    assert_refused(path, contains="tronqué ou corrompu")


def test_truncated_xlsx_refused(ref, tmp_path):
    path = tmp_path / "adherents.xlsx"
    data = workbook_bytes([HEADER[:5], *members(50)])
    path.write_bytes(data[: len(data) // 2])
    assert_refused(path, contains="n'est pas une archive zip lisible")
