"""The rubric's own regression suite over the built-in bank.

Every key point and misconception carries labelled sentences (quizbank/README.md,
"Examples"): a key point's ``hit`` sentences must earn it and its ``miss`` sentences
must not; a misconception's ``fires`` sentences must trigger it and its ``safe``
ones must not. Whatever changes in the matcher or in a term list, these sentences
say what it cost.
"""

from __future__ import annotations

from collections import Counter

import pytest

from quizbank import load_bank
from quizbank.model import LANGS
from tutor.grading import Grader
from tutor.grading.examples import ExampleOutcome, check_examples

GOAL = 0.95  # share of all examples that must come out as labelled


@pytest.fixture(scope="module")
def outcomes() -> list[ExampleOutcome]:
    bank = load_bank()
    return check_examples(Grader(bank), bank.questions)


def test_examples_come_out_as_labelled(outcomes: list[ExampleOutcome]) -> None:
    assert outcomes, "the bank has no examples"
    ok = sum(o.ok for o in outcomes)
    share = ok / len(outcomes)
    worst = Counter(f"{o.question.local_id} {o.item_id}" for o in outcomes if not o.ok)
    assert share >= GOAL, (
        f"{ok}/{len(outcomes)} = {share:.1%} as labelled; most failing items: "
        f"{worst.most_common(10)}"
    )


def test_every_label_is_checked(outcomes: list[ExampleOutcome]) -> None:
    assert {o.label for o in outcomes} == {"hit", "miss", "fires", "safe"}
    assert {o.lang for o in outcomes} == set(LANGS)


def test_every_item_has_its_examples_and_probes() -> None:
    missing: list[str] = []
    for q in load_bank().questions:
        for kp in q.key_points:
            for lang in LANGS:
                ex = kp.examples.get(lang, {})
                if len(ex.get("hit", ())) < 2 or len(ex.get("miss", ())) < 1:
                    missing.append(f"{q.id} {kp.id} {lang}: needs 2 hit and 1 miss")
                if not (kp.probe or {}).get(lang):
                    missing.append(f"{q.id} {kp.id} {lang}: needs a probe")
        for mc in q.misconceptions:
            for lang in LANGS:
                ex = mc.examples.get(lang, {})
                if len(ex.get("fires", ())) < 1 or len(ex.get("safe", ())) < 1:
                    missing.append(f"{q.id} {mc.id} {lang}: needs 1 fires and 1 safe")
    assert not missing, f"{len(missing)} gaps, e.g. {missing[:5]}"
