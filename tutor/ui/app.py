"""The cidl-tutor Textual app: home, study, exam, browse, stats, demos and drills.

The app owns the long-lived objects (bank, store, scheduler, grader) and
screens reach them through ``self.app``. Core logic lives outside ``tutor.ui``
so it is tested without a terminal; screens only arrange and react.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import sys
from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path

from textual.app import App
from textual.binding import Binding

from quizbank import Bank
from tutor.errors import TutorError
from tutor.scheduling import StudyScheduler
from tutor.store import Store, UnreadableRecord, utcnow
from tutor.ui.palette import QuestionProvider

#: Exit status of an app that stopped on an unexpected error (sysexits' EX_SOFTWARE).
EXIT_CRASH = 70
#: Closing the terminal, or a polite kill: keep what is typed, then leave.
EXIT_SIGNALS = tuple(
    getattr(signal, name) for name in ("SIGHUP", "SIGTERM") if hasattr(signal, name)
)


class TutorApp(App[None]):
    """Study loop for the CIDL oral exam."""

    CSS_PATH = "app.tcss"
    TITLE = "cidl-tutor"
    SUB_TITLE = "Computational Intelligence and Deep Learning"
    COMMANDS = App.COMMANDS | {QuestionProvider}
    BINDINGS = [
        Binding("ctrl+q", "quit", "Quit", show=False),
        Binding("question_mark", "help", "Help", key_display="?"),
        Binding("f1", "help", "Help", show=False),
    ]

    def __init__(
        self,
        bank: Bank,
        store: Store,
        *,
        data_dir: Path,
        lang: str = "en",
        clock: Callable[[], datetime] = utcnow,
        new_per_day: int | None = None,
        fuzz: bool = True,
        handle_signals: bool = False,
    ) -> None:
        super().__init__()
        self.bank = bank
        self.store = store
        self.data_dir = data_dir
        self.lang = lang if lang in ("en", "it") else "en"
        self.clock = clock
        self.handle_signals = handle_signals
        #: The signal (SIGHUP, SIGTERM) that ended the app, if one did.
        self.exit_signal: int | None = None
        self._early_problems: list[str] = []
        self.scheduler = StudyScheduler(
            bank, store, new_per_day=new_per_day, fuzz=fuzz, on_unreadable=self._unreadable
        )
        self._grader = None

    def _unreadable(self, exc: UnreadableRecord) -> None:
        """Show each unreadable record once (from any thread); the app goes on without it."""
        if self.is_running:
            self.notify(exc.message, severity="error", timeout=20, markup=False)
        else:
            self._early_problems.append(exc.message)

    def on_mount(self) -> None:
        for message in self._early_problems:
            self.notify(message, severity="error", timeout=20, markup=False)
        self._early_problems.clear()
        if self.handle_signals:
            loop = asyncio.get_running_loop()
            for sig in EXIT_SIGNALS:
                # not in the main thread, or no such thing on this platform: default action
                with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
                    loop.add_signal_handler(sig, self._exit_on_signal, sig)

    def _exit_on_signal(self, signum: int) -> None:
        """SIGHUP/SIGTERM: save every half-typed answer, then exit with 128 + signal."""
        if self.exit_signal is not None:
            return
        self.exit_signal = signum
        try:
            self.save_drafts()
        finally:
            self.exit(return_code=128 + signum)

    @property
    def grader(self):
        """The grader, built on first use so start-up stays fast."""
        if self._grader is None:
            from tutor.grading import Grader

            self._grader = Grader(self.bank)
        return self._grader

    def get_default_screen(self):
        """Home is the base screen: composed once, with no empty default screen before it."""
        from tutor.ui.screens.home import HomeScreen

        return HomeScreen()

    def save_drafts(self) -> None:
        """Every screen that holds a half-typed answer keeps it as a draft."""
        for screen in self.screen_stack:
            save = getattr(screen, "save_draft", None)
            if callable(save):
                save()

    async def action_quit(self) -> None:
        self.save_drafts()
        self.exit()

    def action_help(self) -> None:
        from tutor.ui.screens.help import HelpScreen

        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen())

    def open_question(self, qid: str) -> None:
        """Show one question (from the command palette, browse or a link)."""
        from tutor.ui.screens.browse import QuestionScreen

        self.push_screen(QuestionScreen(qid))

    def open_demo(self, name: str) -> None:
        """Open a live demo; it runs in a subprocess, so the app never imports torch."""
        try:
            from tutor.ui.screens.demo import DemoScreen
        except ImportError:
            self.notify(f"demo {name!r} is not available in this install", severity="warning")
            return
        self.push_screen(DemoScreen(name, data_dir=self.data_dir))

    def open_drill(self, name: str) -> None:
        try:
            from tutor.drills.registry import names
            from tutor.ui.screens.drill import DrillScreen
        except ImportError:
            self.notify(f"drill {name!r} is not available in this install", severity="warning")
            return
        if name not in names():
            self.notify(f"drill {name!r} is not implemented yet", severity="warning")
            return
        self.push_screen(DrillScreen(name))

    def on_drill_screen_checked(self, message) -> None:
        """Record every checked drill in the study history."""
        self.record_drill(
            message.drill, message.seed, message.difficulty, message.correct, message.total
        )

    def record_drill(
        self, drill: str, seed: int, difficulty: int, correct: int, total: int
    ) -> None:
        try:
            self.store.add_drill_result(drill, seed, difficulty, correct, total, self.clock())
        except TutorError as exc:
            self.notify(exc.message, severity="error", timeout=10)


def run_app(bank_dirs: Sequence[Path] = (), data_dir: Path | None = None) -> int:
    """Open the app (``tutor`` with no command)."""
    from tutor.bankload import load
    from tutor.paths import data_dir as resolve_data_dir

    bank = load(bank_dirs)
    directory = resolve_data_dir(data_dir)
    store = Store.open_in(directory)
    app = TutorApp(bank, store, data_dir=directory, handle_signals=True)
    try:
        app.run()
    except Exception:
        if app.exit_signal is None:
            raise  # the CLI reports it as an internal error, exit 70
    finally:
        store.close()
    if app.exit_signal is not None:
        return 128 + app.exit_signal  # the terminal may be gone: print nothing
    if app.return_code:
        # Textual has printed the traceback and returned: still a failure for the shell.
        print(
            "tutor: the app stopped on an unexpected error (details above); "
            "everything saved before it is kept",
            file=sys.stderr,
        )
        return EXIT_CRASH
    return 0
