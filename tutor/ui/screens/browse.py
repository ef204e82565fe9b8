"""Browse: search by id or words, filter by topic, read any question and its answer."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Header, Input, Markdown, OptionList, Select
from textual.widgets.option_list import Option

from quizbank.textnorm import normalize
from tutor.render import question_markdown


def search(bank, query: str, topic: str | None = None) -> list[str]:
    """Question ids matching every word of ``query`` (id, question or answers), in bank order."""
    words = normalize(query).split()
    out = []
    for q in bank.questions:
        if topic and q.topic_id != topic:
            continue
        if not words:
            out.append(q.id)
            continue
        hay = normalize(
            " ".join([q.id, q.question, q.answer.get("en", ""), q.answer.get("it", "")])
        )
        if all(w in hay for w in words):
            out.append(q.id)
    # an exact id goes first
    exact = [i for i in out if i.lower() == query.strip().lower()]
    return exact + [i for i in out if i not in exact]


class BrowseScreen(Screen):
    """Type to filter; the list on the left, the question and answer on the right."""

    BINDINGS = [
        Binding("escape", "back", "Back"),
        Binding("ctrl+l", "toggle_lang", "EN/IT", priority=True),
        Binding("ctrl+f", "focus_search", "Search", priority=True),
        Binding("ctrl+o", "study_this", "Study this", priority=True),
        Binding("ctrl+d", "links", "Demos & drills", priority=True),
    ]

    def __init__(self, query: str = "") -> None:
        super().__init__()
        self.initial_query = query
        self.lang: str | None = None
        self.current: str | None = None

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(id="browse"):
            with Vertical(id="browse-left"):
                yield Input(
                    value=self.initial_query, placeholder="search id or words…", id="search"
                )
                topics = [(f"{t.id}  {t.title.get('en', '')}", t.id) for t in self.app.bank.topics]
                yield Select(topics, prompt="all topics", id="topic-filter")
                yield OptionList(id="results")
            with VerticalScroll(id="browse-right"):
                yield Markdown(id="browse-view")
        yield Footer()

    def on_mount(self) -> None:
        self.lang = self.app.lang
        self._refresh()
        self.query_one("#search", Input).focus()

    @on(Input.Changed, "#search")
    @on(Select.Changed, "#topic-filter")
    def _refresh(self) -> None:
        query = self.query_one("#search", Input).value
        topic = self.query_one("#topic-filter", Select).value
        topic = topic if isinstance(topic, str) else None
        ids = search(self.app.bank, query, topic)
        results = self.query_one("#results", OptionList)
        results.clear_options()
        results.add_options(
            [Option(f"{qid}  {self.app.bank.get(qid).question}", id=qid) for qid in ids]
        )
        if ids:
            results.highlighted = 0
            self._show(ids[0])
        else:
            self.current = None
            self.query_one("#browse-view", Markdown).update("*No question matches.*")

    @on(Input.Submitted, "#search")
    def _to_list(self) -> None:
        self.query_one("#results", OptionList).focus()

    @on(OptionList.OptionHighlighted, "#results")
    def _highlighted(self, event: OptionList.OptionHighlighted) -> None:
        if event.option.id:
            self._show(event.option.id)

    def _show(self, qid: str) -> None:
        self.current = qid
        q = self.app.bank.get(qid)
        self.query_one("#browse-view", Markdown).update(question_markdown(q, self.lang or "en"))

    def action_toggle_lang(self) -> None:
        self.lang = "it" if self.lang == "en" else "en"
        if self.current:
            self._show(self.current)

    def action_focus_search(self) -> None:
        self.query_one("#search", Input).focus()

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
    """One question, read-only: opened from the command palette or a link."""

    BINDINGS = [
        Binding("escape", "back", "Back"),
        Binding("l", "toggle_lang", "EN/IT"),
        Binding("p", "practice", "Practice"),
        Binding("d", "links", "Demos & drills"),
        Binding("j", "scroll_down", "Down", show=False),
        Binding("k", "scroll_up", "Up", show=False),
    ]

    def __init__(self, qid: str) -> None:
        super().__init__()
        self.qid = qid
        self.lang: str | None = None

    def compose(self) -> ComposeResult:
        yield Header()
        with VerticalScroll(id="question-view", can_focus=True):
            yield Markdown(id="qv")
        yield Footer()

    def on_mount(self) -> None:
        self.lang = self.app.lang
        self._show()
        self.query_one("#question-view").focus()

    def _show(self) -> None:
        q = self.app.bank.get(self.qid)
        self.query_one("#qv", Markdown).update(question_markdown(q, self.lang or "en"))

    def action_toggle_lang(self) -> None:
        self.lang = "it" if self.lang == "en" else "en"
        self._show()

    def action_practice(self) -> None:
        from tutor.ui.screens.study import StudyScreen

        self.app.push_screen(StudyScreen(only=[self.qid]))

    def action_links(self) -> None:
        from tutor.ui.screens.lists import LinkedScreen

        self.app.push_screen(LinkedScreen(self.qid))

    def action_scroll_down(self) -> None:
        self.query_one("#question-view").scroll_down(animate=False)

    def action_scroll_up(self) -> None:
        self.query_one("#question-view").scroll_up(animate=False)

    def action_back(self) -> None:
        self.app.pop_screen()
