"""The grade card: one submission as the student sees it after grading, and what sits
under it (the rating bar, the examiner's question).

Every line of the card is a function of the submission and the language, so the study
screen, the exam's review and the tests draw the same card. The student corrects the
grader on it: a :class:`CardLine` posts :class:`CardLine.Toggled` and the screen asks
``tutor.session`` for the new card, which :meth:`GradeView.show` draws again.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta

from rich.console import RenderableType
from rich.table import Table
from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import Static

from tutor.domain import Rating, Verdict
from tutor.grading import GradeResult, PointResult
from tutor.grading.nonanswer import NOT_AN_ANSWER
from tutor.grading.result import (
    NOT_AN_ANSWER_ID,
    MisconceptionResult,
    correct_threshold,
    counts_for_correct,
    held_short,
)
from tutor.i18n import grade as T
from tutor.mathtext import render_markdown_math
from tutor.render import bar
from tutor.session import Submission
from tutor.ui.widgets import format_interval

__all__ = [
    "VERDICT_STYLE",
    "CardLine",
    "GradeView",
    "RatingBar",
    "asked_line",
    "followup_text",
    "point_line",
    "rating_line",
    "score_text",
    "statement_line",
]

VERDICT_STYLE = {
    Verdict.CORRECT: "bold green",
    Verdict.PARTIAL: "bold yellow",
    Verdict.WRONG: "bold red",
}
#: The longest quote of the student's own words shown under a line of the card.
QUOTE_CHARS = 220


def _quote(text: str) -> str:
    text = " ".join(text.split())
    return f"“{text if len(text) <= QUOTE_CHARS else text[: QUOTE_CHARS - 1] + '…'}”"


def _line(mark: Text, body: Text) -> Table:
    """A mark column and a text column: wrapped text and quotes stay under the text."""
    grid = Table.grid(padding=(0, 1), expand=True)
    grid.add_column(no_wrap=True, width=5)
    grid.add_column(ratio=1)
    grid.add_row(mark, body)
    return grid


def point_line(p: PointResult, lang: str) -> Table:
    """One key point as the card shows it: ✓ covered, ◐ partly, ✗ missed."""
    mark_char, style = {"hit": ("✓", "green"), "partial": ("◐", "yellow")}.get(
        p.status, ("✗", "red")
    )
    mark = Text(f"{mark_char} ", style=f"bold {style}")
    mark.append("★" * p.weight, style="yellow")
    body = Text(render_markdown_math(p.text))
    notes: list[tuple[str, str]] = []
    if p.evidence and (p.hit or p.credit > 0):
        notes.append((_quote(p.evidence), "dim italic"))
    if p.overridden:
        grader = T.STATUS_HIT if p.grader_hit else T.STATUS_MISSED
        you = T.STATUSES[p.status]
        notes.append((T.OVERRIDDEN(lang, you=you(lang), grader=grader(lang)), "bold cyan"))
    elif p.followup is not None and p.followup > 0:
        notes.append((T.FROM_FOLLOWUP(lang, share=f"{p.credit:.0%}"), "cyan"))
    elif p.status == "partial":
        note = T.PARTLY(lang, share=f"{p.credit:.0%}")
        if p.weight >= 3:
            note += (T.HEART_ENOUGH if counts_for_correct(p) else T.HEART_SHORT)(lang)
        notes.append((note, "yellow"))
    if p.contradicted_by and not p.overridden:
        notes.append((T.CONTRADICTED(lang), "red italic"))
    elif p.contradicts:
        notes.append((T.NEGATED(lang), "red italic"))
    for note, note_style in notes:
        body.append("\n")
        body.append(note, style=note_style)
    return _line(mark, body)


def statement_line(m: MisconceptionResult, lang: str) -> Table:
    """A wrong statement found in the answer, with its correction (or dismissed)."""
    if m.dismissed:
        body = Text(render_markdown_math(m.text), style="dim strike")
        body.append("\n")
        body.append(T.DISMISSED(lang), style="bold cyan")
        return _line(Text("–", style="dim"), body)
    body = Text(render_markdown_math(m.text))
    if m.evidence:
        body.append("\n")
        body.append(_quote(m.evidence), style="dim italic")
    body.append("\n✓ ", style="bold green")
    body.append(render_markdown_math(m.correction))
    return _line(Text("✗", style="bold red"), body)


def not_answer_line(result: GradeResult, lang: str) -> Table:
    """Why the text was not taken as an answer (the student may dispute it)."""
    reason = NOT_AN_ANSWER.get(result.not_answer or "", {}).get(lang, result.not_answer or "")
    if result.not_answer_dismissed:
        body = Text(reason, style="dim strike")
        body.append("\n")
        body.append(T.NOT_AN_ANSWER_DISMISSED(lang), style="bold cyan")
        return _line(Text("–", style="dim"), body)
    return _line(Text("✗", style="bold red"), Text(reason, style="red"))


def score_text(result: GradeResult, lang: str, judged: bool) -> Text:
    """Score, bar and verdict, then how the score is made: the key points' credit and
    each listed deduction, so that the number never needs explaining."""
    style = VERDICT_STYLE.get(result.verdict, "bold")
    out = Text()
    out.append(f"{T.SCORE(lang)} {result.score:.0%}  ", style="bold")
    out.append(bar(result.score, 16), style=style)
    out.append(f"  {T.VERDICTS[result.verdict](lang)}", style=style)
    if judged:
        out.append(f"  · {T.JUDGED(lang)}", style="cyan")
    if result.penalties:
        out.append("\n= ")
        out.append(T.FROM_POINTS(lang, share=f"{result.coverage:.0%}"))
        for pen in result.penalties:
            label = T.PENALTIES.get(pen.kind)
            out.append(f" − {pen.amount:.0%} {label(lang) if label else pen.kind}", style="red")
    if held_short(result):
        line = correct_threshold(result.n_words)
        out.append("\n")
        out.append(T.SHORT_HELD(lang, words=result.n_words, share=f"{line:.0%}"), style="yellow")
    return out


def count_text(result: GradeResult, lang: str, editable: bool) -> Text:
    hit = sum(1 for p in result.points if p.hit)
    partly = sum(1 for p in result.points if p.status == "partial")
    out = Text(f"{T.KEY_POINTS(lang)}: ", style="bold")
    out.append(T.COUNTED(lang, hit=hit, total=len(result.points)))
    if partly:
        out.append(", " + T.COUNTED_PARTLY(lang, n=partly))
    if editable:
        out.append(f"   {T.JUDGE_HINT(lang)}", style="dim")
    return out


def followup_text(sub: Submission, lang: str, can_ask: bool) -> Text | None:
    """The examiner's follow-ups: those answered with their outcome, then those to ask."""
    pending = sub.pending()
    if not sub.asked and not pending:
        return None
    out = Text(T.FOLLOWUPS(lang), style="bold")
    for a in sub.asked:
        out.append("\n ✓ " if a.hit else "\n ✗ ", style="bold green" if a.hit else "bold red")
        out.append(render_markdown_math(a.probe))
        out.append(f"  {T.FOLLOWUP_HIT(lang) if a.hit else T.FOLLOWUP_MISS(lang)}", style="dim")
        out.append("\n     ")
        said = _quote(a.answer) if a.answer.strip() else T.NO_ANSWER(lang)
        out.append(said, style="dim italic")
    for i, f in enumerate(pending):
        out.append("\n ? ", style="bold cyan")
        out.append(render_markdown_math(f.probe(lang)))
        if can_ask and i == 0:
            out.append(f"  {T.FOLLOWUP_ASK(lang)}", style="bold cyan")
    return out


