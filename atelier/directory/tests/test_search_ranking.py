"""What people type: the order of a text search (exact name or acronym, then words in the name,
then words elsewhere, ties by name), typos (one edit on words of five letters or more, the
index only), and SIREN/SIRET written in groups. Both read paths: the index ("tantivy") and the
database's plain list ("database"). Runs on SQLite and PostgreSQL."""

import pytest
from django.http import QueryDict

from atelier.directory.selectors.search import SearchParams, search, text_query
from atelier.directory.services.organisations import organisation_refresh_derived
from atelier.directory.tests.factories import EstablishmentFactory, OrganisationFactory
from atelier.directory.tests.orgpage_fixtures import make_coopaname
from atelier.territories.models import LegalCategory
from atelier.territories.tests.factories import make_small_reference

pytestmark = pytest.mark.django_db
ENGINES = ["tantivy", "database"]


@pytest.fixture
def ref():
    return make_small_reference()


def make_org(ref, name: str, description: str = "", **kw):
    org = OrganisationFactory(
        name=name,
        description=description,
        legal_category=LegalCategory.objects.get(code="9220"),
        **kw,
    )
    EstablishmentFactory(organisation=org, commune=ref["lyon"])
    return organisation_refresh_derived(organisation=org)


def run(settings, engine: str, q: str, page_size: int = 20):
    settings.ATELIER_SEARCH_ENGINE = engine
    settings.ATELIER_SEARCH_CACHE_SECONDS = 0
    return search(SearchParams.from_querydict(QueryDict(f"q={q}")), page_size=page_size)


def names(result) -> list[str]:
    return [r.name for r in result.results]


@pytest.fixture
def demo(ref):
    """Names of the demo (atelier/sampledata/demo.py) and organisations that only mention them,
    named so that an order by name would put them first."""
    # Created first: the index's own order (document order) would put them first too.
    make_org(ref, "Alpha Conseil", "Partenaire de L'Atelier, centre de ressources de l'ESS.")
    make_org(ref, "Bravo Réseau", "Formée par l'atelier régional ; l'atelier, encore l'atelier.")
    make_org(ref, "Ateliers du Canal", "Réparation de vélos.")
    make_org(ref, "Atelier Paysan", "Coopérative d'autoconstruction agricole.")
    make_org(ref, "L'Atelier", "Centre de ressources de l'économie sociale et solidaire.")
    make_org(ref, "Coopaname", "Coopérative d'activités et d'emploi.")
    make_org(ref, "Emmaüs Connect", "Inclusion numérique.")
    make_org(ref, "Alpha Paris Solidaire", "Accompagne les associations.")
    make_org(ref, "Paris Initiative Entreprise", "Prêts d'honneur.", acronym="PIE")
    make_org(ref, "Aide aux projets", "Membre de l'ADIE et de Paris Initiative Entreprise.")
    make_org(
        ref,
        "Association pour le droit à l'initiative économique",
        "Microcrédit.",
        acronym="ADIE",
    )
    make_org(ref, "Scop du Bâtiment", "Une scop.")


# -- ranking ---------------------------------------------------------------------------------


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("q", ["l'atelier", "L’Atelier", "atelier"])
def test_an_exact_name_comes_first(demo, settings, engine, q):
    result = run(settings, engine, q)
    assert result.ranked
    assert names(result)[0] == "L'Atelier"


def test_exact_name_then_name_words_then_mentions(demo, settings):
    found = names(run(settings, "tantivy", "l'atelier"))
    assert found[0] == "L'Atelier"
    # The names holding the word, then the organisations that only mention it.
    assert set(found[1:3]) == {"Atelier Paysan", "Ateliers du Canal"}
    assert set(found[3:5]) == {"Alpha Conseil", "Bravo Réseau"}
    # Among mentions, BM25: three mentions before one.
    assert found[3:5] == ["Bravo Réseau", "Alpha Conseil"]


def test_the_database_orders_by_tiers_then_by_name(demo, settings):
    found = names(run(settings, "database", "l'atelier"))
    assert found == [
        "L'Atelier",
        "Atelier Paysan",
        "Ateliers du Canal",
        "Alpha Conseil",
        "Bravo Réseau",
    ]


@pytest.mark.parametrize("engine", ENGINES)
def test_an_acronym_counts_as_an_exact_name(demo, settings, engine):
    found = names(run(settings, engine, "adie"))
    assert found == ["Association pour le droit à l'initiative économique", "Aide aux projets"]
    assert names(run(settings, engine, "PIE"))[0] == "Paris Initiative Entreprise"


