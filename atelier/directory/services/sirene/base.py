"""State and helpers shared by the passes of a SIRENE import."""

from __future__ import annotations

from collections.abc import Callable

from pyproj import Transformer

from atelier.core.progress import Progress
from atelier.territories.selectors import (
    legal_category_families,
    naf_codes,
)

from ..bulk import (
    BulkWriter,
)
from ..reports import ImportReport, Table, import_commune_places
from .options import SireneOptions, SireneResult, territory_communes


class SireneImportBase:
    """What the passes of an import share: options, reference data, report and writer."""

    def __init__(self, options: SireneOptions, report: ImportReport) -> None:
        self.options = options
        self.report = report
        self.result = SireneResult()
        self.families = legal_category_families()
        self.nafs = naf_codes()
        self.places = import_commune_places()
        self.territory: set[str] | None = None
        if options.territory:
            self.territory, self.result.territory_label = territory_communes(
                options.territory, self.places
            )
        self.writer = BulkWriter()
        self.to_wgs84 = Transformer.from_crs(2154, 4326, always_xy=True)
        self._geo_transformers: dict[str, Transformer] = {}

    # -- helpers ----------------------------------------------------------------------------

    def _progress(self, label: str) -> Progress:
        return Progress(
            label, stream=self.options.progress_stream, every=self.options.progress_every
        )

    def _rejecter(self, table: Table) -> Callable:
        return self._rejecter_for(table.path.name)

    def _rejecter_for(self, name: str) -> Callable:
        report = self.report

        def reject(line: int, column: str, value: str, reason: str) -> None:
            report.reject(file=name, line=line, column=column, value=value or "", reason=reason)

        return reject
