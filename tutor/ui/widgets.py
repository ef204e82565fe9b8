"""Widgets shared by the study and exam screens: the grade card and the answer box."""

from __future__ import annotations

from dataclasses import dataclass

from rich.console import RenderableType
from rich.table import Table
from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import Static, TextArea

from quizbank import Question
from tutor.domain import Verdict
from tutor.errors import TutorError
from tutor.grading import GradeResult, PointResult
from tutor.grading.nonanswer import NOT_AN_ANSWER
from tutor.grading.result import NOT_AN_ANSWER_ID, MisconceptionResult
from tutor.i18n import grade as T
from tutor.i18n import render as R
from tutor.mathtext import render_markdown_math
from tutor.render import bar, localized
from tutor.session import Submission

__all__ = [
    "VERDICT_STYLE",
    "AnswerArea",
    "CardLine",
    "GradeView",
    "error_text",
    "format_interval",
    "question_text",
]

VERDICT_STYLE = {
    Verdict.CORRECT: "bold green",
    Verdict.PARTIAL: "bold yellow",
    Verdict.WRONG: "bold red",
}
#: The longest quote of the student's own words shown under a line of the card.
QUOTE_CHARS = 220


def format_interval(seconds: float, lang: str = "en") -> str:
    """1m, 10m, 3h, 4d, 2mo: the interval a rating would give."""
    if seconds < 3600:
        return T.MINUTES(lang, n=max(1, round(seconds / 60)))
    if seconds < 86400:
        return T.HOURS(lang, n=round(seconds / 3600))
    if seconds < 86400 * 60:
        return T.DAYS(lang, n=round(seconds / 86400))
    return T.MONTHS(lang, n=round(seconds / (86400 * 30)))


def question_text(q: Question, lang: str) -> Text:
    """The official question, its Italian rendering beneath it in Italian, and the
    context it leaves unsaid (a.12's "that CG"): compact, for a pinned header."""
    out = Text(f"{q.id} — {render_markdown_math(q.question)}", style="bold")
    if lang == "it" and q.question_it:
        out.append("\n" + render_markdown_math(q.question_it), style="italic")
    context = localized(q.context, lang)
    if context:
        out.append(f"\n{R.CONTEXT(lang)}: ", style="bold cyan")
        out.append(render_markdown_math(context))
    return out


def error_text(error: BaseException | None, lang: str) -> str:
    """What went wrong, in ``lang`` when the error carries its catalogue text."""
    if isinstance(error, TutorError):
        return error.render(lang)
    return str(error) if error is not None else ""


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
        notes.append((T.PARTLY(lang, share=f"{p.credit:.0%}"), "yellow"))
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
        lines = [w for w in self.screen.query(CardLine) if w.display and w.can_focus]
        if self in lines:
            lines[(lines.index(self) + step) % len(lines)].focus()

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
        feedback.display = bool(card.feedback)
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
