"""The grader on small hand-made rubrics: matching rules, penalties, result shape."""

from __future__ import annotations

import time

import pytest

from quizbank.model import Bank, KeyPoint, Misconception, Question, Topic
from tutor.grading import Grader, GradeResult


def _q(qid: str, key_points, misconceptions=(), answer=None, question="Q?") -> Question:
    return Question(
        id=qid,
        local_id=qid,
        namespace="cidl",
        topic=qid.split(".")[0],
        question=question,
        kind="open",
        answer=answer or {"en": "", "it": ""},
        key_points=tuple(key_points),
        misconceptions=tuple(misconceptions),
        demos=(),
        drills=(),
        see_also=(),
    )


def _kp(id_, weight, en, it, terms_en, terms_it) -> KeyPoint:
    return KeyPoint(id_, weight, {"en": en, "it": it}, {"en": terms_en, "it": terms_it})


SGD = _q(
    "a.01",
    [
        _kp(
            "opposite",
            3,
            "Step against the gradient of the loss.",
            "Si va in direzione opposta al gradiente della loss.",
            [["gradient", "derivative"], ["opposite", "negative", "against", "minus"]],
            [["gradiente", "derivata"], ["opposta", "opposto", "negativo", "contro", "meno"]],
        ),
        _kp(
            "minibatch",
            2,
            "The gradient is estimated on a random minibatch.",
            "Il gradiente è stimato su un minibatch casuale.",
            [["minibatch", "mini-batch", "subset"], ["random", "sampled", "estimate"]],
            [["minibatch", "sottoinsieme"], ["casuale", "caso", "stima", "campionato"]],
        ),
        _kp(
            "lr",
            1,
            "The learning rate sets the step size.",
            "Il learning rate decide l'ampiezza del passo.",
            [["learning rate", "step size", "eta"]],
            [["learning rate", "tasso di apprendimento", "eta"]],
        ),
    ],
    [
        Misconception(
            "same-direction",
            {"en": "SGD follows the gradient.", "it": "SGD segue il gradiente."},
            {"en": "It goes against it.", "it": "Va in direzione opposta."},
            {
                "en": [["same direction", "along", "follows"], ["gradient"]],
                "it": [["stessa direzione", "segue"], ["gradiente"]],
            },
        )
    ],
    answer={
        "en": "Move the parameters against the gradient, estimated on a random minibatch.",
        "it": "Si spostano i parametri contro il gradiente, stimato su un minibatch casuale.",
    },
    question="What is the principle behind SGD?",
)

VIEW = _q(
    "b.03",
    [
        _kp(
            "view-shares",
            3,
            "view shares memory and never copies.",
            "view condivide la memoria e non copia mai.",
            [["view"], ["share", "same memory", "storage"]],
            [["view"], ["condivide", "stessa memoria", "storage"]],
        ),
        _kp(
            "reshape-copies",
            2,
            "reshape copies when a view is impossible.",
            "reshape copia quando la view non è possibile.",
            [["reshape"], ["copy", "copies"]],
            [["reshape"], ["copia", "copie"]],
        ),
        _kp(
            "differentiable",
            1,
            "Both are differentiable.",
            "Entrambe sono differenziabili.",
            [["differentiable"]],
            [["differenziabile", "differenziabili"]],
        ),
    ],
    question="What is the difference between reshape and view?",
    answer={"en": "view shares the storage; reshape copies.", "it": "view condivide lo storage."},
)

AE = _q(
    "e.01",
    [
        _kp(
            "encoder",
            2,
            "The encoder compresses the input into a latent code.",
            "L'encoder comprime l'input in un codice latente.",
            [["encoder"], ["compresses", "latent"]],
            [["encoder"], ["comprime", "latente"]],
        ),
        _kp(
            "mu",
            1,
            "The code has mean mu.",
            "Il codice ha media mu.",
            [["mu"], ["sigma", "mean"]],
            [["mu"], ["sigma", "media"]],
        ),
    ],
    question="What is an autoencoder?",
    answer={"en": "An encoder and a decoder reconstruct the input.", "it": ""},
)


@pytest.fixture(scope="module")
def grader() -> Grader:
    bank = Bank()
    for q in (SGD, VIEW, AE):
        bank.add(Topic(q.topic, "cidl", {"en": q.topic, "it": q.topic}, (q.id,)), [q])
    return Grader(bank)


