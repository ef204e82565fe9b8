"""The exam screens against the newcomer walk (findings 7, 8, 13, 18): the setup's focus,
abandoning only when asked, result rows that open the question, points that mean the
same in every exam, and Italian throughout."""

from __future__ import annotations

import math
from types import SimpleNamespace

import pytest
from textual.widgets import DataTable, Input

from quizbank import load_bank
from tests.ui.test_study import GOOD, HALF, screen_text, settle
from tutor.session import Phase, exam_details
from tutor.ui.screens.exam import (
    AbandonScreen,
    ExamResultScreen,
    ExamReviewScreen,
    ExamScreen,
    ExamSetupScreen,
)
from tutor.ui.screens.home import HomeScreen


async def sit(app, pilot, answers: list[str]) -> ExamResultScreen:
    """Answer each question in turn, passing every follow-up; the result screen."""
    exam = app.screen
    assert isinstance(exam, ExamScreen)
    for text in answers:
        exam.answer.insert(text)
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        while exam.state is Phase.FOLLOWUP:
            await pilot.press("ctrl+n")
            await settle(app, pilot)
    assert isinstance(app.screen, ExamResultScreen)
    return app.screen


async def test_the_number_typed_on_the_setup_is_the_number_of_questions(make_app):
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(app, pilot)
        await pilot.press("e")
        await settle(app, pilot)
        setup = app.screen
        assert isinstance(setup, ExamSetupScreen)
        assert isinstance(app.focused, Input) and app.focused.id == "n"
        await pilot.press("3", "enter")  # replaces the default 4
        await settle(app, pilot)
        assert isinstance(app.screen, ExamScreen) and len(app.screen.ids) == 3


@pytest.mark.parametrize("value", ["99", "0", "-2"])
async def test_setup_refuses_a_number_out_of_range_and_says_so(make_app, value):
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(app, pilot)
        await pilot.press("e")
        await settle(app, pilot)
        app.screen.query_one("#n", Input).value = value
        await pilot.press("enter")
        await settle(app, pilot)
        assert isinstance(app.screen, ExamSetupScreen) and app.store.exams() == []
        assert "Questions must be 1–20 and minutes 0–60." in screen_text(app)


async def test_escape_asks_before_abandoning_and_keeps_the_typed_answer(make_app):
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(app, pilot)
        await pilot.press("e", "2", "enter")
        await settle(app, pilot)
        exam = app.screen
        qid = exam.qid
        exam.answer.insert("half of what I know")
        await pilot.press("escape")
        await settle(app, pilot)
        assert isinstance(app.screen, AbandonScreen)
        assert "Abandon the exam?" in screen_text(app)
        await pilot.press("escape")  # a second escape keeps the exam going
        await settle(app, pilot)
        assert app.screen is exam and exam.answer.text == "half of what I know"
        await pilot.press("escape", "y")
        await settle(app, pilot)
        assert isinstance(app.screen, HomeScreen)
        assert app.store.draft(qid, mode="exam") == "half of what I know"
        assert app.store.exams() == []  # no mark: an abandoned exam is not a finished one
        # the draft comes back when the question is asked again
        app.push_screen(ExamScreen([qid]))
        await settle(app, pilot)
        assert app.screen.answer.text == "half of what I know"


async def test_each_result_row_opens_its_question_with_answer_feedback_and_model(make_app):
    app = make_app()
    async with app.run_test(size=(100, 40)) as pilot:
        await settle(app, pilot)
        app.push_screen(ExamScreen(["a.01", "b.02"]))
        await settle(app, pilot)
        result = await sit(app, pilot, [GOOD, "We follow the gradient uphill."])
        table = result.query_one("#breakdown", DataTable)
        assert table.row_count == 2 and app.focused is table
        await pilot.press("down", "enter")
        await settle(app, pilot)
        review = app.screen
        assert isinstance(review, ExamReviewScreen) and review.sub.question_id == "b.02"
        text = screen_text(app)
        assert "b.02 — Question b.02 about gradients?" in text
        assert "We follow the gradient uphill." in text  # the answer, quoted
        assert "Wrong statements" in text and "✓ Against it." in text  # its feedback
        assert "Model answer (EN" in text
        await pilot.press("escape")
        await settle(app, pilot)
        assert app.screen is result


async def test_points_mean_the_same_in_a_short_and_a_long_exam(make_app):
    app = make_app()
    async with app.run_test(size=(100, 40)) as pilot:
        await settle(app, pilot)
        app.push_screen(ExamScreen(["a.01"]))
        await settle(app, pilot)
        alone = await sit(app, pilot, [HALF])
        one = alone.details["breakdown"][0]["points"]
        assert "each answer's own mark out of 30" in screen_text(app)
        await pilot.press("escape")
        app.push_screen(ExamScreen(["a.01", "b.01", "c.01"]))
        await settle(app, pilot)
        three = await sit(app, pilot, [HALF, GOOD, ""])
        points = [row["points"] for row in three.details["breakdown"]]
        assert points[0] == one  # the same answer, the same points
        assert three.details["mark"] == math.floor(sum(points) / len(points) + 0.5)


