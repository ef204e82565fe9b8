"""The study screen against the newcomer walk's findings (3, 8, 12, 13, 14, 17, 18).

Each test is named after what the student saw go wrong and reads the screen as the
student does (its text at a given size) or the store, not the screen's internals.
"""

from __future__ import annotations

import io
import threading
from datetime import timedelta

import pytest
from rich.console import Console

from quizbank import load_bank
from tutor.session import NEW_ORDER_SETTING, Phase
from tutor.ui.keys import TutorFooter
from tutor.ui.screens.home import HomeScreen
from tutor.ui.screens.study import StudyScreen

GOOD = (
    "We step against the gradient. The learning rate scales the step. "
    "Minibatches give a noisy estimate."
)
HALF = "We step against the gradient. The learning rate scales the step."
WRONG = "We follow the gradient uphill. The learning rate scales the step."


async def settle(app, pilot, rounds: int = 3) -> None:
    """Wait for the keys, the workers they started and what those posted back."""
    for _ in range(rounds):
        await pilot.pause()
        await app.workers.wait_for_complete()
    await pilot.pause()


def screen_text(app) -> str:
    """The screen as plain text, as a terminal shows it."""
    width, height = app.size
    console = Console(
        width=width, height=height, file=io.StringIO(), record=True, color_system=None
    )
    console.print(
        app.screen._compositor.render_update(full=True, screen_stack=app._background_screens)
    )
    return console.export_text()


async def study(app, pilot, **kwargs) -> StudyScreen:
    """Open the study screen (all topics unless told) and wait for its first question."""
    await settle(app, pilot)
    app.push_screen(StudyScreen(**kwargs))
    await settle(app, pilot)
    assert isinstance(app.screen, StudyScreen)
    return app.screen


async def answer(app, pilot, screen: StudyScreen, text: str, *, card: bool = True) -> None:
    """Type ``text``, submit it and (with ``card``) pass the examiner's follow-ups."""
    screen.answer.insert(text)
    await pilot.press("ctrl+s")
    await settle(app, pilot)
    while card and screen.state is Phase.FOLLOWUP:
        await pilot.press("ctrl+n")
        await settle(app, pilot)


class Clock:
    """A clock the test moves on."""

    def __init__(self, now) -> None:
        self.now = now

    def __call__(self):
        return self.now


@pytest.fixture
def real_bank():
    return load_bank()


# -- 3: the card explains its score ---------------------------------------------------------


async def test_score_verdict_and_key_point_count_agree_and_penalties_are_listed(make_app):
    app = make_app()
    async with app.run_test(size=(100, 40)) as pilot:
        screen = await study(app, pilot)
        await answer(app, pilot, screen, WRONG)
        result = screen.result
        text = screen_text(app)
        assert f"Score {result.score:.0%}" in text and result.verdict.upper() in text
        hit = sum(p.hit for p in result.points)
        assert f"Key points: {hit} of {len(result.points)} covered" in text
        # the score is the points' credit minus each listed deduction, with its amount
        (penalty,) = result.penalties
        assert f"= key points {result.coverage:.0%} − {penalty.amount:.0%} wrong statement" in text
        assert result.score == pytest.approx(result.coverage - penalty.amount)


# -- 8 and 18: the question as the bank gives it ------------------------------------------


@pytest.mark.parametrize("lang", ["en", "it"])
async def test_a_question_that_refers_to_another_shows_its_context(make_app, real_bank, lang):
    q = real_bank.get("a.12")
    app = make_app(real_bank, lang=lang)
    async with app.run_test(size=(120, 35)) as pilot:
        await study(app, pilot, only=["a.12"])
        text = screen_text(app)
        assert "a.12 — Perform the reverse mode differentiation on that CG" in text
        assert ("Context:" if lang == "en" else "Contesto:") in text
        assert "f(x, y) = xy(xy + y)" in text
        italian = q.question_it in text
        assert italian == (lang == "it")  # the Italian rendering beneath it, in Italian only


# -- 12: Again cards in the same sitting -------------------------------------------------------


