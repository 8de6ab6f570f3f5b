"""The SIRENE import: its passes in order."""

from __future__ import annotations

import time

from ..bulk import (
    bounded_memory,
    bulk_restore_pending,
    collector_relaxed,
    memory_release,
    readers_after_bulk_write,
    secondary_indexes_deferred,
)
from ..reports import ImportReport
from .index import TempIndex
from .options import SireneOptions, SireneResult
from .reader import SireneReader


class SireneImporter(SireneReader):
    def run(self) -> SireneResult:
        start = time.perf_counter()
        bulk_restore_pending()  # an earlier bulk write killed midway
        index = TempIndex()
        try:
            with collector_relaxed():
                self._read_units(index)
                if self.options.geo is not None:
                    self._read_geo(index, self.options.geo)
                with bounded_memory(), secondary_indexes_deferred():
                    self._read_establishments(index, use_geo=self.options.geo is not None)
                    if self.territory is None:
                        self._write_remaining(index)
                    index.close()  # its page cache is given back before the index builds
                    memory_release()
            readers_after_bulk_write()
        finally:
            index.close()
        self.result.seconds = time.perf_counter() - start
        return self.result


def organisation_import_sirene(*, options: SireneOptions, report: ImportReport) -> SireneResult:
    """Import the SIRENE stock files described by `options`; rejected rows go to `report`.
    Raises ImportFormatError when a file is not in the expected format."""
    return SireneImporter(options, report).run()
