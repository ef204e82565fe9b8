"""The export dialog: the options of ``tutor export``, checked here, written off the UI thread.

A problem is shown under the field it is about and scrolled into view, in the app's
language, before any work starts; only what the writer itself meets (a full disk)
comes back from the worker.
"""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

from rich.markup import escape
from textual import getters, on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.screen import Screen
from textual.widgets import (
    Button,
    Checkbox,
    Header,
    Input,
    Label,
    Select,
    SelectionList,
    Static,
)
from textual.worker import Worker, WorkerState

from tutor.errors import TutorError
from tutor.export.common import SUFFIXES, ExportResult, split_list
from tutor.i18n import Text
from tutor.i18n import app as A
from tutor.i18n import export as T
from tutor.ui.app import WorkerErrors
from tutor.ui.keys import TutorFooter
from tutor.ui.widgets import OrderedInput

FORMATS: dict[str, tuple[Text, str]] = {
    "apkg": (T.FORMAT_APKG, ".apkg"),
    "csv": (T.FORMAT_CSV, ".csv"),
    "tsv": (T.FORMAT_TSV, ".tsv"),
    "md": (T.FORMAT_MD, ".md"),
    "json": (T.FORMAT_JSON, ".json"),
}
LANGUAGES: dict[str, Text] = {"en": T.LANG_EN, "it": T.LANG_IT, "both": T.LANG_BOTH}
#: The fields a problem can be about; each has a ``#<name>-error`` line under it.
FIELDS = ("topics", "ids", "path")


