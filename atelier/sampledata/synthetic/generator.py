"""The seeded generator: one random stream per seed, drawn in a fixed order, so the same seed
always gives the same organisations and establishments."""

from __future__ import annotations

import random
from collections.abc import Iterator

from atelier.directory.enums import SIAE_APPROVALS, Approval, Theme
from atelier.directory.services.organisations import bits
from atelier.territories.enums import EssFamily
from atelier.territories.selectors import legal_category_families, naf_codes

from .distributions import (
    BAND_WEIGHTS,
    ESTABLISHMENT_COUNTS,
    FAMILY_WEIGHTS,
    LEGAL_CATEGORY_WEIGHTS,
    NAF_WEIGHTS,
    Weighted,
)
from .geography import CommuneSampler, position_near
from .identifiers import synthetic_siren, synthetic_siret
from .names import STREETS, organisation_name
from .records import GenerationError, SynthEstablishment, SynthOrganisation


class SyntheticGenerator:
    def __init__(self, *, seed: int, skip_sirens: set[str] | None = None) -> None:
        self.rng = random.Random(seed)  # noqa: S311 (reproducible data, not secrets)
        self.skip = skip_sirens or set()
        communes = CommuneSampler()
        self.places = communes.places
        self.communes = communes.communes
        self.communes_by_dep = communes.communes_by_dep
        self.families = legal_category_families()
        self.nafs = naf_codes()
        self.family_pick = Weighted([f for f, _ in FAMILY_WEIGHTS], [w for _, w in FAMILY_WEIGHTS])
        self.category_pick: dict[str, Weighted] = {}
        for family, _ in FAMILY_WEIGHTS:
            available = sorted(c for c, f in self.families.items() if f == family)
            preferred = LEGAL_CATEGORY_WEIGHTS.get(family, {})
            if available:
                self.category_pick[family] = Weighted(
                    available, [preferred.get(c, 0.2) for c in available]
                )
        fine_nafs = sorted(c for c in self.nafs if len(c) == 6 and c[2] == ".")
        self.naf_pick: dict[str, Weighted | None] = {}
        for family, _ in FAMILY_WEIGHTS:
            wanted = {c: w for c, w in NAF_WEIGHTS[family].items() if c in self.nafs}
            if wanted:
                self.naf_pick[family] = Weighted(list(wanted), list(wanted.values()))
            elif fine_nafs:
                self.naf_pick[family] = Weighted(fine_nafs, [1.0] * len(fine_nafs))
            else:
                self.naf_pick[family] = None
        self.band_pick = Weighted([b for b, _ in BAND_WEIGHTS], [w for _, w in BAND_WEIGHTS])
        self.count_pick = Weighted(
            [r for r, _ in ESTABLISHMENT_COUNTS], [w for _, w in ESTABLISHMENT_COUNTS]
        )
        self.themes = list(Theme)

    # -- one organisation -------------------------------------------------------------------

    def _approvals(self, family: str, category: str, naf: str) -> tuple[int, int, bool]:
        rng = self.rng
        approvals: list[Approval] = []
        themes: list[Theme] = []
        staff = False
        insertion = False
        if family == EssFamily.ASSOCIATION and rng.random() < 0.025:
            approvals.append(rng.choice([Approval.SIAE_ACI, Approval.SIAE_ACI, Approval.SIAE_AI]))
            insertion = True
        elif family == EssFamily.OTHER:
            if rng.random() < 0.35:
                approvals.append(Approval.ESUS)
                staff = rng.random() < 0.3
            if rng.random() < 0.08:
                approvals.append(
                    rng.choice([Approval.SIAE_EI, Approval.SIAE_EI, Approval.SIAE_ETTI])
                )
                insertion = True
        elif family == EssFamily.COOPERATIVE:
            if category in ("5458", "5460", "5385"):
                approvals.append(Approval.SCOP)
            elif category == "5560":
                approvals.append(Approval.SCIC)
            if rng.random() < 0.02:
                approvals.append(Approval.CAE)
            elif rng.random() < 0.01:
                approvals.append(Approval.SIAE_EI)
                insertion = True
        if family == EssFamily.ASSOCIATION and rng.random() < 0.005:
            approvals.append(Approval.COUVEUSE)
        if insertion:
            themes.append(Theme.INSERTION)
        if rng.random() < 0.55:
            themes.append(rng.choice(self.themes))
            if rng.random() < 0.25:
                themes.append(rng.choice(self.themes))
        if naf.startswith("38.") or naf == "47.79Z":
            themes.append(Theme.CIRCULAR_ECONOMY)
        assert not any(a in SIAE_APPROVALS for a in approvals) or insertion
        return bits(set(themes)), bits(set(approvals)), staff

    def _establishment(
        self, siren: str, k: int, code: str, head: bool, naf: str, band: str
    ) -> SynthEstablishment:
        rng = self.rng
        place = self.places[code]
        lon, lat = position_near(rng, place)
        street_type, street_name = rng.choice(STREETS)
        siret = synthetic_siret(siren, k)
        return SynthEstablishment(
            siret=siret,
            nic=siret[9:],
            commune=code,
            postcode=rng.choice(place.postal_codes) if place.postal_codes else "",
            number=str(rng.randint(1, 180)),
            street_type=street_type,
            street_name=street_name,
            lon=lon,
            lat=lat,
            is_head_office=head,
            is_open=head or rng.random() > 0.12,
            naf=naf,
            band=band if head else self.band_pick.pick(rng),
            name="" if head or rng.random() < 0.6 else f"Antenne {place.name}",
        )

    def organisations(self, count: int, *, start: int = 1) -> Iterator[SynthOrganisation]:
        rng = self.rng
        n = start
        made = 0
        while made < count:
            siren = synthetic_siren(n)
            n += 1
            if n > 9_999_999:
                raise GenerationError("Au plus 9 999 999 organisations synthétiques.")
            if siren in self.skip:
                continue
            made += 1
            family = self.family_pick.pick(rng)
            cat_pick = self.category_pick.get(family)
            category = cat_pick.pick(rng) if cat_pick else ""
            naf_pick = self.naf_pick[family]
            naf = naf_pick.pick(rng) if naf_pick else ""
            band = self.band_pick.pick(rng)
            head_code = self.communes.pick(rng)
            place = self.places[head_code]
            name, acronym = organisation_name(rng, family, category, place.name)
            theme_bits, approval_bits, staff = self._approvals(family, category, naf)
            year = 2025 - int(min(rng.expovariate(1 / 14.0), 120))
            creation = f"{year:04d}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
            in_ess_family = family != EssFamily.OTHER
            if in_ess_family:
                flag = "O" if rng.random() < 0.85 else ""
            else:
                flag = "O" if approval_bits & (1 << Approval.ESUS) else "N"
            org = SynthOrganisation(
                siren=siren,
                name=name,
                acronym=acronym,
                legal_category=category,
                family=family,
                naf=naf,
                band=band,
                creation_date=creation,
                is_active=rng.random() > 0.04,
                ess_flag=flag,
                theme_bits=theme_bits,
                approval_bits=approval_bits,
                staff_approved=staff,
            )
            lo, hi = self.count_pick.pick(rng)
            k = lo if lo == hi else rng.randint(lo, hi)
            dep_pick = self.communes_by_dep[place.departement_code]
            for i in range(1, k + 1):
                code = head_code if i == 1 or rng.random() < 0.5 else dep_pick.pick(rng)
                org.establishments.append(self._establishment(siren, i, code, i == 1, naf, band))
            yield org
