"""Snapshots of the screens outside study and exam, at 80×24 (update with --snapshot-update
after looking at the new SVG)."""

from __future__ import annotations

from textual.widgets import Input

from tutor.ui.screens.drill import DrillScreen
from tutor.ui.screens.export import ExportScreen

SIZE = (80, 24)


def test_home_in_italian_80x24(snap_compare, make_app, settle, with_history):
    """Mastery %, every footer key and the Italian labels fit 80 columns (findings 17, 18)."""
    app = with_history(make_app(lang="it"))
    assert snap_compare(app, terminal_size=SIZE, run_before=settle)


def test_help_of_home_80x24(snap_compare, make_app, settle):
    async def run_before(pilot):
        await settle(pilot)
        await pilot.press("f1")
        await settle(pilot)

    assert snap_compare(make_app(), terminal_size=SIZE, run_before=run_before)


def test_drill_checked_80x24(snap_compare, make_app, settle):
    """Every field keeps its row and its ✓/✗ after checking (finding 5)."""

    async def run_before(pilot):
        await settle(pilot)
        screen = DrillScreen("sgd-step", seed=3)
        await pilot.app.push_screen(screen)
        await settle(pilot)
        first = screen.exercise.fields[0]
        screen.query_one(f"#in-{first.key}", Input).value = str(first.expected_json())
        await settle(pilot)  # typing scrolls the field into view; checking scrolls after
        await pilot.press("ctrl+s")
        await settle(pilot)

    assert snap_compare(make_app(), terminal_size=SIZE, run_before=run_before)


def test_export_error_in_view_80x24(snap_compare, make_app, tmp_path, settle):
    """The problem is under its field and on screen (finding 6)."""

    async def run_before(pilot):
        await settle(pilot)
        screen = ExportScreen()
        await pilot.app.push_screen(screen)
        await settle(pilot)
        # a fixed path, so that the picture is the same on every machine
        screen.query_one("#path", Input).value = "/nonexistent-folder/deck.apkg"
        await pilot.press("ctrl+e")
        await settle(pilot)

    assert snap_compare(make_app(), terminal_size=SIZE, run_before=run_before)
