"""Demo list, drill list, and the demos and drills linked to one question."""

from __future__ import annotations

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import Screen
from textual.widgets import Footer, Header, OptionList, Static
from textual.widgets.option_list import Option

from quizbank import catalogue


def demo_titles(lang: str = "en") -> dict[str, str]:
    """Implemented demos and their titles, from the torch-free specs (no demo module loads)."""
    try:
        from demos.platform import registry
    except ImportError:
        return {}
    return {name: spec.title(lang) for name, spec in registry.specs().items()}


def drill_titles() -> dict[str, str]:
    try:
        from tutor.drills import registry
    except ImportError:
        return {}
    return {d.name: d.title for d in registry.all_drills()}


class _LaunchList(Screen):
    """An option list of demos/drills; unimplemented catalogue entries are shown greyed."""

    BINDINGS = [
        Binding("escape", "back", "Back"),
        Binding("j", "down", show=False),
        Binding("k", "up", show=False),
    ]
    heading = ""

    def entries(self) -> list[tuple[str, str, str | None]]:
        """(kind, name, title or None when not available)."""
        raise NotImplementedError

    def compose(self) -> ComposeResult:
        yield Header()
        with Vertical(id="launch"):
            yield Static(self.heading, id="launch-heading")
            yield OptionList(id="launch-list")
        yield Footer()

    def on_mount(self) -> None:
        self.load_entries()

    @work(thread=True, exclusive=True)
    def load_entries(self) -> None:
        """Demo titles live in the demo modules (they import numpy): read them off the UI thread."""
        try:
            entries = self.entries()
        except Exception as exc:  # report, never crash the app
            self.app.call_from_thread(self.app.notify, str(exc), severity="error")
            entries = []
        self.app.call_from_thread(self._fill, entries)

    def _fill(self, entries: list[tuple[str, str, str | None]]) -> None:
        ol = self.query_one("#launch-list", OptionList)
        for kind, name, title in entries:
            if title is None:
                ol.add_option(
                    Option(
                        f"[dim]{kind:5} {name} — not available yet[/dim]",
                        id=f"{kind}:{name}",
                        disabled=True,
                    )
                )
            else:
                ol.add_option(Option(f"{kind:5} [b]{name}[/b] — {title}", id=f"{kind}:{name}"))
        if ol.option_count == 0:
            ol.add_option(Option("[dim]nothing linked[/dim]", disabled=True))
        ol.focus()

    @on(OptionList.OptionSelected, "#launch-list")
    def _launch(self, event: OptionList.OptionSelected) -> None:
        kind, _, name = (event.option.id or "").partition(":")
        if kind == "demo":
            self.app.open_demo(name)
        elif kind == "drill":
            self.app.open_drill(name)

    def action_down(self) -> None:
        self.query_one("#launch-list", OptionList).action_cursor_down()

    def action_up(self) -> None:
        self.query_one("#launch-list", OptionList).action_cursor_up()

    def action_back(self) -> None:
        self.app.pop_screen()


class DemoListScreen(_LaunchList):
    heading = "[b]Demos[/b] — live PyTorch models, run in their own process (enter to open)"

    def entries(self):
        titles = demo_titles(getattr(self.app, "lang", "en"))
        return [("demo", n, titles.get(n)) for n in catalogue.DEMOS]


class DrillListScreen(_LaunchList):
    heading = "[b]Drills[/b] — generated exercises with exact answers (enter to start)"

    def entries(self):
        titles = drill_titles()
        return [("drill", n, titles.get(n)) for n in catalogue.DRILLS]


class LinkedScreen(_LaunchList):
    """What illustrates one question: its demos and drills."""

    def __init__(self, qid: str) -> None:
        super().__init__()
        self.qid = qid

    def on_mount(self) -> None:
        q = self.app.bank.get(self.qid)
        self.query_one("#launch-heading", Static).update(
            f"[b]{q.id}[/b] — demos and drills for this question (enter to open)"
        )
        super().on_mount()

    def entries(self):
        q = self.app.bank.get(self.qid)
        demos, drills = demo_titles(getattr(self.app, "lang", "en")), drill_titles()
        return [("demo", n, demos.get(n)) for n in q.demos] + [
            ("drill", n, drills.get(n)) for n in q.drills
        ]
