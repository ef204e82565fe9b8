"""The rules from card to verdict, texts that are not answers, overrides and follow-ups.

The card must never contradict the verdict: the score is the weighted credit of the
points shown minus the listed penalties; a wrong statement caps the verdict; the
student can override any part and the same rules follow.
"""

from __future__ import annotations

import random
from itertools import pairwise
from pathlib import Path

import pytest

from quizbank import load_bank
from quizbank.model import Bank
from tutor.domain import Rating, Verdict
from tutor.grading import (
    Grader,
    GradeResult,
    Params,
    apply_overrides,
    followups,
    probe_for,
)
from tutor.grading.nonanswer import without_code
from tutor.grading.result import (
    PointResult,
    apply_followup,
    correct_threshold,
    disagreements,
    held_short,
    judge,
)

TEST_BANK = Path(__file__).resolve().parents[1] / "data" / "grading_bank"
Q1 = "t:t.01"  # batch size: noise-tradeoff (3, central), memory (2), updates (1)
Q5 = "t:t.05"  # VQ-VAE: nearest-code (3), deterministic (2), straight-through (2)

COMPLETE_1 = (
    "Small batches give noisy gradients, and a larger batch gives a less noisy estimate. "
    "Bigger batches use more GPU memory. Larger batches mean fewer updates per epoch."
)
COMPLETE_5 = (
    "Each encoder output is replaced by the nearest codebook vector (argmin of the distance). "
    "The encoder is deterministic, nothing is sampled. "
    "The straight-through estimator copies the gradient past the argmin."
)


@pytest.fixture(scope="module")
def bank() -> Bank:
    return load_bank([TEST_BANK], include_builtin=False)


@pytest.fixture(scope="module")
def grader(bank: Bank) -> Grader:
    return Grader(bank)


def _expected_score(r: GradeResult) -> float:
    total = sum(p.weight for p in r.points)
    coverage = sum(p.weight * p.credit for p in r.points) / total
    return max(0.0, min(1.0, coverage - sum(p.amount for p in r.penalties)))


@pytest.mark.parametrize(
    ("qid", "text"),
    [
        (Q1, COMPLETE_1),
        (Q1, "Larger batches make the gradient noisier. Bigger batches use more GPU memory."),
        (Q1, "The batch size matters for noise and memory and updates, in some way."),
        (Q5, COMPLETE_5),
        (Q5, COMPLETE_5 + " The encoder samples the code with the reparameterization trick."),
        (Q5, "codebook argmin straight-through gradient deterministic encoder"),
    ],
)
def test_score_is_the_card_minus_the_listed_penalties(grader: Grader, qid: str, text: str) -> None:
    r = grader.grade(qid, text)
    assert r.score == pytest.approx(_expected_score(r), abs=1e-9)
    assert all(p.amount > 0 and p.reason for p in r.penalties)
    d = r.to_dict()
    assert d["score"] == pytest.approx(round(_expected_score(r), 4))
    assert all("amount" in pen and "reason" in pen for pen in d["penalties"])


def test_complete_answer_is_correct(grader: Grader) -> None:
    r = grader.grade(Q5, COMPLETE_5)
    assert r.verdict is Verdict.CORRECT and r.score == 1.0 and not r.penalties
    assert r.suggested_rating in (Rating.GOOD, Rating.EASY)


def test_one_misconception_caps_at_partial_and_hard(grader: Grader) -> None:
    r = grader.grade(
        Q5, COMPLETE_5.replace("The encoder is deterministic, nothing is sampled. ", "")
        + " The codebook is fixed and frozen."
    )  # fmt: skip
    assert [m.id for m in r.misconceptions] == ["codebook-fixed"]
    assert r.verdict is Verdict.PARTIAL and r.suggested_rating is Rating.HARD
    assert r.score > Params().correct_at  # the score alone would have said correct


def test_a_central_misconception_makes_it_wrong_and_uncredits_its_point(grader: Grader) -> None:
    # the newcomer's VQ-VAE answer: a VAE-style encoder with the reparameterisation trick
    r = grader.grade(
        Q5, COMPLETE_5 + " The encoder samples the code with the reparameterization trick."
    )
    assert [m.id for m in r.misconceptions] == ["reparam"]
    assert r.verdict is Verdict.WRONG and r.suggested_rating is Rating.AGAIN
    det = {p.id: p for p in r.points}["deterministic"]
    assert not det.hit and det.contradicted_by == "reparam" and det.credit == 0