class ExportScreen(WorkerErrors, Screen):
    """Pick format, language, topics or ids and a file; Export writes it atomically."""

    HELP_TITLE = T.HELP_TITLE
    HELP_KEYS: ClassVar[tuple[tuple[str, Text], ...]] = (("enter", T.KEY_ENTER),)
    BINDINGS = [
        Binding("escape", "back", A.KEY_BACK.label),
        # priority: the file box binds ctrl+e itself (cursor to the end of the line)
        Binding("ctrl+e", "export", T.KEY_EXPORT.label, priority=True),
    ]

    DEFAULT_CSS = """
    ExportScreen #export { padding: 0 2; }
    ExportScreen .field { height: auto; margin-top: 1; }
    ExportScreen .field Label { width: 18; padding: 1 1 0 0; }
    ExportScreen .field Select { width: 44; }
    ExportScreen .field Input { width: 1fr; }
    ExportScreen #topics { height: auto; max-height: 12; width: 1fr; }
    ExportScreen .field-error { display: none; height: auto; color: $error; padding-left: 18; }
    ExportScreen .field-error.shown { display: block; }
    ExportScreen #export-actions { height: auto; margin-top: 1; }
    ExportScreen #export-actions Checkbox { margin-left: 2; }
    ExportScreen #export-status { height: auto; margin-top: 1; }
    """

    body = getters.query_one("#export", VerticalScroll)
    fmt = getters.query_one("#format", Select)
    lang_select = getters.query_one("#lang", Select)
    topics = getters.query_one("#topics", SelectionList)
    ids = getters.query_one("#ids", Input)
    path = getters.query_one("#path", Input)
    force = getters.query_one("#force", Checkbox)
    status = getters.query_one("#export-status", Static)

    def __init__(self) -> None:
        super().__init__()
        self.last_result: ExportResult | None = None
        self.last_error: str | None = None
        self.busy = False

    def compose(self) -> ComposeResult:
        lang = self.app.lang
        yield Header()
        with VerticalScroll(id="export"):
            yield Static(T.INTRO(lang), id="export-intro")
            with Horizontal(classes="field"):
                yield Label(T.FORMAT(lang), id="format-label")
                yield Select(self._formats(), value="apkg", allow_blank=False, id="format")
            with Horizontal(classes="field"):
                yield Label(T.LANGUAGE(lang), id="lang-label")
                yield Select(self._languages(), value=lang, allow_blank=False, id="lang")
            with Horizontal(classes="field"):
                yield Label(T.TOPICS(lang), id="topics-label")
                yield SelectionList[str](*self._topics(set()), id="topics")
            yield Static(id="topics-error", classes="field-error")
            with Horizontal(classes="field"):
                yield Label(T.IDS(lang), id="ids-label")
                yield OrderedInput(placeholder=T.IDS_PLACEHOLDER(lang), id="ids")
            yield Static(id="ids-error", classes="field-error")
            with Horizontal(classes="field"):
                yield Label(T.FILE(lang), id="path-label")
                yield OrderedInput(str(Path(self.app.data_dir) / "cidl-tutor.apkg"), id="path")
            yield Static(id="path-error", classes="field-error")
            with Horizontal(id="export-actions"):
                yield Button(T.EXPORT(lang), id="export-button", variant="primary")
                yield Checkbox(T.OVERWRITE(lang), id="force")
            yield Static(id="export-status")
        yield TutorFooter()

    def _formats(self) -> list[tuple[str, str]]:
        return [(text(self.app.lang), key) for key, (text, _) in FORMATS.items()]

    def _languages(self) -> list[tuple[str, str]]:
        return [(text(self.app.lang), key) for key, text in LANGUAGES.items()]

    def _topics(self, unticked: set[str]) -> list[tuple[str, str, bool]]:
        lang = self.app.lang
        return [
            (f"{t.id}  {t.title.get(lang) or t.title.get('en', t.id)}", t.id, t.id not in unticked)
            for t in self.app.bank.topics
        ]

    def on_mount(self) -> None:
        self.watch(self.app, "lang", self._relabel, init=False)
        self.query_one("#export-button", Button).focus()

    def _relabel(self, lang: str) -> None:
        """Every label in the new language; what the student chose stays chosen."""
        for wid, text in (
            ("#format-label", T.FORMAT),
            ("#lang-label", T.LANGUAGE),
            ("#topics-label", T.TOPICS),
            ("#ids-label", T.IDS),
            ("#path-label", T.FILE),
        ):
            self.query_one(wid, Label).update(text(lang))
        self.query_one("#export-intro", Static).update(T.INTRO(lang))
        self.query_one("#export-button", Button).label = T.EXPORT(lang)
        self.force.label = T.OVERWRITE(lang)
        self.ids.placeholder = T.IDS_PLACEHOLDER(lang)
        for select, options in ((self.fmt, self._formats()), (self.lang_select, self._languages())):
            chosen = select.value
            with self.prevent(Select.Changed):
                select.set_options(options)
                select.value = chosen
        unticked = {t.id for t in self.app.bank.topics} - set(self.topics.selected)
        self.topics.clear_options()
        self.topics.add_options(self._topics(unticked))

    @on(Select.Changed, "#format")
    def _format_changed(self, event: Select.Changed) -> None:
        """The file name follows the format: cidl-tutor.apkg becomes cidl-tutor.md."""
        path = Path(self.path.value.strip() or "cidl-tutor")
        if not path.name:  # "." or "/": no file name to give an extension to
            return
        if path.suffix.lower() in SUFFIXES or not path.suffix:
            self.path.value = str(path.with_suffix(FORMATS[str(event.value)][1]))
            self._clear_error("path")

    # -- checking ---------------------------------------------------------------
    def options(self) -> dict:
        """The dialog's state as arguments for ``tutor.export.export``."""
        ids = split_list(self.ids.value)
        topics = list(self.topics.selected)
        every = len(topics) == len(self.app.bank.topics)
        return {
            "path": self.path.value.strip(),
            "fmt": str(self.fmt.value),
            "lang": str(self.lang_select.value),
            "topics": [] if ids or every else topics,
            "ids": ids,
            "force": self.force.value,
        }

    def problem(self, opts: dict) -> tuple[str, str] | None:
        """(field, message) of the first thing that stops the export, or None."""
        lang = self.app.lang
        if not opts["ids"] and not self.topics.selected:
            return "topics", T.NOTHING_CHOSEN(lang)
        unknown = [i for i in opts["ids"] if i not in self.app.bank]
        if unknown:
            return "ids", T.UNKNOWN_IDS(lang, ids=", ".join(unknown))
        if not opts["path"]:
            return "path", T.NO_FILE(lang)
        path = Path(opts["path"]).expanduser()
        if path.is_dir():
            return "path", T.IS_DIRECTORY(lang, path=path)
        label, suffix = FORMATS[opts["fmt"]]
        if SUFFIXES.get(path.suffix.lower()) != opts["fmt"]:
            return "path", T.WRONG_SUFFIX(lang, format=label(lang), suffix=suffix, name=path.name)
        if not path.parent.is_dir():
            return "path", T.NO_DIRECTORY(lang, folder=path.parent)
        if (path.exists() or path.is_symlink()) and not opts["force"]:
            return "path", T.EXISTS(lang, path=path)
        return None

    def _clear_error(self, field: str) -> None:
        line = self.query_one(f"#{field}-error", Static)
        line.update("")
        line.remove_class("shown")

    def _show_error(self, field: str, message: str) -> None:
        """The message under its field, the field focused, both scrolled into view."""
        self.busy = False
        self.last_error, self.last_result = message, None
        self.status.update("")
        for name in FIELDS:
            self._clear_error(name)
        line = self.query_one(f"#{field}-error", Static)
        line.update(f"✗ {escape(message)}")
        line.add_class("shown")
        self.query_one(f"#{field}").focus(scroll_visible=False)
        self.call_after_refresh(self.body.scroll_to_widget, line, animate=False)

    # -- exporting --------------------------------------------------------------
    @on(Button.Pressed, "#export-button")
    @on(Input.Submitted)
    def action_export(self) -> None:
        if self.busy:
            return
        opts = self.options()
        found = self.problem(opts)
        if found is not None:
            self._show_error(*found)
            return
        for name in FIELDS:
            self._clear_error(name)
        self.busy = True
        self.status.update(T.EXPORTING(self.app.lang))
        self._run_export(opts)

    @work(thread=True, exclusive=True, group="export", exit_on_error=False, description="export")
    def _run_export(self, opts: dict) -> ExportResult:
        """genanki and Markdown rendering take a moment: off the UI thread."""
        from tutor.export import export

        return export(self.app.bank, **opts)

    @on(Worker.StateChanged)
    def _export_finished(self, event: Worker.StateChanged) -> None:
        if event.worker.group != "export" or event.state not in (
            WorkerState.SUCCESS,
            WorkerState.ERROR,
            WorkerState.CANCELLED,
        ):
            return
        self.busy = False
        if event.state is WorkerState.SUCCESS:
            self._show_result(event.worker.result)
        elif isinstance(event.worker.error, TutorError):
            event.prevent_default()  # shown here, under the file name: not again by the app
            self._show_error("path", event.worker.error.message)
        # anything else goes on to WorkerErrors: the app's one line, and the error log

    def _show_result(self, result: ExportResult) -> None:
        lang = self.app.lang
        self.last_error, self.last_result = None, result
        text = T.DONE(
            lang,
            questions=result.questions,
            topics=result.topics,
            path=result.path,
            kib=f"{result.bytes / 1024:.0f}",
        )
        if result.format == "apkg":
            text += T.ANKI_IMPORT(lang)
        self.status.update(f"[green]{escape(text)}[/green]")
        self.call_after_refresh(self.body.scroll_to_widget, self.status, animate=False)
        self.app.notify(T.NOTIFY_DONE(lang, path=result.path), markup=False)

    def action_back(self) -> None:
        self.app.pop_screen()
