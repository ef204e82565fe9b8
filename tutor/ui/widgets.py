"""Small widgets shared by several screens: the grade report and bars."""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual import events
from textual.message import Message
from textual.widgets import Static, TextArea

from tutor.mathtext import render_markdown_math
from tutor.render import bar

__all__ = [
    "RATING_LABEL",
    "VERDICT_STYLE",
    "AnswerArea",
    "GradeView",
    "bar",
    "format_interval",
    "grade_text",
]

VERDICT_STYLE = {"correct": "bold green", "partial": "bold yellow", "wrong": "bold red"}
RATING_LABEL = {"again": "1 Again", "hard": "2 Hard", "good": "3 Good", "easy": "4 Easy"}


def format_interval(seconds: float) -> str:
    """1m, 10m, 3h, 4d, 2mo: the interval a rating would give."""
    if seconds < 3600:
        return f"{max(1, round(seconds / 60))}m"
    if seconds < 86400:
        return f"{round(seconds / 3600)}h"
    if seconds < 86400 * 60:
        return f"{round(seconds / 86400)}d"
    return f"{round(seconds / (86400 * 30))}mo"


def grade_text(result, lang: str = "en") -> Text:
    """The grader's verdict as coloured text: score, ✓/✗ per key point, mistakes, feedback."""
    out = Text()
    style = VERDICT_STYLE.get(result.verdict, "bold")
    label = {"en": "Score", "it": "Punteggio"}.get(lang, "Score")
    out.append(f"{label} {result.score:4.0%}  ", style="bold")
    out.append(bar(result.score), style=style)
    out.append(f"  {result.verdict.upper()}\n\n", style=style)
    for p in result.points:
        mark, mstyle = ("✓", "green") if p.hit else ("✗", "red")
        out.append(f" {mark} ", style=f"bold {mstyle}")
        out.append("★" * p.weight + " " * (3 - p.weight), style="yellow")
        out.append(f" {render_markdown_math(p.text)}\n")
        if p.hit and p.evidence:
            ev = p.evidence if len(p.evidence) < 110 else p.evidence[:107] + "…"
            out.append(f"       “{ev}”\n", style="dim italic")
        elif getattr(p, "denied", False):
            out.append("       (your answer negates this)\n", style="red italic")
    if result.misconceptions:
        head = {"en": "Wrong statements", "it": "Affermazioni errate"}.get(lang, "Wrong statements")
        out.append(f"\n {head}\n", style="bold red")
        for m in result.misconceptions:
            out.append(" ✗ ", style="bold red")
            out.append(f"{render_markdown_math(m.text)}\n")
            if m.evidence:
                out.append(f"       “{m.evidence[:107]}”\n", style="dim italic")
            out.append(" ✓ ", style="bold green")
            out.append(f"{render_markdown_math(m.correction)}\n")
    if result.feedback:
        out.append(f"\n{result.feedback}\n", style="italic")
    return out


class GradeView(Static):
    """Shows one GradeResult; updated after each submit."""

    DEFAULT_CSS = """
    GradeView { height: auto; padding: 0 1; }
    """

    def show_result(self, result, lang: str = "en") -> None:
        self.update(grade_text(result, lang))


class AnswerArea(TextArea):
    """The answer box: hands over its text only once every key typed before the request is in.

    A priority binding such as ctrl+s runs as soon as the app reads the key, while the
    keys before it still wait in this widget's queue (a fast paste, a burst of typing).
    So a screen never reads ``text`` on a command: it calls :meth:`request`, and this
    widget answers with :class:`Ready` from its own queue, after those keys. Once
    locked (read-only), typed characters are swallowed here instead of bubbling up to
    the screen, where they would run as hotkeys.
    """

    @dataclass
    class _Flush(Message, bubble=False):
        purpose: str
        lock: bool

    @dataclass
    class Ready(Message):
        """The complete text, for ``purpose`` ("submit", "reveal", "skip", "draft", …)."""

        area: AnswerArea
        purpose: str
        text: str

        @property
        def control(self) -> AnswerArea:
            return self.area

    def request(self, purpose: str, *, lock: bool = False) -> None:
        """Ask for the text once the queued keys are typed; ``lock`` makes it read-only then."""
        self.post_message(self._Flush(purpose, lock))

    def _on_answer_area__flush(self, message: _Flush) -> None:
        if message.lock:
            self.read_only = True
        self.post_message(self.Ready(self, message.purpose, self.text))

    async def _on_key(self, event: events.Key) -> None:
        if self.read_only and (event.is_printable or event.key in ("enter", "tab", "space")):
            event.stop()  # a character typed into a locked answer is not a command
            event.prevent_default()
            return
        await super()._on_key(event)
