"""Drill screen: one generated exercise, an input per asked value, ✓/✗ and the worked solution.

Everything scrolls as one column, so at 24 rows as at 70 every field can be reached, and
the focused one is always in view. It works standalone; a host app that wants to keep a
history handles ``DrillScreen.Checked``.
"""

from __future__ import annotations

import secrets
from typing import ClassVar

from textual import getters, on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Button, Header, Input, Label, Static

from tutor.drills.base import CheckResult, Exercise, FieldResult
from tutor.drills.registry import get
from tutor.i18n import Text
from tutor.i18n import app as A
from tutor.i18n import drill as T
from tutor.ui.keys import TutorFooter
from tutor.ui.widgets import OrderedInput


class DrillScreen(Screen):
    """Statement and diagram on top, answer fields below, solution after checking."""

    DEFAULT_CSS = """
    DrillScreen #drill-body { padding: 0 1; }
    DrillScreen #drill-title { text-style: bold; margin-bottom: 1; }
    DrillScreen #drill-how { color: $text-muted; margin-bottom: 1; }
    DrillScreen #drill-diagram { border: round $accent; padding: 0 1; margin: 1 0; width: auto; }
    DrillScreen #drill-fields { height: auto; }
    DrillScreen .drill-row { height: auto; }
    DrillScreen .drill-label { width: 40%; padding: 1 1 0 0; }
    DrillScreen .drill-input { width: 20; }
    DrillScreen .drill-mark { width: 1fr; padding: 1 0 0 1; }
    DrillScreen .ok { color: $success; }
    DrillScreen .miss { color: $error; }
    DrillScreen #drill-buttons { height: auto; margin: 1 0; }
    DrillScreen #drill-buttons Button { margin-right: 2; }
    DrillScreen #drill-summary { height: auto; text-style: bold; }
    DrillScreen #drill-solution { display: none; border: round $secondary; padding: 0 1; }
    DrillScreen #drill-solution.shown { display: block; }
    """

    HELP_TITLE = T.HELP_TITLE
    HELP_KEYS: ClassVar[tuple[tuple[str, Text], ...]] = (("enter", T.KEY_ENTER),)
    BINDINGS: ClassVar[list[Binding]] = [
        Binding("ctrl+s", "check", T.KEY_CHECK.label, priority=True),
        Binding("ctrl+enter", "check", T.KEY_CHECK.label, show=False, priority=True),
        Binding("ctrl+n", "next", T.KEY_NEXT.label, priority=True),
        Binding("escape", "back", A.KEY_BACK.label),
    ]

    body = getters.query_one("#drill-body", VerticalScroll)
    summary = getters.query_one("#drill-summary", Static)
    solution = getters.query_one("#drill-solution", Static)

    class Checked(Message):
        """Posted after every check, for the study history."""

        def __init__(self, drill: str, seed: int, difficulty: int, correct: int, total: int):
            super().__init__()
            self.drill = drill
            self.seed = seed
            self.difficulty = difficulty
            self.correct = correct
            self.total = total

    def __init__(self, name: str, seed: int | None = None, difficulty: int = 1) -> None:
        super().__init__()
        self.drill = get(name)  # KeyError for an unknown drill, before anything is shown
        self.difficulty = difficulty
        self.exercise: Exercise = self.drill.generate(self._seed(seed), difficulty)
        self.result: CheckResult | None = None

    @staticmethod
    def _seed(seed: int | None) -> int:
        return seed if seed is not None else secrets.randbelow(1_000_000)

    @property
    def lang(self) -> str:
        return getattr(self.app, "lang", "en")

    def compose(self) -> ComposeResult:
        if self.exercise.lang != self.lang:  # the same exercise, worded in the app's language
            self.exercise = self.drill.generate(
                self.exercise.seed, self.exercise.difficulty, self.lang
            )
        ex, lang = self.exercise, self.lang
        title = self.drill.title_in(lang)
        yield Header()
        with VerticalScroll(id="drill-body"):
            yield Static(
                T.TITLE(lang, title=title, drill=ex.drill, seed=ex.seed, difficulty=ex.difficulty),
                id="drill-title",
                markup=False,
            )
            yield Static(ex.statement, id="drill-statement", markup=False)
            if ex.diagram:
                yield Static(ex.diagram, id="drill-diagram", markup=False)
            yield Static(T.HOW_TO(lang), id="drill-how", markup=False)
            with Vertical(id="drill-fields"):
                for f in ex.fields:
                    with Horizontal(classes="drill-row"):
                        yield Label(f.label, classes="drill-label", markup=False)
                        yield OrderedInput(id=f"in-{f.key}", classes="drill-input")
                        yield Static(id=f"mark-{f.key}", classes="drill-mark", markup=False)
            with Horizontal(id="drill-buttons"):
                yield Button(T.CHECK(lang), id="check", variant="primary")
                yield Button(T.NEXT(lang), id="next")
            yield Static(id="drill-summary", markup=False)
            yield Static(self._solution_text(), id="drill-solution", markup=False)
        yield TutorFooter()

    def _solution_text(self) -> str:
        return "\n".join([T.SOLUTION(self.lang), "", *self.exercise.solution])

    def on_mount(self) -> None:
        """The statement in view and the first field focused: the first key typed brings
        the field into view (``_typed``), so a small terminal never hides the question."""
        inputs = self.query(Input)
        if inputs:
            inputs.first().focus(scroll_visible=False)

    @on(Input.Changed)
    def _typed(self, event: Input.Changed) -> None:
        if event.input.has_focus:
            self.body.scroll_to_widget(event.input, animate=False)

    @on(Button.Pressed, "#check")
    def _check_pressed(self) -> None:
        self.action_check()

    @on(Button.Pressed, "#next")
    async def _next_pressed(self) -> None:
        await self.action_next()

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        """Enter moves to the next field; on the last one it checks."""
        inputs = list(self.query(Input))
        i = inputs.index(event.input)
        if i + 1 < len(inputs):
            inputs[i + 1].focus()  # focusing scrolls the field into view
        else:
            self.action_check()

    def answers(self) -> dict[str, str]:
        return {f.key: self.query_one(f"#in-{f.key}", Input).value for f in self.exercise.fields}

    def _mark_text(self, r: FieldResult) -> str:
        lang = self.lang
        if r.ok:
            return T.RIGHT(lang)
        text = T.WRONG(lang, expected=r.expected)
        if not r.given:
            return f"{text}  ({T.NO_ANSWER(lang)})"
        text += f"  ({T.YOU_GAVE(lang, given=r.given)}"
        return text + (f"; {r.hint})" if r.hint else ")")

    def action_check(self) -> None:
        ex, lang = self.exercise, self.lang
        result = ex.check(self.answers())
        self.result = result
        for r in result.results:
            mark = self.query_one(f"#mark-{r.key}", Static)
            mark.update(self._mark_text(r))
            mark.set_class(r.ok, "ok")
            mark.set_class(not r.ok, "miss")
        if result.all_correct:
            summary = T.ALL_RIGHT(lang, correct=result.correct, total=result.total)
        else:
            wrong = ", ".join(r.key for r in result.results if not r.ok)
            summary = T.SOME_WRONG(lang, correct=result.correct, total=result.total, wrong=wrong)
        self.summary.update(summary)
        self.solution.set_class(True, "shown")
        # the marks, then the summary and the solution below them, once the solution's
        # height is laid out (before that the scroll would stop short)
        fields = self.query_one("#drill-fields", Vertical)
        self.call_after_refresh(self.body.scroll_to_widget, fields, top=True, animate=False)
        self.post_message(
            self.Checked(ex.drill, ex.seed, ex.difficulty, result.correct, result.total)
        )

    async def action_next(self) -> None:
        seed = self._seed(None)
        if seed == self.exercise.seed:
            seed += 1
        self.exercise = self.drill.generate(seed, self.difficulty, self.lang)
        self.result = None
        await self.recompose()
        self.on_mount()

    def action_back(self) -> None:
        if len(self.app.screen_stack) > 1:
            self.app.pop_screen()
        else:
            self.app.exit()
