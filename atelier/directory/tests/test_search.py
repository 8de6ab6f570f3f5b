"""Atlas search selector: French full text, disjunctive facets, territory drill-down, perimeter,
ordering, pagination, query bound and hostile input. Runs on SQLite and PostgreSQL."""

import pytest
from django.http import QueryDict

from atelier.directory.enums import Approval, HeadcountBand, Theme
from atelier.directory.selectors.search import (
    SearchParams,
    search,
    search_queryset,
    text_query,
)
from atelier.directory.services.organisations import bits, organisation_refresh_derived
from atelier.directory.tests.factories import EstablishmentFactory, OrganisationFactory
from atelier.territories.models import LegalCategory, NafCode
from atelier.territories.tests.factories import make_small_reference

pytestmark = pytest.mark.django_db


@pytest.fixture
def ref():
    return make_small_reference()


def make_org(ref, *, category="9220", commune="arr20", naf=None, themes=(), approvals=(), **kw):
    org = OrganisationFactory(
        legal_category=LegalCategory.objects.get(code=category),
        naf=NafCode.objects.get(code=naf) if naf else None,
        theme_bits=bits(themes),
        approval_bits=bits(approvals),
        **kw,
    )
    if commune:
        EstablishmentFactory(organisation=org, commune=ref[commune])
    return organisation_refresh_derived(organisation=org)


def params(query: str = "", **kw) -> SearchParams:
    qd = QueryDict(query, mutable=True)
    for k, v in kw.items():
        qd.setlist(k, v if isinstance(v, list) else [v])
    return SearchParams.from_querydict(qd)


def names(result) -> list[str]:
    return [r.name for r in result.results]


def facet(result, name) -> dict:
    f = next(f for f in result.facets if f.name == name)
    return {v.value: (v.count, v.selected) for v in f.values}


@pytest.fixture
def atlas(ref):
    """A small Atlas: 6 organisations in the ESS perimeter, 2 outside it."""
    return {
        "scop": make_org(
            ref,
            category="5458",
            name="Coopératives du Canal",
            commune="saint_denis",
            naf="70.22Z",
            themes=[Theme.INSERTION],
            approvals=[Approval.SCOP],
            headcount_band=HeadcountBand.B11,
            description="Une SCOP de conseil en économie sociale et solidaire.",
        ),
        "assoc": make_org(
            ref,
            name="Amis du quartier",
            commune="arr20",
            naf="94.99Z",
            themes=[Theme.CULTURE],
            description="Association de quartier, fêtes et culture.",
        ),
        "insertion": make_org(
            ref,
            name="Bâtir Ensemble",
            commune="arr10",
            naf="88.99B",
            themes=[Theme.INSERTION, Theme.HOUSING],
            approvals=[Approval.SIAE_ACI],
            headcount_band=HeadcountBand.B12,
            description="Chantier d'insertion dans le bâtiment.",
        ),
        "mutuelle": make_org(
            ref,
            category="8210",
            name="Mutuelle Lyonnaise",
            commune="lyon",
            themes=[Theme.CARE],
            description="Mutuelle santé, économie de proximité.",
        ),
        "scic": make_org(
            ref,
            category="5560",
            name="Cantine Partagée",
            commune="saint_denis",
            naf="88.99B",
            themes=[Theme.FOOD, Theme.INSERTION],
            approvals=[Approval.SCIC, Approval.ESUS],
            description="Restaurant coopératif et solidaire.",
        ),
        "esus": make_org(
            ref,
            category="5710",
            name="Recyclerie Numérique",
            commune="arr10",
            themes=[Theme.DIGITAL_INCLUSION],
            approvals=[Approval.ESUS],
            description="Réemploi d'ordinateurs.",
        ),
        "not_ess": make_org(ref, category="5710", name="Conseil Coopératif SAS"),
        "closed": make_org(ref, name="Coopérative Fermée", is_active=False),
    }


def test_default_perimeter_hides_non_ess_and_inactive(atlas):
    result = search(SearchParams())
    assert result.total == 6
    assert "Conseil Coopératif SAS" not in names(result)
    assert "Coopérative Fermée" not in names(result)
    assert search_queryset(SearchParams()).count() == 6


