"""The cidl-tutor Textual app: home, study, exam, browse, stats, demos and drills.

The app owns the long-lived objects (bank, store, scheduler, grader) and
screens reach them through ``self.app``. Core logic lives outside ``tutor.ui``
so it is tested without a terminal; screens only arrange and react.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import os
import signal
import sys
import traceback
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime
from pathlib import Path

from textual import on, work
from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.notifications import SeverityLevel
from textual.reactive import reactive
from textual.screen import Screen
from textual.worker import Worker, WorkerState

from quizbank import Bank
from tutor.errors import TutorError
from tutor.i18n import LANGS, locale_lang
from tutor.i18n import app as T
from tutor.i18n import browse as B
from tutor.scheduling import StudyScheduler
from tutor.store import Store, UnreadableRecord, utcnow
from tutor.ui.palette import QuestionProvider

#: Exit status of an app that stopped on an unexpected error (sysexits' EX_SOFTWARE).
EXIT_CRASH = 70
#: Closing the terminal, or a polite kill: keep what is typed, then leave.
EXIT_SIGNALS = tuple(
    getattr(signal, name) for name in ("SIGHUP", "SIGTERM") if hasattr(signal, name)
)
#: The store setting that remembers the language chosen in the app.
LANG_SETTING = "lang"
#: Where unexpected errors of background work are written in full (in the data directory).
ERROR_LOG = "errors.log"


class WorkerErrors:
    """Mixin for every screen that starts workers: Textual tells only the node that started
    a worker how it ended, so each screen hands its failed workers to
    :meth:`TutorApp.worker_failed`. A screen may also handle ``Worker.StateChanged``
    itself to go back to where the student was; what went wrong is still said once, by
    the app."""

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.state is WorkerState.ERROR:
            report = getattr(self.app, "worker_failed", None)  # type: ignore[attr-defined]
            if report is not None:
                report(event.worker)


def initial_lang(store: Store, option: str | None, environ: Mapping[str, str]) -> str:
    """``--lang`` if given, else the language chosen last time in the app, else the locale's."""
    if option in LANGS:
        return option
    with contextlib.suppress(TutorError):  # an unreadable setting: fall back, never fail
        saved = store.get_setting(LANG_SETTING)
        if saved in LANGS:
            return saved
    return locale_lang(environ)


