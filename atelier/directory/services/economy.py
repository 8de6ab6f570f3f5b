"""The counts of the whole economy (ESS or not) per commune × NAF section × headcount band,
from `import-sirene --count-all`: replaced for the communes an import covered."""

from __future__ import annotations

from collections.abc import Collection, Mapping

from django.db import transaction
from django.utils import timezone

from atelier.search import versions

from ..indexes import VERSION
from ..models import EconomyCount, EconomyCoverage

BATCH = 5000


def economy_counts_replace(
    counts: Mapping[tuple[str, str, str], int], communes: Collection[str]
) -> int:
    """Replace the counts of `communes` (the places the import covered, even those without
    any establishment) by `counts` ((commune, NAF section, band) -> establishments); the rows
    written. The directory's data version moves, so the observatory rebuilds."""
    covered = sorted(set(communes))
    wanted = set(covered)
    now = timezone.now()
    with transaction.atomic():
        for start in range(0, len(covered), BATCH):
            chunk = covered[start : start + BATCH]
            EconomyCount.objects.filter(commune__in=chunk).delete()
            EconomyCoverage.objects.filter(commune__in=chunk).delete()
        EconomyCoverage.objects.bulk_create(
            (EconomyCoverage(commune=c, imported_at=now) for c in covered), batch_size=BATCH
        )
        rows = EconomyCount.objects.bulk_create(
            (
                EconomyCount(commune=c, naf_section=s, headcount_band=b, establishments=n)
                for (c, s, b), n in counts.items()
                if n and c in wanted
            ),
            batch_size=BATCH,
        )
        versions.bump(VERSION)
    return len(rows)
