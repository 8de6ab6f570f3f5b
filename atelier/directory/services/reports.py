"""Import reports: every rejected row with its file, line, column and reason, streamed to a CSV
file (so that a bad 30-million-row file does not fill the memory), plus counts for the summary;
and the reading of tabular input files (plain, gzip or zip CSV) with header checks that stop with
one clear French sentence."""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import gzip
import io
import zipfile
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from django.conf import settings

from atelier.territories.selectors import CommunePlace, commune_places


class ImportFormatError(Exception):
    """The input is not the expected file (missing columns, not a CSV, wrong separator…).
    Its message is one French sentence meant for the person who ran the import."""


def import_commune_places() -> dict[str, CommunePlace]:
    """The communes an import places its rows in; ImportFormatError when the reference is not
    loaded."""
    places = commune_places()
    if not places:
        raise ImportFormatError(
            "Le référentiel des communes n'est pas chargé : lancez d'abord "
            "« atelier load-reference »."
        )
    return places


# ---------------------------------------------------------------------------------------------
# Report


@dataclass(slots=True)
class ReportEntry:
    file: str
    line: int
    column: str
    value: str
    reason: str


REPORT_HEADER = ["fichier", "ligne", "colonne", "valeur", "motif"]


@dataclass
class ImportReport:
    """Rejected rows, written to `path` as they come (when a path is given), counted by reason.
    The first `keep` entries stay in memory for the summary and for tests. Notes (`note`) are
    values of rows that were written but not these values (a field a person corrected): in the
    same file, counted apart — they are no rejection (`count`, the exit code)."""

    path: Path | None = None
    keep: int = 1000
    entries: list[ReportEntry] = field(default_factory=list)
    count: int = 0
    reasons: Counter = field(default_factory=Counter)
    notes: list[ReportEntry] = field(default_factory=list)
    note_count: int = 0
    _fh: TextIO | None = None
    _writer: object | None = None

    def __post_init__(self) -> None:
        if self.path is not None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._fh = self.path.open("w", encoding="utf-8", newline="")
            self._writer = csv.writer(self._fh)
            self._writer.writerow(REPORT_HEADER)  # type: ignore[attr-defined]

    def reject(self, *, file: str, line: int, column: str, value: str, reason: str) -> None:
        entry = ReportEntry(file, line, column, (value or "")[:200], reason)
        self.count += 1
        self.reasons[reason] += 1
        if len(self.entries) < self.keep:
            self.entries.append(entry)
        if self._writer is not None:
            self._writer.writerow([file, line, column, entry.value, reason])  # type: ignore[attr-defined]

    def note(self, *, file: str, line: int, column: str, value: str, reason: str) -> None:
        entry = ReportEntry(file, line, column, (value or "")[:200], reason)
        self.note_count += 1
        if len(self.notes) < self.keep:
            self.notes.append(entry)
        if self._writer is not None:
            self._writer.writerow([file, line, column, entry.value, reason])  # type: ignore[attr-defined]

    def close(self) -> None:
        if self._fh is not None:
            self._fh.close()
            self._fh = None

    def summary_lines(self, limit: int = 10) -> list[str]:
        lines = [f"{self.count} ligne(s) rejetée(s)."]
        for reason, n in self.reasons.most_common(limit):
            lines.append(f"  - {reason} : {n}")
        for e in self.entries[:limit]:
            lines.append(f"  {e.file}, ligne {e.line}, colonne {e.column or '—'} : {e.reason}")
        if self.note_count:
            lines.append(f"{self.note_count} valeur(s) non écrite(s) :")
            for e in self.notes[:limit]:
                lines.append(
                    f"  {e.file}, ligne {e.line}, colonne {e.column or '—'} "
                    f"(« {e.value} ») : {e.reason}"
                )
        if self.path is not None:
            lines.append(f"Rapport complet : {self.path}")
        return lines


def default_report_path(kind: str, source: Path | None = None) -> Path:
    """var/imports/rapport-<kind>-<input name>-<timestamp>.csv"""
    stamp = dt.datetime.now(tz=dt.UTC).strftime("%Y%m%d-%H%M%S")
    stem = source.name.split(".")[0] if source is not None else kind
    return Path(settings.VAR_DIR) / "imports" / f"rapport-{kind}-{stem}-{stamp}.csv"


# ---------------------------------------------------------------------------------------------
# Reading tabular files


def open_binary(path: Path) -> Any:
    """A binary stream over a plain, gzip or zip file (the first .csv member of a zip), detected
    by its magic bytes, never read whole."""
    if not path.exists():
        raise ImportFormatError(f"Le fichier {path} n'existe pas.")
    with path.open("rb") as fh:
        magic = fh.read(4)
    if magic[:2] == b"\x1f\x8b":
        raw: Any = gzip.open(path, "rb")  # noqa: SIM115
    elif magic == b"PK\x03\x04":
        archive = zipfile.ZipFile(path)
        members = [n for n in archive.namelist() if n.lower().endswith((".csv", ".txt"))]
        if not members:
            raise ImportFormatError(f"L'archive {path.name} ne contient aucun fichier CSV.")
        raw = archive.open(members[0])
    else:
        raw = path.open("rb")  # noqa: SIM115
    return raw


