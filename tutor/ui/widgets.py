"""Small widgets shared by several screens: the grade report and bars."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

from tutor.mathtext import render_markdown_math
from tutor.render import bar

__all__ = ["RATING_LABEL", "VERDICT_STYLE", "GradeView", "bar", "format_interval", "grade_text"]

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
