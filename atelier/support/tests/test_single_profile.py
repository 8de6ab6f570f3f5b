"""One profile's answers from the parts kept between profiles (rules/single.py): the same as
the reference interpretation in every language, after the caches are full, and the contracts
of the conditions it relies on (`Node.reads`, `Node.fills` / `template`)."""

import dataclasses
import datetime
import random
import re

import pytest
from django.utils import translation

from atelier.support.enums import LegalForm, Need, Project, Situation, Stage
from atelier.support.rules import single, speech
from atelier.support.rules.evaluate import compile_catalogue, interpret
from atelier.support.rules.nodes import HOLE

from .catalogue_file import CONTEXT, PLACES, facts, file_specs

ON = datetime.date(2026, 1, 15)
AMOUNTS = [None, 0, 4000, 5000, 5001, 12000, 30000, 45000, 90000]


def _random_facts(rng: random.Random):
    situations = rng.sample([s for s in Situation.values if s != "none"], rng.randint(0, 2))
    return facts(
        commune=rng.choice(list(PLACES)),
        on=ON,
        stage=rng.choice(Stage.values),
        project=rng.choice(Project.values),
        legal_form=rng.choice(LegalForm.values),
        amount=rng.choice(AMOUNTS),
        situations=situations,
        sector=rng.choice(["", "F", "I", "J", "Q"]),
        needs=rng.sample(Need.values, rng.randint(0, 2)),
        headcount_band=rng.choice(["", "NN", "00", "01", "12"]),
    )


def _catalogue():
    specs, histories = file_specs()
    return specs, histories, compile_catalogue(specs, histories, ON, CONTEXT)


# A few sentences of the rules "translated", to tell the languages apart (the English catalogue
# of the project is being written: its own translations may not cover them yet).
ENGLISH = {
    "%(place)s : hors du périmètre du dispositif (%(perimeter)s)": (
        "%(place)s: outside the scheme's area (%(perimeter)s)"
    ),
    "montant demandé %(amount)s %(sign)s %(limit)s": "amount asked %(amount)s %(sign)s %(limit)s",
    "toutes les conditions sont remplies": "every condition is met",
}


# Marks of each of those sentences: (French, English).
MARKS = [
    (re.compile(r" : hors du périmètre du dispositif \("), re.compile(r": outside the scheme's ")),
    (re.compile(r"^montant demandé \d"), re.compile(r"^amount asked \d")),
    (re.compile(r"^toutes les conditions sont remplies$"), re.compile(r"^every condition is met$")),
]


def _marks(answers) -> tuple[set[int], set[int]]:
    texts = [c.text for a in answers for c in a.checks] + [r for a in answers for r in a.reasons]
    french = {i for i, (fr, _en) in enumerate(MARKS) for t in texts if fr.search(t)}
    english = {i for i, (_fr, en) in enumerate(MARKS) for t in texts if en.search(t)}
    return french, english


def test_each_language_gets_its_own_sentences(monkeypatch):
    monkeypatch.setitem(speech._messages, "en", dict(ENGLISH))
    specs, histories, catalogue = _catalogue()
    rng = random.Random("languages")
    seen: dict[str, set[int]] = {"fr": set(), "en": set()}
    for _ in range(40):
        f = _random_facts(rng)
        for language in ("fr", "en", "fr"):
            with translation.override(language):
                compiled = catalogue.evaluate(f)
                assert compiled == interpret(specs, histories, f, CONTEXT)
            french, english = _marks(compiled)
            assert not (english if language == "fr" else french)
            seen[language] |= french if language == "fr" else english
    assert seen == {"fr": {0, 1, 2}, "en": {0, 1, 2}}


def test_answers_stay_the_same_once_the_caches_are_full(monkeypatch):
    monkeypatch.setattr(single, "CHECKS_CACHE_MAX", 1)  # every group keeps 4 combinations
    monkeypatch.setattr(single, "PARTS_CACHE_MAX", 2)
    specs, histories, catalogue = _catalogue()
    rng = random.Random("full")
    profiles = [_random_facts(rng) for _ in range(120)]
    for f in profiles + profiles[:30]:  # the first ones again, forgotten in between
        assert catalogue.evaluate(f) == interpret(specs, histories, f, CONTEXT)
    for group in catalogue._single.groups:
        assert group.limit == 4
        assert all(len(kept) <= group.limit for kept in group.by_language.values())
    assert len(catalogue._single._needs) <= 2


def test_the_same_values_give_the_same_check_objects():
    _specs, _histories, catalogue = _catalogue()
    one = facts(commune="93066", amount=12000)
    other = dataclasses.replace(one, commune="69123", commune_name="Lyon", territory=frozenset())
    first, second = catalogue.evaluate(one), catalogue.evaluate(other)
    by_slug = {a.slug: a for a in second}
    pairs = [(c, d) for a in first for c, d in zip(a.checks, by_slug[a.slug].checks, strict=True)]
    same = [(c, d) for c, d in pairs if c == d]  # all but those naming the commune
    assert len(same) > len(pairs) / 2
    assert all(c is d for c, d in same)  # kept, not written again


@pytest.mark.parametrize("seed", range(3))
def test_conditions_read_only_the_fields_they_declare(seed):
    """A condition gives the same check for two profiles that agree on its `reads` fields."""
    _specs, _histories, catalogue = _catalogue()
    rng = random.Random(f"reads-{seed}")
    for node in catalogue.nodes:
        fields = node.reads()
        assert fields is not None, node
        for _ in range(15):
            a, b = _random_facts(rng), _random_facts(rng)
            mixed = dataclasses.replace(b, **{name: getattr(a, name) for name in fields})
            held = node.test(a)
            assert node.test(mixed) == held, node
            assert node.text(mixed, held, CONTEXT) == node.text(a, held, CONTEXT), node


def test_templates_are_the_sentences_with_the_value_left_out():
    _specs, _histories, catalogue = _catalogue()
    rng = random.Random("templates")
    filling = [n for n in catalogue.nodes if n.fills() is not None]
    assert {n.fills() for n in filling} == {"commune_name", "amount"}
    for node in filling:
        for _ in range(10):
            f = _random_facts(rng)
            value = getattr(f, node.fills())
            if value is None:
                continue
            for held in (False, True):
                template = node.template(held, CONTEXT)
                assert HOLE in template
                assert template.replace(HOLE, node.fill(value)) == node.text(f, held, CONTEXT)