async def test_an_again_card_comes_back_when_its_minute_is_up(make_app):
    from tests.ui.conftest import NOW

    clock = Clock(NOW)
    app = make_app(clock=clock, new_per_day=1)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await study(app, pilot)
        assert screen.qid == "a.01"
        await pilot.press("ctrl+r")
        await settle(app, pilot)
        await pilot.press("1")
        await settle(app, pilot)
        assert screen.state is Phase.DONE
        text = screen_text(app)
        assert "Next card due at 09:01 (in 60 s)" in text  # when, and that it waits
        clock.now = NOW + timedelta(seconds=61)
        await pilot.pause(1.3)  # the done screen looks again every second
        await settle(app, pilot)
        assert screen.state is Phase.ANSWERING and screen.qid == "a.01"


async def test_a_hard_card_comes_back_in_the_same_sitting_too(make_app):
    """Hard on a new card is minutes away (FSRS learning step): it is waited for, not lost."""
    from tests.ui.conftest import NOW

    clock = Clock(NOW)
    app = make_app(clock=clock, new_per_day=1)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await study(app, pilot)
        await pilot.press("ctrl+r")
        await settle(app, pilot)
        await pilot.press("2")
        await settle(app, pilot)
        assert screen.state is Phase.DONE
        due = app.scheduler.card("a.01").due
        wait = (due - NOW).total_seconds()
        assert 60 <= wait < 3600  # minutes, so the sitting waits for it
        assert "Next card due at" in screen_text(app)
        clock.now = due + timedelta(seconds=1)
        await pilot.pause(1.3)
        await settle(app, pilot)
        assert screen.state is Phase.ANSWERING and screen.qid == "a.01"


async def test_the_done_screen_names_a_review_days_away(make_app):
    app = make_app(new_per_day=1)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await study(app, pilot)
        await answer(app, pilot, screen, GOOD)
        await pilot.press("4")
        await settle(app, pilot)
        assert screen.state is Phase.DONE
        due = app.scheduler.card("a.01").due.astimezone().strftime("%Y-%m-%d %H:%M")
        assert f"Next review: {due}." in screen_text(app)


# -- 13: new cards across topics ---------------------------------------------------------------


@pytest.mark.parametrize(("order", "second"), [(None, "b.01"), ("bank", "a.02")])
async def test_new_cards_alternate_topics_unless_bank_order_is_set(make_app, order, second):
    app = make_app()
    if order:
        app.store.set_setting(NEW_ORDER_SETTING, order)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await study(app, pilot)
        await pilot.press("ctrl+r")
        await settle(app, pilot)
        await pilot.press("3")
        await settle(app, pilot)
        assert screen.qid == second


async def test_the_queue_is_read_off_the_ui_thread(make_app):
    app = make_app()
    threads: list[bool] = []
    real = app.scheduler.queue

    def queue(*args, **kwargs):
        threads.append(threading.current_thread() is threading.main_thread())
        return real(*args, **kwargs)

    app.scheduler.queue = queue
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(app, pilot)
        threads.clear()  # home's own figures
        screen = await study(app, pilot)
        await pilot.press("ctrl+r")
        await settle(app, pilot)
        await pilot.press("3")
        await settle(app, pilot)
        assert screen.qid == "b.01"
        assert threads and not any(threads)


# -- 14: showing the answer is not a failure ---------------------------------------------------


async def test_show_answer_is_recorded_as_revealed_not_graded_wrong(make_app):
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await study(app, pilot)
        await pilot.press("ctrl+r")
        await settle(app, pilot)
        text = screen_text(app)
        assert "Answer shown without grading" in text
        assert "0%" not in text and "WRONG" not in text
        assert "1–4: how well did you know it?" in text
        (attempt,) = app.store.attempts("a.01")
        assert attempt.grade["revealed"] and attempt.verdict is None and attempt.score is None
        await pilot.press("enter")  # no suggestion to accept: the student rates
        await settle(app, pilot)
        assert screen.state is Phase.GRADED and screen.qid == "a.01"
        await pilot.press("3")
        await settle(app, pilot)
        assert app.store.attempts("a.01")[0].rating == "good"


# -- 17: layout -----------------------------------------------------------------------------------


def visible_scrollbars(screen) -> list:
    return [
        w
        for w in screen.query("*")
        if w.display and w.is_scrollable and w.show_vertical_scrollbar and w.region.height
    ]


