"""The examiner asks back (issue 11 item 6): missed points come back as follow-up
questions, answered in the same answer box and graded against that point alone; in the
study screen before the card, in the exam up to two per question, counted in the mark."""

from __future__ import annotations

import pytest

from quizbank import load_bank
from tests.ui.test_exam import sit
from tests.ui.test_study import GOOD, HALF, screen_text, settle, study
from tutor.exam import FOLLOWUP_SHARE
from tutor.session import FOLLOWUP_DRAFT, Phase
from tutor.ui.keys import TutorFooter
from tutor.ui.screens.exam import ExamResultScreen, ExamScreen


async def test_study_asks_back_then_counts_the_answer_on_the_card(make_app):
    app = make_app()
    async with app.run_test(size=(100, 40)) as pilot:
        screen = await study(app, pilot)
        screen.answer.insert(HALF)
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert screen.state is Phase.FOLLOWUP and screen.followup.point_id == "noise"
        assert "The examiner asks back (1 of 1):" in screen_text(app)
        assert screen.answer.text == "" and not screen.answer.read_only
        before = screen.result.score
        screen.answer.insert("Minibatches give a noisy estimate of the gradient.")
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert screen.state is Phase.GRADED
        weights = {p.id: p.weight for p in screen.result.points}
        gain = FOLLOWUP_SHARE * weights["noise"] / sum(weights.values())
        assert screen.result.score == pytest.approx(before + gain)
        text = screen_text(app)
        assert f"Score {screen.result.score:.0%}" in text
        assert "said when asked back: 50% of its weight" in text and "stated: it counts" in text
        (attempt,) = app.store.attempts()
        (asked,) = attempt.student["followups"]
        assert asked["point"] == "noise" and asked["answer"].startswith("Minibatches")
        assert asked["result"]["hit"] is True


async def test_passing_the_followups_shows_the_card_and_keeps_what_was_typed(make_app):
    app = make_app()
    async with app.run_test(size=(100, 40)) as pilot:
        screen = await study(app, pilot)
        screen.answer.insert(HALF)
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        screen.answer.insert("mini")
        await pilot.press("ctrl+n")
        await settle(app, pilot)
        assert screen.state is Phase.GRADED and not screen.sub.asked
        assert app.store.draft("a.01", mode=FOLLOWUP_DRAFT) == "mini"


async def test_the_probe_is_asked_in_the_students_language(make_app):
    bank = load_bank()
    q = bank.get("f.02")
    app = make_app(bank, lang="it")
    async with app.run_test(size=(120, 35)) as pilot:
        screen = await study(app, pilot, only=["f.02"])
        screen.answer.insert("The encoder produces a vector and the decoder reconstructs it.")
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert screen.state is Phase.FOLLOWUP
        point = next(kp for kp in q.key_points if kp.id == screen.followup.point_id)
        shown = " ".join(screen_text(app).split())  # the probe may wrap over two lines
        assert " ".join(point.probe["it"].split()) in shown
        assert "L'esaminatore chiede" in shown


async def test_the_exam_asks_up_to_two_followups_and_the_mark_counts_them(make_app):
    app = make_app()
    async with app.run_test(size=(100, 40)) as pilot:
        await settle(app, pilot)
        exam_id = app.store.start_exam(1, None, app.clock())
        app.push_screen(ExamScreen(["a.01"], exam_id=exam_id))
        await settle(app, pilot)
        exam = app.screen
        exam.answer.insert("We step against the gradient.")  # lr partly, noise missed
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        asked = []
        while exam.state is Phase.FOLLOWUP:
            asked.append(exam.followup.point_id)
            assert "The examiner asks back" in screen_text(app)
            exam.answer.insert(
                "The learning rate scales the step." if asked[-1] == "lr" else "No idea."
            )
            await pilot.press("ctrl+s")
            await settle(app, pilot)
        assert sorted(asked) == ["lr", "noise"]  # two, no more
        result = app.screen
        assert isinstance(result, ExamResultScreen)
        (row,) = result.details["breakdown"]
        assert sorted((f["point"], f["hit"]) for f in row["followups"]) == [
            ("lr", True),
            ("noise", False),
        ]
        plain = app.grader.grade(app.bank.get("a.01"), "We step against the gradient.")
        assert row["points"] > round(30 * plain.score, 1)  # the follow-up counted
        assert "✓✗" in screen_text(app) or "✗✓" in screen_text(app)
        (record,) = app.store.exams()
        assert record.details["breakdown"][0]["followups"] == row["followups"]