async def test_the_exam_shows_the_context_of_a_question_that_refers_to_another(make_app):
    app = make_app(load_bank())
    async with app.run_test(size=(120, 35)) as pilot:
        await settle(app, pilot)
        app.push_screen(ExamScreen(["a.12"]))
        await settle(app, pilot)
        text = screen_text(app)
        assert "that CG" in text and "f(x, y) = xy(xy + y)" in text


async def test_the_exam_in_italian(make_app):
    app = make_app(lang="it")
    async with app.run_test(size=(100, 40)) as pilot:
        await settle(app, pilot)
        await pilot.press("e")
        await settle(app, pilot)
        text = screen_text(app)
        assert "Simulazione d'esame" in text and "Domande" in text and "Inizia" in text
        await pilot.press("1", "enter")
        await settle(app, pilot)
        assert "Domanda 1 di 1" in screen_text(app)
        await pilot.press("escape")
        await settle(app, pilot)
        assert "Abbandonare l'esame?" in screen_text(app)
        await pilot.press("n")
        await settle(app, pilot)
        result = await sit(app, pilot, ["Il gradiente."])
        text = screen_text(app)
        assert "non superato" in text and "Punti /30" in text and "Giudizio" in text
        assert "not passed" not in text and "Verdict" not in text
        assert result.details["mark"] < 18


async def test_the_result_lists_the_questions_in_the_apps_language(make_app):
    app = make_app(bank=load_bank(), lang="it")
    async with app.run_test(size=(120, 35)) as pilot:
        await settle(app, pilot)
        app.push_screen(ExamScreen(["f.07"]))
        await settle(app, pilot)
        result = await sit(app, pilot, ["Il decoder riceve z_q."])
        q = app.bank.get("f.07")
        cell = str(result.table.get_cell("f.07", "Text"))
        assert q.question_it.startswith(cell.rstrip("…")) and len(cell) > 8


async def test_time_up_submits_the_answer_and_moves_on(make_app):
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(app, pilot)
        app.push_screen(ExamScreen(["a.01", "b.01"], time_limit_s=60))
        await settle(app, pilot)
        exam = app.screen
        exam.answer.insert(HALF)
        # the last second starts only now: a slow machine's settle cannot use it up before
        # the answer is typed (a 1 s limit raced the insert and stored an empty answer)
        exam.remaining = 1
        await pilot.pause(2.5)
        await settle(app, pilot)
        assert exam.index >= 1 and not exam.subs[0].asked  # no follow-up once time is up
        assert app.store.attempts("a.01")[0].answer == HALF


def answered(qid: str, score: float) -> SimpleNamespace:
    """A submission as the result screen reads it: an id, a score, nothing to review."""
    return SimpleNamespace(
        question_id=qid, score=score, result=None, attempt_id=1, asked=(), judged=False
    )


@pytest.mark.parametrize(
    ("scores", "working", "mark"),
    [
        # 18.48 out of 30 is shown as 18.5: the mark is the 19 the row says, not 18
        ([0.616], "18.5 ÷ 1 = 18.50 → 19", "19/30"),
        ([0.41, 0.86], "38.1 ÷ 2 = 19.05 → 19", "19/30"),
        ([0.6, 0.6, 0.55], "52.5 ÷ 3 = 17.50 → 18", "18/30"),
        ([0.3, 0.5, 0.5], "39.0 ÷ 3 = 13.00 → 13", "13/30 — not passed"),
        ([0.3, 0.5, 0.503], "39.1 ÷ 3 = 13.03… → 13", "13/30 — not passed"),
    ],
)
async def test_the_mark_is_worked_out_from_the_points_the_rows_show(
    make_app, scores, working, mark
):
    app = make_app()
    subs = [answered(qid, s) for qid, s in zip(("a.01", "b.01", "c.01"), scores, strict=False)]
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(app, pilot)
        app.push_screen(ExamResultScreen(exam_details(subs), subs))
        await settle(app, pilot)
        text = screen_text(app)
        table = app.screen.query_one("#breakdown", DataTable)
        shown = [float(table.get_row_at(i)[1]) for i in range(table.row_count)]
        assert working in text and mark in text
        assert f"{sum(shown):.1f} ÷ {len(shown)}" in text  # the rows add up to the total


async def test_the_marks_working_in_italian(make_app):
    app = make_app(lang="it")
    subs = [answered("a.01", 0.41), answered("b.01", 0.86)]
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(app, pilot)
        app.push_screen(ExamResultScreen(exam_details(subs), subs))
        await settle(app, pilot)
        assert "Voto = totale dei punti ÷ risposte" in screen_text(app)
        assert "38.1 ÷ 2 = 19.05 → 19" in screen_text(app)
