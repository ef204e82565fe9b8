"""Snapshots of the main screens at 100×30 (update with --snapshot-update after a deliberate change)."""

from __future__ import annotations

from datetime import timedelta

from textual.widgets import TextArea

from tutor.ui.screens.exam import ExamResultScreen
from tutor.ui.screens.stats import StatsScreen
from tutor.ui.screens.study import StudyScreen

SIZE = (100, 30)
ANSWER = "We step against the gradient. The learning rate scales the step."


async def _settle(pilot) -> None:
    await pilot.pause()
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()
    await pilot.wait_for_scheduled_animations()
    await pilot.pause(0.2)  # let call_after_refresh work (e.g. scrolling to the grade) land


def _with_history(app):
    now = app.clock()
    for i, (qid, rating) in enumerate([("a.01", "good"), ("a.02", "again"), ("b.01", "easy")]):
        app.scheduler.review(qid, rating, now=now - timedelta(days=3 - i))
    return app


def test_home(snap_compare, make_app):
    app = _with_history(make_app())
    assert snap_compare(app, terminal_size=SIZE, run_before=_settle)


def test_study_before_submit(snap_compare, make_app):
    async def run_before(pilot):
        await _settle(pilot)
        await pilot.app.push_screen(StudyScreen())
        await _settle(pilot)
        pilot.app.screen.query_one("#answer", TextArea).insert(ANSWER)
        await _settle(pilot)

    assert snap_compare(make_app(), terminal_size=SIZE, run_before=run_before)


def test_study_after_submit(snap_compare, make_app):
    async def run_before(pilot):
        await _settle(pilot)
        await pilot.app.push_screen(StudyScreen())
        await _settle(pilot)
        pilot.app.screen.query_one("#answer", TextArea).insert(ANSWER)
        await pilot.press("ctrl+s")
        await _settle(pilot)
        # the app scrolls to the grade after the next refresh; pin the final position
        screen = pilot.app.screen
        screen.query_one("#study").scroll_to_widget(
            screen.query_one("#result"), top=True, animate=False
        )
        await _settle(pilot)

    assert snap_compare(make_app(), terminal_size=SIZE, run_before=run_before)


def test_exam_result(snap_compare, make_app):
    details = {
        "mark": 24,
        "lode": False,
        "passed": True,
        "mean_score": 0.8,
        "label": "24/30",
        "breakdown": [
            {
                "id": "a.01",
                "score": 1.0,
                "verdict": "correct",
                "points": 7.5,
                "missed": [],
                "misconceptions": [],
            },
            {
                "id": "b.02",
                "score": 0.6,
                "verdict": "partial",
                "points": 4.5,
                "missed": ["Minibatch noise."],
                "misconceptions": [],
            },
            {
                "id": "c.03",
                "score": 0.9,
                "verdict": "correct",
                "points": 6.8,
                "missed": [],
                "misconceptions": [],
            },
            {
                "id": "d.04",
                "score": 0.7,
                "verdict": "correct",
                "points": 5.2,
                "missed": [],
                "misconceptions": ["We follow the gradient uphill."],
            },
        ],
    }

    async def run_before(pilot):
        await _settle(pilot)
        await pilot.app.push_screen(ExamResultScreen(details))
        await _settle(pilot)

    assert snap_compare(make_app(), terminal_size=SIZE, run_before=run_before)


def test_stats(snap_compare, make_app):
    app = _with_history(make_app())

    async def run_before(pilot):
        await _settle(pilot)
        await pilot.app.push_screen(StatsScreen())
        await _settle(pilot)

    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)
