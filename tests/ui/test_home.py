"""Home at 80×24 and in Italian (walk findings 17, 18): mastery and every footer key in view."""

from __future__ import annotations

import pytest
from textual.widgets import DataTable, Static

from quizbank import load_bank
from tests.conftest import write_mini_bank
from tutor.ui.keys import TutorFooter
from tutor.ui.screens.home import HomeScreen


async def settle(app, pilot) -> None:
    await pilot.pause()
    await app.workers.wait_for_complete()
    await pilot.pause()


@pytest.fixture
def long_titles(tmp_path_factory):
    """Topic titles as long as the real bank's (f: "Vector Quantized Variational…")."""
    d = write_mini_bank(tmp_path_factory.mktemp("long"), topics="ab")
    for f in d.glob("*.yaml"):
        text = f.read_text(encoding="utf-8")
        f.write_text(
            text.replace(
                "title: {en: Topic a, it: Argomento a}",
                "title: {en: Vector Quantized Variational Autoencoders (VQ-VAE), "
                "it: Autoencoder variazionali a quantizzazione vettoriale (VQ-VAE)}",
            ),
            encoding="utf-8",
        )
    return load_bank([d], include_builtin=False)


def footer_fits(screen, width: int) -> bool:
    footer = screen.query_one(TutorFooter)
    keys = list(footer.children)
    return bool(keys) and all(k.region.right <= width and k.region.width > 0 for k in keys)


@pytest.mark.parametrize("size", [(80, 24), (120, 35)])
@pytest.mark.parametrize("lang", ["en", "it"])
async def test_every_column_and_footer_key_in_view(make_app, long_titles, lang, size):
    app = make_app(long_titles, lang=lang)
    app.scheduler.review("a.01", "good", now=app.clock())
    async with app.run_test(size=size) as pilot:
        await settle(app, pilot)
        screen = app.screen
        assert isinstance(screen, HomeScreen)
        table = screen.query_one("#topics", DataTable)
        assert table.virtual_size.width <= table.size.width  # no column past the right edge
        mastery = [str(table.get_row_at(i)[-1]) for i in range(table.row_count)]
        assert all("%" in m for m in mastery), mastery
        if size[0] < 100:
            assert str(table.get_row_at(0)[0]).endswith("…")  # the long title is cut, marked
        assert footer_fits(screen, size[0])


async def test_home_speaks_italian_and_switches_with_ctrl_l(make_app):
    app = make_app(lang="it")
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(app, pilot)
        screen = app.screen
        table = screen.query_one("#topics", DataTable)
        assert next(str(c.label) for c in table.columns.values()) == "Argomento"
        assert str(table.get_row_at(0)[0]) == "a  Argomento a"
        assert "Oggi" in str(screen.query_one("#today", Static).render())
        footer = " ".join(k.description for k in screen.query_one(TutorFooter).children)
        assert "Studia" in footer and "Esci" in footer and "Study" not in footer
        await pilot.press("ctrl+l")
        await settle(app, pilot)
        assert app.lang == "en"
        assert next(str(c.label) for c in table.columns.values()) == "Topic"
        footer = " ".join(k.description for k in screen.query_one(TutorFooter).children)
        assert "Study" in footer and "Studia" not in footer


async def test_mastery_is_defined_on_the_home_screen(make_app):
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(app, pilot)
        text = str(app.screen.query_one("#mastery-means", Static).render())
        assert "Mastery" in text and "retrievability" in text


@pytest.mark.parametrize("lang", ["en", "it"])
async def test_columns_fit_after_the_terminal_shrinks(make_app, long_titles, lang):
    """Found in tmux: started at 120×35 and resized to 80×24, the topic column kept its
    wide width and pushed New and Mastery off the screen."""
    app = make_app(long_titles, lang=lang)
    async with app.run_test(size=(120, 35)) as pilot:
        await settle(app, pilot)
        table = app.screen.query_one("#topics", DataTable)
        wide_title = str(table.get_row_at(0)[0])
        await pilot.resize_terminal(80, 24)
        await settle(app, pilot)
        assert table.virtual_size.width <= table.size.width
        assert len(str(table.get_row_at(0)[0])) < len(wide_title)
        await pilot.resize_terminal(120, 35)
        await settle(app, pilot)
        assert str(table.get_row_at(0)[0]) == wide_title  # room again: as long as at start
