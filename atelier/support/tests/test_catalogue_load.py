"""The catalogue file (data/support/schemes.yaml) loaded by its service: idempotent, operators
linked to the Atlas, every figure with its source, refused whole when a value is wrong."""

import copy
import datetime

import pytest
import yaml

from atelier.directory.enums import Source
from atelier.directory.selectors.organisations import organisation_find
from atelier.support.models import Scheme, SchemeParameter
from atelier.support.rules.adie import PARIS
from atelier.support.services.catalogue import (
    CATALOGUE_FILE,
    CatalogueError,
    catalogue_load,
    catalogue_read,
)

from .scheme_factories import make_operators, make_reference

FILE = yaml.safe_load(CATALOGUE_FILE.read_text(encoding="utf-8"))


@pytest.mark.django_db
def test_loading_twice_changes_nothing(catalogue):
    count = len(FILE["schemes"])
    assert Scheme.objects.count() == count
    values = sum(len(s.get("parameters") or []) for s in FILE["schemes"])
    assert SchemeParameter.objects.count() == values
    report = catalogue_load()
    assert (report.created, report.updated) == (0, count)
    assert (report.parameters_created, report.parameters_updated) == (0, values)
    assert Scheme.objects.count() == count and SchemeParameter.objects.count() == values


@pytest.mark.django_db
def test_operators_are_the_demo_organisations_of_the_atlas(catalogue):
    adie = organisation_find(
        source=Source.DEMO, name="Association pour le droit à l'initiative économique"
    )
    assert Scheme.objects.get(slug="adie-microcredit-paris").operator_id == adie
    assert Scheme.objects.get(slug="adie-microcredit-paris").variant_of.slug == "adie-microcredit"
    dla = Scheme.objects.get(slug="dla")
    assert dla.operator_id is None and dla.operator_name.startswith("La structure porteuse")


@pytest.mark.django_db
def test_an_operator_missing_from_the_atlas_is_shown_by_its_name(db):
    make_reference()
    report = catalogue_load()  # no demo organisation at all
    assert any("Paris Initiative Entreprise" in w for w in report.warnings)
    pie = Scheme.objects.get(slug="pie-pret-honneur")
    assert pie.operator_id is None and pie.operator_name == "Paris Initiative Entreprise"


@pytest.mark.django_db
def test_a_value_staff_added_from_a_later_date_survives_a_reload(catalogue):
    pie = Scheme.objects.get(slug="pie-pret-honneur")
    SchemeParameter.objects.create(
        scheme=pie, name="montant_maximum", start=datetime.date(2027, 1, 1), value=35000
    )
    catalogue_load()
    assert pie.parameters.filter(name="montant_maximum").count() == 2


@pytest.mark.django_db
def test_premieres_heures_is_in_the_catalogue_without_its_parameters(catalogue):
    scheme = Scheme.objects.get(slug="premieres-heures")
    assert scheme.kind == "insertion_scheme" and scheme.perimeter == ["departement:75"]
    assert not scheme.parameters.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            {"perimeter": ["departement:99"]},
            "Territoire(s) inconnu(s) dans le périmètre : departement:99",
        ),
        ({"perimeter": ["quartier:1"]}, "Territoire(s) inconnu(s) dans le périmètre : quartier:1"),
        ({"rule": "nope"}, "règle inconnue « nope »"),
        ({"kind": "loan"}, "nature inconnue « loan »"),
        ({"stages": ["someday"]}, "stages : valeur(s) inconnue(s) someday"),
        ({"opens_on": "2026-13-01"}, "opens_on : date invalide « 2026-13-01 »"),
        (
            {"slug": "a-verifier"},
            "Identifiant de dispositif invalide ou en double : « a-verifier »",
        ),
        ({"slug": "Avec Espaces"}, "Identifiant de dispositif invalide ou en double"),
        ({"slug": "dla"}, "Identifiant de dispositif invalide ou en double : « dla »"),
    ],
)
def test_a_wrong_value_refuses_the_whole_file(db, change, message):
    make_reference()
    make_operators()
    data = copy.deepcopy(FILE)
    data["schemes"][-1].update(change)
    with pytest.raises(CatalogueError) as error:
        catalogue_load(data=data)
    assert message in str(error.value)
    assert not Scheme.objects.exists()  # nothing half-written


@pytest.mark.django_db
def test_an_arrondissement_is_spelt_the_one_way(db):
    make_reference()
    data = {
        "schemes": [{**FILE["schemes"][0], "perimeter": ["commune:75119", "arrondissement:75119"]}]
    }
    catalogue_load(data=data, operators_source=None)
    assert Scheme.objects.get().perimeter == ["arrondissement:75119"]


def test_a_missing_or_malformed_file_says_so(tmp_path):
    with pytest.raises(CatalogueError, match="Catalogue introuvable"):
        catalogue_read(tmp_path / "absent.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_text("schemes: [", encoding="utf-8")
    with pytest.raises(CatalogueError, match="n'est pas un YAML valide"):
        catalogue_read(bad)
    bad.write_text("other: 1", encoding="utf-8")
    with pytest.raises(CatalogueError, match="ne contient pas de liste « schemes »"):
        catalogue_read(bad)


def test_every_figure_has_its_source_and_examples_say_so():
    for scheme in FILE["schemes"]:
        assert scheme.get("sources"), scheme["slug"]
        for value in scheme.get("parameters") or []:
            assert value["source"], (scheme["slug"], value["name"])
            if value.get("is_example"):
                assert "exemple" in value["source"], (scheme["slug"], value["name"])
            else:
                assert value["source"].startswith("seeds/"), (scheme["slug"], value["name"])


def test_the_documents_figures_are_in_the_catalogue():
    values = {
        (s["slug"], p["name"]): p["value"]
        for s in FILE["schemes"]
        for p in s.get("parameters") or []
        if not p.get("is_example")
    }
    assert values[("adie-microcredit-paris", "montant_maximum")] == 5000
    assert values[("pie-pret-honneur", "montant_minimum")] == 5000
    assert values[("pie-pret-honneur", "montant_maximum")] == 30000
    assert values[("pie-pret-honneur", "montant_maximum_reprise")] == 60000
    assert values[("pie-garantie-bancaire", "montant_maximum")] == 45000
    assert values[("trophees-ess", "dotation_totale")] == 150000
    kinds = {s["kind"] for s in FILE["schemes"]}
    assert kinds == {
        "microcredit", "honour_loan", "guarantee", "equity_club", "grant", "support_programme",
        "test_activity", "call_for_projects", "insertion_scheme",
    }  # fmt: skip


def test_the_adie_rule_and_its_catalogue_fields_agree():
    adie = next(s for s in FILE["schemes"] if s["slug"] == "adie-microcredit-paris")
    assert adie["rule"] == "adie_paris"
    assert adie["perimeter"] == [PARIS] and adie["audiences"] == ["rsa"]
