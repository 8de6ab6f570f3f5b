"""Generated data for the observatory's tests: a reference of several territories at every
level, a random directory over it, and a direct recomputation of every indicator from the raw
organisations and establishments (the oracle the aggregates are compared with)."""

from __future__ import annotations

import datetime
import random
from collections import defaultdict
from dataclasses import dataclass, field

from atelier.directory.enums import HeadcountBand, Theme
from atelier.directory.models import Establishment, Organisation
from atelier.directory.services.organisations import bits, organisation_refresh_derived
from atelier.directory.tests.factories import (
    RANDOM_CATEGORIES,
    RANDOM_NAFS,
    EstablishmentFactory,
    OrganisationFactory,
)
from atelier.observatory.enums import BAND_BOUNDS, FRANCE_CODE, Level, band_central
from atelier.territories.models import Commune, LegalCategory, NafCode
from atelier.territories.tests.factories import (
    CommuneFactory,
    DepartementFactory,
    GroupingFactory,
    RegionFactory,
    make_small_reference,
)

BANDS = [b.value for b in HeadcountBand]


def make_reference() -> dict[str, Commune]:
    """The small reference (Paris and two arrondissements, Saint-Denis in Plaine Commune, Lyon)
    plus Aubervilliers (Plaine Commune), Montreuil (Est Ensemble), Villeurbanne and Lyon in the
    Métropole de Lyon, and a commune of the Ain where no organisation is (an empty territory)."""
    ref = make_small_reference()
    mgp = GroupingFactory(code="200054781")
    plaine = GroupingFactory(code="200057867")
    est_ensemble = GroupingFactory(code="200057875", name="Est Ensemble", kind="EPT")
    met_lyon = GroupingFactory(code="200046977", name="Métropole de Lyon", kind="MET69")
    Commune.objects.filter(code="69123").update(epci=met_lyon)
    ref["lyon"].refresh_from_db()
    ssd = DepartementFactory(code="93")
    rhone = DepartementFactory(code="69")
    ara = RegionFactory(code="84")
    ain = DepartementFactory(code="01", name="Ain", region=ara)
    ref["aubervilliers"] = CommuneFactory(
        code="93001", name="Aubervilliers", departement=ssd, epci=mgp, ept=plaine,
        population=89000, latitude=48.91, longitude=2.38,
    )  # fmt: skip
    ref["montreuil"] = CommuneFactory(
        code="93048", name="Montreuil", departement=ssd, epci=mgp, ept=est_ensemble,
        population=111000, latitude=48.86, longitude=2.44,
    )  # fmt: skip
    ref["villeurbanne"] = CommuneFactory(
        code="69266", name="Villeurbanne", departement=rhone, epci=met_lyon,
        population=150000, latitude=45.77, longitude=4.88,
    )  # fmt: skip
    ref["abergement"] = CommuneFactory(
        code="01001", name="L'Abergement-Clémenciat", departement=ain, region=ara,
        population=800, latitude=46.15, longitude=4.92,
    )  # fmt: skip
    return ref


# Where generated organisations may be (not the Ain commune: it stays empty).
PLACES = ["arr10", "arr20", "saint_denis", "aubervilliers", "montreuil", "lyon", "villeurbanne"]


def make_organisation(
    ref: dict[str, Commune],
    *,
    places: list[str],
    category: str = "9220",
    bands: list[str] | None = None,
    org_band: str = "NN",
    naf: str | None = None,
    themes: list[Theme] = (),  # type: ignore[assignment]
    active: bool = True,
    open_flags: list[bool] | None = None,
    created: datetime.date | None = None,
    name: str | None = None,
) -> Organisation:
    """An organisation with one establishment per entry of `places` (the first is the head
    office), derived fields filled."""
    fields = {"name": name} if name else {}
    org = OrganisationFactory(
        legal_category=LegalCategory.objects.get(code=category),
        naf=NafCode.objects.get(code=naf) if naf else None,
        theme_bits=bits(list(themes)),
        headcount_band=org_band,
        is_active=active,
        creation_date=created,
        **fields,
    )
    bands = bands or ["NN"] * len(places)
    open_flags = open_flags or [True] * len(places)
    for i, (place, band, is_open) in enumerate(zip(places, bands, open_flags, strict=True)):
        EstablishmentFactory(
            organisation=org,
            commune=ref[place],
            is_head_office=i == 0,
            headcount_band=band,
            is_open=is_open,
        )
    return organisation_refresh_derived(organisation=org)


def make_directory(ref: dict[str, Commune], rng: random.Random, count: int = 60) -> None:
    """`count` random organisations over PLACES: every legal category of the small reference
    (one outside the ESS), 1–3 establishments (some in other communes, some closed), random
    bands, themes, NAF codes, activity and creation dates."""
    for _ in range(count):
        n = rng.choice([1, 1, 1, 2, 3])
        make_organisation(
            ref,
            places=[rng.choice(PLACES) for _ in range(n)],
            category=rng.choice(RANDOM_CATEGORIES),
            bands=[rng.choice(BANDS) for _ in range(n)],
            org_band=rng.choice(BANDS),
            naf=rng.choice(RANDOM_NAFS),
            themes=rng.sample(list(Theme), rng.randint(0, 2)),
            active=rng.random() > 0.1,
            open_flags=[rng.random() > 0.15 for _ in range(n)],
            created=datetime.date(rng.randint(2015, 2024), rng.randint(1, 12), 1),
        )


