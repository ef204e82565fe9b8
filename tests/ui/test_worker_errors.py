"""Every failure reaches the app's one handler, which says it once in the app's language.

The screens' own work (grading, storing a draft, reading the statistics) fails the way a
locked or damaged database makes it fail; the tests read what the student is told.
"""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import pytest
from textual.screen import Screen

import tutor.ui.screens
from tutor.errors import TutorError
from tutor.i18n import errors as E
from tutor.ui.app import WorkerErrors
from tutor.ui.screens.exam import ExamScreen
from tutor.ui.screens.home import HomeScreen
from tutor.ui.screens.study import StudyScreen

SCREENS = Path(tutor.ui.screens.__file__).parent
#: The demo screen belongs to the demo engineers (its runner has its own error path).
NOT_HERE = {"demo.py"}


def locked(path: str = "/data/progress.sqlite3") -> TutorError:
    return TutorError(E.DB_CANNOT_WRITE, path=path, reason="database is locked")


async def settle(app, pilot, rounds: int = 3) -> None:
    for _ in range(rounds):
        await pilot.pause()
        await app.workers.wait_for_complete()
    await pilot.pause()


def messages(app) -> list[str]:
    return [n.message for n in app._notifications]


def _screen_modules() -> list[Path]:
    return sorted(p for p in SCREENS.glob("*.py") if p.name not in NOT_HERE | {"__init__.py"})


def _is_work(decorator: ast.expr) -> bool:
    target = decorator.func if isinstance(decorator, ast.Call) else decorator
    return isinstance(target, ast.Name) and target.id == "work"


@pytest.mark.parametrize("path", _screen_modules(), ids=lambda p: p.name)
def test_every_screen_that_starts_workers_reports_their_failures_to_the_app(path):
    module = importlib.import_module(f"tutor.ui.screens.{path.stem}")
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in tree.body:  # the module's classes (nested ones are messages)
        if not isinstance(node, ast.ClassDef):
            continue
        workers = [
            f.name
            for f in node.body
            if isinstance(f, ast.FunctionDef | ast.AsyncFunctionDef)
            and any(_is_work(d) for d in f.decorator_list)
        ]
        cls = getattr(module, node.name)
        if workers and issubclass(cls, Screen):
            assert issubclass(cls, WorkerErrors), f"{node.name} starts {workers}"


@pytest.mark.parametrize("path", _screen_modules(), ids=lambda p: p.name)
def test_no_screen_catches_an_error_to_notify_it_itself(path):
    """A caught failure goes to ``app.report_error`` (one wording, one language, the log)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for handler in (n for n in ast.walk(tree) if isinstance(n, ast.ExceptHandler)):
        calls = [n for n in ast.walk(handler) if isinstance(n, ast.Call)]
        names = {c.func.attr for c in calls if isinstance(c.func, ast.Attribute)}
        assert "notify" not in names, f"{path.name}:{handler.lineno}"


async def test_an_error_of_a_worker_is_said_in_the_apps_language(make_app, monkeypatch):
    app = make_app(lang="it")
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(app, pilot)

        def failing(*args, **kwargs):
            raise locked()

        monkeypatch.setattr(app.scheduler, "stats", failing)
        app.screen.refresh_stats()  # the home figures, re-read on return to home
        await settle(app, pilot)
        assert messages(app) == [
            "impossibile scrivere il database dei progressi /data/progress.sqlite3: "
            "database is locked"
        ]


async def test_home_on_a_database_it_cannot_read_says_so_in_italian(make_app, monkeypatch):
    app = make_app(lang="it")

    def failing(*args, **kwargs):
        raise TutorError(E.DB_CANNOT_READ, path="/data/p.sqlite3", reason="disk I/O error")

    monkeypatch.setattr(app.scheduler, "stats", failing)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(app, pilot)
        assert isinstance(app.screen, HomeScreen) and app.is_running
        assert messages(app) == [
            "impossibile leggere il database dei progressi /data/p.sqlite3: disk I/O error"
        ]


@pytest.mark.parametrize("screen_type", [StudyScreen, ExamScreen], ids=["study", "exam"])
async def test_a_draft_that_cannot_be_kept_on_leaving_is_said_once(
    make_app, monkeypatch, screen_type
):
    app = make_app(lang="it")
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(app, pilot)
        screen = StudyScreen() if screen_type is StudyScreen else ExamScreen(["a.01", "b.01"])
        app.push_screen(screen)
        await settle(app, pilot)
        screen.answer.insert("half an answer")

        def failing(*args, **kwargs):
            raise locked()

        monkeypatch.setattr(app.store, "save_draft", failing)
        screen.save_draft()  # what quitting or abandoning does
        await settle(app, pilot)
        assert app.is_running
        assert messages(app) == [
            "impossibile scrivere il database dei progressi /data/progress.sqlite3: "
            "database is locked"
        ]


async def test_an_unexpected_error_met_on_the_ui_thread_is_logged_like_a_workers(
    make_app, monkeypatch, tmp_path
):
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(app, pilot)
        app.push_screen(StudyScreen())
        await settle(app, pilot)

        def failing(*args, **kwargs):
            raise OSError(28, "No space left on device")

        monkeypatch.setattr(app.store, "save_draft", failing)
        app.screen.save_draft()
        await settle(app, pilot)
        (note,) = messages(app)
        assert "OSError" in note and "No space left on device" in note
        assert "No space left on device" in (tmp_path / "errors.log").read_text(encoding="utf-8")