def test_two_misconceptions_make_it_wrong(grader: Grader) -> None:
    r = grader.grade(
        Q5,
        "Each encoder vector is replaced by the nearest codebook vector. The codebook is fixed. "
        "The encoder samples z with the reparameterisation trick and the straight-through "
        "estimator copies the gradient.",
    )
    assert len(r.misconceptions) == 2
    assert r.verdict is Verdict.WRONG


def test_two_rules_found_in_one_sentence_are_one_wrong_statement() -> None:
    """The verdict counts wrong statements, not the rules that found them: one sentence that
    two misconceptions quote caps at partial; two sentences make it wrong."""
    from tutor.grading.result import MisconceptionResult

    points = [PointResult(pid, pid, 3, True, None, credit=1.0, part=1.0) for pid in "abc"]

    def verdict(*spans: tuple[int, int]) -> Verdict:
        found = [MisconceptionResult(f"m{i}", "", "", "…", s) for i, s in enumerate(spans)]
        _, _, penalties, v, _ = judge(
            points, found, keyword_factor=1.0, not_answer=None, lang="en", params=Params()
        )
        assert sum(p.kind == "misconception" for p in penalties) == len(spans)  # both listed
        return v

    assert verdict((10, 60)) is Verdict.PARTIAL
    assert verdict((10, 60), (10, 60)) is Verdict.PARTIAL
    assert verdict((10, 60), (61, 90)) is Verdict.WRONG


def test_a_score_on_the_partial_line_is_partial() -> None:
    # (2·0.5 + 1·0.2) / 3 less one misconception is 0.15, the line, however floats round it
    points = [
        PointResult("a", "a", 2, False, None, credit=0.5, part=0.5),
        PointResult("b", "b", 1, False, None, credit=0.2, part=0.5),
    ]
    from tutor.grading.result import MisconceptionResult

    found = [MisconceptionResult("m", "", "", "…", (0, 9))]
    params = Params()
    score, _, _, verdict, _ = judge(
        points, found, keyword_factor=1.0, not_answer=None, lang="en", params=params
    )
    assert score == params.partial_at and verdict is Verdict.PARTIAL


def test_correct_needs_every_weight_3_point(grader: Grader) -> None:
    r = grader.grade(
        Q5,
        "The encoder is deterministic. The straight-through estimator copies the gradient "
        "past the quantisation step.",
    )
    assert {p.id: p.hit for p in r.points} == {
        "nearest-code": False,
        "deterministic": True,
        "straight-through": True,
    }
    assert r.verdict is not Verdict.CORRECT


SHORT_1 = "Small batches give noisy gradients, and a larger batch gives a less noisy estimate."


def test_a_short_answer_needs_more_for_a_correct(grader: Grader) -> None:
    """The heart of the answer and a hint of the rest in a dozen words is PARTIAL, and the
    card says why; the same said at length is CORRECT at the same score."""
    p = Params()
    r = grader.grade(Q1, SHORT_1)
    assert {x.id: x.status for x in r.points} == {
        "noise-tradeoff": "hit",
        "memory": "partial",
        "updates": "partial",
    }
    assert p.correct_at <= r.score < p.short_correct_at  # the range where length decides
    assert r.n_words < p.short_words
    assert r.verdict is Verdict.PARTIAL and r.suggested_rating is Rating.HARD
    assert held_short(r) and correct_threshold(r.n_words) == p.short_correct_at
    longer = grader.grade(
        Q1,
        SHORT_1
        + " The reason is that the gradient of a mini-batch is an average over its samples: "
        "its expected value is the full gradient whatever the size, while its spread shrinks "
        "as more samples are averaged, roughly as one over the square root of their number. "
        "The learning rate is often raised together with the size. To sum up how the batch "
        "size affects training: a smaller batch, a noisier gradient estimate; a larger "
        "batch, a less noisy gradient estimate, since the batch size is what sets how noisy "
        "the gradient estimate of each batch is in training.",
    )
    assert longer.n_words >= p.long_words and longer.score == r.score
    assert longer.verdict is Verdict.CORRECT and not held_short(longer)
    # the rule holds through the student's say and the stored attempt
    stored = GradeResult.from_dict(r.to_dict())
    assert stored.n_words == r.n_words and apply_overrides(stored).verdict is Verdict.PARTIAL
    all_said = apply_overrides(stored, covered={"memory"})
    assert all_said.score >= p.short_correct_at and all_said.verdict is Verdict.CORRECT


