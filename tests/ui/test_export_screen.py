"""The export dialog: opened from home with x, writes the file, reports errors on screen."""

from __future__ import annotations

import json

from textual.widgets import Checkbox, Input, Select, SelectionList, Static

from tutor.ui.screens.export import ExportScreen
from tutor.ui.screens.home import HomeScreen


async def settle(app, pilot) -> None:
    await pilot.pause()
    await app.workers.wait_for_complete()
    await pilot.pause()


def status(screen) -> str:
    """The result line, or the problem shown under the field it is about."""
    lines = [screen.query_one("#export-status", Static), *screen.query(".field-error.shown")]
    return " ".join(str(line.render()) for line in lines)


async def open_dialog(app, pilot) -> ExportScreen:
    await settle(app, pilot)
    await pilot.press("x")
    await settle(app, pilot)
    assert isinstance(app.screen, ExportScreen)
    return app.screen


async def test_default_export_writes_apkg_in_data_dir(make_app, tmp_path):
    app = make_app()
    async with app.run_test(size=(110, 40)) as pilot:
        screen = await open_dialog(app, pilot)
        assert screen.query_one("#path", Input).value == str(tmp_path / "cidl-tutor.apkg")
        await pilot.click("#export-button")
        await settle(app, pilot)
        assert screen.last_error is None, screen.last_error
        assert screen.last_result.questions == 20 and screen.last_result.format == "apkg"
        assert (tmp_path / "cidl-tutor.apkg").stat().st_size > 1000
        assert "Exported 20 questions" in status(screen)
        await pilot.press("escape")
        await settle(app, pilot)
        assert isinstance(app.screen, HomeScreen)


async def test_format_topics_ids_lang_and_overwrite(make_app, tmp_path):
    app = make_app()
    async with app.run_test(size=(110, 40)) as pilot:
        screen = await open_dialog(app, pilot)
        screen.query_one("#format", Select).value = "json"
        await settle(app, pilot)
        path = screen.query_one("#path", Input).value
        assert path.endswith("cidl-tutor.json")  # the extension follows the format
        screen.query_one("#lang", Select).value = "it"
        topics = screen.query_one("#topics", SelectionList)
        topics.deselect_all()
        topics.select("b")
        await settle(app, pilot)
        screen.action_export()
        await settle(app, pilot)
        doc = json.loads((tmp_path / "cidl-tutor.json").read_text(encoding="utf-8"))
        assert [q["id"] for q in doc["questions"]] == [f"b.{i:02d}" for i in range(1, 6)]
        assert doc["languages"] == ["it"]
        # the same file again: refused without the checkbox, nothing changed
        screen.query_one("#ids", Input).value = "c.02, a.01"
        screen.action_export()
        await settle(app, pilot)
        assert "already exists" in status(screen) and screen.last_result is None
        assert len(json.loads((tmp_path / "cidl-tutor.json").read_text())["questions"]) == 5
        screen.query_one("#force", Checkbox).value = True
        screen.action_export()
        await settle(app, pilot)
        doc = json.loads((tmp_path / "cidl-tutor.json").read_text(encoding="utf-8"))
        assert [q["id"] for q in doc["questions"]] == ["a.01", "c.02"]  # ids override topics


async def test_errors_are_shown_and_leave_no_file(make_app, tmp_path):
    app = make_app()
    async with app.run_test(size=(110, 40)) as pilot:
        screen = await open_dialog(app, pilot)
        screen.query_one("#path", Input).value = str(tmp_path / "missing" / "deck.apkg")
        screen.action_export()
        await settle(app, pilot)
        assert "does not exist" in status(screen) and screen.last_result is None
        screen.query_one("#path", Input).value = str(tmp_path / "deck.csv")
        screen.query_one("#ids", Input).value = "a.77"
        screen.action_export()
        await settle(app, pilot)
        assert "Unknown question id: a.77" in status(screen)
        screen.query_one("#ids", Input).value = ""
        screen.query_one("#topics", SelectionList).deselect_all()
        screen.action_export()
        await settle(app, pilot)
        assert "at least one topic" in status(screen)
    assert not (tmp_path / "deck.csv").exists() and not (tmp_path / "missing").exists()


async def test_format_change_with_a_path_that_has_no_file_name(make_app):
    app = make_app()
    async with app.run_test(size=(110, 40)) as pilot:
        screen = await open_dialog(app, pilot)
        for typed in (".", "/"):
            screen.query_one("#path", Input).value = typed
            screen.query_one("#format", Select).value = "md" if typed == "." else "csv"
            await settle(app, pilot)  # Path(typed).with_suffix() used to crash the app
            assert screen.query_one("#path", Input).value == typed
        assert isinstance(app.screen, ExportScreen)
