"""Help per screen, built from the bindings, in the app's language (walk finding 16)."""

from __future__ import annotations

import io
import re
from pathlib import Path
from types import SimpleNamespace

import pytest
from rich.console import Console
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Static

from tutor.i18n import Label
from tutor.session import exam_details
from tutor.ui.screens.browse import BrowseScreen, QuestionScreen
from tutor.ui.screens.demo import DemoScreen
from tutor.ui.screens.drill import DrillScreen
from tutor.ui.screens.exam import ExamResultScreen, ExamScreen, ExamSetupScreen
from tutor.ui.screens.export import ExportScreen
from tutor.ui.screens.help import HelpScreen
from tutor.ui.screens.lists import DemoListScreen, DrillListScreen, LinkedScreen
from tutor.ui.screens.stats import StatsScreen
from tutor.ui.screens.study import StudyScreen

ONE_SUB = [
    SimpleNamespace(
        question_id="a.01", score=0.5, result=None, attempt_id=1, asked=(), judged=False
    )
]

SCREENS = {
    "home": None,
    "browse": BrowseScreen,
    "question": lambda: QuestionScreen("a.01"),
    "stats": StatsScreen,
    "demos": DemoListScreen,
    "drills": DrillListScreen,
    "drill": lambda: DrillScreen("sgd-step", seed=1),
    "export": ExportScreen,
    "study": StudyScreen,
    "exam setup": ExamSetupScreen,
    "exam": lambda: ExamScreen(["a.01", "b.01"]),
    "exam result": lambda: ExamResultScreen(exam_details(ONE_SUB), ONE_SUB),
    "linked": lambda: LinkedScreen("a.01"),
    "demo": lambda: DemoScreen("vq-vae"),  # the walk found no help for its keys
}


@pytest.fixture(autouse=True)
def no_demo_runs(monkeypatch):
    """The demo screen's sheet is read without starting a child process."""
    monkeypatch.setattr(DemoScreen, "start_run", lambda self: None)


async def settle(app, pilot) -> None:
    await pilot.pause()
    await app.workers.wait_for_complete()
    await pilot.pause()


def sheet_text(help_screen: HelpScreen) -> str:
    console = Console(file=io.StringIO(), width=120, color_system=None)
    console.print(help_screen.query_one("#help-sheet", Static).content)
    return console.file.getvalue()


def own_bindings(screen: Screen) -> list:
    """The screen's bindings with a description (Textual's inherited ones excepted)."""
    return [
        b
        for _, b in screen._bindings  # the merged BINDINGS of the class and its bases
        if isinstance(b.description, Label)
    ]


@pytest.mark.parametrize("lang", ["en", "it"])
@pytest.mark.parametrize("name", list(SCREENS))
async def test_help_lists_every_key_of_the_screen_and_of_the_app(make_app, name, lang):
    app = make_app(lang=lang)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        if SCREENS[name] is not None:
            app.push_screen(SCREENS[name]())
            await settle(app, pilot)
        screen = app.screen
        await pilot.press("f1")  # f1 works even where a text box has the focus
        await settle(app, pilot)
        assert isinstance(app.screen, HelpScreen) and app.screen.for_screen is screen
        text = sheet_text(app.screen)
        expected = own_bindings(screen) + [
            b for _, b in app._bindings if isinstance(b.description, Label)
        ]
        missing = [
            (b.key, b.description.text(lang))
            for b in expected
            if b.description.text(lang) not in text or app.get_key_display(b) not in text
        ]
        # the demo screen (also a standalone app) names its keys in the language it runs in
        for action, description in getattr(screen, "_DESCRIPTIONS", {}).items():
            if description(lang) not in text:
                missing.append((action, description(lang)))
        assert not missing, f"{name}: {missing}\n{text}"
        for key, description in getattr(screen, "HELP_KEYS", ()):
            shown = app.get_key_display(Binding(key, ""))
            assert (key in text or shown in text) and description(lang) in text
        title = getattr(screen, "HELP_TITLE", None)
        assert title is not None and title(lang) in text.splitlines()[0]
        await pilot.press("escape")
        await settle(app, pilot)
        assert app.screen is screen