def test_the_length_rule_only_moves_the_line_of_a_correct() -> None:
    p = Params()
    points = [
        PointResult("a", "a", 3, True, None, credit=1.0, part=1.0),
        PointResult("b", "b", 2, False, None, credit=0.2, part=0.5),
        PointResult("c", "c", 1, False, None),
    ]

    def judged(n_words: int | None) -> tuple[float, Verdict]:
        score, _, _, verdict, _ = judge(
            points, [], keyword_factor=1.0, not_answer=None, lang="en", params=p, n_words=n_words
        )
        return score, verdict

    score, _ = judged(None)
    assert p.correct_at <= score < p.short_correct_at
    assert judged(None)[1] is Verdict.CORRECT  # a length not known: the usual line
    assert judged(p.long_words)[1] is Verdict.CORRECT
    assert judged(p.short_words - 1) == (score, Verdict.PARTIAL)  # the score never moves
    # between short and long the line falls evenly, so one more word never raises it
    lines = [correct_threshold(n, p) for n in range(1, p.long_words + 2)]
    assert lines[0] == p.short_correct_at and lines[-1] == p.correct_at
    assert all(a >= b for a, b in pairwise(lines))
    middle = (p.short_words + p.long_words) // 2
    assert p.correct_at < correct_threshold(middle, p) < p.short_correct_at
    assert correct_threshold(None, p) == correct_threshold(0, p) == p.correct_at


def test_the_newcomers_score_contradiction_is_gone(grader: Grader) -> None:
    # "1 of 5 key points but 54% CORRECT": a verdict never outruns the points shown
    r = grader.grade(Q1, "Batch size affects noise. It also affects memory and the updates.")
    hits = sum(p.hit for p in r.points)
    assert r.verdict is not Verdict.CORRECT or hits == len(r.points)
    assert r.score == pytest.approx(_expected_score(r), abs=1e-9)


# -- not an answer --------------------------------------------------------------------


def test_pasted_question_is_not_an_answer(grader: Grader, bank: Bank) -> None:
    for text in (bank.get(Q1).question, bank.get(Q1).question_it, bank.get(Q1).question.upper()):
        r = grader.grade(Q1, text)
        assert r.not_answer == "pasted-question", text
        assert r.score == 0 and r.verdict is Verdict.WRONG
        assert "repeats the question" in r.feedback or "ripete la domanda" in r.feedback


@pytest.mark.parametrize(
    ("qid", "text"),
    [
        (
            "b.02",
            "Addizione e moltiplicazione tra tensori funzionano come addizione e "
            "moltiplicazione tra tensori, cioè si sommano e si moltiplicano.",
        ),
        (
            "f.10",
            "Si generano le images dai random codes e l'insight è che il VQ-VAE può "
            "generare le images.",
        ),
        # the question reordered
        (
            "b.02",
            "Between tensors, multiplication and addition work: tensors are added and multiplied.",
        ),
    ],
)
def test_a_circular_restatement_of_the_question_is_not_an_answer(qid: str, text: str) -> None:
    r = Grader(load_bank()).grade(qid, text)
    assert r.not_answer == "pasted-question" and r.verdict is Verdict.WRONG
    assert all(p.status == "missed" for p in r.points)


@pytest.mark.parametrize("lang", ["en", "it"])
def test_a_page_of_notes_pasted_whole_is_not_an_answer(lang: str) -> None:
    """The model answer buried among those of other topics (a student pasting the notes)
    is no answer to the question; disputing the verdict grades the page on its points."""
    bank = load_bank()
    grader = Grader(bank)
    own = bank.get("a.01").answer[lang]
    others = [q.answer[lang] for q in bank.questions if q.id[0] in "cefg"][::4]
    page = "\n\n".join([*others[:6], own, *others[6:]])
    assert grader.grade("a.01", own).verdict is Verdict.CORRECT
    r = grader.grade("a.01", page)
    assert r.not_answer == "elsewhere", r.features
    assert r.verdict is Verdict.WRONG and r.score == 0
    assert ("other things" if lang == "en" else "parla d'altro") in r.feedback
    disputed = apply_overrides(r, dismissed=["not-an-answer"])
    assert disputed.not_answer_dismissed and disputed.score > 0.5