def test_without_text_results_are_ordered_by_name(atlas):
    assert names(search(SearchParams())) == [
        "Amis du quartier",
        "Bâtir Ensemble",
        "Cantine Partagée",
        "Coopératives du Canal",
        "Mutuelle Lyonnaise",
        "Recyclerie Numérique",
    ]


def test_text_is_stemmed_and_accent_folded(atlas):
    # "Coopératives" and "coopératif" share the stem "cooper".
    assert set(names(search(params(q="cooperative")))) == {
        "Coopératives du Canal",
        "Cantine Partagée",
    }
    assert names(search(params(q="cooperatives canal"))) == ["Coopératives du Canal"]
    # In descriptions, and in the theme label "insertion par l'activité économique".
    assert set(names(search(params(q="economie")))) == {
        "Coopératives du Canal",
        "Mutuelle Lyonnaise",
        "Bâtir Ensemble",
        "Cantine Partagée",
    }
    assert names(search(params(q="ÉCONOMIE de proximité"))) == ["Mutuelle Lyonnaise"]


def test_last_word_is_a_prefix_as_you_type(atlas):
    assert names(search(params(q="recycl"))) == ["Recyclerie Numérique"]
    assert search(params(q="cooperat")).total == 2  # partial word, longer than its stem
    assert search(params(q="canal cooperat")).total == 1
    assert names(search(params(q="batim"))) == ["Bâtir Ensemble"]
    # Only the last word is a prefix.
    assert search(params(q="numerique recycl")).total == 1
    assert search(params(q="recyclerie numer")).total == 1
    assert search(params(q="recycl numerique")).total == 0


def test_text_matches_commune_theme_and_approval_labels(atlas):
    assert set(names(search(params(q="saint denis")))) == {
        "Coopératives du Canal",
        "Cantine Partagée",
    }
    assert "Bâtir Ensemble" in names(search(params(q="chantier d'insertion")))


def test_relevance_orders_text_results(ref):
    make_org(ref, name="Alpha", description="Un jardin parmi beaucoup d'autres activités variées.")
    make_org(ref, name="Zêta Jardins", description="Jardins partagés, jardin d'insertion.")
    make_org(ref, name="Bêta", description="Rien à voir.")
    result = search(params(q="jardin"))
    assert result.ranked
    assert names(result) == ["Zêta Jardins", "Alpha"]
    assert not search(params()).ranked


def test_paging_is_bounded_and_the_count_stays_exact(atlas, monkeypatch):
    from atelier.directory.selectors import search as module

    monkeypatch.setattr(module, "MAX_BROWSABLE", 2)
    result = search(params(q="insertion"), page_size=1)
    assert result.total == 3  # the count stays exact
    assert (result.browsable, result.num_pages) == (2, 2)
    assert result.ranked and len(result.results) == 1


@pytest.mark.parametrize(
    "q",
    ['"; DROP', "a OR b*", "NEAR(", "coop*", "-x", "^a", "col:val", "'", '"', "a AND", "(", ")"],
)
def test_fts_syntax_in_the_text_is_harmless(atlas, q):
    result = search(params(q=q))  # no exception from FTS5 or to_tsquery
    assert result.total >= 0
    assert search_queryset(params(q=q)).count() == result.total


def test_text_of_stop_words_only_does_not_filter(atlas):
    assert text_query("de la") is None
    assert search(params(q="de la")).total == 6


def test_very_long_text_is_capped(atlas):
    p = params(q="cooperative " * 100)
    assert p.errors
    tq = text_query(p.q)
    assert tq is not None and len(tq.words) <= 8
    assert search(p).total == 2


def test_each_facet_filters(atlas):
    assert set(names(search(params(famille="cooperative")))) == {
        "Coopératives du Canal",
        "Cantine Partagée",
    }
    assert names(search(params(forme="8210"))) == ["Mutuelle Lyonnaise"]
    assert set(names(search(params(naf="Q")))) == {"Bâtir Ensemble", "Cantine Partagée"}
    assert set(names(search(params(theme="insertion")))) == {
        "Coopératives du Canal",
        "Bâtir Ensemble",
        "Cantine Partagée",
    }
    assert set(names(search(params(agrement="esus")))) == {
        "Cantine Partagée",
        "Recyclerie Numérique",
    }
    assert names(search(params(effectif="12"))) == ["Bâtir Ensemble"]
    assert names(search(params(territoire="departement:69"))) == ["Mutuelle Lyonnaise"]


