"""A small Atlas for the end-to-end tests: real communes (territories' small reference), a few
organisations of every ESS family around Paris and one in Lyon, plus two that the Atlas must
not show (outside the ESS perimeter, no longer active)."""

from dataclasses import dataclass

from stdnum import luhn

from atelier.directory.enums import Approval, Theme
from atelier.directory.models import Organisation
from atelier.directory.services.organisations import bits, organisation_refresh_derived
from atelier.directory.tests.factories import (
    OrganisationFactory,
    placed_establishment,
)
from atelier.territories.models import LegalCategory, NafCode
from atelier.territories.tests.factories import make_small_reference


def _siren(prefix: str) -> str:
    return prefix + luhn.calc_check_digit(prefix)


# name, legal category, commune, (longitude, latitude), extra organisation fields
ORGANISATIONS = [
    (
        "Union des Coopératives du Canal",
        "5458",
        "saint_denis",
        (2.3574, 48.9362),
        {
            "siren": _siren("42153208"),
            "description": "Coopérative de production au bord du canal Saint-Denis.",
            "theme_bits": bits([Theme.INSERTION]),
            "approval_bits": bits([Approval.SCOP]),
            "naf": "70.22Z",
        },
    ),
    (
        "SCIC Énergie Citoyenne",
        "5560",
        "saint_denis",
        (2.3612, 48.9301),
        {"theme_bits": bits([Theme.CIRCULAR_ECONOMY])},
    ),
    (
        "Les Amis du Quartier",
        "9220",
        "arr20",
        (2.4012, 48.8635),
        {"theme_bits": bits([Theme.CULTURE]), "naf": "94.99Z"},
    ),
    (
        "Jardins Partagés de Belleville",
        "9220",
        "arr20",
        (2.3850, 48.8720),
        {"theme_bits": bits([Theme.URBAN_AGRICULTURE])},
    ),
    ("Fondation Lumière Sociale", "9300", "arr10", (2.3611, 48.8760), {}),
    ("Mutuelle Solidaire du Rhône", "8210", "lyon", (4.8357, 45.7640), {}),
    # Not shown by the Atlas: a commercial company, and an association that closed.
    ("Société Commerciale Lambda", "5710", "arr10", (2.3550, 48.8700), {}),
    (
        "Association Dissoute du Canal",
        "9220",
        "saint_denis",
        (2.3500, 48.9330),
        {"is_active": False},
    ),
]
POSTCODES = {"saint_denis": "93200", "arr20": "75020", "arr10": "75010", "lyon": "69001"}


@dataclass
class Atlas:
    by_name: dict[str, Organisation]

    def __getitem__(self, name: str) -> Organisation:
        return self.by_name[name]

    @property
    def cooperatives(self) -> list[Organisation]:
        return [o for o in self.by_name.values() if o.ess_family == "cooperative" and o.is_active]


def make_atlas() -> Atlas:
    ref = make_small_reference()
    by_name = {}
    for number, (name, category, commune, (lon, lat), extra) in enumerate(ORGANISATIONS, 1):
        extra = dict(extra)
        naf = extra.pop("naf", None)
        org = OrganisationFactory(
            name=name,
            legal_category=LegalCategory.objects.get(code=category),
            naf=NafCode.objects.get(code=naf) if naf else None,
            **extra,
        )
        _establishment(org, ref[commune], POSTCODES[commune], lon, lat, f"{number} rue du Test")
        by_name[name] = organisation_refresh_derived(organisation=org)
    # A second establishment, so the organisation page has a list to show.
    union = by_name["Union des Coopératives du Canal"]
    _establishment(union, ref["arr10"], "75010", 2.3600, 48.8720, "8 quai de Valmy", head=False)
    return Atlas(by_name)


def _establishment(org, commune, postcode, lon, lat, street, *, head=True):
    return placed_establishment(
        org, lon, lat, commune=commune, postcode=postcode, street=street, is_head_office=head
    )