def test_a_short_answer_in_the_questions_words_plus_its_own_is_graded() -> None:
    g = Grader(load_bank())
    r = g.grade("b.02", "Elementwise, with broadcasting when the shapes differ; @ is matmul.")
    assert r.not_answer is None


@pytest.mark.parametrize(
    "text",
    [
        "A network is a composition of layers f3(f2(f1(x))), each layer is a function.",
        "Una rete è una composizione di layer: y = f3(f2(f1(x))).",
    ],
)
def test_the_questions_words_with_a_formula_of_its_own_are_an_answer(text: str) -> None:
    """f3(f2(f1(x))) says what a.02 only names, in symbols too short to count as words."""
    r = Grader(load_bank()).grade("a.02", text)
    assert r.not_answer is None
    assert {p.id: p.status for p in r.points}["composition-of-layers"] == "hit"


def test_admitting_not_knowing_is_no_evidence(grader: Grader) -> None:
    g = Grader(load_bank())
    # "Il grafo non me lo ricordo" named the graph; "no wait" was the "no" of "no proposals"
    r = g.grade("h.01", "YOLO means You Only Live Once... no wait, You Only Look Once.")
    assert {p.id: p.status for p in r.points}["no-proposals"] == "missed"
    r = g.grade("f.05", "Il grafo del VQ-VAE con encoder e codebook non me lo ricordo.")
    assert all(p.status == "missed" for p in r.points)
    r = g.grade("a.01", "Non mi ricordo come si usa il gradiente nel passo di aggiornamento.")
    assert all(p.status == "missed" for p in r.points)
    # a third person who does not remember is a claim, not an admission
    kept = g.judge_items("d.07", "The LSTM does not remember everything.").analysis
    assert "remember" in kept.sentences[0].words


def test_an_answer_that_starts_by_restating_the_question_is_still_graded(grader: Grader) -> None:
    r = grader.grade(Q1, "How does the batch size affect training? " + COMPLETE_1)
    assert r.not_answer is None and r.verdict is Verdict.CORRECT


def test_repetition_is_not_an_answer(grader: Grader) -> None:
    r = grader.grade(Q1, (COMPLETE_1.split(". ")[0] + ". ") * 12)
    assert r.not_answer == "repetition" and r.score == 0 and r.verdict is Verdict.WRONG
    assert not any(p.hit for p in r.points)  # no credit shown for what is not an answer
    r = grader.grade(Q1, "batch noise " * 200)
    assert r.not_answer == "repetition"


def test_word_salad_is_not_an_answer(grader: Grader) -> None:
    words = (COMPLETE_1 + " " + COMPLETE_1.replace("batch", "minibatch")).split()
    random.Random(3).shuffle(words)
    r = grader.grade(Q1, " ".join(words))
    assert r.not_answer == "word-salad", r.to_dict()
    assert r.score == 0 and r.verdict is Verdict.WRONG and "word salad" in r.feedback
    # the same words in their order are an excellent answer
    ok = grader.grade(Q1, COMPLETE_1 + " " + COMPLETE_1.replace("batch", "minibatch"))
    assert ok.not_answer is None


def test_terse_notes_with_arrows_are_not_a_word_salad() -> None:
    # prose of symbols and fragments scores low on function-word order, like a salad,
    # but its words stay in their sentences
    notes = (
        "No activation → conv∘conv = conv, linear, depth useless — decision boundaries "
        "stay flat. ReLU between layers: piecewise linear, cheap, gradient 1 for x > 0. "
        "It's ReLU and not tanh since tanh saturates, gradient dies layer after layer in "
        "deep nets, so training stalls."
    )
    g = Grader(load_bank())
    q = g.question("c.05")
    words = [s.words for s in g.judge_items(q, notes).analysis.sentences]
    _, n = g.syntax().gain_words(words)
    assert n >= 50  # long enough to be judged at all
    r = g.grade(q, notes)
    assert r.not_answer is None and r.score > 0


