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


@pytest.mark.parametrize("engine", ["tantivy", "database"])
def test_places_typed_in_the_text_find_the_demo(ref, settings, engine):  # noqa: F811
    demo_load()
    settings.ATELIER_SEARCH_ENGINE = engine
    settings.ATELIER_SEARCH_CACHE_SECONDS = 0

    def found(q: str) -> list[str]:
        return [r.name for r in search(SearchParams.from_querydict(QueryDict(f"q={q}"))).results]

    # 75020 is Paris 20e: Coopaname (head office there) and Coopératif.
    assert "Coopaname" in found("75020")
    assert set(found("paris 20e")) == set(found("75020"))
    assert "L'Atelier" not in found("75020")  # Paris 10e
    # A place word does not spoil a name: L'Atelier first, and in Paris too.
    assert first(settings, engine, "l'atelier") == "L'Atelier"
    assert found("atelier paris")[0] == "L'Atelier"
