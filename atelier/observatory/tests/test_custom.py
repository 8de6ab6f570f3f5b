"""Custom territories: validation of the communes, figures equal to a direct recomputation
(an organisation counted once even with establishments in several of its communes), secrecy,
page and API, and who may edit them (a test per role)."""

import random

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError

from atelier.accounts.enums import Role
from atelier.accounts.models import NetworkRole
from atelier.directory.tests.factories import NetworkFactory
from atelier.observatory.enums import Level
from atelier.observatory.models import Aggregate, CustomTerritory, TerritoryPopulation
from atelier.observatory.services.custom import communes_parse, custom_territory_save
from atelier.observatory.services.rebuild import observatory_rebuild
from atelier.observatory.tests.factories import (
    make_directory,
    make_organisation,
    make_reference,
    recompute,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def ref():
    return make_reference()


def save(network, codes, name="Nord-Est parisien", code="nord-est"):
    return custom_territory_save(
        name=name, code=code, communes_text="\n".join(codes), network_id=network.pk, user_id=None
    )


def test_communes_are_read_by_code_or_name_and_bad_entries_are_named(ref):
    parsed = communes_parse("93066\nAubervilliers ; 75110")
    assert parsed.codes == ["75110", "93001", "93066"]
    with pytest.raises(ValidationError) as error:
        communes_parse("99999\nNulle-Part\n75056\n75110")
    text = " ".join(error.value.messages)
    assert "99999" in text and "Nulle-Part" in text and "75110" in text
    with pytest.raises(ValidationError):
        communes_parse("  \n ")


def test_figures_match_a_direct_recomputation_and_count_an_organisation_once(ref):
    rng = random.Random(9)
    make_directory(ref, rng, count=50)
    # Head office in Saint-Denis, establishments in Aubervilliers and Saint-Denis: one.
    spread = make_organisation(ref, places=["saint_denis", "aubervilliers", "saint_denis"],
                               bands=["11", "02", "01"])  # fmt: skip
    observatory_rebuild()
    network = NetworkFactory()
    members = ["93066", "93001", "75110", "69123"]
    save(network, members)
    expected = recompute(Level.CUSTOM, "nord-est", set(members))
    found = {
        (a.dimension, a.value): a for a in Aggregate.objects.filter(level="custom", code="nord-est")
    }
    assert found.keys() == expected.keys()
    for key, cell in expected.items():
        row = found[key]
        assert (row.organisations, row.establishments, row.contributors) == (
            cell.organisations, cell.establishments, cell.contributors,
        ), key  # fmt: skip
        assert (row.jobs_low, row.jobs_central, row.jobs_high, row.max_org_jobs) == pytest.approx(
            (cell.low, cell.central, cell.high, cell.max_org_jobs)
        ), key
    assert spread.pk in expected[("total", "")].present
    # The full rebuild gives the same rows as the targeted one.
    before = sorted(found)
    observatory_rebuild()
    assert (
        sorted(
            (a.dimension, a.value)
            for a in Aggregate.objects.filter(level="custom", code="nord-est")
        )
        == before
    )


def test_page_and_api_with_secrecy_applied_the_same(client, ref):
    for _ in range(3):
        make_organisation(ref, places=["saint_denis"], bands=["11"])
    make_organisation(ref, places=["aubervilliers"], bands=["01"])  # a lone cell: secret
    observatory_rebuild()
    save(NetworkFactory(), ["93066", "93001"])
    page = client.get("/observatoire/custom/nord-est/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Nord-Est parisien" in html and "Aubervilliers" in html
    body = client.get("/api/v1/indicators/custom/nord-est").json()
    assert body["organisations"] == 4 and body["establishments"] == 4
    band = next(b for b in body["breakdowns"] if b["dimension"] == "band")
    lone = next(c for c in band["cells"] if c["value"] == "01")
    assert lone["organisations"] == "secret"
    assert client.get("/api/v1/indicators/custom/inconnu").status_code == 404
    assert client.get("/observatoire/custom/inconnu/").status_code == 404


def _user(network=None, role=None):
    user = get_user_model().objects.create_user(
        username=f"u{get_user_model().objects.count()}",
        password="x",  # noqa: S106
    )
    if network is not None:
        NetworkRole.objects.create(user=user, network=network, role=role)
    return user


POST = {"name": "Plaine", "code": "plaine", "communes": "93066\n93001"}


@pytest.mark.parametrize(
    ("who", "status"),
    [("anonymous", 302), ("member", 403), ("advisor", 403), ("other_staff", 403), ("staff", 302)],
)
def test_only_staff_of_the_owner_network_edit(client, ref, who, status):
    owner = NetworkFactory()
    territory = save(owner, ["93066"])
    if who != "anonymous":
        network = NetworkFactory() if who == "other_staff" else owner
        role = {"member": Role.MEMBER, "advisor": Role.ADVISOR}.get(who, Role.STAFF)
        client.force_login(_user(network, role))
    url = f"/observatoire/territoires-personnalises/{territory.code}/modifier/"
    response = client.post(url, {"name": "Renommé", "communes": "93066\n93001"})
    assert response.status_code == status
    territory.refresh_from_db()
    changed = territory.name == "Renommé"
    assert changed is (who == "staff")
    if who == "staff":
        assert response["Location"] == "/observatoire/custom/nord-est/"
        assert territory.members.count() == 2
    # Reading is public, whoever asks.
    assert client.get("/observatoire/custom/nord-est/").status_code == 200


def test_staff_create_with_validation_errors_shown(client, ref):
    network = NetworkFactory()
    client.force_login(_user(network, Role.STAFF))
    url = "/observatoire/territoires-personnalises/nouveau/"
    assert client.get(url).status_code == 200
    bad = client.post(url, {**POST, "network": network.pk, "communes": "99999"})
    assert bad.status_code == 200 and "99999" in bad.content.decode()
    assert not CustomTerritory.objects.exists()
    good = client.post(url, {**POST, "network": network.pk})
    assert good.status_code == 302 and good["Location"] == "/observatoire/custom/plaine/"
    created = CustomTerritory.objects.get()
    assert created.network == network and created.members.count() == 2
    listing = client.get("/observatoire/territoires-personnalises/").content.decode()
    assert "Plaine" in listing
    # A network where the user is no staff cannot own it.
    other = NetworkFactory()
    refused = client.post(url, {**POST, "code": "x", "network": other.pk})
    assert refused.status_code == 200 and not CustomTerritory.objects.filter(code="x").exists()


def test_a_plm_commune_counts_its_arrondissements_once(ref):
    make_directory(ref, random.Random(4), count=30)
    observatory_rebuild()
    save(NetworkFactory(), ["75056"], code="paris")

    def rows(level, code):
        return sorted(
            Aggregate.objects.filter(level=level, code=code).values_list(
                "dimension", "value", "organisations", "establishments", "contributors",
                "jobs_central", "max_org_jobs",
            )
        )  # fmt: skip

    assert rows("custom", "paris") == rows("commune", "75056") != []
    populations = TerritoryPopulation.objects.filter(code__in=["paris", "75056"])
    assert {p.code: (p.population, p.communes) for p in populations} == {
        "75056": (populations.get(code="75056").population, 1),
        "paris": (populations.get(code="75056").population, 1),
    }


def test_staff_of_the_owner_network_delete_and_the_figures_go(client, ref):
    make_organisation(ref, places=["saint_denis"])
    observatory_rebuild()
    owner = NetworkFactory()
    territory = save(owner, ["93066"])
    url = f"/observatoire/territoires-personnalises/{territory.code}/supprimer/"
    client.force_login(_user(NetworkFactory(), Role.STAFF))
    assert client.post(url).status_code == 403
    client.force_login(_user(owner, Role.STAFF))
    assert client.get(url).status_code == 200
    assert client.post(url).status_code == 302
    assert not CustomTerritory.objects.exists()
    assert not Aggregate.objects.filter(level="custom").exists()
    assert client.get("/observatoire/custom/nord-est/").status_code == 404