def test_plain_prose_with_rare_function_words_is_not_a_word_salad() -> None:
    # "very", "they", "many", "than" are rare in the model answers; with add-one style
    # smoothing each of them counted against the order, and this answer was a "salad"
    prose = (
        "DDPMs generate images by reversing a noising process. Going forward you keep adding "
        "Gaussian noise over T steps until only noise is left. A U-Net is trained to predict "
        "the noise that was added at step t; to sample, you start from noise and remove it "
        "step by step. They are very good and very diverse, better than GANs, but sampling "
        "is slow since it takes many steps."
    )
    g = Grader(load_bank())
    words = [s.words for s in g.judge_items("h.07", prose).analysis.sentences]
    assert g.syntax().gain_words(words)[1] >= 50  # long enough to be judged
    r = g.grade("h.07", prose)
    assert r.not_answer is None and r.score > 0 and any(p.hit for p in r.points)


def test_huge_word_salad_of_the_right_words_is_not_correct(grader: Grader) -> None:
    # the newcomer's 221,880-character salad of SGD words ("CORRECT 61%")
    rng = random.Random(7)
    vocab = (COMPLETE_1 + " " + COMPLETE_5).split()
    text = " ".join(rng.choice(vocab) for _ in range(30_000))
    r = grader.grade(Q1, text)
    assert r.not_answer in ("word-salad", "repetition") and r.verdict is Verdict.WRONG
    assert r.truncated and "first 40,000 characters" in r.feedback


def test_keyword_list_is_not_an_answer(grader: Grader) -> None:
    r = grader.grade(Q5, "codebook, nearest, argmin, encoder, deterministic, straight-through")
    assert r.not_answer == "keyword-list" and r.verdict is Verdict.WRONG
    assert any(pen.kind == "keyword-list" for pen in r.penalties)
    assert r.score == pytest.approx(_expected_score(r), abs=1e-9)


def test_a_terse_formula_answer_is_not_a_keyword_list(grader: Grader) -> None:
    r = grader.grade("t:t.04", "out = floor((W - K + 2P)/S) + 1")
    assert r.not_answer is None and {p.id: p.hit for p in r.points}["output-formula"]


_LOOP = (
    "opt = torch.optim.SGD(model.parameters(), lr=0.01)\n"
    "for epoch in range(E):\n    for x, y in loader:\n        opt.zero_grad()\n"
    "        loss = loss_fn(model(x), y)\n        loss.backward()\n        opt.step()"
)
_NOTES = (
    "Problems: (1) vanishing/exploding gradients, product of per-layer Jacobians; fix: ReLU, "
    "He/Xavier init, BatchNorm, residual shortcuts. (2) Degradation: plain deeper nets "
    "train worse; fix: ResNets. (3) Overfitting, many params vs data; fix: augmentation, "
    "dropout, weight decay, early stopping.\n"
    "Making a CNN deeper does not make it better: beyond twenty layers a plain net has a "
    "higher training error. So you need BatchNorm, careful init and residual shortcuts."
)


@pytest.mark.parametrize(
    ("qid", "text"),
    [
        ("b.10", _LOOP),  # a training loop written as code: no function words in its lines
        ("b.10", "out = model(x); loss = loss_fn(out, y); opt.zero_grad(); loss.backward()"),
        ("c.13", _NOTES),  # notes beside full sentences (c.13, graded 8): those are the prose
        # a sentence that ends in the loop's steps, and notes with heads (dev3, b.13/b.12)
        (
            "b.13",
            "Prima si definisce il modello come sottoclasse di nn.Module con i layer "
            "nell'__init__ e il forward. Poi si sceglie la loss e l'ottimizzatore e si fa il "
            "ciclo di training: per ogni batch zero_grad, forward, loss, backward, step.",
        ),
        (
            "b.12",
            "Model: nn.Linear(in_features, 1). Loss: nn.MSELoss between the predictions and "
            "the targets. Optimizer: SGD on model.parameters(). Then the usual loop: "
            "zero_grad, forward, loss, backward, step, for some epochs.",
        ),
        # a formula typed with the Unicode minus and a middle dot (a.14)
        (
            "a.14",
            "Parabola, point on the right of the minimum, slope is positive, so "
            "w_new = w − lr·slope moves it left",
        ),
        # notes whose equations are functions applied, with no operator sign (e.14)
        (
            "e.14",
            "one shared encoder E, two decoders D_A and D_B; train D_A(E(x_A)) ≈ x_A and "
            "D_B(E(x_B)) ≈ x_B; swap = D_B(E(x_A))",
        ),
    ],
)
def test_code_and_notes_with_sentences_are_not_a_keyword_list(qid: str, text: str) -> None:
    r = Grader(load_bank()).grade(qid, text)
    assert r.not_answer is None and r.keyword_factor == 1.0
    assert not any(pen.kind == "keyword-list" for pen in r.penalties)