class CardLine(Static, can_focus=True):
    """A line of the card the student can change: a key point or a flagged statement."""

    BINDINGS = [
        Binding("space,enter", "toggle", show=False),
        Binding("down", "move(1)", show=False),
        Binding("up", "move(-1)", show=False),
    ]

    @dataclass
    class Toggled(Message):
        """The student changed this line (key press or click)."""

        line: CardLine

        @property
        def control(self) -> CardLine:
            return self.line

    def __init__(self, renderable: RenderableType, *, kind: str, item_id: str) -> None:
        super().__init__(renderable, classes=f"card-line {kind}")
        self.kind = kind
        self.item_id = item_id

    def action_toggle(self) -> None:
        self.post_message(self.Toggled(self))

    def action_move(self, step: int) -> None:
        """The next or previous line; the focus moves at once (``focus()`` waits for the
        queue, so keys typed fast would all move from this same line)."""
        lines = [w for w in self.screen.query(CardLine) if w.display and w.can_focus]
        if self in lines:
            self.screen.set_focus(lines[(lines.index(self) + step) % len(lines)])

    def on_click(self, event: events.Click) -> None:
        event.stop()
        if self.can_focus:
            self.focus()
            self.post_message(self.Toggled(self))


class GradeView(Vertical):
    """One submission as a card: score and how it is made, every key point and wrong
    statement on its own line (toggled by the student when ``editable``), the
    examiner's follow-ups and the feedback. Attributes down: :meth:`show`; messages
    up: :class:`CardLine.Toggled`."""

    DEFAULT_CSS = """
    GradeView { height: auto; padding: 0 1; }
    GradeView > Static, GradeView > Vertical { height: auto; }
    GradeView .card-line { height: auto; padding: 0 0 0 1; }
    GradeView .card-line:focus { background: $boost; text-style: none; }
    GradeView .card-line:hover { background: $boost; }
    GradeView #card-statements-head { margin-top: 1; }
    GradeView #card-followups, GradeView #card-feedback { margin-top: 1; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._keys: list[tuple[str, str]] = []

    def compose(self) -> ComposeResult:
        yield Static(id="card-score")
        yield Static(id="card-count")
        yield Vertical(id="card-points")
        yield Static(id="card-statements-head")
        yield Vertical(id="card-statements")
        yield Static(id="card-followups")
        yield Static(id="card-feedback")

    def show(self, sub: Submission, lang: str, *, editable: bool, can_ask: bool = False) -> None:
        """Draw ``sub`` in ``lang``; lines keep their focus when only their content changed."""
        card = sub.card(lang)
        score = self.query_one("#card-score", Static)
        count = self.query_one("#card-count", Static)
        head = self.query_one("#card-statements-head", Static)
        follow = self.query_one("#card-followups", Static)
        feedback = self.query_one("#card-feedback", Static)
        if card is None:  # shown, not graded
            score.update(Text(T.REVEALED(lang), style="bold"))
            for widget in (count, head, follow, feedback):
                widget.display = False
            self._lines([], [])
            return
        score.update(score_text(card, lang, sub.judged))
        count.update(count_text(card, lang, editable))
        count.display = bool(card.points)
        points = [("point", p.id, point_line(p, lang)) for p in card.points]
        statements = [("statement", m.id, statement_line(m, lang)) for m in card.misconceptions]
        if card.not_answer and card.not_answer != "keyword-list":
            statements.insert(0, ("statement", NOT_AN_ANSWER_ID, not_answer_line(card, lang)))
        head.update(Text(T.WRONG_STATEMENTS(lang), style="bold red"))
        head.display = bool(statements)
        self._lines(points, statements)
        for line in self.query(CardLine):
            line.can_focus = editable
        text = followup_text(sub, lang, can_ask)
        follow.display = text is not None
        follow.update(text or "")
        # a non-answer's feedback is its reason, already a line above (to dispute): once
        listed = bool(statements) and statements[0][1] == NOT_AN_ANSWER_ID
        reason = NOT_AN_ANSWER.get(card.not_answer or "", {}).get(lang)
        said = listed and card.feedback.strip() == reason
        feedback.display = bool(card.feedback) and not said
        # the feedback quotes the bank's texts, whose math is written in $…$
        feedback.update(Text(render_markdown_math(card.feedback), style="italic"))

    def _lines(self, points: list, statements: list) -> None:
        keys = [(kind, item) for kind, item, _ in points + statements]
        if keys == self._keys:
            lines = list(self.query(CardLine))
            for line, (_, _, renderable) in zip(lines, points + statements, strict=True):
                line.update(renderable)
            return
        self._keys = keys
        for box, rows in (("#card-points", points), ("#card-statements", statements)):
            container = self.query_one(box, Vertical)
            container.remove_children()
            container.mount_all(
                CardLine(renderable, kind=kind, item_id=item) for kind, item, renderable in rows
            )

    def first_line(self) -> CardLine | None:
        return next(iter(self.query(CardLine)), None)


def asked_line(heading: str, probe: str) -> Text:
    """The examiner's question as the answer box shows it: who asks, then the question,
    whose math (written in $…$ in the bank) is rendered."""
    out = Text(heading, style="bold")
    out.append(" " + render_markdown_math(probe))
    return out


def rating_line(
    suggested: Rating | None,
    intervals: Mapping[Rating, timedelta],
    lang: str,
    hint: str,
) -> Text:
    """1–4 with their names and when each would bring the card back, the grader's
    suggestion in reverse (a suggestion: any key may be pressed), then ``hint``."""
    line = Text()
    for number, rating in enumerate(Rating, start=1):
        ivl = intervals.get(rating)
        when = f" ({format_interval(ivl.total_seconds(), lang)})" if ivl else ""
        label = f"{number} {T.RATINGS[rating](lang)}{when}"
        line.append(label, style="reverse bold" if rating == suggested else "")
        line.append("  ")
    line.append("\n" + hint, style="dim")
    return line


class RatingBar(Static):
    """The ratings under the card. Attributes down: :meth:`show`."""

    def show(
        self,
        suggested: Rating | None,
        intervals: Mapping[Rating, timedelta],
        lang: str,
        hint: str,
    ) -> None:
        self.update(rating_line(suggested, intervals, lang, hint))