class TutorApp(App[None]):
    """Study loop for the CIDL oral exam."""

    CSS_PATH = "app.tcss"
    TITLE = "cidl-tutor"
    SUB_TITLE = T.SUBTITLE.en
    COMMANDS = App.COMMANDS | {QuestionProvider}
    BINDINGS = [
        Binding("ctrl+q", "quit", T.KEY_QUIT.label, show=False, priority=True),
        # f1 in the footer: it works in a text box too, where ? is typed
        Binding("f1", "help", T.KEY_HELP.label),
        Binding("question_mark", "help", T.KEY_HELP.label, key_display="?", show=False),
        Binding("ctrl+l", "toggle_lang", T.KEY_LANGUAGE.label, priority=True),
        Binding("ctrl+p", "command_palette", T.KEY_PALETTE.label, show=False, priority=True),
    ]

    #: The language of every label, key, verdict and answer; screens watch it.
    lang: reactive[str] = reactive("en", init=False)

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
        self.set_reactive(TutorApp.lang, lang if lang in LANGS else "en")
        self.sub_title = T.SUBTITLE(self.lang)
        self.clock = clock
        self.handle_signals = handle_signals
        #: The signal (SIGHUP, SIGTERM) that ended the app, if one did.
        self.exit_signal: int | None = None
        self._early_problems: list[UnreadableRecord] = []
        self.scheduler = StudyScheduler(
            bank, store, new_per_day=new_per_day, fuzz=fuzz, on_unreadable=self._unreadable
        )
        self._grader = None

    def _unreadable(self, exc: UnreadableRecord) -> None:
        """Show each unreadable record once (from any thread); the app goes on without it."""
        if self.is_running:
            self.report_error(exc, timeout=20)
        else:
            self._early_problems.append(exc)

    def on_mount(self) -> None:
        for problem in self._early_problems:
            self.report_error(problem, timeout=20)
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
            self.push_screen(HelpScreen(self.screen))

    # -- language -------------------------------------------------------------
    def action_toggle_lang(self) -> None:
        """ctrl+l anywhere: the whole app in the other language, remembered for next time."""
        self.lang = "it" if self.lang == "en" else "en"

    def watch_lang(self, lang: str) -> None:
        self.sub_title = T.SUBTITLE(lang)
        for screen in self.screen_stack:
            screen.refresh_bindings()  # footers recompose with the new descriptions
        self.notify(T.LANGUAGE_SWITCHED(lang), timeout=3)
        self._remember_lang(lang)

    @work(thread=True, exit_on_error=False, group="settings", description="remember language")
    def _remember_lang(self, lang: str) -> None:
        self.store.set_setting(LANG_SETTING, lang)

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        yield SystemCommand(
            T.LANGUAGE_COMMAND(self.lang),
            T.LANGUAGE_COMMAND_HELP(self.lang),
            self.action_toggle_lang,
        )

    def action_command_palette(self) -> None:
        """Textual's palette, with a placeholder that says what it finds."""
        from textual.command import CommandPalette

        if self.use_command_palette and not CommandPalette.is_open(self):
            placeholder = B.PALETTE_PLACEHOLDER(self.lang)
            self.push_screen(CommandPalette(placeholder=placeholder, id="--command-palette"))

    # -- errors of background work ----------------------------------------------
    @on(Worker.StateChanged)
    def _own_worker_changed(self, event: Worker.StateChanged) -> None:
        if event.state is WorkerState.ERROR:
            self.worker_failed(event.worker)

    def worker_failed(self, worker: Worker) -> None:
        """Every failed worker ends here (the app's own, and every screen's through
        :class:`WorkerErrors`)."""
        self.report_error(worker.error, where=worker.name or worker.description)

    def report_error(
        self,
        error: BaseException | None,
        *,
        severity: SeverityLevel = "error",
        where: str = "",
        timeout: float = 12,
    ) -> None:
        """The one place where the app says that something failed, from a worker or from a
        screen that met it on the UI thread (a draft not saved on leaving), from any
        thread: a :class:`TutorError` as its own message in the app's language, anything
        else as one line (and in full in the error log). The app goes on."""
        if isinstance(error, TutorError):
            message = error.render(self.lang)
        else:
            log = self._log_error(where, error)
            detail = str(error).splitlines()[0] if str(error) else ""
            message = T.UNEXPECTED_ERROR(
                self.lang, kind=type(error).__name__, detail=detail, log=log
            )
        self.notify(message, severity=severity, timeout=timeout, markup=False)

    def _log_error(self, where: str, error: BaseException | None) -> str:
        """Append the traceback to the error log; its path, or the log's own problem."""
        path = Path(self.data_dir) / ERROR_LOG
        text = "".join(traceback.format_exception(error)) if error else "no exception\n"
        self.log.error(text)
        try:
            with path.open("a", encoding="utf-8") as fh:
                fh.write(f"--- {utcnow().isoformat()} {where}\n{text}")
        except OSError as exc:
            return f"{path}: {exc.strerror or exc}"
        return str(path)

    # -- places ---------------------------------------------------------------
    def open_question(self, qid: str) -> None:
        """Show one question (from the command palette, browse or a link)."""
        from tutor.ui.screens.browse import QuestionScreen

        self.push_screen(QuestionScreen(qid))

    def open_demo(self, name: str) -> None:
        """Open a live demo; it runs in a subprocess, so the app never imports torch."""
        try:
            from tutor.ui.screens.demo import DemoScreen
        except ImportError:
            self.notify(T.DEMO_UNAVAILABLE(self.lang, name=name), severity="warning")
            return
        self.push_screen(DemoScreen(name, data_dir=self.data_dir))

    def open_drill(self, name: str) -> None:
        try:
            from tutor.drills.registry import names
            from tutor.ui.screens.drill import DrillScreen
        except ImportError:
            self.notify(T.DRILL_UNAVAILABLE(self.lang, name=name), severity="warning")
            return
        if name not in names():
            self.notify(T.DRILL_NOT_IMPLEMENTED(self.lang, name=name), severity="warning")
            return
        self.push_screen(DrillScreen(name))

    def on_drill_screen_checked(self, message) -> None:
        """Record every checked drill in the study history."""
        self.record_drill(
            message.drill, message.seed, message.difficulty, message.correct, message.total
        )

    @work(thread=True, exit_on_error=False, group="history", description="record drill")
    def record_drill(
        self, drill: str, seed: int, difficulty: int, correct: int, total: int
    ) -> None:
        """A database write: off the UI thread; a failure is reported by :meth:`worker_failed`."""
        self.store.add_drill_result(drill, seed, difficulty, correct, total, self.clock())


def run_app(
    bank_dirs: Sequence[Path] = (), data_dir: Path | None = None, lang: str | None = None
) -> int:
    """Open the app (``tutor`` with no command); ``lang`` is ``--lang``, None for the default."""
    from tutor.bankload import load
    from tutor.paths import data_dir as resolve_data_dir

    bank = load(bank_dirs)
    directory = resolve_data_dir(data_dir)
    store = Store.open_in(directory)
    chosen = initial_lang(store, lang, os.environ)
    # Modules, bank and store live as long as the app: the cyclic collector need not walk
    # them again at every full collection (one fell into the first frame: ~35 ms).
    gc.freeze()
    app = TutorApp(bank, store, data_dir=directory, lang=chosen, handle_signals=True)
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
        print(T.CRASHED(app.lang), file=sys.stderr)
        return EXIT_CRASH
    return 0