def test_a_list_of_names_from_code_is_still_a_keyword_list(grader: Grader) -> None:
    names = "autograd, backward(), .grad, requires_grad, computational graph, chain rule"
    assert Grader(load_bank()).grade("a.10", names).not_answer == "keyword-list"
    r = grader.grade(Q1, "batch size, gradient noise, memory, larger, fewer updates")
    assert r.not_answer == "keyword-list"
    headed = "Le parole chiave sono: codebook, argmin, encoder, decoder, straight-through"
    assert Grader(load_bank()).grade("f.01", headed).not_answer == "keyword-list"
    # a sentence that states nothing, then the question's words strung together (dev3 h.04)
    strung = (
        "Faster R-CNN is faster than R-CNN and Fast R-CNN. It is used for object "
        "detection, region proposal network, CNN, bounding boxes, classification."
    )
    assert Grader(load_bank()).grade("h.04", strung).not_answer == "keyword-list"


def test_definitions_in_notes_are_not_a_keyword_list() -> None:
    """ "name = words" defines in notes style: the words are not code to be cut away."""
    notes = (
        "reset = quanto del vecchio stato usare, update = quanto tenere dello stato "
        "precedente, new = la proposta fatta dall'input"
    )
    r = Grader(load_bank()).grade("d.09", notes)
    assert r.not_answer is None and r.verdict is not Verdict.WRONG
    # assignments in code are still code, whatever follows them
    assert without_code("lr = 0.01, batch = 64; out = model(x)")[1] == 3


# -- the student's last word ----------------------------------------------------------


def test_toggling_a_missed_point_covered_changes_score_and_verdict(grader: Grader) -> None:
    r = grader.grade(
        Q5, "The encoder is deterministic. The straight-through trick copies gradients."
    )
    assert r.verdict is not Verdict.CORRECT
    o = apply_overrides(r, covered={"nearest-code"})
    p = {x.id: x for x in o.points}["nearest-code"]
    assert p.hit and p.overridden and p.grader_hit is False
    assert o.score > r.score and o.verdict is Verdict.CORRECT and o.overridden
    assert o.score == pytest.approx(_expected_score(o), abs=1e-9)
    # toggling back gives the grader's judgement again
    back = apply_overrides(o)
    assert back.to_dict() == r.to_dict()


def test_marking_a_point_missed_lowers_the_score(grader: Grader) -> None:
    r = grader.grade(Q5, COMPLETE_5)
    o = apply_overrides(r, missed={"straight-through"})
    assert o.score < r.score and not {p.id: p for p in o.points}["straight-through"].hit


def test_dismissing_a_misconception_lifts_the_cap_and_restores_its_point(grader: Grader) -> None:
    r = grader.grade(
        Q5, COMPLETE_5 + " The encoder samples the code with the reparameterization trick."
    )
    o = apply_overrides(r, dismissed={"reparam"})
    assert o.verdict is Verdict.CORRECT and not o.penalties
    assert {p.id: p.hit for p in o.points}["deterministic"]
    assert [m.dismissed for m in o.misconceptions] == [True]  # still listed, as dismissed