async def test_browse_help_has_its_ctrl_keys(make_app):
    """The walk found no help at all for browse's ctrl+d/l/f/o."""
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        await pilot.press("b")
        await settle(app, pilot)
        await pilot.press("f1")
        await settle(app, pilot)
        text = sheet_text(app.screen)
        for key in ("^d", "^l", "^f", "^o"):
            assert key in text, key


async def test_a_screen_sheet_fits_a_24_row_terminal(make_app):
    """One line per key: the ruled Markdown table gave ~6 keys per screen."""
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        await pilot.press("f1")
        await settle(app, pilot)
        text = sheet_text(app.screen)
        own = text.split("Everywhere")[0].strip().splitlines()
        assert len(own) <= 18, own  # title, heading and one line per home key


#: What the student must be able to read in the sheet, by screen and language.
NOTES = {
    ("study", "en"): [
        "Follow-ups: when key points are missing",
        "ctrl+n passes",
        "The card is yours to correct: o (or Tab)",
        "enter accepts it",
        "Saving: the attempt is saved the moment it is graded",
        "up to 2 of them",
    ],
    ("study", "it"): [
        "Domande aggiuntive: se mancano punti chiave",
        "ctrl+n passa",
        "La scheda la puoi correggere tu: o (o Tab)",
        "invio lo accetta",
        "Salvataggio: il tentativo è salvato appena valutato",
        "al massimo 2 prima della scheda",
    ],
    ("exam", "en"): [
        "ctrl+n to pass (it counts nothing",
        "The mark: each answer's points are its score × 30",
        "rounded half up",
        "Saving: each answer is saved when it is submitted",
        "up to 2 missed key points",
    ],
    ("exam", "it"): [
        "ctrl+n per passare (non conta nulla",
        "Il voto: i punti di ogni risposta sono il suo punteggio × 30",
        "arrotondata da ,5 in su",
        "Salvataggio: ogni risposta è salvata quando la invii",
        "al massimo 2 punti chiave",
    ],
}


@pytest.mark.parametrize(("name", "lang"), list(NOTES))
async def test_study_and_exam_sheets_say_how_grading_rating_and_saving_work(make_app, name, lang):
    app = make_app(lang=lang)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        app.push_screen(SCREENS[name]())
        await settle(app, pilot)
        await pilot.press("f1")
        await settle(app, pilot)
        text = " ".join(sheet_text(app.screen).split())
        missing = [phrase for phrase in NOTES[name, lang] if phrase not in text]
        assert not missing, text


README = Path(__file__).resolve().parents[2] / "README.md"


def _readme_home_keys() -> list[str]:
    """The keys of the README's table of the home screen (``| `s` / `c` | … |``)."""
    section = README.read_text(encoding="utf-8").split("### The study app", 1)[1]
    rows = [line for line in section.split("### ", 1)[0].splitlines() if line.startswith("| `")]
    return [key for row in rows for key in re.findall(r"`([^`]+)`", row.split("|")[1])]


async def test_the_readme_names_the_keys_the_home_screen_has(make_app):
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(app, pilot)
        home = app.screen
        bound = {k for k, _ in home._bindings} | {k for k, _ in app._bindings}
        bound |= {key for key, _ in home.HELP_KEYS}
        bound |= {app.get_key_display(b) for _, b in (*home._bindings, *app._bindings)}
        keys = _readme_home_keys()
        assert len(keys) >= 10
        assert [k for k in keys if k not in bound] == []


async def test_a_key_the_screen_binds_is_listed_once(make_app):
    """The exam result binds enter itself and also names it for its table: one line."""
    app = make_app()
    subs = [
        SimpleNamespace(
            question_id="a.01", score=0.5, result=None, attempt_id=1, asked=(), judged=False
        )
    ]
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        app.push_screen(ExamResultScreen(exam_details(subs), subs))
        await settle(app, pilot)
        await pilot.press("f1")
        await settle(app, pilot)
        assert sheet_text(app.screen).count("Open the question") == 1
