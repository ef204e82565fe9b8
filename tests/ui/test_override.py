"""The student has the last word (issue 11 item 5): toggling a key point or dismissing a
flagged statement moves the score, the verdict and the preselected rating at once, in the
study screen and in the exam review, and the attempt keeps both judgements."""

from __future__ import annotations

import pytest

from tests.ui.test_study import GOOD, HALF, WRONG, answer, screen_text, settle, study
from tutor.session import Phase
from tutor.ui.card import CardLine
from tutor.ui.screens.exam import ExamResultScreen, ExamReviewScreen, ExamScreen


def line(screen, item_id: str) -> CardLine:
    return next(w for w in screen.query(CardLine) if w.item_id == item_id)


async def test_toggling_a_point_by_keyboard_moves_score_and_rating(make_app):
    app = make_app()
    async with app.run_test(size=(100, 40)) as pilot:
        screen = await study(app, pilot)
        await answer(app, pilot, screen, HALF)
        before = screen.result.score
        assert f"Score {before:.0%}" in screen_text(app)
        assert screen.suggested == "good"
        await pilot.press("o")  # onto the card's first line
        assert isinstance(app.focused, CardLine) and app.focused.item_id == "dir"
        await pilot.press("down", "down", "space")  # the third point: "noise", missed
        await settle(app, pilot)
        after = screen.result.score
        assert after > before
        text = screen_text(app)
        assert f"Score {after:.0%}" in text and "you: covered (grader: missed)" in text
        assert screen.suggested == "easy"  # every point now: the suggestion follows
        (attempt,) = app.store.attempts("a.01")
        assert attempt.grade["score"] == pytest.approx(before, abs=1e-4)  # the grader's
        assert attempt.student["covered"] == ["noise"]  # and the student's
        assert attempt.student["score"] == pytest.approx(after, abs=1e-4)
        await pilot.press("escape")  # out of the card's lines
        await pilot.press("enter")  # accept the new suggestion
        await settle(app, pilot)
        assert app.store.attempts("a.01")[0].rating == "easy"


async def test_a_click_marks_a_covered_point_as_missed(make_app):
    app = make_app()
    async with app.run_test(size=(100, 40)) as pilot:
        screen = await study(app, pilot)
        await answer(app, pilot, screen, GOOD)
        before = screen.result
        assert before.suggested_rating == "easy"
        await pilot.click(line(screen, "lr"))
        await settle(app, pilot)
        assert screen.result.score < before.score and screen.suggested != "easy"
        assert "you: missed (grader: covered)" in screen_text(app)
        assert app.store.attempts()[0].student["missed"] == ["lr"]
        await pilot.click(line(screen, "lr"))  # and back: the grader's judgement again
        await settle(app, pilot)
        assert screen.result.score == pytest.approx(before.score)
        assert app.store.attempts()[0].student["missed"] == []


async def test_dismissing_a_wrong_statement_lifts_its_penalty(make_app):
    app = make_app()
    async with app.run_test(size=(100, 40)) as pilot:
        screen = await study(app, pilot)
        await answer(app, pilot, screen, WRONG)
        before = screen.result
        assert before.misconceptions and "− 25% wrong statement" in screen_text(app)
        line(screen, "uphill").focus()
        await pilot.press("enter")
        await settle(app, pilot)
        text = screen_text(app)
        assert screen.result.score > before.score
        assert "wrong statement" not in text.split("Wrong statements")[0]  # no deduction
        assert "dismissed by you" in text
        assert app.store.attempts()[0].student["dismissed"] == ["uphill"]


async def test_a_revealed_answer_has_nothing_to_correct(make_app):
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await study(app, pilot)
        await pilot.press("ctrl+r")
        await settle(app, pilot)
        await pilot.press("o")
        assert not isinstance(app.focused, CardLine)
        assert screen.state is Phase.GRADED and app.store.attempts()[0].student is None


async def test_correcting_an_exam_answer_in_the_review_changes_the_mark(make_app):
    app = make_app()
    async with app.run_test(size=(100, 40)) as pilot:
        await settle(app, pilot)
        exam_id = app.store.start_exam(2, None, app.clock())
        app.push_screen(ExamScreen(["a.01", "b.01"], exam_id=exam_id))
        await settle(app, pilot)
        exam = app.screen
        exam.answer.insert(HALF)
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        while exam.state is Phase.FOLLOWUP:
            await pilot.press("ctrl+n")  # pass the follow-ups
            await settle(app, pilot)
        exam.answer.insert(GOOD)
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        result = app.screen
        assert isinstance(result, ExamResultScreen)
        mark = result.details["mark"]
        await pilot.press("enter")  # the first row: a.01
        await settle(app, pilot)
        review = app.screen
        assert isinstance(review, ExamReviewScreen) and review.sub.question_id == "a.01"
        await pilot.click(line(review, "noise"))  # the point the grader missed
        await settle(app, pilot)
        await pilot.press("escape", "escape")  # out of the card's lines, then back
        await settle(app, pilot)
        assert app.screen is result and result.details["mark"] > mark
        assert "(with your corrections)" in screen_text(app)
        (record,) = app.store.exams()
        assert record.mark == result.details["mark"]
        stored = next(a for a in app.store.attempts("a.01") if a.mode == "exam")
        assert stored.student["covered"] == ["noise"]
