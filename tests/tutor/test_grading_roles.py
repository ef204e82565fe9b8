"""Swapped roles: a key point said of the wrong component is a wrong statement.

The answers below are written for these tests; the question is the bank's own g.02, since
which roles a question contrasts comes from its model answer, but without its hand-written
misconceptions: a swap they already catch is left to them, and the detector is tested alone.
"""

from __future__ import annotations

from dataclasses import replace

import pytest

from quizbank import load_bank
from quizbank.model import Bank
from tutor.grading import Grader
from tutor.grading.result import held_short
from tutor.grading.roles import SWAPS, swapped_point, swaps_for
from tutor.session import localize


@pytest.fixture(scope="module")
def grader() -> Grader:
    full = load_bank()
    question = replace(full.get("g.02"), misconceptions=())
    bank = Bank()
    bank.add(next(t for t in full.topics if t.key == question.topic), [question])
    return Grader(bank)


def _family(name: str):
    return next(s for s in SWAPS if s.family == name)


def _swapped(result) -> list[str]:
    return [m.id for m in result.misconceptions if swapped_point(m.id)]


def _correct_but_for_length(result) -> bool:
    """CORRECT, or PARTIAL only because an answer of one sentence is short."""
    return str(result.verdict) == "correct" or held_short(result)


def test_exchange_keeps_case_and_goes_both_ways():
    sw = _family("encoder-decoder")
    assert sw.apply("The Encoder encodes, the decoder decodes.") == (
        "The Decoder decodes, the encoder encodes."
    )
    assert sw.apply("il DECODER decodifica") == "il ENCODER codifica"


def test_a_role_of_several_words_matches_across_spacing():
    sw = _family("forget-output")
    assert sw.apply("the forget\n gate, then the output gate") == (
        "the output gate, then the forget gate"
    )
    assert sw.apply("forgetting the gate") == "forgetting the gate"


def test_both_roles_must_be_named():
    sw = _family("generator-discriminator")
    assert sw.both_sides("the generator fools the discriminator")
    assert not sw.both_sides("the generator makes images from noise")


def test_only_the_roles_of_the_model_answer_are_exchanged():
    families = {s.family for s in swaps_for({"en": "An encoder and a decoder; the mean."})}
    assert "encoder-decoder" in families
    assert "mean-variance" not in families  # "variance" is not in that answer
    assert swaps_for({"en": "Nothing to exchange here."}) == ()


@pytest.mark.parametrize(
    ("wrong", "right"),
    [
        (
            "The discriminator takes the noise vector z and maps it to an image, while the "
            "generator receives both real and generated images and outputs the probability "
            "that they are real.",
            "The generator takes the noise vector z and maps it to an image, while the "
            "discriminator receives both real and generated images and outputs the "
            "probability that they are real.",
        ),
        (
            "Il discriminatore prende il rumore z e lo trasforma in un'immagine, mentre il "
            "generatore riceve le immagini vere e quelle generate e restituisce la "
            "probabilità che siano vere.",
            "Il generatore prende il rumore z e lo trasforma in un'immagine, mentre il "
            "discriminatore riceve le immagini vere e quelle generate e restituisce la "
            "probabilità che siano vere.",
        ),
    ],
)
def test_a_swapped_architecture_is_flagged_and_the_right_one_is_not(grader, wrong, right):
    bad, good = grader.grade("g.02", wrong), grader.grade("g.02", right)
    assert _swapped(bad)
    assert str(bad.verdict) != "correct"
    flagged = next(m for m in bad.misconceptions if swapped_point(m.id))
    point = next(p for p in bad.points if p.id == swapped_point(flagged.id))
    assert not point.hit and point.contradicted_by == flagged.id
    assert flagged.evidence and "discrimina" in flagged.evidence.lower()
    assert not _swapped(good)
    assert _correct_but_for_length(good)


def test_a_sentence_about_one_role_is_not_read_as_a_swap(grader):
    # swapped, it would state the generator's point; but it names one role only
    result = grader.grade("g.02", "The discriminator maps the noise vector z to an image.")
    assert not _swapped(result)


def test_the_card_of_a_swap_follows_the_app_language(grader):
    text = (
        "The discriminator takes the noise vector z and maps it to an image, while the "
        "generator receives real and generated images and outputs a probability."
    )
    question = grader.question("g.02")
    result = grader.grade(question, text)
    it = localize(result, question, "it")
    flagged = next(m for m in it.misconceptions if swapped_point(m.id))
    point = next(kp for kp in question.key_points if kp.id == swapped_point(flagged.id))
    assert flagged.text == "Detto con due ruoli scambiati."
    assert flagged.correction == point.text["it"]
    assert point.text["it"] in it.feedback


def test_a_follow_up_with_the_roles_exchanged_earns_nothing(grader):
    swapped = (
        "The discriminator takes the noise vector z and maps it to an image, while the "
        "generator receives real and generated images and outputs a probability."
    )
    right = (
        "The generator takes the noise vector z and maps it to an image, while the "
        "discriminator receives real and generated images and outputs a probability."
    )
    bad = grader.grade_point("g.02", "generator-io", swapped)
    assert not bad.hit and bad.credit == 0.0
    assert grader.grade_point("g.02", "generator-io", right).hit


@pytest.mark.parametrize(
    ("wrong", "right"),
    [
        (
            "The generator receives the real and the fake images and outputs with a sigmoid "
            "the probability that they are real, while the discriminator takes the noise "
            "vector z and turns it into an image.",
            "The generator takes the noise vector z and turns it into an image, while the "
            "discriminator receives the real and the fake images and outputs with a sigmoid "
            "the probability that they are real.",
        ),
        (
            "Il generatore riceve le immagini reali e quelle false e produce con una sigmoide "
            "la probabilità che siano vere, mentre il discriminatore prende il vettore di "
            "rumore z e lo trasforma in un'immagine.",
            "Il generatore prende il vettore di rumore z e lo trasforma in un'immagine, mentre "
            "il discriminatore riceve le immagini reali e quelle false e produce con una "
            "sigmoide la probabilità che siano vere.",
        ),
    ],
)
def test_what_each_role_does_is_read_on_its_own_side_of_while(grader, wrong, right):
    # the whole sentence holds every word of the generator's point: the noise is in the
    # discriminator's half
    bad, good = grader.grade("g.02", wrong), grader.grade("g.02", right)
    assert not next(p for p in bad.points if p.id == "generator-io").hit
    assert _swapped(bad)
    assert str(bad.verdict) == "wrong"
    assert next(p for p in good.points if p.id == "generator-io").hit
    assert not _swapped(good)
    assert _correct_but_for_length(good)
    flagged = next(m for m in bad.misconceptions if swapped_point(m.id))
    assert flagged.evidence and flagged.evidence.rstrip(".…") in wrong  # quoted as written