def test_overrides_round_trip_through_the_stored_dict(grader: Grader) -> None:
    r = grader.grade(
        Q5, COMPLETE_5 + " The encoder samples the code with the reparameterization trick."
    )
    o = apply_overrides(r, covered={"deterministic"}, dismissed={"reparam"})
    again = GradeResult.from_dict(o.to_dict())
    assert again.to_dict() == o.to_dict()
    assert GradeResult.from_dict(r.to_dict()).to_dict() == r.to_dict()
    # a stored result can be re-judged after the fact
    assert apply_overrides(again, **o.overrides()).to_dict() == o.to_dict()
    j = o.student_judgement()
    assert j["covered"] == [] and j["dismissed"] == ["reparam"] and j["verdict"] == "correct"


def test_an_old_stored_grade_still_loads() -> None:
    old = {
        "id": "a.01",
        "score": 0.5,
        "verdict": "partial",
        "points": [{"id": "p", "text": "P", "hit": True, "evidence": "e"}],
        "misconceptions": [],
        "suggested_rating": "hard",
        "feedback": "",
    }
    r = GradeResult.from_dict(old)
    assert r.points[0].hit and r.points[0].credit == 1.0 and r.verdict is Verdict.PARTIAL
    assert apply_overrides(r, missed={"p"}).score == 0.0


def test_disagreements_list_what_the_student_changed(grader: Grader) -> None:
    r = grader.grade(
        Q5, COMPLETE_5 + " The encoder samples the code with the reparameterization trick."
    )
    o = apply_overrides(r, missed={"straight-through"}, dismissed={"reparam"})
    rows = disagreements(r.to_dict(), o.student_judgement())
    assert {(x["kind"], x["id"], x["grader"], x["student"]) for x in rows} == {
        ("point", "straight-through", "covered", "missed"),
        ("misconception", "reparam", "wrong", "not said"),
    }


def test_not_an_answer_can_be_disputed(grader: Grader) -> None:
    r = grader.grade(Q5, "codebook, nearest, argmin, encoder, deterministic, straight-through")
    o = apply_overrides(r, dismissed={"not-an-answer"})
    assert o.not_answer_dismissed and not o.penalties and o.score > r.score


# -- follow-ups -----------------------------------------------------------------------


def test_followups_ask_the_central_then_the_heaviest_missed_points(
    grader: Grader, bank: Bank
) -> None:
    q = bank.get(Q1)
    r = grader.grade(Q1, "Larger batches mean fewer updates per epoch.")
    asked = followups(q, r, n=2)
    assert [kp.id for kp in asked] == ["noise-tradeoff", "memory"]
    assert probe_for(asked[0], "it").startswith("Cosa succede")
    assert followups(q, grader.grade(Q1, COMPLETE_1)) == []


def test_grade_json_points_carry_their_probe_in_the_answer_language(grader: Grader) -> None:
    r = grader.grade(Q5, "Il codebook contiene vettori appresi.", "it")
    probes = {p["id"]: p["probe"] for p in r.to_dict()["points"] if not p["hit"]}
    assert probes["straight-through"] == "Come fa il gradiente a superare l'argmin?"


def test_a_followup_is_graded_against_its_point_alone(grader: Grader) -> None:
    ok = grader.grade_point(Q5, "straight-through", "With detach the gradient skips the argmin.")
    assert ok.hit and ok.id == "straight-through"
    no = grader.grade_point(Q5, "straight-through", "The codebook is learned with k-means.")
    assert not no.hit
    with pytest.raises(KeyError):
        grader.grade_point(Q5, "nope", "x")


def test_a_followup_is_read_as_the_reply_to_its_question(grader: Grader) -> None:
    # "What happens to the gradient estimate when the batch grows?" names the batch
    assert grader.grade_point(Q1, "noise-tradeoff", "It becomes less noisy.").hit
    assert grader.grade_point(Q1, "noise-tradeoff", "Diventa meno rumorosa.", "it").hit
    assert not grader.grade_point(Q1, "noise-tradeoff", "It becomes noisier.").hit
    assert not grader.grade_point(Q1, "noise-tradeoff", "I am not sure.").hit
    # the question alone never states the point
    assert not grader.grade_point(Q1, "memory", "The batch.").hit


