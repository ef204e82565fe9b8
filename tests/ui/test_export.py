"""The export dialog as the walk used it (finding 6): keys from the file box, errors in view."""

from __future__ import annotations

import json
import sqlite3
import zipfile

from textual.widgets import Input, Label, Select, Static

from tutor.ui.screens.export import ExportScreen


async def settle(app, pilot) -> None:
    await pilot.pause()
    await app.workers.wait_for_complete()
    await pilot.pause()


async def open_dialog(app, pilot) -> ExportScreen:
    await settle(app, pilot)
    await pilot.press("x")
    await settle(app, pilot)
    assert isinstance(app.screen, ExportScreen)
    return app.screen


def error_line(screen: ExportScreen, field: str) -> Static:
    return screen.query_one(f"#{field}-error", Static)


def in_view(screen: ExportScreen, widget, height: int) -> bool:
    region = widget.region
    return region.height > 0 and region.y > 0 and region.bottom < height - 1  # above the footer


async def test_ctrl_e_exports_from_the_file_box(make_app, tmp_path):
    """The file box binds ctrl+e (cursor to the end): the dialog's key did nothing there."""
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_dialog(app, pilot)
        screen.query_one("#path", Input).focus()
        await pilot.press("ctrl+e")
        await settle(app, pilot)
        assert screen.last_result is not None and screen.last_result.format == "apkg"
        assert (tmp_path / "cidl-tutor.apkg").exists()


async def test_errors_are_under_their_field_and_in_view_at_80x24(make_app, tmp_path):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_dialog(app, pilot)
        screen.query_one("#path", Input).value = str(tmp_path / "missing" / "deck.apkg")
        await pilot.press("ctrl+e")
        await settle(app, pilot)
        line = error_line(screen, "path")
        assert "does not exist" in str(line.render())
        assert in_view(screen, line, 24), line.region
        assert screen.query_one("#path", Input).has_focus
        screen.query_one("#path", Input).value = str(tmp_path / "deck.apkg")
        screen.query_one("#ids", Input).value = "a.01, a.77"
        await pilot.press("ctrl+e")
        await settle(app, pilot)
        assert "a.77" in str(error_line(screen, "ids").render())
        assert not error_line(screen, "path").has_class("shown")  # one problem shown at a time
        assert in_view(screen, error_line(screen, "ids"), 24)
    assert not (tmp_path / "deck.apkg").exists()


async def test_overwrite_error_points_at_the_checkbox(make_app, tmp_path):
    (tmp_path / "cidl-tutor.apkg").write_bytes(b"old deck")
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_dialog(app, pilot)
        await pilot.press("ctrl+e")
        await settle(app, pilot)
        message = str(error_line(screen, "path").render())
        assert "Overwrite an existing file" in message and "--force" not in message
        assert (tmp_path / "cidl-tutor.apkg").read_bytes() == b"old deck"


async def test_the_file_name_follows_the_format_and_a_mismatch_is_refused(make_app, tmp_path):
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await open_dialog(app, pilot)
        path = screen.query_one("#path", Input)
        screen.query_one("#format", Select).value = "md"
        await settle(app, pilot)
        assert path.value.endswith("cidl-tutor.md")
        path.value = str(tmp_path / "cidl-sheet.md")
        screen.query_one("#format", Select).value = "apkg"
        await settle(app, pilot)
        assert path.value.endswith("cidl-sheet.apkg")  # a known extension follows the format
        path.value = str(tmp_path / "cidl-sheet.md")  # typed back by hand, format still Anki
        await pilot.press("ctrl+e")
        await settle(app, pilot)
        message = str(error_line(screen, "path").render())
        assert ".apkg" in message and "cidl-sheet.md" in message
        assert not (tmp_path / "cidl-sheet.md").exists()


async def test_apkg_has_only_the_course_decks(make_app, tmp_path):
    """genanki adds Anki's empty 'Default' deck to every package."""
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await open_dialog(app, pilot)
        await pilot.press("ctrl+e")
        await settle(app, pilot)
        assert screen.last_error is None
    with zipfile.ZipFile(tmp_path / "cidl-tutor.apkg") as zf:
        (tmp_path / "col.anki2").write_bytes(zf.read("collection.anki2"))
    with sqlite3.connect(tmp_path / "col.anki2") as conn:
        decks_json, conf_json = conn.execute("SELECT decks, conf FROM col").fetchone()
        used = {row[0] for row in conn.execute("SELECT DISTINCT did FROM cards")}
    decks = json.loads(decks_json)
    assert sorted(d["name"].split("::")[0] for d in decks.values()) == ["CIDL"] * 4
    assert {int(k) for k in decks} == used
    assert json.loads(conf_json)["curDeck"] in used


async def test_dialog_in_italian(make_app, tmp_path):
    app = make_app(lang="it")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_dialog(app, pilot)
        assert str(screen.query_one("#format-label", Label).render()) == "Formato"
        screen.query_one("#ids", Input).value = "z.99"
        await pilot.press("ctrl+e")
        await settle(app, pilot)
        assert "sconosciuto" in str(error_line(screen, "ids").render())
        await pilot.press("ctrl+l")
        await settle(app, pilot)
        assert str(screen.query_one("#format-label", Label).render()) == "Format"
        assert screen.query_one("#ids", Input).value == "z.99"  # nothing typed is lost
