"""The grade card on its own (tutor.ui.card): what it draws for a submission, in either
language, and what it tells its screen when the student corrects it."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta

import pytest
from rich.console import Console
from textual import events
from textual.app import App, ComposeResult

from tests.ui.test_study import GOOD, WRONG
from tutor.domain import Rating
from tutor.grading import Grader, PointResult
from tutor.grading.result import counts_for_correct
from tutor.i18n.grade import HEART_ENOUGH, HEART_SHORT
from tutor.session import Submission, submit_answer
from tutor.store import Store
from tutor.ui.card import CardLine, GradeView, asked_line, point_line, rating_line

NOW = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)


@pytest.fixture
def submit(mini_bank, tmp_path):
    store = Store.open_in(tmp_path)
    grader = Grader(mini_bank)

    def make(text: str, *, reveal: bool = False, qid: str = "a.01") -> Submission:
        return submit_answer(
            store,
            grader,
            mini_bank.get(qid),
            text,
            mode="study",
            started_at=NOW,
            submitted_at=NOW,
            reveal=reveal,
        )

    yield make
    store.close()


class CardApp(App[None]):
    """The card alone, as a screen would host it."""

    def __init__(self, sub: Submission, lang: str = "en") -> None:
        super().__init__()
        self.sub, self.lang, self.toggled = sub, lang, []

    def compose(self) -> ComposeResult:
        yield GradeView(id="card")

    def on_mount(self) -> None:
        self.query_one(GradeView).show(self.sub, self.lang, editable=not self.sub.revealed)

    def on_card_line_toggled(self, message: CardLine.Toggled) -> None:
        self.toggled.append((message.line.kind, message.line.item_id))


def card_text(app: CardApp) -> str:
    """What the card's widgets print, lines included (a line renders a table)."""
    console = Console(file=io.StringIO(), width=200, color_system=None)
    for widget in app.query("GradeView Static"):
        if widget.display:
            console.print(widget.content)
    return console.file.getvalue()


async def test_a_card_has_one_line_per_key_point_and_wrong_statement(submit):
    sub = submit(WRONG)
    app = CardApp(sub)
    async with app.run_test(size=(100, 40)) as pilot:
        await pilot.pause()
        result = sub.result
        lines = list(app.query(CardLine))
        assert [(line.kind, line.item_id) for line in lines] == [
            *(("point", p.id) for p in result.points),
            *(("statement", m.id) for m in result.misconceptions),
        ]
        text = card_text(app)
        assert f"Score {result.score:.0%}" in text and "Wrong statements" in text


async def test_space_on_a_line_tells_the_screen_which_line_the_student_changed(submit):
    sub = submit(GOOD)
    app = CardApp(sub)
    async with app.run_test(size=(100, 40)) as pilot:
        await pilot.pause()
        first = app.query_one(GradeView).first_line()
        first.focus()
        await pilot.press("down", "space")
        await pilot.pause()
        assert app.toggled == [("point", sub.result.points[1].id)]


async def test_the_card_speaks_italian_and_a_revealed_answer_has_nothing_to_correct(submit):
    app = CardApp(submit(GOOD), lang="it")
    async with app.run_test(size=(100, 40)) as pilot:
        await pilot.pause()
        assert "Punteggio" in card_text(app) and "Punti chiave" in card_text(app)
    revealed = CardApp(submit("", reveal=True))
    async with revealed.run_test(size=(100, 40)) as pilot:
        await pilot.pause()
        assert list(revealed.query(CardLine)) == []
        assert "Answer shown without grading" in card_text(revealed)


def test_the_rating_line_highlights_the_suggestion_and_says_when_each_comes_back():
    intervals = {Rating.AGAIN: timedelta(minutes=1), Rating.GOOD: timedelta(days=3)}
    line = rating_line(Rating.GOOD, intervals, "it", "invio accetta il suggerimento")
    assert line.plain.startswith("1 Ripeti (1min)  2 Difficile  3 Bene (3g)  4 Facile")
    highlighted = [line.plain[s.start : s.end] for s in line.spans if "reverse" in str(s.style)]
    assert highlighted == ["3 Bene (3g)"]
    assert line.plain.endswith("\ninvio accetta il suggerimento")
    nothing = rating_line(None, {}, "en", "1–4: how well did you know it?")
    assert not [s for s in nothing.spans if "reverse" in str(s.style)]


def test_the_examiners_question_has_its_math_rendered():
    line = asked_line("The examiner asks back (1 of 2):", "What turns $x_t$ into $h_t$?")
    assert line.plain == "The examiner asks back (1 of 2): What turns xₜ into hₜ?"


