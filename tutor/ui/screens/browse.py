"""Browse: search by id or words, filter by topic, read any question and its answer."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text as RichText
from textual import getters, on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import Screen
from textual.widgets import Header, Input, Markdown, OptionList, Select
from textual.widgets.option_list import Option

from tutor.i18n import Text
from tutor.i18n import app as A
from tutor.i18n import browse as T
from tutor.render import question_markdown
from tutor.search import search
from tutor.ui.app import WorkerErrors
from tutor.ui.keys import TutorFooter
from tutor.ui.widgets import OrderedInput


def result_prompt(qid: str, text: str, width: int) -> RichText:
    """One result row in ``width`` cells: the id in bold, the question ending in "…" if cut."""
    line = f"{qid}  {text}"
    if width > 0 and len(line) > width:
        line = line[: max(len(qid) + 3, width - 1)].rstrip() + "…"
    prompt = RichText(line)
    prompt.stylize("bold", 0, len(qid))
    return prompt


class BrowseScreen(WorkerErrors, Screen):
    """Type to filter; the ranked list on the left, the highlighted question on the right."""

    HELP_TITLE = T.HELP_TITLE
    HELP_KEYS: ClassVar[tuple[tuple[str, Text], ...]] = (("enter", T.KEY_ENTER),)
    BINDINGS = [
        Binding("escape", "back", A.KEY_BACK.label),
        Binding("ctrl+f", "focus_search", T.KEY_SEARCH.label, priority=True),
        Binding("ctrl+o", "study_this", T.KEY_STUDY_THIS.label, priority=True),
        Binding("ctrl+d", "links", T.KEY_LINKS.label, priority=True),
    ]

    search_box = getters.query_one("#search", Input)
    topic_filter = getters.query_one("#topic-filter", Select)
    results = getters.query_one("#results", OptionList)
    view = getters.query_one("#browse-view", Markdown)

    def __init__(self, query: str = "") -> None:
        super().__init__()
        self.initial_query = query
        self.current: str | None = None

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(id="browse"):
            with Vertical(id="browse-left"):
                yield OrderedInput(value=self.initial_query, id="search")
                yield Select(self._topics(), id="topic-filter")
                yield OptionList(id="results")
            with VerticalScroll(id="browse-right"):
                yield Markdown(id="browse-view")
        yield TutorFooter()

    def _topics(self) -> list[tuple[str, str]]:
        lang = self.app.lang
        return [
            (f"{t.id}  {t.title.get(lang) or t.title.get('en', '')}", t.id)
            for t in self.app.bank.topics
        ]

    def on_mount(self) -> None:
        self.watch(self.app, "lang", self._relabel, init=False)
        self._relabel()
        self.search_box.focus()

    def _relabel(self, _lang: str | None = None) -> None:
        lang = self.app.lang
        self.search_box.placeholder = T.SEARCH_PLACEHOLDER(lang)
        chosen = self.topic_filter.value
        self.topic_filter.prompt = T.ALL_TOPICS(lang)
        with self.prevent(Select.Changed):
            self.topic_filter.set_options(self._topics())
            if isinstance(chosen, str):
                self.topic_filter.value = chosen
        self._refresh()

    @on(Input.Changed, "#search")
    @on(Select.Changed, "#topic-filter")
    def _refresh(self) -> None:
        """New results for every keystroke, best first, and the preview of the first."""
        topic = self.topic_filter.value
        found = search(
            self.app.bank, self.search_box.value, topic if isinstance(topic, str) else None
        )
        self._fill([f.qid for f in found], highlight=0)
        lang = self.app.lang
        self.results.border_title = (
            T.RESULTS_ONE(lang) if len(found) == 1 else T.RESULTS(lang, count=len(found))
        )
        self._show(found[0].qid if found else None)

    def _fill(self, ids: list[str], highlight: int | None) -> None:
        """The result rows, one line each, cut to the list's width."""
        lang = self.app.lang
        width = self.results.scrollable_content_region.width - 2  # the options' padding
        with self.prevent(OptionList.OptionHighlighted):
            self.results.clear_options()
            self.results.add_options(
                [
                    Option(result_prompt(q, self.app.bank.get(q).question_text(lang), width), id=q)
                    for q in ids
                ]
            )
            if ids and highlight is not None:
                self.results.highlighted = min(highlight, len(ids) - 1)

    def on_resize(self) -> None:
        """Rows are cut to the list's width: cut them again for the new one."""
        ids = [o.id for o in self.results.options if o.id]
        self.call_after_refresh(self._fill, ids, self.results.highlighted)

    @on(Input.Submitted, "#search")
    def _to_list(self) -> None:
        self.results.focus()

    @on(OptionList.OptionHighlighted, "#results")
    def _highlighted(self, event: OptionList.OptionHighlighted) -> None:
        self._show(event.option.id)

    @on(OptionList.OptionSelected, "#results")
    def _selected(self, event: OptionList.OptionSelected) -> None:
        if event.option.id:
            self.app.open_question(event.option.id)

    def _show(self, qid: str | None) -> None:
        self.current = qid
        lang = self.app.lang
        text = T.NO_MATCH(lang) if qid is None else question_markdown(self.app.bank.get(qid), lang)
        self._preview(text)

    @work(exclusive=True, group="preview", exit_on_error=False)
    async def _preview(self, markdown: str) -> None:
        """Markdown renders in steps: a newer preview cancels an older one still under way,
        so typing fast never leaves an old question on the right."""
        await self.view.update(markdown)
        self.query_one("#browse-right", VerticalScroll).scroll_home(animate=False)

    def action_focus_search(self) -> None:
        self.search_box.focus()

    def action_study_this(self) -> None:
        if self.current:
            from tutor.ui.screens.study import StudyScreen

            self.app.push_screen(StudyScreen(only=[self.current]))

    def action_links(self) -> None:
        if self.current:
            from tutor.ui.screens.lists import LinkedScreen

            self.app.push_screen(LinkedScreen(self.current))

    def action_back(self) -> None:
        self.app.pop_screen()