# ---------------------------------------------------------------------------------------------
# The oracle: every indicator recomputed from the raw rows, in Python.


def _codes(commune: Commune) -> dict[str, str]:
    is_arm = commune.kind == "ARM"
    return {
        Level.COMMUNE: commune.parent_id if is_arm else commune.code,
        Level.ARRONDISSEMENT: commune.code if is_arm else "",
        Level.EPCI: commune.epci_id or "",
        Level.EPT: commune.ept_id or "",
        Level.DEPARTEMENT: commune.departement_id,
        Level.REGION: commune.region_id,
        Level.FRANCE: FRANCE_CODE,
    }


@dataclass
class RawCell:
    organisations: int = 0
    establishments: int = 0
    low: float = 0
    central: float = 0
    high: float = 0
    org_jobs: dict[int, float] = field(default_factory=lambda: defaultdict(float))
    present: set[int] = field(default_factory=set)

    @property
    def contributors(self) -> int:
        return len(self.present)

    @property
    def max_org_jobs(self) -> float:
        return max(self.org_jobs.values(), default=0.0)


def _values(dimension: str, org: Organisation, band: str) -> list[str]:
    if dimension == "total":
        return [""]
    if dimension == "family":
        return [org.ess_family]
    if dimension == "legal":
        return [org.legal_category_id or ""]
    if dimension == "naf":
        return [org.naf_section]
    if dimension == "band":
        return [band]
    return [str(t.value) for t in org.themes] or ["-1"]


def _inside(level: str, code: str, members: set[str] | None, commune: Commune) -> bool:
    if members is not None:  # a custom territory: its communes and arrondissements
        return commune.code in members or (commune.kind == "ARM" and commune.parent_id in members)
    return _codes(commune)[level] == code


def recompute(
    level: str, code: str, members: set[str] | None = None
) -> dict[tuple[str, str], RawCell]:
    """(dimension, value) -> the cell of territory level:code (or of the custom territory made
    of the communes `members`), from the raw rows."""
    communes = {c.code: c for c in Commune.objects.all()}
    cells: dict[tuple[str, str], RawCell] = defaultdict(RawCell)
    dimensions = ["total", "family", "legal", "naf", "band", "theme"]
    for org in Organisation.objects.in_perimeter().exclude(commune_code=""):
        if not _inside(level, code, members, communes[org.commune_code]):
            continue
        for dimension in dimensions:
            for value in _values(dimension, org, org.headcount_band):
                cell = cells[(dimension, value)]
                cell.organisations += 1
                cell.present.add(org.pk)
    ests = Establishment.objects.filter(
        is_open=True, commune__isnull=False, organisation__in=Organisation.objects.in_perimeter()
    ).select_related("organisation")
    for est in ests:
        if not _inside(level, code, members, communes[est.commune_id]):
            continue
        low, high = BAND_BOUNDS[est.headcount_band]
        for dimension in dimensions:
            for value in _values(dimension, est.organisation, est.headcount_band):
                cell = cells[(dimension, value)]
                cell.establishments += 1
                cell.low += low
                cell.central += band_central(est.headcount_band)
                cell.high += high
                cell.org_jobs[est.organisation_id] += band_central(est.headcount_band)
                cell.present.add(est.organisation_id)
    return dict(cells)


def recompute_flows(level: str, code: str) -> dict[tuple[str, int], int]:
    """(creation|closure, year) -> organisations, from the raw rows."""
    communes = {c.code: c for c in Commune.objects.all()}
    flows: dict[tuple[str, int], int] = defaultdict(int)
    for org in Organisation.objects.in_ess().exclude(commune_code=""):
        if _codes(communes[org.commune_code])[level] != code:
            continue
        if org.creation_date:
            flows[("creation", org.creation_date.year)] += 1
        if not org.is_active:
            flows[("closure", org.updated_at.year)] += 1
    return dict(flows)


# Every territory of the generated reference, at every level.
TERRITORIES = [
    (Level.COMMUNE, "75056"),
    (Level.COMMUNE, "93066"),
    (Level.COMMUNE, "69123"),
    (Level.COMMUNE, "01001"),
    (Level.ARRONDISSEMENT, "75110"),
    (Level.ARRONDISSEMENT, "75120"),
    (Level.EPCI, "200054781"),
    (Level.EPCI, "200046977"),
    (Level.EPT, "200057867"),
    (Level.EPT, "200057875"),
    (Level.DEPARTEMENT, "75"),
    (Level.DEPARTEMENT, "93"),
    (Level.DEPARTEMENT, "69"),
    (Level.REGION, "11"),
    (Level.REGION, "84"),
    (Level.FRANCE, FRANCE_CODE),
]