def _hits(result: GradeResult) -> dict[str, bool]:
    return {p.id: p.hit for p in result.points}


EXCELLENT = (
    "SGD moves the parameters against the gradient of the loss. The gradient is estimated on a "
    "random minibatch, which is cheap. The learning rate sets how long each step is."
)


def test_complete_answer_is_correct_with_evidence(grader: Grader) -> None:
    r = grader.grade("a.01", EXCELLENT)
    assert _hits(r) == {"opposite": True, "minibatch": True, "lr": True}
    assert r.verdict == "correct" and r.score > 0.85
    ev = {p.id: p.evidence for p in r.points}
    assert ev["minibatch"].startswith("The gradient is estimated on a random minibatch")
    assert r.suggested_rating in ("good", "easy")


def test_terms_in_different_sentences_do_not_hit(grader: Grader) -> None:
    r = grader.grade("a.01", "The gradient matters. The opposite is true for momentum.")
    assert not _hits(r)["opposite"]


def test_italian_answer_and_feedback(grader: Grader) -> None:
    r = grader.grade("a.01", "Si aggiornano i pesi in direzione opposta al gradiente della loss.")
    assert _hits(r) == {"opposite": True, "minibatch": False, "lr": False}
    assert r.lang == "it"
    assert r.suggested_rating != "easy"
    assert "Manca" in r.feedback and "minibatch casuale" in r.feedback


def test_mixed_language_sentence_combines_groups(grader: Grader) -> None:
    # English "estimate" with the Italian sentence frame.
    r = grader.grade("a.01", "il gradiente viene stimato su un minibatch random, è una estimate")
    assert _hits(r)["minibatch"]


def test_typos_are_tolerated_on_long_words(grader: Grader) -> None:
    r = grader.grade("a.01", "we step againts the gradeint, computed on a random minibacth.")
    assert _hits(r)["opposite"] and _hits(r)["minibatch"]


def test_short_words_need_exact_match(grader: Grader) -> None:
    assert not _hits(grader.grade("e.01", "The code has mu and mena."))["mu"]
    assert _hits(grader.grade("e.01", "The code has mu and mean."))["mu"]


def test_a_real_word_is_not_a_typo_of_another(grader: Grader) -> None:
    r = grader.grade("e.01", "The decoder compresses the latent code.")
    assert not _hits(r)["encoder"]
    assert _hits(grader.grade("e.01", "The encodr compresses the input."))["encoder"]


def test_unicode_symbols_are_spelled_out(grader: Grader) -> None:
    assert _hits(grader.grade("e.01", "The code has μ and σ."))["mu"]


def test_negation_denies_a_key_point_and_lowers_the_score(grader: Grader) -> None:
    good = grader.grade("b.03", "view shares the memory of the tensor. reshape copies if needed.")
    bad = grader.grade("b.03", "view does not share memory. reshape copies if needed.")
    assert _hits(good)["view-shares"] and not _hits(bad)["view-shares"]
    denied = [p.id for p in bad.points if p.denied]
    assert denied == ["view-shares"]
    assert bad.score < good.score - 0.3
    assert "Contradicts a key point" in bad.feedback


def test_italian_negation_with_copula(grader: Grader) -> None:
    r = grader.grade("b.03", "La view non è differenziabile.")
    assert not _hits(r)["differentiable"]
    assert _hits(grader.grade("b.03", "La view è differenziabile."))["differentiable"]


def test_negation_scope_ends_at_the_clause(grader: Grader) -> None:
    r = grader.grade("b.03", "reshape does not always return a view, but it copies the data.")
    assert _hits(r)["reshape-copies"]


def test_misconception_lowers_score_and_is_reported(grader: Grader) -> None:
    clean = grader.grade("a.01", "The gradient is estimated on a random minibatch.")
    wrong = grader.grade(
        "a.01", "The gradient is estimated on a random minibatch. SGD follows the gradient."
    )
    assert [m.id for m in wrong.misconceptions] == ["same-direction"]
    assert wrong.misconceptions[0].evidence == "SGD follows the gradient."
    assert wrong.score < clean.score
    assert "Wrong" in wrong.feedback


