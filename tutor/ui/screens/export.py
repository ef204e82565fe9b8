"""The export dialog: the options of ``tutor export``, writing off the UI thread."""

from __future__ import annotations

from pathlib import Path

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.screen import Screen
from textual.widgets import (
    Button,
    Checkbox,
    Footer,
    Header,
    Input,
    Label,
    Select,
    SelectionList,
    Static,
)

FORMAT_LABELS = {
    "apkg": "Anki package (.apkg)",
    "csv": "CSV for Anki / spreadsheets (.csv)",
    "tsv": "TSV for Anki / spreadsheets (.tsv)",
    "md": "Markdown study sheet (.md)",
    "json": "JSON, the full bank (.json)",
}
SUFFIX = {"apkg": ".apkg", "csv": ".csv", "tsv": ".tsv", "md": ".md", "json": ".json"}
LANG_LABELS = {"en": "English", "it": "Italiano", "both": "Both (EN then IT)"}


class ExportScreen(Screen):
    """Pick format, language, topics or ids and a file; Export writes it atomically."""

    BINDINGS = [Binding("escape", "back", "Back"), Binding("ctrl+e", "export", "Export")]

    DEFAULT_CSS = """
    ExportScreen #export { padding: 0 2; }
    ExportScreen .field { height: auto; margin-top: 1; }
    ExportScreen .field Label { width: 18; padding: 1 1 0 0; }
    ExportScreen .field Select { width: 44; }
    ExportScreen .field Input { width: 1fr; }
    ExportScreen #topics { height: auto; max-height: 12; width: 1fr; }
    ExportScreen #export-actions { height: auto; margin-top: 1; }
    ExportScreen #export-actions Checkbox { margin-left: 2; }
    ExportScreen #export-status { height: auto; margin-top: 1; }
    """

    def __init__(self) -> None:
        super().__init__()
        self.last_result = None
        self.last_error: str | None = None
        self.busy = False

    def compose(self) -> ComposeResult:
        bank = self.app.bank
        lang = getattr(self.app, "lang", "en")
        yield Header()
        with VerticalScroll(id="export"):
            yield Static(
                "[b]Export[/b] — flashcards for Anki (re-importing a newer export updates "
                "your notes), a printable study sheet, or the whole bank as JSON."
            )
            with Horizontal(classes="field"):
                yield Label("Format")
                yield Select(
                    [(label, key) for key, label in FORMAT_LABELS.items()],
                    value="apkg",
                    allow_blank=False,
                    id="format",
                )
            with Horizontal(classes="field"):
                yield Label("Language")
                yield Select(
                    [(label, key) for key, label in LANG_LABELS.items()],
                    value=lang if lang in LANG_LABELS else "en",
                    allow_blank=False,
                    id="lang",
                )
            with Horizontal(classes="field"):
                yield Label("Topics")
                yield SelectionList[str](
                    *[
                        (f"{t.id}  {t.title.get(lang) or t.title.get('en', t.id)}", t.id, True)
                        for t in bank.topics
                    ],
                    id="topics",
                )
            with Horizontal(classes="field"):
                yield Label("Only these ids")
                yield Input(placeholder="optional, e.g. a.01, c.04 (overrides topics)", id="ids")
            with Horizontal(classes="field"):
                yield Label("File")
                yield Input(str(Path(self.app.data_dir) / "cidl-tutor.apkg"), id="path")
            with Horizontal(id="export-actions"):
                yield Button("Export", id="export-button", variant="primary")
                yield Checkbox("Overwrite an existing file", id="force")
            yield Static(id="export-status")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#export-button", Button).focus()

    @on(Select.Changed, "#format")
    def _format_changed(self, event: Select.Changed) -> None:
        """Keep the file name's extension in step with the format."""
        path_input = self.query_one("#path", Input)
        path = Path(path_input.value.strip() or "cidl-tutor")
        if not path.name:  # "." or "/": no file name to give an extension to
            return
        if path.suffix.lower() in SUFFIX.values() or not path.suffix:
            path_input.value = str(path.with_suffix(SUFFIX[str(event.value)]))

    def options(self) -> dict:
        """The dialog's state as arguments for ``tutor.export.export``."""
        from tutor.export.common import split_list

        ids = split_list(self.query_one("#ids", Input).value)
        topics = list(self.query_one("#topics", SelectionList).selected)
        all_topics = [t.id for t in self.app.bank.topics]
        return {
            "path": self.query_one("#path", Input).value.strip(),
            "fmt": str(self.query_one("#format", Select).value),
            "lang": str(self.query_one("#lang", Select).value),
            "topics": [] if ids or len(topics) == len(all_topics) else topics,
            "ids": ids,
            "force": self.query_one("#force", Checkbox).value,
            "nothing_chosen": not ids and not topics,
        }

    @on(Button.Pressed, "#export-button")
    @on(Input.Submitted)
    def action_export(self) -> None:
        if self.busy:
            return
        opts = self.options()
        if opts.pop("nothing_chosen"):
            self._show_error("Tick at least one topic or type some question ids.")
            return
        if not opts["path"]:
            self._show_error("Type the file to write.")
            return
        self.busy = True
        self.query_one("#export-status", Static).update("Exporting…")
        self._run_export(opts)

    @work(thread=True, exclusive=True, group="export")
    def _run_export(self, opts: dict) -> None:
        """genanki and Markdown rendering take a moment: off the UI thread."""
        from tutor.errors import TutorError
        from tutor.export import export

        try:
            result = export(self.app.bank, **opts)
        except TutorError as exc:
            self.app.call_from_thread(self._show_error, exc.message)
        except Exception as exc:  # a worker reports, never crashes the app
            self.app.call_from_thread(self._show_error, f"{type(exc).__name__}: {exc}")
        else:
            self.app.call_from_thread(self._show_result, result)

    def _show_error(self, message: str) -> None:
        self.busy = False
        self.last_error = message
        self.last_result = None
        status = self.query_one("#export-status", Static)
        status.update(f"[red]✗ {_escape(message)}[/red]")

    def _show_result(self, result) -> None:
        self.busy = False
        self.last_error = None
        self.last_result = result
        text = (
            f"✓ Exported {result.questions} question(s) from {result.topics} topic(s) to "
            f"{result.path} ({result.bytes / 1024:.0f} KiB)."
        )
        if result.format == "apkg":
            text += " Import it in Anki with File → Import."
        self.query_one("#export-status", Static).update(f"[green]{_escape(text)}[/green]")
        self.app.notify(f"exported to {result.path}")

    def action_back(self) -> None:
        self.app.pop_screen()


def _escape(text: str) -> str:
    from rich.markup import escape

    return escape(text)
