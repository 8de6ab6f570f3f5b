"""The ESS's share in the whole local economy: counts of every establishment stored by the
directory (import-sirene --count-all, here through its service), summed per territory by the
rebuild, shown as real ratios on the page and in the API; "not counted" when they are missing."""

import pytest

from atelier.directory.services.economy import economy_counts_replace
from atelier.directory.tests.factories import NetworkFactory
from atelier.observatory.enums import BAND_BOUNDS
from atelier.observatory.services.custom import custom_territory_save
from atelier.observatory.services.rebuild import observatory_rebuild
from atelier.observatory.tests.factories import make_organisation, make_reference

pytestmark = pytest.mark.django_db
API = "/api/v1/indicators/{}/{}"


@pytest.fixture
def ref():
    ref = make_reference()
    for _ in range(3):
        make_organisation(ref, places=["saint_denis"], bands=["02"])  # 3 × 3–5 jobs
    make_organisation(ref, places=["aubervilliers", "saint_denis"], bands=["01", "01"])
    return ref


def test_no_count_imported_says_so_instead_of_a_ratio(client, ref):
    observatory_rebuild()
    body = client.get(API.format("commune", "93066")).json()
    assert body["economy_share"] is None
    assert "--count-all" in body["economy_share_text"]
    page = client.get("/observatoire/commune/93066/").content.decode()
    assert "pas été comptés pour ce territoire" in page


def test_the_share_is_a_real_ratio_at_every_level(client, ref):
    # Saint-Denis: 40 establishments in all, 30 of them in band 02 and 10 in band 11.
    counts = {("93066", "Q", "02"): 30, ("93066", "M", "11"): 10, ("93001", "Q", "01"): 20}
    economy_counts_replace(counts, ["93066", "93001"])
    observatory_rebuild()
    body = client.get(API.format("commune", "93066")).json()
    share = body["economy_share"]
    assert share["all_establishments"] == 40
    low = 30 * BAND_BOUNDS["02"][0] + 10 * BAND_BOUNDS["11"][0]
    high = 30 * BAND_BOUNDS["02"][1] + 10 * BAND_BOUNDS["11"][1]
    assert share["all_employees_estimate"]["low"] == low
    assert share["establishments_percent"] == round(100 * 4 / 40, 1)  # 3 + 1 establishments
    ess_low, ess_high = 3 * 3 + 1, 3 * 5 + 2
    shares = sorted([round(100 * ess_low / low, 1), round(100 * ess_high / high, 1)])
    assert [share["employees_percent_low"], share["employees_percent_high"]] == shares
    assert body["economy_share_text"].startswith("ESS = 10,0 % des établissements")
    page = client.get("/observatoire/commune/93066/").content.decode()
    assert "ESS = 10,0 % des établissements" in page
    # The EPT: only two of its communes were counted... which are all of it here.
    ept = client.get(API.format("ept", "200057867")).json()["economy_share"]
    assert ept["all_establishments"] == 60
    # The département has Montreuil, never counted: no ratio, and the reason.
    dep = client.get(API.format("departement", "93")).json()
    assert dep["economy_share"] is None and "une partie des communes" in dep["economy_share_text"]
    # A custom territory of the two counted communes.
    custom_territory_save(name="Nord", code="nord", communes_text="93066\n93001",
                          network_id=NetworkFactory().pk, user_id=None)  # fmt: skip
    custom = client.get(API.format("custom", "nord")).json()["economy_share"]
    assert custom["all_establishments"] == 60
