"""Snapshots of the main screens at 100×30 (update with --snapshot-update after a deliberate change)."""

from __future__ import annotations

from textual.widgets import TextArea

from tutor.session import exam_details, submit_answer
from tutor.ui.screens.exam import ExamResultScreen
from tutor.ui.screens.stats import StatsScreen
from tutor.ui.screens.study import StudyScreen

SIZE = (100, 30)
ANSWER = "We step against the gradient. The learning rate scales the step."


def test_home(snap_compare, make_app, settle, with_history):
    app = with_history(make_app())
    assert snap_compare(app, terminal_size=SIZE, run_before=settle)


def test_study_before_submit(snap_compare, make_app, settle):
    async def run_before(pilot):
        await settle(pilot)
        await pilot.app.push_screen(StudyScreen())
        await settle(pilot)
        pilot.app.screen.query_one("#answer", TextArea).insert(ANSWER)
        await settle(pilot)

    assert snap_compare(make_app(), terminal_size=SIZE, run_before=run_before)


def test_study_after_submit(snap_compare, make_app, settle):
    async def run_before(pilot):
        await settle(pilot)
        await pilot.app.push_screen(StudyScreen())
        await settle(pilot)
        pilot.app.screen.query_one("#answer", TextArea).insert(ANSWER)
        await pilot.press("ctrl+s")
        await settle(pilot)
        await pilot.press("ctrl+n")  # the examiner's follow-up passed: the card
        await settle(pilot)
        # the app scrolls to the answer and its card after the next refresh; pin it there
        screen = pilot.app.screen
        screen.query_one("#study").scroll_to_widget(
            screen.query_one("#your-answer"), top=True, animate=False
        )
        await settle(pilot)

    assert snap_compare(make_app(), terminal_size=SIZE, run_before=run_before)


def test_exam_result(snap_compare, make_app, settle):
    """One row per question (Enter opens it), points out of 30 explained below."""
    answers = {
        "a.01": "We step against the gradient. The learning rate scales the step. "
        "Minibatches give a noisy estimate.",
        "b.02": "We step against the gradient.",
        "c.03": "We follow the gradient uphill.",
    }

    async def run_before(pilot):
        await settle(pilot)
        app = pilot.app
        subs = [
            submit_answer(
                app.store,
                app.grader,
                app.bank.get(qid),
                text,
                mode="exam",
                started_at=app.clock(),
                submitted_at=app.clock(),
            )
            for qid, text in answers.items()
        ]
        await app.push_screen(ExamResultScreen(exam_details(subs), subs))
        await settle(pilot)

    assert snap_compare(make_app(), terminal_size=SIZE, run_before=run_before)


def test_stats(snap_compare, make_app, settle, with_history):
    app = with_history(make_app())

    async def run_before(pilot):
        await settle(pilot)
        await pilot.app.push_screen(StatsScreen())
        await settle(pilot)

    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)
