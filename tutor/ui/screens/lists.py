"""Demo list, drill list, and the demos and drills linked to one question."""

from __future__ import annotations

from typing import ClassVar

from textual import getters, on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import Screen
from textual.widgets import Header, OptionList, Static
from textual.widgets.option_list import Option

from quizbank import catalogue
from tutor.i18n import Text
from tutor.i18n import app as A
from tutor.i18n import lists as T
from tutor.ui.app import WorkerErrors
from tutor.ui.keys import TutorFooter

#: (kind, name, title or None when this install does not provide it)
Entry = tuple[str, str, str | None]


def demo_titles(lang: str = "en") -> dict[str, str]:
    """Implemented demos and their titles, from the torch-free specs (no demo module loads)."""
    try:
        from demos.platform import registry
    except ImportError:
        return {}
    return {name: spec.title(lang) for name, spec in registry.specs().items()}


def drill_titles(lang: str = "en") -> dict[str, str]:
    """Implemented drills and their titles (the drills' own English ones, or the Italian)."""
    try:
        from tutor.drills import registry
    except ImportError:
        return {}
    return {d.name: d.title_in(lang) for d in registry.all_drills()}


class _LaunchList(WorkerErrors, Screen):
    """An option list of demos/drills, the first one highlighted; unimplemented catalogue
    entries are shown greyed out."""

    BINDINGS = [
        Binding("escape", "back", A.KEY_BACK.label),
        Binding("j", "down", A.KEY_DOWN.label, show=False),
        Binding("k", "up", A.KEY_UP.label, show=False),
    ]
    HELP_KEYS: ClassVar[tuple[tuple[str, Text], ...]] = (("enter", T.KEY_OPEN),)
    HEADING: ClassVar[Text | None] = None

    entries_list = getters.query_one("#launch-list", OptionList)
    heading = getters.query_one("#launch-heading", Static)

    def __init__(self) -> None:
        super().__init__()
        self.entries: list[Entry] = []

    def load(self, lang: str) -> list[Entry]:
        """The rows, read in a worker (demo specs import their topic packages)."""
        raise NotImplementedError

    def heading_text(self, lang: str) -> str:
        return self.HEADING(lang) if self.HEADING else ""

    def compose(self) -> ComposeResult:
        yield Header()
        with Vertical(id="launch"):
            yield Static(id="launch-heading")
            yield OptionList(id="launch-list")
        yield TutorFooter()

    def on_mount(self) -> None:
        self.watch(self.app, "lang", self._relabel, init=False)
        self.entries_list.focus()
        self._relabel()

    def _relabel(self, _lang: str | None = None) -> None:
        self.heading.update(self.heading_text(self.app.lang))
        self.load_entries(self.app.lang)

    @work(thread=True, exclusive=True, exit_on_error=False, description="demo and drill titles")
    def load_entries(self, lang: str) -> None:
        """Titles come from the demo specs and the drill registry: off the UI thread."""
        self.app.call_from_thread(self._fill, self.load(lang))

    def _fill(self, entries: list[Entry]) -> None:
        self.entries = entries
        lang = self.app.lang
        kinds = {"demo": T.KIND_DEMO(lang), "drill": T.KIND_DRILL(lang)}
        ol = self.entries_list
        highlighted = ol.highlighted
        ol.clear_options()
        for kind, name, title in entries:
            label = kinds[kind].ljust(6)
            if title is None:
                ol.add_option(
                    Option(
                        f"[dim]{label} {name} — {T.NOT_AVAILABLE(lang)}[/dim]",
                        id=f"{kind}:{name}",
                        disabled=True,
                    )
                )
            else:
                ol.add_option(Option(f"{label} [b]{name}[/b] — {title}", id=f"{kind}:{name}"))
        if ol.option_count == 0:
            ol.add_option(Option(f"[dim]{T.NOTHING_LINKED(lang)}[/dim]", disabled=True))
        # enter works at once: the first entry that can be opened is highlighted
        first = next((i for i, e in enumerate(entries) if e[2] is not None), None)
        ol.highlighted = highlighted if highlighted is not None else first

    @on(OptionList.OptionSelected, "#launch-list")
    def _launch(self, event: OptionList.OptionSelected) -> None:
        kind, _, name = (event.option.id or "").partition(":")
        if kind == "demo":
            self.app.open_demo(name)
        elif kind == "drill":
            self.app.open_drill(name)

    def action_down(self) -> None:
        self.entries_list.action_cursor_down()

    def action_up(self) -> None:
        self.entries_list.action_cursor_up()

    def action_back(self) -> None:
        self.app.pop_screen()


class DemoListScreen(_LaunchList):
    HEADING = T.DEMOS_HEADING
    HELP_TITLE = T.DEMOS_HELP_TITLE

    def load(self, lang: str) -> list[Entry]:
        titles = demo_titles(lang)
        return [("demo", n, titles.get(n)) for n in catalogue.DEMOS]


class DrillListScreen(_LaunchList):
    HEADING = T.DRILLS_HEADING
    HELP_TITLE = T.DRILLS_HELP_TITLE

    def load(self, lang: str) -> list[Entry]:
        titles = drill_titles(lang)
        return [("drill", n, titles.get(n)) for n in catalogue.DRILLS]


class LinkedScreen(_LaunchList):
    """What illustrates one question: its demos and drills."""

    HELP_TITLE = T.LINKED_HELP_TITLE

    def __init__(self, qid: str) -> None:
        super().__init__()
        self.qid = qid

    def heading_text(self, lang: str) -> str:
        return T.LINKED_HEADING(lang, qid=self.app.bank.get(self.qid).id)

    def load(self, lang: str) -> list[Entry]:
        q = self.app.bank.get(self.qid)
        demos, drills = demo_titles(lang), drill_titles(lang)
        return [("demo", n, demos.get(n)) for n in q.demos] + [
            ("drill", n, drills.get(n)) for n in q.drills
        ]
