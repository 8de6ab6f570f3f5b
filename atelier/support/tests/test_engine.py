"""The compiled catalogue, the batch of bit masks and the naive interpretation give the same
answers (the interpretation is the reference semantics); the batch's bit-set primitives."""

import datetime
import random

import pytest

from atelier.support.enums import LegalForm, Need, Project, Situation, Stage
from atelier.support.rules.batch import BatchIndex, mask_of, positions_of
from atelier.support.rules.evaluate import compile_catalogue, interpret

from .catalogue_file import CONTEXT, PLACES, facts, file_specs

DAYS = [datetime.date(2020, 1, 1), datetime.date(2026, 1, 15)]


def _random_facts(rng: random.Random, on: datetime.date):
    situations = rng.sample([s for s in Situation.values if s != "none"], rng.randint(0, 2))
    return facts(
        commune=rng.choice(list(PLACES)),
        on=on,
        stage=rng.choice(Stage.values),
        project=rng.choice(Project.values),
        legal_form=rng.choice(LegalForm.values),
        amount=rng.choice([None, 0, 4000, 4999, 5000, 5001, 12000, 30000, 45000, 60000, 90000]),
        situations=situations,
        sector=rng.choice(["", "F", "I", "J", "Q", "R"]),
        needs=rng.sample(Need.values, rng.randint(0, 2)),
        headcount_band=rng.choice(["", "NN", "00", "01", "03", "12"]),
    )


def _plain(answers):
    return [(a.slug, a.eligible, a.rank, a.score, a.reasons, a.checks) for a in answers]


@pytest.mark.parametrize("on", DAYS)
def test_compiled_batch_and_interpreted_answers_agree(on):
    specs, histories = file_specs()
    rng = random.Random(f"engine-{on}")
    profiles = [_random_facts(rng, on) for _ in range(150)]
    catalogue = compile_catalogue(specs, histories, on, CONTEXT)
    batch = catalogue.evaluate_batch(profiles)
    for i, f in enumerate(profiles):
        compiled = catalogue.evaluate(f)
        assert _plain(compiled) == _plain(interpret(specs, histories, f, CONTEXT))
        assert _plain(batch.answers(i)) == _plain(compiled)
        eligible = {a.slug for a in compiled if a.eligible}
        assert set(batch.eligible(i)) == eligible
    counts = batch.counts()
    assert sum(counts.values()) == sum(len(batch.eligible(i)) for i in range(len(profiles)))


def test_positions_and_masks_round_trip():
    rng = random.Random(7)
    for size in (1, 7, 8, 9, 1000):
        positions = sorted(rng.sample(range(size), rng.randint(0, size)))
        mask = mask_of(positions, size)
        assert positions_of(mask) == positions
        assert mask == sum(1 << p for p in positions)


def test_amount_masks_match_a_brute_force_count():
    rng = random.Random(11)
    amounts = [rng.choice([None, 0, 10, 10, 20, 35, 50]) for _ in range(300)]
    index = BatchIndex([facts(amount=a) for a in amounts])
    for limit in (-1, 0, 10, 11, 20, 49, 50, 51):
        at_most = {i for i, a in enumerate(amounts) if a is not None and a <= limit}
        at_least = {i for i, a in enumerate(amounts) if a is not None and a >= limit}
        assert set(positions_of(index.amount_at_most(limit))) == at_most
        assert set(positions_of(index.amount_at_least(limit))) == at_least
    assert set(positions_of(index.amount_unknown())) == {
        i for i, a in enumerate(amounts) if a is None
    }


def test_an_empty_batch_has_no_answer():
    specs, histories = file_specs()
    batch = compile_catalogue(specs, histories, DAYS[1], CONTEXT).evaluate_batch([])
    assert len(batch) == 0 and set(batch.counts().values()) == {0}


def _closure(node):
    yield node
    for child in (
        *getattr(node, "parts", ()),
        *(getattr(node, a, None) for a in ("guard", "then", "otherwise")),
    ):
        if child is not None:
            yield from _closure(child)


def test_each_distinct_condition_is_evaluated_once_per_batch():
    specs, histories = file_specs()
    catalogue = compile_catalogue(specs, histories, DAYS[1], CONTEXT)
    index = BatchIndex([facts(), facts(commune="69123")])
    nodes = [node for scheme in catalogue.schemes for node in scheme.nodes]
    for node in nodes:
        index.memo(node)
    distinct = {sub for node in nodes for sub in _closure(node)}
    assert len(index._memo) == len(distinct) < len(nodes)