def test_values_of_one_facet_are_ored_and_facets_are_anded(atlas):
    p = params(famille=["cooperative", "mutual"])
    assert search(p).total == 3
    p = params(famille=["cooperative", "mutual"], theme="insertion")
    assert set(names(search(p))) == {"Coopératives du Canal", "Cantine Partagée"}
    p = params(theme=["culture", "care"])
    assert set(names(search(p))) == {"Amis du quartier", "Mutuelle Lyonnaise"}


def test_facet_counts_are_disjunctive(atlas):
    result = search(params(famille="cooperative"))
    assert result.total == 2
    # The facet of the selection is counted without it, so other families can be added.
    assert facet(result, "famille") == {
        "association": (2, False),
        "cooperative": (2, True),
        "mutual": (1, False),
        "other": (1, False),
    }
    # Other facets are counted within the selection.
    assert facet(result, "theme")["insertion"] == (2, False)
    assert "culture" not in facet(result, "theme")
    assert facet(result, "agrement") == {
        "esus": (1, False),
        "scop": (1, False),
        "scic": (1, False),
    }
    assert facet(result, "forme") == {"5458": (1, False), "5560": (1, False)}


def test_bit_facets_are_disjunctive_too(atlas):
    result = search(params(theme="insertion", agrement="esus"))
    assert names(result) == ["Cantine Partagée"]
    themes = facet(result, "theme")  # counted with agrement=esus only
    assert themes["insertion"] == (1, True)
    assert themes["digital_inclusion"] == (1, False)
    approvals = facet(result, "agrement")  # counted with theme=insertion only
    assert approvals["esus"] == (1, True)
    assert approvals["scop"] == (1, False)
    assert approvals["siae_aci"] == (1, False)


def test_facet_labels_are_french(atlas):
    result = search(SearchParams())
    labels = {f.name: {v.value: v.label for v in f.values} for f in result.facets}
    assert labels["famille"]["cooperative"] == "coopérative"
    assert labels["forme"]["8210"] == "Mutuelle"
    assert labels["naf"]["Q"].startswith("Q — Santé humaine")
    assert labels["theme"]["insertion"] == "insertion par l'activité économique"
    assert labels["effectif"]["11"] == "10 à 19 salariés"
    assert labels["territoire"]["region:11"] == "Île-de-France"


def test_territory_facet_drills_down(atlas):
    top = facet(search(SearchParams()), "territoire")
    assert top == {"region:11": (5, False), "region:84": (1, False)}

    idf = search(params(territoire="region:11"))
    assert idf.total == 5
    assert facet(idf, "territoire") == {
        "region:11": (5, True),
        "departement:75": (3, False),
        "departement:93": (2, False),
    }

    # Ticking a département inside the région narrows the search to it.
    ssd = search(params(territoire=["region:11", "departement:93"]))
    assert set(names(ssd)) == {"Coopératives du Canal", "Cantine Partagée"}
    values = facet(ssd, "territoire")
    assert values["region:11"] == (None, True)
    assert values["departement:93"] == (2, True)
    assert values["commune:93066"] == (2, False)
    assert values["ept:200057867"] == (2, False)
    labels = {v.value: v.label for v in ssd.facets[-1].values}
    assert labels["commune:93066"] == "Saint-Denis (93)"
    assert labels["ept:200057867"] == "Plaine Commune (EPT)"

    sd = search(params(territoire=["departement:93", "commune:93066"]))
    assert sd.total == 2
    assert facet(sd, "territoire")["commune:93066"] == (2, True)


def test_territory_filters_communes_epci_and_ept(atlas):
    assert search(params(territoire="ept:200057867")).total == 2
    assert search(params(territoire="epci:200054781")).total == 5
    assert names(search(params(territoire="commune:75110"))) == [
        "Bâtir Ensemble",
        "Recyclerie Numérique",
    ]
    # Paris as a whole covers its arrondissements.
    assert search(params(territoire="commune:75056")).total == 3
    paris = facet(search(params(territoire="departement:75")), "territoire")
    assert paris["commune:75110"] == (2, False)
    assert paris["commune:75120"] == (1, False)