@pytest.mark.parametrize("engine", ENGINES)
def test_a_name_holding_the_words_beats_a_mention(demo, settings, engine):
    # "paris" is a place (selectors/places.py): lieu=texte searches the words as typed.
    found = names(run(settings, engine, "paris initiative&lieu=texte"))
    assert found[0] == "Paris Initiative Entreprise"
    assert found.index("Paris Initiative Entreprise") < found.index("Aide aux projets")
    found = names(run(settings, engine, "paris&lieu=texte"))
    assert set(found[:2]) == {"Paris Initiative Entreprise", "Alpha Paris Solidaire"}
    assert found[2:] == ["Aide aux projets"]


@pytest.mark.parametrize("engine", ENGINES)
def test_ties_are_broken_by_name(ref, settings, engine):
    # The same number of tokens (BM25) and of letters (the database's shorter names first).
    for name in ("Zêta jardin", "Gama jardin", "Alfa jardin"):
        make_org(ref, name)
    assert names(run(settings, engine, "jardin")) == ["Alfa jardin", "Gama jardin", "Zêta jardin"]


def test_without_text_the_order_stays_by_name(demo, settings):
    for engine in ENGINES:
        result = run(settings, engine, "")
        assert not result.ranked
        assert names(result) == sorted(names(result))


# -- typos -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("copaname", "Coopaname"),  # one letter missing
        ("coopanmae", "Coopaname"),  # two letters swapped
        ("emaus", "Emmaüs Connect"),  # five letters; accents folded
        ("emaus connect", "Emmaüs Connect"),
        ("atelir", "L'Atelier"),
    ],
)
def test_one_typo_is_tolerated_on_words_of_five_letters(demo, settings, q, expected):
    assert names(run(settings, "tantivy", q))[0] == expected


@pytest.mark.parametrize("q", ["scip", "cop", "kooopaname", "emmaüs connecct xyzzy"])
def test_no_typo_on_shorter_words_nor_two_edits(demo, settings, q):
    assert run(settings, "tantivy", q).total == 0


def test_typos_rank_after_exact_matches(ref, settings):
    make_org(ref, "Ressourcarie", "Une faute de frappe dans le nom.")  # created first
    make_org(ref, "Atelier", "Une ressourcarie de quartier.")  # a typo elsewhere
    make_org(ref, "Zèbre", "Une ressourcerie de quartier.")  # the word itself
    make_org(ref, "Ressourcerie Anjou", "Réemploi.")
    found = names(run(settings, "tantivy", "ressourceries"))
    # As typed: the name first, then the mention; then a typo in the name, then elsewhere.
    assert found == ["Ressourcerie Anjou", "Zèbre", "Ressourcarie", "Atelier"]


def test_the_database_ignores_typos_without_failing(demo, settings):
    assert run(settings, "database", "copaname").total == 0
    assert names(run(settings, "database", "coopaname")) == ["Coopaname"]


def test_typos_reach_the_map_filter_too(demo):
    tq = text_query("emaus")
    assert tq is not None and tq.fuzzy == (("emaus", "emau"),)
    assert text_query("scip").fuzzy == ()
    assert text_query("482 345 675").fuzzy == ()


# -- identifiers -----------------------------------------------------------------------------


@pytest.fixture
def coopaname(ref):
    make_org(ref, "Voisine", "Sans numéro.")
    return make_coopaname(ref)


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize(
    "q",
    [
        "443121975",
        "443 121 975",
        "443.121.975",
        "44312197500017",
        "443 121 975 00017",
        "443 121 975 00025",  # another establishment: the same organisation
        "Coopaname 443 121 975",
    ],
)
def test_a_siren_or_siret_written_in_groups_finds_the_organisation(coopaname, settings, engine, q):
    result = run(settings, engine, q)
    assert [r.id for r in result.results] == [coopaname.pk]


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("q", ["443 121 976", "443 121 975 00018", "01 23 45 67 89"])
def test_numbers_that_are_no_valid_identifier_are_kept_as_words(coopaname, settings, engine, q):
    assert run(settings, engine, q).total == 0


def test_identifier_words_are_normalised():
    assert text_query("443 121 975 00017").words == ("443121975",)
    assert text_query("siren 443 121 975 paris").words == ("siren", "443121975", "paris")
    assert text_query("75020 paris").words == ("75020", "paris")


def test_frequent_words_are_not_read_as_typos(ref, settings, monkeypatch):
    from atelier.directory.selectors import search_ranking

    make_org(ref, "Maison de santé", "Soins.")
    make_org(ref, "Centre de santé", "Soins.")
    make_org(ref, "Saint-Exupéry", "Une école.")  # "saint" is one edit from "sant"
    monkeypatch.setattr(search_ranking, "TYPO_MAX_DOCS", 2)
    assert set(names(run(settings, "tantivy", "santé"))) == {"Maison de santé", "Centre de santé"}
    monkeypatch.setattr(search_ranking, "TYPO_MAX_DOCS", 3)
    assert "Saint-Exupéry" in names(run(settings, "tantivy", "santé"))