async def test_keys_that_arrive_together_move_one_line_each(submit):
    """↓↓↓ typed fast (or a held key) reach the card before it has moved the focus once;
    each must still move one line (the walk through tmux toggled the second line, not
    the fourth)."""
    sub = submit(WRONG)
    app = CardApp(sub)
    async with app.run_test(size=(100, 40)) as pilot:
        await pilot.pause()
        lines = list(app.query(CardLine))
        lines[0].focus()
        await pilot.pause()
        for key in ("down", "down", "down", "space"):
            app.post_message(events.Key(key, " " if key == "space" else None))
        await pilot.pause()
        await pilot.pause()
        assert app.focused is lines[3]
        assert app.toggled == [(lines[3].kind, lines[3].item_id)]


@pytest.mark.parametrize("lang", ["en", "it"])
async def test_a_non_answer_is_said_once_on_the_card(submit, mini_bank, lang):
    """Seen in tmux: 'The answer does not address this question.' as a wrong statement
    and again, word for word, as the feedback beneath it."""
    from tutor.grading.nonanswer import NOT_AN_ANSWER

    sub = submit(mini_bank.get("a.01").question)  # the question pasted back
    assert sub.result.not_answer
    reason = NOT_AN_ANSWER[sub.result.not_answer][lang]
    app = CardApp(sub, lang=lang)
    async with app.run_test(size=(100, 40)) as pilot:
        await pilot.pause()
        assert card_text(app).count(reason) == 1


def _point_text(point, lang: str) -> str:
    console = Console(file=io.StringIO(), width=200, color_system=None)
    console.print(point_line(point, lang))
    return console.file.getvalue()


@pytest.mark.parametrize("lang", ["en", "it"])
def test_a_partly_stated_heaviest_point_says_whether_it_is_enough_for_correct(lang) -> None:
    # a CORRECT beside a ◐ ★★★ point would contradict "CORRECT needs the heaviest points"
    # unless the card says that what was said of it is enough
    half = PointResult("p", "The idea.", 3, False, None, credit=0.2, part=0.5)
    quarter = PointResult("p", "The idea.", 3, False, None, credit=0.2, part=0.25)
    light = PointResult("p", "The idea.", 2, False, None, credit=0.2, part=0.5)
    assert counts_for_correct(half) and not counts_for_correct(quarter)
    assert HEART_ENOUGH(lang).strip("; ") in _point_text(half, lang)
    assert HEART_SHORT(lang).strip("; ") in _point_text(quarter, lang)
    assert HEART_ENOUGH(lang).strip("; ") not in _point_text(light, lang)
    assert HEART_SHORT(lang).strip("; ") not in _point_text(light, lang)


# an f.02 answer that states the encoder, the distances and the straight-through gradient
# at length, the argmin index only partly: CORRECT
F02_ARGMIN_PARTLY = (
    "The encoder maps the image to continuous vectors z_e of size D. Each vector is "
    "replaced by the nearest codebook entry (argmin of the distance), and the decoder "
    "gets that code vector. In the backward pass the straight-through estimator copies "
    "the gradient of the decoder input straight to the encoder output. The decoder is "
    "trained to rebuild the input from those codes. For an image the encoder gives a grid "
    "of such vectors, one per position, so the quantization is done position by position, "
    "and the grid of indices is the discrete code of the image. The argmin has no useful "
    "gradient, which is why the copy is needed."
)


def test_a_correct_card_beside_a_partly_stated_heaviest_point_says_it_is_enough() -> None:
    text = F02_ARGMIN_PARTLY
    result = Grader().grade("f.02", text)
    heavy = [p for p in result.points if p.weight >= 3 and p.status == "partial"]
    assert str(result.verdict) == "correct" and heavy
    for p in heavy:
        assert HEART_ENOUGH("en").strip("; ") in _point_text(p, "en")


@pytest.mark.parametrize("lang", ["en", "it"])
def test_a_card_held_at_partial_by_its_length_says_so(lang) -> None:
    """PARTIAL at a score over the usual line would read as a contradiction: the card gives
    the length rule, and drops it once the student's say makes the answer enough."""
    from pathlib import Path

    from quizbank import load_bank
    from tutor.grading import apply_overrides
    from tutor.grading.result import correct_threshold, held_short
    from tutor.i18n.grade import SHORT_HELD
    from tutor.ui.card import score_text

    bank = load_bank([Path(__file__).parents[1] / "data" / "grading_bank"], include_builtin=False)
    short = Grader(bank).grade(
        "t:t.01",
        "Small batches give noisy gradients, and a larger batch gives a less noisy estimate.",
    )
    assert held_short(short) and str(short.verdict) == "partial"
    share = f"{correct_threshold(short.n_words):.0%}"
    line = SHORT_HELD(lang, words=short.n_words, share=share)

    def shown(result) -> str:
        console = Console(file=io.StringIO(), width=200, color_system=None)
        console.print(score_text(result, lang, judged=result.overridden))
        return console.file.getvalue()

    assert line in shown(short)
    said = apply_overrides(short, covered={"memory"})
    assert str(said.verdict) == "correct" and line not in shown(said)