def open_text(path: Path, *, encoding: str = "utf-8-sig") -> TextIO:
    """A text stream over a plain, gzip or zip file (see open_binary), never read whole."""
    return io.TextIOWrapper(
        io.BufferedReader(open_binary(path), buffer_size=1 << 20),
        encoding=encoding,
        newline="",
    )


@dataclass
class Table:
    """An open CSV file: its header (name -> position) and an iterator of (line number, row)."""

    path: Path
    label: str
    columns: dict[str, int]
    rows: Iterator[tuple[int, list[str]]]
    stream: TextIO

    def close(self) -> None:
        self.stream.close()


def _iter_rows(reader, path: Path) -> Iterator[tuple[int, list[str]]]:
    try:
        for row in reader:
            yield reader.line_num, row
    except UnicodeDecodeError as exc:
        raise ImportFormatError(
            f"Le fichier {path.name} n'est pas encodé en UTF-8 "
            f"(vers la ligne {reader.line_num + 1})."
        ) from exc
    except csv.Error as exc:
        raise ImportFormatError(
            f"Le fichier {path.name} n'est pas un CSV valide à la ligne {reader.line_num} ({exc})."
        ) from exc


def open_table(
    path: Path,
    *,
    label: str,
    delimiter: str,
    required: list[str],
    encoding: str = "utf-8-sig",
) -> Table:
    """Open a CSV file whose header must hold every column of `required`; otherwise raise
    ImportFormatError with one sentence saying what is wrong."""
    stream = open_text(path, encoding=encoding)
    try:
        first = stream.readline()
    except (UnicodeDecodeError, EOFError, OSError, zipfile.BadZipFile) as exc:
        stream.close()
        raise ImportFormatError(
            f"Le fichier {path.name} ({label}) n'est pas un fichier CSV lisible en UTF-8."
        ) from exc
    if not first.strip():
        stream.close()
        raise ImportFormatError(f"Le fichier {path.name} ({label}) est vide.")
    if "\x00" in first:
        stream.close()
        raise ImportFormatError(f"Le fichier {path.name} ({label}) n'est pas un fichier CSV.")
    header = next(csv.reader([first], delimiter=delimiter))
    header = [h.strip().strip('"') for h in header]
    columns = {name: i for i, name in enumerate(header)}
    missing = [c for c in required if c not in columns]
    if missing:
        stream.close()
        other = ";" if delimiter == "," else ","
        alt = next(csv.reader([first], delimiter=other))
        alt_names = {h.strip().strip('"') for h in alt}
        if len(alt) > 1 and not [c for c in required if c not in alt_names]:
            raise ImportFormatError(
                f"Le fichier {path.name} ({label}) utilise le séparateur « {other} » au lieu "
                f"de « {delimiter} » attendu."
            )
        if len(missing) == len(required):
            raise ImportFormatError(
                f"Le fichier {path.name} n'est pas au format attendu ({label}) : aucune des "
                f"colonnes attendues n'a été trouvée ({', '.join(required[:5])}…)."
            )
        raise ImportFormatError(
            f"Il manque dans le fichier {path.name} ({label}) les colonnes suivantes : "
            f"{', '.join(missing)}."
        )
    reader = csv.reader(stream, delimiter=delimiter)
    # csv.reader numbers lines from where it starts: the header line was read by hand.
    rows = ((line + 1, row) for line, row in _iter_rows(reader, path))
    return Table(path=path, label=label, columns=columns, rows=rows, stream=stream)


def sniff_encoding(path: Path) -> str:
    """utf-8 (with or without BOM) or cp1252, for member lists saved by spreadsheets."""
    with open_text(path, encoding="latin-1") as probe:
        sample = probe.read(1 << 16).encode("latin-1")
    try:
        codecs.decode(sample, "utf-8")
        return "utf-8-sig"
    except UnicodeDecodeError as exc:
        # A multi-byte character cut at the end of the sample is still UTF-8.
        if exc.start >= len(sample) - 3:
            return "utf-8-sig"
        return "cp1252"


def after_bulk_write(write: Callable[[str], Any]) -> None:
    """Say what follows a large bulk write: the worker's task (services.bulk,
    readers_after_bulk_write) brings the search and map indexes up to date; without a worker,
    which command does it."""
    write(
        "Recherche et carte : mises à jour en tâche de fond par le worker (atelier db_worker). "
        "Sans worker : atelier search-index sync."
    )