def test_two_territories_of_one_level_add_up(atlas):
    result = search(params(territoire=["departement:69", "departement:93"]))
    assert result.total == 3


def test_invalid_values_are_listed_and_ignored(atlas):
    p = params(
        famille=["cooperative", "pirate"],
        theme="nope",
        territoire=["departement:999", "garbage"],
        forme="12",
        naf="ZZ",
        effectif="99",
        agrement="x",
        page="abc",
    )
    assert p.famille == ["cooperative"]
    assert p.territoire == [] and p.theme == [] and p.forme == []
    assert len(p.errors) == 9
    assert all(isinstance(e, str) and e.endswith(".") for e in p.errors)
    assert search(p).total == 2


def test_querystring_round_trip(atlas):
    p = params(q="café solidaire", famille=["cooperative", "mutual"], territoire="departement:93")
    p.page = 3
    qs = p.to_querystring()
    assert qs == (
        "q=caf%C3%A9+solidaire&famille=cooperative&famille=mutual"
        "&territoire=departement%3A93&page=3"
    )
    again = SearchParams.from_querydict(QueryDict(qs))
    assert again == p
    assert "page" not in p.to_querystring(page=False)
    assert p.without("famille", "mutual").famille == ["cooperative"]
    assert p.without("q").q == ""
    assert p.without("territoire", "departement:93").territories == []


def test_pagination(ref):
    for i in range(25):
        make_org(ref, name=f"Association {i:02d}")
    first = search(params(), page_size=10)
    assert first.total == 25 and first.num_pages == 3
    assert names(first)[0] == "Association 00"
    third = search(params(page="3"), page_size=10)
    assert names(third) == [f"Association {i}" for i in range(20, 25)]
    assert (third.first_index, third.last_index) == (21, 25)
    assert not third.has_next and third.has_previous
    # A page past the end shows the last one.
    assert search(params(page="9"), page_size=10).page == 3
    assert first.page_numbers() == [1, 2, 3]


def test_page_numbers_with_ellipsis(ref):
    for i in range(12):
        make_org(ref, name=f"Association {i:02d}")
    result = search(params(page="6"), page_size=1)
    assert result.page_numbers() == [1, None, 4, 5, 6, 7, 8, None, 12]


def test_number_of_queries_is_bounded_with_the_index(atlas, django_assert_num_queries, settings):
    settings.ATELIER_SEARCH_ENGINE = "tantivy"
    settings.ATELIER_SEARCH_CACHE_SECONDS = 0
    p = params(q="insertion", famille="cooperative", territoire="departement:93")
    search(p)  # the first search brings the index up to date
    # Data version, results, NAF sections, legal forms, territory labels (≤ 8).
    with django_assert_num_queries(8, exact=False):
        search(p)
    with django_assert_num_queries(8, exact=False):
        search(SearchParams(q="économie solidaire", theme=["insertion"], naf=["Q"]))


def test_number_of_queries_is_bounded(atlas, django_assert_num_queries, settings):
    settings.ATELIER_SEARCH_ENGINE = "database"
    settings.ATELIER_SEARCH_CACHE_SECONDS = 0
    p = params(q="insertion", famille="cooperative", territoire="departement:93")
    # Results, themes+approvals+total, 4 value facets, territory facet, legal-form labels
    # (cached per process), NAF sections, territory labels (groupings, communes).
    with django_assert_num_queries(11, exact=False):
        search(p)
    with django_assert_num_queries(11, exact=False):
        search(SearchParams(q="économie solidaire", theme=["insertion"], naf=["Q"]))


def test_facet_counts_are_cached_until_the_data_changes(
    atlas, ref, django_assert_num_queries, settings
):
    p = params(famille="cooperative")
    first = search(p)
    # Data version, results (the labels of their communes are cached per process).
    with django_assert_num_queries(2):
        again = search(p.with_page(1))
    assert again.facets == first.facets and again.total == first.total == 2
    make_org(ref, category="5560", name="Nouvelle SCIC")
    assert search(p).total == 3


def test_search_queryset_works_as_a_subquery(atlas):
    from atelier.directory.models import Establishment

    inner = search_queryset(params(q="canal")).values("id")
    assert Establishment.objects.filter(organisation_id__in=inner).count() == 1
