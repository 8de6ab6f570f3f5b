"""Ranking: eligible first, then fewer failed conditions, then how well the scheme fits
(needs, audience, amount, locality), then the name; deterministic, and each rank explained."""

import datetime

from atelier.support.rules.evaluate import compile_catalogue
from atelier.support.rules.nodes import ParamValue
from atelier.support.rules.spec import SchemeSpec

from .catalogue_file import CONTEXT, facts

ON = datetime.date(2026, 1, 15)


def _spec(i, slug, **kw):
    values = {
        "name": slug.title(),
        "kind": "grant",
        "rule": "standard",
        "perimeter": ("country:FR",),
    }
    values.update(kw)
    for name in ("audiences", "stages", "projects", "legal_forms", "needs", "sectors"):
        values[name] = frozenset(values.get(name, ()))
    return SchemeSpec(id=i, slug=slug, **values)


def _rank(specs, f, histories=None):
    return compile_catalogue(specs, histories or {}, ON, CONTEXT).evaluate(f)


def test_eligible_first_then_fewer_failed_conditions():
    specs = [
        _spec(1, "two-failed", stages={"idea"}, projects={"insertion"}),
        _spec(2, "one-failed", stages={"idea"}),
        _spec(3, "eligible"),
    ]
    answers = _rank(specs, facts())
    assert [a.slug for a in answers] == ["eligible", "one-failed", "two-failed"]
    assert [a.rank for a in answers] == [1, 2, 3]
    assert answers[0].reasons[0] == "toutes les conditions sont remplies"
    assert answers[1].reasons[0] == "1 condition non remplie"
    assert answers[2].reasons[0] == "2 conditions non remplies"


def test_local_before_national():
    specs = [
        _spec(1, "national"),
        _spec(2, "regional", perimeter=("region:11",)),
        _spec(3, "departemental", perimeter=("departement:75",)),
        _spec(4, "arrondissement", perimeter=("arrondissement:75119",)),
    ]
    answers = _rank(specs, facts(commune="75119"))
    assert [a.slug for a in answers] == ["arrondissement", "departemental", "regional", "national"]
    assert "dispositif départemental : Paris (75)" in answers[1].reasons
    assert "dispositif national" in answers[3].reasons


def test_needs_weigh_more_than_locality():
    specs = [
        _spec(1, "local-advice", perimeter=("departement:75",), needs={"advice"}),
        _spec(2, "national-test", needs={"test"}),
    ]
    answers = _rank(specs, facts(needs={"test"}))
    assert [a.slug for a in answers] == ["national-test", "local-advice"]
    assert answers[0].reasons[1] == "répond à vos besoins : «\u00a0tester mon activité\u00a0»"
    assert answers[1].reasons[1] == "ne répond à aucun des besoins indiqués"


def test_a_scheme_for_the_holders_situation_comes_first():
    specs = [_spec(1, "for-all"), _spec(2, "for-rsa", audiences={"rsa"})]
    answers = _rank(specs, facts(situations={"rsa"}))
    assert [a.slug for a in answers] == ["for-rsa", "for-all"]


def test_financing_the_amount_asked_before_a_scheme_without_amount():
    history = {
        1: {"montant_maximum": [ParamValue("montant_maximum", 10000, datetime.date(2020, 1, 1))]}
    }
    specs = [_spec(1, "loan"), _spec(2, "advice")]
    answers = _rank(specs, facts(amount=4000), history)
    assert [a.slug for a in answers] == ["loan", "advice"]
    assert "finance le montant demandé (4\u00a0000\u00a0€)" in answers[0].reasons


def test_ties_are_broken_by_name_then_slug_the_same_way_every_time():
    specs = [_spec(i, slug, name="Même nom") for i, slug in enumerate(["c", "a", "b"], 1)]
    first = [a.slug for a in _rank(specs, facts())]
    assert first == ["a", "b", "c"]
    assert [a.slug for a in _rank(list(reversed(specs)), facts())] == first


def test_the_score_orders_as_the_ranking_among_eligible_schemes():
    specs = [
        _spec(1, "n", needs={"advice"}),
        _spec(2, "l", perimeter=("arrondissement:75119",)),
        _spec(3, "x"),
    ]
    answers = _rank(specs, facts(needs={"advice"}))
    assert [a.score for a in answers] == sorted((a.score for a in answers), reverse=True)
