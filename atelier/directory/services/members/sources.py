"""Safe reading of an import file, whatever its format claims: limits on the decompressed size
(checked on an archive's declared sizes before parsing, then counted while reading), NUL bytes,
encoding errors, oversized fields, truncated or corrupt archives, and the reject rate beyond which
a file is refused as a whole. Every failure is an ImportFormatError with one French sentence.

What every import shares (existence, field size limit, archive errors, reject rate) lives in
`atelier/directory/services/sources.py`, with the SIRENE import."""

from __future__ import annotations

import csv
import gzip
import io
import zipfile
from collections.abc import Generator, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from django.conf import settings

from ..reports import ImportFormatError, sniff_encoding

# The rules every import shares (services/sources.py); re-exported for this package.
from ..sources import ARCHIVE_ERRORS as ARCHIVE_ERRORS
from ..sources import FIELD_SIZE_LIMIT, thousands
from ..sources import reject_rate_check as reject_rate_check
from ..sources import source_check_exists as source_check_exists

# Columns of a spreadsheet row that may hold a value; a value further right refuses the sheet.
MAX_COLUMNS = 1_000
# A physical line of a CSV file longer than this is not a member row.
MAX_LINE_BYTES = 4 << 20
# Archive members smaller than this are not checked for their compression ratio (tiny XML parts
# of a workbook legitimately compress very well).
RATIO_FLOOR_BYTES = 1 << 20


@dataclass(frozen=True)
class SourceLimits:
    max_rows: int
    max_bytes: int
    max_ratio: float

    @classmethod
    def from_settings(cls) -> SourceLimits:
        return cls(
            max_rows=settings.ATELIER_IMPORT_MAX_ROWS,
            max_bytes=settings.ATELIER_IMPORT_MAX_UNCOMPRESSED_BYTES,
            max_ratio=settings.ATELIER_IMPORT_MAX_COMPRESSION_RATIO,
        )


def mebibytes(n: int) -> str:
    return f"{thousands(round(n / (1 << 20)))} Mio"


def zip_check_declared(path: Path, limits: SourceLimits) -> zipfile.ZipFile:
    """Open the zip archive `path` after checking its central directory: total declared
    decompressed size and the compression ratio of each large member. Python's zipfile never
    yields more than a member's declared size (and checks its CRC at the end), so these checks
    bound what parsing the archive can inflate."""
    try:
        archive = zipfile.ZipFile(path)
        members = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise ImportFormatError(
            f"Le fichier {path.name} n'est pas une archive zip lisible (tronquée ou corrompue)."
        ) from exc
    total = 0
    for info in members:
        total += info.file_size
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size > RATIO_FLOOR_BYTES and ratio > limits.max_ratio:
            archive.close()
            raise ImportFormatError(
                f"Le fichier {path.name} est refusé : « {info.filename} » se décompresse "
                f"{thousands(round(ratio))} fois (limite {thousands(round(limits.max_ratio))}, "
                f"ATELIER_IMPORT_MAX_COMPRESSION_RATIO), signe d'une bombe de décompression."
            )
        if total > limits.max_bytes:
            archive.close()
            raise ImportFormatError(
                f"Le fichier {path.name} est refusé : il se décompresse en plus de "
                f"{mebibytes(limits.max_bytes)} (ATELIER_IMPORT_MAX_UNCOMPRESSED_BYTES)."
            )
    return archive


class CountingReader(io.RawIOBase):
    """A binary stream that counts the bytes it yields and refuses to go past `limit`; a
    truncated or corrupt compressed stream becomes an ImportFormatError."""

    def __init__(
        self, raw: IO[bytes] | gzip.GzipFile, *, name: str, limit: int, owner: Any = None
    ) -> None:
        self.raw, self.name, self.limit, self.count = raw, name, limit, 0
        self.owner = owner  # closed after `raw` (the zip archive of a member)

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        try:
            data = self.raw.read(len(buffer))
        except ARCHIVE_ERRORS as exc:
            raise ImportFormatError(
                f"Le fichier {self.name} est tronqué ou corrompu : rien n'a été importé."
            ) from exc
        n = len(data)
        self.count += n
        if self.count > self.limit:
            raise ImportFormatError(
                f"Le fichier {self.name} est refusé : il dépasse {mebibytes(self.limit)} une fois "
                f"décompressé (ATELIER_IMPORT_MAX_UNCOMPRESSED_BYTES)."
            )
        buffer[:n] = data
        return n

    def close(self) -> None:
        self.raw.close()
        if self.owner is not None:
            self.owner.close()
        super().close()