async def test_passing_an_exam_followup_counts_nothing_and_goes_on(make_app):
    """A pass is on record as asked and missed: the result's "Asked back" says ✗, not –."""
    app = make_app()
    async with app.run_test(size=(100, 40)) as pilot:
        await settle(app, pilot)
        app.push_screen(ExamScreen(["a.01", "b.01"]))
        await settle(app, pilot)
        exam = app.screen
        exam.answer.insert(HALF)
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert exam.state is Phase.FOLLOWUP
        before = exam.subs[0].score
        probe = exam.followup.probe("en")
        await pilot.press("ctrl+n")
        await settle(app, pilot)
        assert exam.state is Phase.ANSWERING and exam.qid == "b.01"
        (passed,) = exam.subs[0].asked
        assert not passed.hit and passed.answer == "" and passed.probe == probe
        assert exam.subs[0].score == before
        (stored,) = app.store.attempts("a.01")[0].student["followups"]
        assert stored["answer"] == "" and stored["result"]["hit"] is False
        result = await sit(app, pilot, [GOOD])
        assert result.table.get_cell("a.01", "Asked back") == "✗"


async def test_the_math_of_a_probe_and_of_the_feedback_is_rendered(make_app):
    """d.06 asks "which operations turn $x_t$ and $h_{t-1}$ into $h_t$?": the student
    reads xₜ and hₜ₋₁, in the question asked and in the card's feedback, never a $."""
    app = make_app(load_bank())
    answer = (
        "Unrolling the RNN gives one copy of the cell per time step, all sharing W_ih and "
        "W_hh; the gradient flows backwards through time from the loss to each step."
    )
    async with app.run_test(size=(100, 40)) as pilot:
        screen = await study(app, pilot, only=["d.06"])
        screen.answer.insert(answer)
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        asked = []
        while screen.state is Phase.FOLLOWUP:
            asked.append(screen.followup.point_id)
            line = str(screen.asking.render())
            assert "$" not in line and "_{" not in line, line
            if screen.followup.point_id == "cell-nodes":
                assert "xₜ and hₜ₋₁ into hₜ?" in line
            screen.answer.insert("I do not remember.")
            await pilot.press("ctrl+s")
            await settle(app, pilot)
        assert "cell-nodes" in asked
        feedback = str(screen.query_one("#card-feedback").render())
        assert "xₜ and hₜ₋₁" in feedback and "$" not in feedback
        followups = str(screen.query_one("#card-followups").render())
        assert "hₜ₋₁" in followups and "$" not in followups


@pytest.mark.parametrize(
    ("lang", "see", "skip"), [("en", "See the grade", "Skip"), ("it", "Vedi il voto", "Salta")]
)
async def test_during_a_followup_ctrl_n_is_labelled_for_what_it_does(make_app, lang, see, skip):
    """ctrl+n passes the examiner's questions and shows the card; the footer said "Skip",
    as if the question itself would be skipped."""
    app = make_app(lang=lang)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await study(app, pilot)

        def footer() -> list[str]:
            return [k.description for k in screen.query_one(TutorFooter).children]

        assert skip in footer()
        screen.answer.insert(HALF)
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert screen.state is Phase.FOLLOWUP
        assert see in footer() and skip not in footer()
        await pilot.press("ctrl+n")
        await settle(app, pilot)
        assert screen.state is Phase.GRADED and screen.qid == "a.01"
        assert skip in footer() and see not in footer()