def test_denied_misconception_is_not_reported(grader: Grader) -> None:
    r = grader.grade("a.01", "SGD never follows the gradient, it goes against the gradient.")
    assert not r.misconceptions


def test_keyword_list_scores_below_prose(grader: Grader) -> None:
    listed = grader.grade("a.01", "gradient, against, minibatch, random, learning rate")
    assert listed.score < grader.grade("a.01", EXCELLENT).score - 0.4
    assert listed.verdict != "correct"


def test_off_topic_answer_scores_zero(grader: Grader) -> None:
    r = grader.grade("a.01", "Pizza margherita needs tomato, mozzarella and fresh basil leaves.")
    assert r.score == 0.0 and r.verdict == "wrong" and r.off_topic
    assert r.suggested_rating == "again"


@pytest.mark.parametrize("text", ["", "   \n ", "...", None])
def test_empty_answer(grader: Grader, text) -> None:
    r = grader.grade("a.01", text)
    assert (r.score, r.verdict, r.feedback, r.suggested_rating) == (
        0.0,
        "wrong",
        "no answer",
        "again",
    )
    assert not any(p.hit for p in r.points)


def test_unknown_id_raises_keyerror(grader: Grader) -> None:
    with pytest.raises(KeyError):
        grader.grade("z.99", "anything")


def test_to_dict_shape(grader: Grader) -> None:
    d = grader.grade("a.01", EXCELLENT + " SGD follows the gradient.").to_dict()
    assert set(d) >= {"id", "score", "verdict", "points", "misconceptions"}
    assert set(d) >= {"suggested_rating", "feedback"}
    assert d["id"] == "a.01" and 0.0 <= d["score"] <= 1.0
    assert d["verdict"] in ("correct", "partial", "wrong")
    assert d["suggested_rating"] in ("again", "hard", "good", "easy")
    assert all(set(p) >= {"id", "text", "hit", "evidence", "weight", "credit", "status"}
               for p in d["points"])  # fmt: skip
    assert all((p["evidence"] is None) == (not p["hit"]) for p in d["points"])
    assert {pen["kind"] for pen in d["penalties"]} == {"misconception"}
    assert d["misconceptions"][0]["id"] == "same-direction"


def test_score_is_monotone_in_coverage(grader: Grader) -> None:
    one = grader.grade("a.01", "We move against the gradient.")
    two = grader.grade("a.01", "We move against the gradient, estimated on a random minibatch.")
    three = grader.grade("a.01", EXCELLENT)
    assert one.score < two.score < three.score


def test_long_paste_is_fast(grader: Grader) -> None:
    from quizbank import load_bank

    # a page of real, varied prose (the course's model answers on other topics)
    filler = "\n".join(q.answer["en"] for q in load_bank().questions if q.topic in "cdefgh")
    filler = " ".join(filler.split()[:3000])
    text = filler + " " + EXCELLENT  # ~3000 words, none repeated word for word
    grader.grade("a.01", text)  # warm the caches
    t0 = time.perf_counter()
    r = grader.grade("a.01", text)
    elapsed = time.perf_counter() - t0
    assert _hits(r)["minibatch"]
    assert elapsed < 0.2


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("the gradient of the loss is computed on a minibatch", "en"),
        ("il gradiente della loss si calcola su un minibatch", "it"),
        ("il forget gate is close to one e la cella non cambia", "mixed"),
        ("dropout relu softmax", "en"),
    ],
)
def test_language_detection(text: str, lang: str) -> None:
    from tutor.grading.lang import detect

    assert detect(text.split()) == lang


def test_a_letter_e_that_names_something_is_not_italian(grader: Grader) -> None:
    """ "encoder E", "D_B(E(x_A))": the variable, not the Italian "and"."""
    text = "one shared encoder E, two decoders D_A and D_B; swap = D_B(E(x_A))"
    assert grader.grade("a.01", text).lang == "en"
    assert grader.grade("a.01", "il gradiente e la loss si calcolano su un batch").lang == "it"


def test_abbreviation_does_not_split_a_sentence(grader: Grader) -> None:
    r = grader.grade("a.01", "We go against the gradient, e.g. with a minus sign in the update.")
    assert _hits(r)["opposite"]
    r = grader.grade("a.01", "We go against it, e.g. twice. The gradient is cheap.")
    assert not _hits(r)["opposite"]
