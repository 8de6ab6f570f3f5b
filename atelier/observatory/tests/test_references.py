"""Published reference figures: the data file is valid and carries what the founding documents
say; the territory page shows them labelled as published, apart from the computed figures."""

import json
import re

import pytest

from atelier.observatory.selectors.references import (
    REFERENCE_FILE,
    ReferenceFileError,
    parse_reference_figures,
    reference_figures,
)
from atelier.observatory.services.rebuild import observatory_rebuild
from atelier.observatory.tests.factories import make_organisation, make_reference

SEEDS = "/work/shared/seeds"


def test_the_file_holds_the_key_figures_with_source_and_year():
    figures = {f.id: f for f in reference_figures()}
    assert figures["fr-jobs-2009"].value == 2_300_000
    assert figures["fr-jobs-2009"].year == "2009"
    assert figures["fr-jobs-share-2009"].value == 9.9
    assert (
        figures["fr-jobs-growth-2006-2008"].value,
        figures["fr-private-growth-2006-2008"].value,
    ) == (3, 1.4)
    assert figures["idf-organisations"].value == 31_600
    assert figures["idf-employees"].value == 380_000
    assert [figures[k].value for k in ("idf-education-health-social", "idf-finance")] == [58, 11]
    assert figures["fr-gdp-share"].source.startswith("Ville de Paris")
    assert {f.level for f in figures.values()} == {"france", "region"}
    assert figures["fr-jobs-2009"].value_text == "plus de 2\u00a0300\u00a0000 emplois"


def test_every_quote_is_in_the_seed_documents():
    import pathlib

    seeds = pathlib.Path(SEEDS)
    if not seeds.exists():
        pytest.skip("seed documents not on this machine")

    def norm(text: str) -> str:
        return re.sub(r"\s+", " ", text.replace("’", "'"))

    text = norm(" ".join(p.read_text(encoding="utf-8") for p in seeds.glob("*.txt")))
    for figure in reference_figures():
        assert norm(figure.quote) in text, figure.id


def test_a_malformed_file_is_refused():
    data = json.loads(REFERENCE_FILE.read_text(encoding="utf-8"))
    data["figures"][0]["source"] = "nowhere"
    with pytest.raises(ReferenceFileError):
        parse_reference_figures(data)
    data = json.loads(REFERENCE_FILE.read_text(encoding="utf-8"))
    data["figures"][1]["value"] = "9,9"
    with pytest.raises(ReferenceFileError):
        parse_reference_figures(data)
    # Parsing twice gives the same figures (nothing accumulates).
    good = json.loads(REFERENCE_FILE.read_text(encoding="utf-8"))
    assert parse_reference_figures(good) == parse_reference_figures(good)


@pytest.mark.django_db
def test_the_territory_page_shows_them_apart_and_labelled(client):
    ref = make_reference()
    make_organisation(ref, places=["arr10"], bands=["01"])
    observatory_rebuild()
    paris = client.get("/observatoire/commune/75056/").content.decode()
    assert 'id="chiffres-de-reference"' in paris
    assert "Chiffres de référence publiés — Île-de-France" in paris
    assert "Chiffres de référence publiés — France" in paris
    assert "chiffre de référence publié (L&#x27;Atelier, « L&#x27;Atelier at a glance »" in paris
    assert "31\u00a0600 organisations ou établissements" in paris
    # The computed key figures come before, in their own section, untouched.
    assert paris.index('id="chiffres-cles"') < paris.index('id="chiffres-de-reference"')
    lyon = client.get("/observatoire/commune/69123/").content.decode()
    assert "Chiffres de référence publiés — France" in lyon
    assert "Île-de-France" not in lyon.split('id="chiffres-de-reference"')[1].split("</section>")[0]
