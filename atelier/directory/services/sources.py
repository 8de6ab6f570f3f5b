"""Reading an import file safely, whatever it claims to be: what every import shares (the SIRENE
import and the member-list import, whose `members/sources.py` re-exports these). Each failure is an
ImportFormatError with one French sentence, raised before anything is written.

- `source_check_exists`: called before the report file is created, so that a mistyped path leaves
  no report behind;
- `FIELD_SIZE_LIMIT`: the csv module's limit (131,072 characters), applied to every reader;
- `utf8_error_line`: where the first byte that is not UTF-8 sits (only called once a reader has
  failed, to say on which line);
- `reject_rate_check`: a file mostly made of rejected rows is refused as a whole
  (ATELIER_IMPORT_MAX_REJECT_RATE over at least ATELIER_IMPORT_REJECT_MIN_ROWS rows) instead of
  writing the few rows that happened to parse.
"""

from __future__ import annotations

import codecs
import gzip
import zipfile
import zlib
from pathlib import Path

from django.conf import settings

from .reports import ImportFormatError, open_binary

# The csv module's own limit (csv.field_size_limit()).
FIELD_SIZE_LIMIT = 131_072
# Errors of a compressed stream that is truncated or corrupt.
ARCHIVE_ERRORS = (EOFError, zlib.error, gzip.BadGzipFile, zipfile.BadZipFile)


def thousands(n: int) -> str:
    """1 048 576: French digit grouping."""
    return f"{n:,}".replace(",", " ")


def percent(rate: float) -> str:
    return f"{round(rate * 100)} %"


def source_check_exists(path: Path) -> None:
    """ImportFormatError unless `path` is an existing regular file that can be opened."""
    if not path.is_file():
        if path.exists():
            raise ImportFormatError(f"{path} n'est pas un fichier.")
        raise ImportFormatError(f"Le fichier {path} n'existe pas.")
    try:
        path.open("rb").close()
    except OSError as exc:
        raise ImportFormatError(
            f"Le fichier {path} ne peut pas être lu ({exc.strerror})."
        ) from None


def field_too_long(name: str, where: str) -> ImportFormatError:
    return ImportFormatError(
        f"Le fichier {name} a un champ de plus de {thousands(FIELD_SIZE_LIMIT)} caractères "
        f"({where}) : rien n'a été importé."
    )


def truncated_archive(name: str) -> ImportFormatError:
    return ImportFormatError(
        f"Le fichier {name} est une archive tronquée ou endommagée (téléchargement incomplet ?) : "
        "rien n'a été importé."
    )


def utf8_error_line(path: Path) -> int | None:
    """The line (from 1) of the first byte sequence of `path` that is not UTF-8, or None when the
    whole (decompressed) file is valid UTF-8. Streams the file with an incremental decoder."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    line = 1
    try:
        with open_binary(path) as raw:
            while chunk := raw.read(1 << 20):
                try:
                    decoder.decode(chunk)
                except UnicodeDecodeError as exc:
                    return line + chunk.count(b"\n", 0, exc.start)
                line += chunk.count(b"\n")
            decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return line
    except ARCHIVE_ERRORS:
        return None
    return None


def not_utf8(name: str, path: Path) -> ImportFormatError:
    line = utf8_error_line(path)
    where = f" (ligne {line})" if line else ""
    return ImportFormatError(
        f"Le fichier {name} n'est pas encodé en UTF-8{where} : rien n'a été importé."
    )


def reject_rate_check(*, name: str, rows: int, rejected: int) -> None:
    """ImportFormatError when, over at least ATELIER_IMPORT_REJECT_MIN_ROWS rows, more than
    ATELIER_IMPORT_MAX_REJECT_RATE of them were rejected: the file is mostly not what it should
    be, and nothing is written."""
    max_rate = settings.ATELIER_IMPORT_MAX_REJECT_RATE
    if rows == 0 or rows < settings.ATELIER_IMPORT_REJECT_MIN_ROWS:
        return
    if rejected / rows > max_rate:
        raise ImportFormatError(
            f"Le fichier {name} est refusé : {rejected} ligne(s) sur {rows} sont invalides "
            f"({percent(rejected / rows)}, au-delà de {percent(max_rate)}, "
            f"ATELIER_IMPORT_MAX_REJECT_RATE) ; rien n'a été écrit, voir le rapport des rejets."
        )
