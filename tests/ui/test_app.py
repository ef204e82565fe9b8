"""The app frame: its language (option, setting, locale, ctrl+l) and the one worker-error handler."""

from __future__ import annotations

import sys

from textual import work
from textual.screen import Screen

from tutor.errors import TutorError
from tutor.store import Store
from tutor.ui.app import ERROR_LOG, LANG_SETTING, WorkerErrors, initial_lang
from tutor.ui.keys import TutorFooter
from tutor.ui.screens.home import HomeScreen


async def settle(app, pilot) -> None:
    await pilot.pause()
    await app.workers.wait_for_complete()
    await pilot.pause()


def test_language_comes_from_the_option_then_the_setting_then_the_locale(tmp_path):
    with Store.open_in(tmp_path) as store:
        italian = {"LANG": "it_IT.UTF-8"}
        assert initial_lang(store, None, {}) == "en"
        assert initial_lang(store, None, italian) == "it"
        assert initial_lang(store, None, {"LC_ALL": "en_GB.UTF-8", **italian}) == "en"
        assert initial_lang(store, None, {"LC_MESSAGES": "it_CH", "LANG": "C"}) == "it"
        store.set_setting(LANG_SETTING, "en")
        assert initial_lang(store, None, italian) == "en"  # chosen in the app: remembered
        assert initial_lang(store, "it", {}) == "it"  # --lang wins
        store.set_setting(LANG_SETTING, "klingon")
        assert initial_lang(store, None, italian) == "it"  # a bad setting is ignored


async def test_ctrl_l_switches_every_screen_and_is_remembered(make_app):
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(app, pilot)
        await pilot.press("b")
        await settle(app, pilot)
        await pilot.press("ctrl+l")  # from the browse search box
        await settle(app, pilot)
        assert app.lang == "it" and app.store.get_setting(LANG_SETTING) == "it"
        descriptions = [k.description for k in app.screen.query_one(TutorFooter).children]
        assert "Indietro" in descriptions and "Back" not in descriptions
        assert app.sub_title
        await pilot.press("escape")
        await settle(app, pilot)
        home = app.screen
        assert isinstance(home, HomeScreen)
        assert "Oggi" in str(home.query_one("#today").render())  # the screen below followed


async def test_the_palette_offers_the_language_switch(make_app):
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(app, pilot)
        titles = [c.title for c in app.get_system_commands(app.screen)]
        assert "Switch to Italian" in titles


class Failing(WorkerErrors, Screen):
    """A screen whose background work fails, the way a locked database or a bug would."""

    def __init__(self, error: BaseException) -> None:
        super().__init__()
        self.error = error

    def on_mount(self) -> None:
        self.fail()

    @work(thread=True, exit_on_error=False)
    def fail(self) -> None:
        raise self.error


async def test_a_tutor_error_in_a_worker_is_its_own_message(make_app):
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(app, pilot)
        app.push_screen(Failing(TutorError("progress database is locked by another tutor")))
        await settle(app, pilot)
        assert app.is_running and isinstance(app.screen, Failing)
        assert [n.message for n in app._notifications] == [
            "progress database is locked by another tutor"
        ]


async def test_any_other_error_is_one_line_and_logged_in_full(make_app, tmp_path):
    app = make_app(lang="it")
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(app, pilot)
        app.push_screen(Failing(RuntimeError("disk on fire\nsecond line")))
        await settle(app, pilot)
        assert app.is_running
        (note,) = [n.message for n in app._notifications]
        assert "\n" not in note and "RuntimeError: disk on fire" in note
        assert "Qualcosa è andato storto" in note and str(tmp_path / ERROR_LOG) in note
        log = (tmp_path / ERROR_LOG).read_text(encoding="utf-8")
        assert "Traceback" in log and "second line" in log


def test_tutor_lang_it_in_a_real_terminal(tmux, tmp_path):
    session = tmux(
        [sys.executable, "-m", "tutor", "--lang", "it", "--data-dir", str(tmp_path)],
        size=(80, 24),
    )
    screen = session.wait_for(lambda s: "Argomento" in s and "Studia" in s)
    assert "Oggi" in screen
    session.keys("C-l")
    session.wait_for("Topic")
    session.keys("C-q")
    assert session.exit_status() == 0
    with Store.open_in(tmp_path) as store:
        assert store.get_setting(LANG_SETTING) == "en"


def test_the_locale_sets_the_first_language(tmux, tmp_path):
    session = tmux(
        [sys.executable, "-m", "tutor", "--data-dir", str(tmp_path)],
        size=(80, 24),
        env={"LANG": "it_IT.UTF-8", "LC_ALL": "", "LC_MESSAGES": ""},
    )
    session.wait_for("Argomento")
    session.keys("C-q")
    assert session.exit_status() == 0
