"""The demo data searched as people type it: an exact name first, typos, on both read paths."""

import pytest
from django.http import QueryDict

from atelier.directory.selectors.search import SearchParams, search
from atelier.sampledata.demo import demo_load
from atelier.sampledata.tests.test_demo import ref  # noqa: F401 (the demo's reference data)

pytestmark = pytest.mark.django_db


def first(settings, engine: str, q: str) -> str:
    settings.ATELIER_SEARCH_ENGINE = engine
    settings.ATELIER_SEARCH_CACHE_SECONDS = 0
    result = search(SearchParams.from_querydict(QueryDict(f"q={q}")))
    assert result.results, q
    return result.results[0].name


@pytest.mark.parametrize("engine", ["tantivy", "database"])
def test_exact_names_of_the_demo_come_first(ref, settings, engine):  # noqa: F811
    demo_load()
    assert first(settings, engine, "l'atelier") == "L'Atelier"
    assert first(settings, engine, "coopaname") == "Coopaname"
    assert first(settings, engine, "emmaüs connect") == "Emmaüs Connect"
    assert first(settings, engine, "paris initiative entreprise") == "Paris Initiative Entreprise"
    assert first(settings, engine, "adie").startswith("Association pour le droit")
    # Typed without its accent: the name's first word (stemmed, folded) on both paths.
    assert first(settings, engine, "cooperatif") == "Coopératif"


def test_typos_find_the_demo_organisations(ref, settings):  # noqa: F811
    demo_load()
    assert first(settings, "tantivy", "copaname") == "Coopaname"
    assert first(settings, "tantivy", "emaus") == "Emmaüs Connect"
