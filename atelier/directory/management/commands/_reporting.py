"""What the import commands share: the `--report` option, the rejection report around the
service call, and the ending (summary, exit code 2 when rows were rejected). Not a command
itself (Django skips modules whose name starts with an underscore)."""

from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from django.core.management.base import BaseCommand, CommandError

from atelier.directory.services.reports import ImportFormatError, ImportReport, default_report_path

T = TypeVar("T")


class ImportCommand(BaseCommand):
    report_kind = ""  # first word of the default report file name

    def add_report_argument(self, parser) -> None:
        parser.add_argument(
            "--report", type=Path, metavar="FICHIER", help="rapport des rejets (CSV)"
        )

    def run_with_report(
        self, opts: dict[str, Any], source: Path, call: Callable[[ImportReport], T]
    ) -> tuple[T, ImportReport]:
        """Call the service with a report written next to `source` (or to --report); a file
        in the wrong format ends the command with the service's one sentence."""
        report = ImportReport(path=opts["report"] or default_report_path(self.report_kind, source))
        try:
            return call(report), report
        except ImportFormatError as exc:
            raise CommandError(str(exc)) from None
        finally:
            report.close()

    def finish(self, report: ImportReport) -> None:
        """Print the rejection summary; exit with code 2 when rows were rejected."""
        for line in report.summary_lines():
            self.stdout.write(line)
        if report.count:
            raise CommandError(
                f"{report.count} ligne(s) rejetée(s) : voir le rapport {report.path}.",
                returncode=2,
            )