def test_a_followup_that_states_the_point_restores_half_its_weight(grader: Grader) -> None:
    r = grader.grade(Q5, COMPLETE_5.split(". The straight")[0] + ".")
    before = {p.id: p for p in r.points}["straight-through"]
    assert not before.hit
    answer = grader.grade_point(Q5, "straight-through", "The gradient is copied through detach.")
    after = apply_followup(r, answer)
    p = {x.id: x for x in after.points}["straight-through"]
    assert p.followup == 1.0 and p.credit == pytest.approx(0.5) and not p.hit
    gain = 0.5 * p.weight / sum(x.weight for x in r.points)
    assert after.score == pytest.approx(r.score + gain)
    missed = apply_followup(r, grader.grade_point(Q5, "straight-through", "I do not know."))
    assert missed.score == pytest.approx(r.score)
    # the follow-up survives an override round trip
    assert apply_overrides(after).to_dict() == after.to_dict()


def test_correct_needs_over_a_third_of_the_weight_fully_stated() -> None:
    # one heavy point stated, the rest only partly: the right keywords, not the answer
    def point(pid: str, weight: int, hit: bool) -> PointResult:
        return PointResult(pid, pid, weight, hit, None, credit=1.0 if hit else 0.2, part=0.67)

    points = [point("a", 3, True), point("b", 3, False), point("c", 2, False), point("d", 2, False)]
    score, _, _, verdict, _ = judge(
        points, [], keyword_factor=1.0, not_answer=None, lang="en", params=Params()
    )
    assert score == pytest.approx(0.44) and verdict is Verdict.PARTIAL
    points[2] = point("c", 2, True)  # half the weight stated
    _, _, _, verdict, _ = judge(
        points, [], keyword_factor=1.0, not_answer=None, lang="en", params=Params()
    )
    assert verdict is Verdict.CORRECT


def test_an_answer_to_another_question_earns_nothing_from_a_shared_word() -> None:
    # issue 11, the lead's case: a VQ-VAE answer to the SGD question was "partial" because
    # "gradient" half-matched two points, and the card showed both as partly there
    g = Grader(load_bank())
    text = (
        "The VQ-VAE maps each encoder output to the nearest codebook vector; the gradient is "
        "copied past the argmin with the straight-through estimator, and a commitment loss "
        "keeps the encoder close to its codes."
    )
    r = g.grade("a.01", text)
    assert r.verdict is Verdict.WRONG and r.suggested_rating is Rating.AGAIN and r.off_topic
    assert [p.status for p in r.points] == ["missed"] * len(r.points)
    # the student may dispute it: what the matcher found counts again
    disputed = apply_overrides(r, dismissed=["not-an-answer"])
    assert any(p.status == "partial" for p in disputed.points)
    # a vague answer to the question itself keeps its partly stated points
    vague = g.grade("a.01", "SGD updates the weights using the gradient of the loss.")
    assert not vague.off_topic


@pytest.mark.parametrize(
    "text",
    [
        "Training in PyTorch is all about the grad, a very important thing that everybody "
        "talks about.",
        "Il training in PyTorch ruota tutto intorno al grad, una cosa molto importante di cui "
        "parlano tutti.",
    ],
)
def test_one_word_shared_by_two_points_is_not_two_points_partly_there(text: str) -> None:
    # "grad" (not a word of the question) is a word of both zero_grad and backward: alone it
    # partly credits one of them, and a text with nothing else is wrong, not partial
    result = Grader(load_bank()).grade("b.10", text)
    assert sum(1 for p in result.points if p.credit > 0) == 1
    assert str(result.verdict) == "wrong"


@pytest.mark.parametrize(
    ("text", "vague"),
    [
        (
            "A computational graph is a graph, it has nodes and edges. Forward and backward "
            "are the two directions of a path.",
            "The forward path computes the output, the backward path computes the gradients.",
        ),
        (
            "Un grafo computazionale è un grafo con nodi e archi. Forward e backward sono le "
            "due direzioni del percorso.",
            "Il forward path calcola l'output e il backward path propaga i gradienti indietro.",
        ),
    ],
)
def test_the_questions_own_words_are_no_point_partly_there(text: str, vague: str) -> None:
    # every word the text shares with a key point is a word of the question itself: an
    # echo of the question, wrong; one word of its own ("gradients") keeps the points
    g = Grader(load_bank())
    echo = g.grade("a.08", text)
    assert all(p.credit == 0 for p in echo.points)
    assert str(echo.verdict) == "wrong"
    assert str(g.grade("a.08", vague).verdict) == "partial"
