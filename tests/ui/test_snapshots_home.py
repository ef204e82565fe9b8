"""Snapshots of the screens outside study and exam, at 80×24 (update with --snapshot-update
after looking at the new SVG)."""

from __future__ import annotations

from datetime import timedelta

from textual.widgets import Input

from tutor.ui.screens.drill import DrillScreen
from tutor.ui.screens.export import ExportScreen

SIZE = (80, 24)


async def _settle(pilot) -> None:
    await pilot.pause()
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()
    await pilot.wait_for_scheduled_animations()
    await pilot.pause(0.2)


def _with_history(app):
    now = app.clock()
    for i, (qid, rating) in enumerate([("a.01", "good"), ("a.02", "again"), ("b.01", "easy")]):
        app.scheduler.review(qid, rating, now=now - timedelta(days=3 - i))
    return app


def test_home_in_italian_80x24(snap_compare, make_app):
    """Mastery %, every footer key and the Italian labels fit 80 columns (findings 17, 18)."""
    app = _with_history(make_app(lang="it"))
    assert snap_compare(app, terminal_size=SIZE, run_before=_settle)


def test_help_of_home_80x24(snap_compare, make_app):
    async def run_before(pilot):
        await _settle(pilot)
        await pilot.press("f1")
        await _settle(pilot)

    assert snap_compare(make_app(), terminal_size=SIZE, run_before=run_before)


def test_drill_checked_80x24(snap_compare, make_app):
    """Every field keeps its row and its ✓/✗ after checking (finding 5)."""

    async def run_before(pilot):
        await _settle(pilot)
        screen = DrillScreen("sgd-step", seed=3)
        await pilot.app.push_screen(screen)
        await _settle(pilot)
        first = screen.exercise.fields[0]
        screen.query_one(f"#in-{first.key}", Input).value = str(first.expected_json())
        await _settle(pilot)  # typing scrolls the field into view; checking scrolls after
        await pilot.press("ctrl+s")
        await _settle(pilot)

    assert snap_compare(make_app(), terminal_size=SIZE, run_before=run_before)


def test_export_error_in_view_80x24(snap_compare, make_app, tmp_path):
    """The problem is under its field and on screen (finding 6)."""

    async def run_before(pilot):
        await _settle(pilot)
        screen = ExportScreen()
        await pilot.app.push_screen(screen)
        await _settle(pilot)
        # a fixed path, so that the picture is the same on every machine
        screen.query_one("#path", Input).value = "/nonexistent-folder/deck.apkg"
        await pilot.press("ctrl+e")
        await _settle(pilot)

    assert snap_compare(make_app(), terminal_size=SIZE, run_before=run_before)
