"""Routing: the territory keys of a commune, each filter of a structure, several structures."""

import pytest

from atelier.support.enums import LegalForm, Need, Stage
from atelier.support.selectors.places import commune_territory_keys, territory_key_valid
from atelier.support.selectors.routing import structure_matches, structures_for_profile

from .factories import SupportStructureFactory, profile

pytestmark = pytest.mark.django_db


def test_an_arrondissement_lies_in_its_commune_and_above(world):
    assert commune_territory_keys("75119") == {
        "country:FR",
        "arrondissement:75119",
        "commune:75119",  # the Atlas's spelling of the arrondissement
        "commune:75056",
        "epci:200054781",
        "departement:75",
        "region:11",
    }


def test_a_commune_in_an_ept(world):
    keys = commune_territory_keys("93066")
    assert {"commune:93066", "ept:200057867", "epci:200054781", "departement:93"} <= keys
    assert commune_territory_keys("99999") == frozenset()


def test_territory_keys_are_checked(world):
    for key in ("country:FR", "region:11", "departement:75", "ept:200057867",
                "commune:75056", "arrondissement:75119", "epci:200054781"):  # fmt: skip
        assert territory_key_valid(key), key
    for key in ("country:BE", "commune:75119", "arrondissement:75056", "departement:00",
                "canton:1", "75"):  # fmt: skip
        assert not territory_key_valid(key), key


@pytest.mark.parametrize(
    ("filters", "answers", "expected"),
    [
        ({}, {}, True),  # no filter: anything
        ({"territories": ["arrondissement:75119"]}, {}, True),
        ({"territories": ["arrondissement:75120"]}, {}, False),
        ({"territories": ["commune:75056"]}, {}, True),
        ({"territories": ["departement:93", "region:11"]}, {}, True),
        ({"naf_sections": ["Q"]}, {"sector": "Q"}, True),
        ({"naf_sections": ["Q"]}, {"sector": "I"}, False),
        ({"naf_sections": ["Q"]}, {}, False),  # unknown sector: not a specialised structure
        ({"legal_forms": ["scop", "scic"]}, {"legal_form": LegalForm.SCIC}, True),
        ({"legal_forms": ["scop"]}, {}, False),
        ({"stages": ["idea", "starting"]}, {}, True),
        ({"stages": ["established"]}, {}, False),
        ({"needs": ["financing", "advice"]}, {}, True),  # one need in common is enough
        ({"needs": ["financing"]}, {}, False),
        ({"needs": ["financing"]}, {"needs": frozenset()}, False),
        ({"headcount_bands": ["01", "02"]}, {"headcount_band": "02"}, True),
        ({"headcount_bands": ["01"]}, {}, False),
    ],
)
def test_each_filter(world, filters, answers, expected):
    structure = SupportStructureFactory(network=world.idf, **filters)
    p = profile(**answers)
    assert structure_matches(structure, p, commune_territory_keys(p.commune)) is expected


def test_every_structure_that_fits_receives_the_request(world):
    p = profile(needs=frozenset({Need.FINANCING}), stage=Stage.STARTING)
    found = structures_for_profile(p)
    assert found == [world.other_structure, world.paris]  # by network name, then name
    assert structures_for_profile(p, network_id=world.idf.pk) == [world.paris]
    world.paris.is_active = False
    world.paris.save()
    assert structures_for_profile(p) == [world.other_structure]


def test_saint_denis_goes_to_plaine_commune(world):
    assert structures_for_profile(profile(commune="93066")) == [world.plaine]