@pytest.mark.parametrize("lang", ["en", "it"])
async def test_80x24_keeps_question_rating_hint_and_quotes_in_shape(make_app, lang):
    long = (
        "We step against the gradient, which is what gradient descent does at every single "
        "iteration of training, one small careful step after another on the loss surface."
    )
    app = make_app(lang=lang)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await study(app, pilot)
        await answer(app, pilot, screen, long)
        assert screen.state is Phase.GRADED
        screen.body.scroll_end(animate=False)
        await settle(app, pilot)
        text = screen_text(app)
        lines = text.splitlines()
        assert "a.01 — Question a.01 about gradients?" in text  # still in view after grading
        hint = "enter accepts the suggestion" if lang == "en" else "invio accetta il suggerimento"
        assert hint in text
        footer = screen.query_one(TutorFooter)
        assert all(k.region.right <= 80 for k in footer.children if k.region.width)
        assert len(visible_scrollbars(screen)) <= 1
        # the quote of the student's words wraps under itself, not at the left edge
        screen.body.scroll_home(animate=False)
        await settle(app, pilot)
        lines = screen_text(app).splitlines()
        start = next(i for i, line in enumerate(lines) if "“We step against" in line)
        column = lines[start].index("“")
        follow = lines[start + 1]
        assert follow[:column].strip() == "" and follow[column:].strip()


# -- 18: Italian throughout ----------------------------------------------------------------------


async def test_the_graded_card_speaks_italian(make_app):
    app = make_app(lang="it")
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await study(app, pilot, cram=True, seed=1)
        assert "ripasso libero: ne restano" in screen_text(app)
        await answer(
            app, pilot, screen, "Si va contro il gradiente. Il learning rate scala il passo."
        )
        text = screen_text(app)
        for italian in ("Punteggio", "Punti chiave:", "Ripeti", "Difficile", "Bene", "Facile"):
            assert italian in text
        assert "l cambia lingua" in text
        assert any(v in text for v in ("CORRETTA", "PARZIALE", "ERRATA"))
        for english in ("Score", "CORRECT", "PARTIAL", "WRONG", "Again", "Easy", "l to switch"):
            assert english not in text


async def test_an_english_answer_gets_an_italian_card_in_italian_mode(make_app):
    app = make_app(lang="it")
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await study(app, pilot)
        await answer(app, pilot, screen, WRONG)
        text = screen_text(app)
        assert "Contro il gradiente." in text and "Si segue il gradiente in salita." in text
        assert "Step against the gradient." not in text


# -- drafts and failures --------------------------------------------------------------------------


async def test_drafts_are_kept_in_the_drafts_table(make_app):
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await study(app, pilot)
        screen.answer.insert("half an answer")
        await pilot.press("escape", "escape")
        await settle(app, pilot)
        assert isinstance(app.screen, HomeScreen)
        assert app.store.draft("a.01", mode="study") == "half an answer"
        assert app.store.get_setting("draft:a.01") is None
        screen = await study(app, pilot)
        assert screen.answer.text == "half an answer"
        await answer(app, pilot, screen, " and the rest")
        assert app.store.draft("a.01", mode="study") == ""  # submitted: no draft left


async def test_a_failed_grading_returns_to_the_answer_and_says_why(make_app, monkeypatch):
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await study(app, pilot)

        def broken(*args, **kwargs):
            raise RuntimeError("the grader fell over")

        monkeypatch.setattr(app.grader, "grade", broken)
        await answer(app, pilot, screen, HALF)
        assert screen.state is Phase.ANSWERING and not screen.answer.read_only
        assert screen.answer.text == HALF and app.store.attempts() == []
        messages = [n.message for n in app._notifications]
        assert sum("the grader fell over" in m for m in messages) == 1  # said once, by the app
        assert "the grader fell over" in screen_text(app)
        monkeypatch.undo()
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert [a.answer for a in app.store.attempts()] == [HALF]


async def test_closing_the_app_while_grading_keeps_the_answer_as_a_draft(make_app, monkeypatch):
    """SIGHUP/SIGTERM call save_drafts(): an answer still being graded was not kept."""
    app = make_app()
    release = threading.Event()
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await study(app, pilot)
        real = app.grader.grade

        def slow(*args, **kwargs):
            release.wait(10)
            return real(*args, **kwargs)

        monkeypatch.setattr(app.grader, "grade", slow)
        screen.answer.insert(HALF)
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert screen.state is Phase.GRADING
        app.save_drafts()  # what the signal handler does before exiting
        assert app.store.draft("a.01", mode="study") == HALF
        release.set()
        await settle(app, pilot)
        assert app.store.draft("a.01", mode="study") == ""  # stored: the draft is cleared