class QuestionScreen(Screen):
    """One question, read-only: opened from the command palette, browse or a link."""

    HELP_TITLE = T.QUESTION_HELP_TITLE
    BINDINGS = [
        Binding("escape", "back", A.KEY_BACK.label),
        # the same as ctrl+l, one key for reading: in the sheet, not twice in the footer
        Binding("l", "app.toggle_lang", A.KEY_LANGUAGE.label, show=False),
        Binding("p", "practice", T.KEY_PRACTICE.label),
        Binding("d", "links", T.KEY_LINKS.label),
        Binding("j", "scroll_down", A.KEY_DOWN.label, show=False),
        Binding("k", "scroll_up", A.KEY_UP.label, show=False),
    ]

    scroller = getters.query_one("#question-view", VerticalScroll)
    view = getters.query_one("#qv", Markdown)

    def __init__(self, qid: str) -> None:
        super().__init__()
        self.qid = qid

    def compose(self) -> ComposeResult:
        yield Header()
        with VerticalScroll(id="question-view", can_focus=True):
            yield Markdown(id="qv")
        yield TutorFooter()

    def on_mount(self) -> None:
        self.watch(self.app, "lang", self._show, init=False)
        self._show()
        self.scroller.focus()

    def _show(self, _lang: str | None = None) -> None:
        self.view.update(question_markdown(self.app.bank.get(self.qid), self.app.lang))

    def action_practice(self) -> None:
        from tutor.ui.screens.study import StudyScreen

        self.app.push_screen(StudyScreen(only=[self.qid]))

    def action_links(self) -> None:
        from tutor.ui.screens.lists import LinkedScreen

        self.app.push_screen(LinkedScreen(self.qid))

    def action_scroll_down(self) -> None:
        self.scroller.scroll_down(animate=False)

    def action_scroll_up(self) -> None:
        self.scroller.scroll_up(animate=False)

    def action_back(self) -> None:
        self.app.pop_screen()
