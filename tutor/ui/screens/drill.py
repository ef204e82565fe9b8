"""Drill screen: one generated exercise, an input per asked value, ✓/✗ and the worked solution.

It works standalone; a host app that wants to keep a history handles ``DrillScreen.Checked``.
"""

from __future__ import annotations

import secrets
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Button, Footer, Header, Input, Label, Static

from tutor.drills.base import CheckResult, Exercise
from tutor.drills.registry import get


class DrillScreen(Screen):
    """Statement and diagram on top, answer fields below, solution after checking."""

    DEFAULT_CSS = """
    DrillScreen #drill-body { padding: 0 1; }
    DrillScreen #drill-title { text-style: bold; margin-bottom: 1; }
    DrillScreen #drill-diagram { border: round $accent; padding: 0 1; margin: 1 0; width: auto; }
    DrillScreen .drill-row { height: auto; }
    DrillScreen .drill-label { width: 40%; padding: 1 1 0 0; }
    DrillScreen .drill-input { width: 20; }
    DrillScreen .drill-mark { width: 1fr; padding: 1 0 0 1; }
    DrillScreen .ok { color: $success; }
    DrillScreen .miss { color: $error; }
    DrillScreen #drill-buttons { height: auto; margin: 1 0; }
    DrillScreen #drill-buttons Button { margin-right: 2; }
    DrillScreen #drill-solution { display: none; border: round $secondary; padding: 0 1; }
    DrillScreen #drill-solution.shown { display: block; }
    """

    BINDINGS: ClassVar[list[Binding]] = [
        Binding("ctrl+enter", "check", "Check", priority=True),
        Binding("ctrl+s", "check", "Check", show=False, priority=True),
        Binding("ctrl+n", "next", "Next", priority=True),
        Binding("escape", "back", "Back"),
    ]

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

    def compose(self) -> ComposeResult:
        ex = self.exercise
        yield Header()
        with VerticalScroll(id="drill-body"):
            yield Static(
                f"{self.drill.title}  ·  {ex.drill}, seed {ex.seed}, difficulty {ex.difficulty}",
                id="drill-title",
                markup=False,
            )
            yield Static(ex.statement, id="drill-statement", markup=False)
            if ex.diagram:
                yield Static(ex.diagram, id="drill-diagram", markup=False)
            with Vertical(id="drill-fields"):
                for f in ex.fields:
                    with Horizontal(classes="drill-row"):
                        yield Label(f.label, classes="drill-label", markup=False)
                        yield Input(id=f"in-{f.key}", classes="drill-input")
                        yield Static("", id=f"mark-{f.key}", classes="drill-mark", markup=False)
            with Horizontal(id="drill-buttons"):
                yield Button("Check", id="check", variant="primary")
                yield Button("Next", id="next")
            yield Static("", id="drill-summary", markup=False)
            yield Static("\n".join(ex.solution), id="drill-solution", markup=False)
        yield Footer()

    def on_mount(self) -> None:
        inputs = self.query(Input)
        if inputs:
            inputs.first().focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "check":
            self.action_check()
        elif event.button.id == "next":
            self.run_worker(self.action_next())

    def on_input_submitted(self, event: Input.Submitted) -> None:
        """Enter moves to the next field; on the last one it checks."""
        inputs = list(self.query(Input))
        i = inputs.index(event.input)
        if i + 1 < len(inputs):
            inputs[i + 1].focus()
        else:
            self.action_check()

    def answers(self) -> dict[str, str]:
        return {f.key: self.query_one(f"#in-{f.key}", Input).value for f in self.exercise.fields}

    def action_check(self) -> None:
        ex = self.exercise
        result = ex.check(self.answers())
        self.result = result
        for r in result.results:
            mark = self.query_one(f"#mark-{r.key}", Static)
            if r.ok:
                mark.update("✓")
            else:
                text = f"✗ expected {r.expected}"
                if r.hint and r.hint != "no answer":
                    text += f"  ({r.hint})"
                mark.update(text)
            mark.set_class(r.ok, "ok")
            mark.set_class(not r.ok, "miss")
        verdict = "all correct" if result.all_correct else "see the worked solution below"
        self.query_one("#drill-summary", Static).update(
            f"{result.correct}/{result.total} correct: {verdict}.  ctrl+n: next exercise"
        )
        self.query_one("#drill-solution", Static).set_class(True, "shown")
        self.post_message(
            self.Checked(ex.drill, ex.seed, ex.difficulty, result.correct, result.total)
        )

    async def action_next(self) -> None:
        seed = self._seed(None)
        if seed == self.exercise.seed:
            seed += 1
        self.exercise = self.drill.generate(seed, self.difficulty)
        self.result = None
        await self.recompose()
        self.on_mount()

    def action_back(self) -> None:
        if len(self.app.screen_stack) > 1:
            self.app.pop_screen()
        else:
            self.app.exit()