def open_counted(path: Path, limits: SourceLimits) -> CountingReader:
    """The bytes of a plain, gzip or zip file (its first .csv/.txt member), counted."""
    source_check_exists(path)
    with path.open("rb") as fh:
        magic = fh.read(4)
    raw: IO[bytes] | gzip.GzipFile
    archive = None
    if magic[:2] == b"\x1f\x8b":
        raw = gzip.open(path, "rb")  # noqa: SIM115 (closed with the reader)
    elif magic == b"PK\x03\x04":
        archive = zip_check_declared(path, limits)
        names = [n for n in archive.namelist() if n.lower().endswith((".csv", ".txt"))]
        if not names:
            archive.close()
            raise ImportFormatError(f"L'archive {path.name} ne contient aucun fichier CSV.")
        raw = archive.open(names[0])
    else:
        raw = path.open("rb")  # noqa: SIM115
    return CountingReader(raw, name=path.name, limit=limits.max_bytes, owner=archive)


def text_encoding(path: Path) -> str:
    """utf-8-sig or cp1252 (reports.sniff_encoding), with a truncated archive as one sentence."""
    try:
        return sniff_encoding(path)
    except ARCHIVE_ERRORS as exc:
        raise ImportFormatError(
            f"Le fichier {path.name} est tronqué ou corrompu : rien n'a été importé."
        ) from exc


def checked_lines(raw: IO[bytes], name: str, encoding: str) -> Iterator[str]:
    """The decoded lines of a byte stream, read one physical line at a time (so that an error
    names its line; CR, LF and CRLF all end a line, as "CSV (Macintosh)" uses CR); NUL bytes,
    undecodable bytes and lines over MAX_LINE_BYTES end it with one sentence. Latin-1 maps every
    byte to one character, so each line is cut on its bytes and then decoded as `encoding`."""
    stream = io.TextIOWrapper(raw, encoding="latin-1", newline="")
    line = 0
    while True:
        text = stream.readline(MAX_LINE_BYTES + 1)
        if not text:
            return
        line += 1
        if len(text) > MAX_LINE_BYTES:
            raise ImportFormatError(
                f"Le fichier {name} a une ligne de plus de {mebibytes(MAX_LINE_BYTES)} (ligne "
                f"{line}) : ce n'est pas une liste CSV."
            )
        if "\x00" in text:
            raise ImportFormatError(
                f"Le fichier {name} contient un octet nul à la ligne {line} : ce n'est pas un "
                f"fichier texte CSV."
            )
        data = text.encode("latin-1")
        try:
            yield data.decode(encoding if line == 1 else encoding.removesuffix("-sig"))
        except UnicodeDecodeError:
            if encoding.startswith("utf"):
                raise ImportFormatError(
                    f"Le fichier {name} n'est pas entièrement en UTF-8 : octet invalide à la "
                    f"ligne {line} ; enregistrez-le en « CSV UTF-8 »."
                ) from None
            raise ImportFormatError(
                f"Le fichier {name} contient un octet qui n'est un caractère ni en UTF-8 ni en "
                f"Windows-1252, à la ligne {line} ; enregistrez-le en « CSV UTF-8 »."
            ) from None


def csv_rows(
    lines: Iterable[str], name: str, delimiter: str, *, first_line: int = 1
) -> Generator[tuple[int, list[str]], None, None]:
    """(line number of the row's first line, fields); a field over FIELD_SIZE_LIMIT characters
    or a malformed row ends it with one sentence."""
    reader = csv.reader(lines, delimiter=delimiter)
    start = first_line
    try:
        for row in reader:
            yield start, row
            start = first_line + reader.line_num
    except csv.Error as exc:
        if "field larger than field limit" in str(exc):
            raise ImportFormatError(
                f"Le fichier {name} a un champ de plus de {thousands(FIELD_SIZE_LIMIT)} caractères "
                f"vers la ligne {start} (guillemet non fermé ?) : rien n'a été importé."
            ) from None
        raise ImportFormatError(
            f"Le fichier {name} n'est pas un CSV valide vers la ligne {start} ({exc})."
        ) from None
