"""Exam simulation: N questions across topics, optional time limit, a mark out of 30."""

from __future__ import annotations

from rich.markup import escape
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import Screen
from textual.widgets import (
    Button,
    DataTable,
    Footer,
    Header,
    Input,
    Label,
    Markdown,
    ProgressBar,
    Static,
)

from tutor.errors import TutorError
from tutor.exam import DEFAULT_QUESTIONS, mark_exam, pick_questions
from tutor.mathtext import render_markdown_math
from tutor.ui.widgets import AnswerArea


class ExamSetupScreen(Screen):
    """How many questions and how long for each."""

    BINDINGS = [Binding("escape", "back", "Back")]

    def compose(self) -> ComposeResult:
        yield Header()
        with Vertical(id="exam-setup"):
            yield Static(
                "[b]Exam simulation[/b] — questions from different topics, like the oral exam."
            )
            with Horizontal(classes="field"):
                yield Label("Questions")
                yield Input(str(DEFAULT_QUESTIONS), id="n", type="integer")
            with Horizontal(classes="field"):
                yield Label("Minutes per question (0 = no limit)")
                yield Input("0", id="minutes", type="integer")
            yield Button("Start", id="start", variant="primary")
            yield Static(id="setup-error")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#start", Button).focus()

    @on(Button.Pressed, "#start")
    @on(Input.Submitted)
    def start(self) -> None:
        try:
            n = int(self.query_one("#n", Input).value or DEFAULT_QUESTIONS)
            minutes = int(self.query_one("#minutes", Input).value or 0)
        except ValueError:
            n, minutes = -1, -1
        if not 1 <= n <= 20 or not 0 <= minutes <= 60:
            self.query_one("#setup-error", Static).update(
                "[red]Questions must be 1–20 and minutes 0–60.[/red]"
            )
            return
        ids = pick_questions(self.app.bank, n)
        limit = minutes * 60 or None
        try:
            exam_id = self.app.store.start_exam(len(ids), limit, self.app.clock())
        except TutorError as exc:  # locked or read-only database: say so, do not crash
            self.query_one("#setup-error", Static).update(
                f"[red]Cannot start the exam: {escape(exc.message)}[/red]"
            )
            return
        self.app.switch_screen(ExamScreen(ids, limit, exam_id=exam_id))

    def action_back(self) -> None:
        self.app.pop_screen()


class ExamScreen(Screen):
    """One question at a time; grades stay hidden until the end, as in a real exam."""

    BINDINGS = [
        Binding("ctrl+s", "submit", "Submit answer", priority=True),
        Binding("escape", "abandon", "Abandon"),
    ]

    def __init__(
        self, question_ids: list[str], time_limit_s: int | None = None, exam_id: int | None = None
    ) -> None:
        super().__init__()
        self.ids = question_ids
        self.time_limit_s = time_limit_s
        self.index = 0
        self.items: list[dict] = []
        self.exam_id = exam_id  # started by the setup screen, which can show a store error
        self.started_at = None
        self.remaining = 0
        self._timer = None
        self.busy = False

    def compose(self) -> ComposeResult:
        yield Header()
        with VerticalScroll(id="exam"):
            yield Static(id="exam-progress")
            yield ProgressBar(total=len(self.ids), show_eta=False, id="exam-bar")
            yield Markdown(id="exam-question")
            yield AnswerArea(
                id="exam-answer",
                soft_wrap=True,
                tab_behavior="focus",
                placeholder="Your answer — ctrl+s to submit",
            )
            yield Static(id="exam-status")
        yield Footer()

    def on_mount(self) -> None:
        if self.exam_id is None:
            self.exam_id = self.app.store.start_exam(
                len(self.ids), self.time_limit_s, self.app.clock()
            )
        if self.time_limit_s:
            self._timer = self.set_interval(1.0, self._tick)
        self._show()

    def _show(self) -> None:
        q = self.app.bank.get(self.ids[self.index])
        self.started_at = self.app.clock()
        self.remaining = self.time_limit_s or 0
        self.query_one("#exam-progress", Static).update(
            f"[b]Question {self.index + 1} of {len(self.ids)}[/b]  ·  topic {q.topic_id}"
            + (
                f"  ·  {self.remaining // 60}:{self.remaining % 60:02d} left"
                if self.time_limit_s
                else ""
            )
        )
        self.query_one("#exam-question", Markdown).update(
            f"## {q.id} — {render_markdown_math(q.question)}"
        )
        area = self.query_one("#exam-answer", AnswerArea)
        area.load_text("")
        area.read_only = False
        area.focus()
        self.query_one("#exam-status", Static).update("")

    def _tick(self) -> None:
        if self.busy or not self.time_limit_s:
            return
        self.remaining -= 1
        q = self.app.bank.get(self.ids[self.index])
        self.query_one("#exam-progress", Static).update(
            f"[b]Question {self.index + 1} of {len(self.ids)}[/b]  ·  topic {q.topic_id}  ·  "
            f"{max(0, self.remaining) // 60}:{max(0, self.remaining) % 60:02d} left"
        )
        if self.remaining <= 0:
            self.app.notify("Time is up: answer submitted.")
            self.action_submit()

    def action_submit(self) -> None:
        if self.busy:
            return
        self.busy = True
        self.query_one("#exam-status", Static).update("Saving…")
        # The answer is read once the box has typed every key queued before ctrl+s.
        self.query_one("#exam-answer", AnswerArea).request("submit", lock=True)

    @on(AnswerArea.Ready, "#exam-answer")
    def _answer_ready(self, message: AnswerArea.Ready) -> None:
        if message.purpose == "submit" and self.busy:
            qid = self.ids[self.index]
            self.grade_one(qid, message.text, self.started_at, self.app.clock())

    def save_draft(self) -> None:
        """Keep the half-typed exam answer when the app is closed (SIGHUP, SIGTERM, quit)."""
        if self.busy or self.index >= len(self.ids):
            return
        text = self.query_one("#exam-answer", AnswerArea).text
        if text.strip():
            try:
                self.app.store.set_setting(f"draft:exam:{self.ids[self.index]}", text)
            except TutorError as exc:
                self.app.notify(exc.message, severity="error")

    @work(thread=True, exclusive=True)
    def grade_one(self, qid: str, text: str, started_at, submitted_at) -> None:
        app = self.app
        try:
            result = app.grader.grade(app.bank.get(qid), text)
            app.store.add_attempt(
                qid,
                text,
                mode="exam",
                started_at=started_at,
                submitted_at=submitted_at,
                grade=result.to_dict(),
                exam_id=self.exam_id,
            )
        except Exception as exc:
            app.call_from_thread(self._failed, exc)
            return
        app.call_from_thread(self._graded, qid, result)

    def _failed(self, exc: Exception) -> None:
        self.busy = False
        self.query_one("#exam-answer", AnswerArea).read_only = False
        msg = getattr(exc, "message", None) or f"{type(exc).__name__}: {exc}"
        self.query_one("#exam-status", Static).update(f"[red]{msg}[/red]")

    def _graded(self, qid: str, result) -> None:
        self.items.append(
            {
                "id": qid,
                "score": result.score,
                "verdict": result.verdict,
                "missed": [p.text for p in result.points if not p.hit],
                "misconceptions": [m.text for m in result.misconceptions],
            }
        )
        self.query_one("#exam-bar", ProgressBar).advance(1)
        self.index += 1
        self.busy = False
        if self.index < len(self.ids):
            self._show()
        else:
            self.finish()

    def finish(self) -> None:
        if self._timer is not None:
            self._timer.stop()
        result = mark_exam(self.items)
        details = result.to_dict()
        for b, it in zip(details["breakdown"], self.items, strict=True):
            b["missed"] = it["missed"]
            b["misconceptions"] = it["misconceptions"]
        try:
            self.app.store.finish_exam(
                self.exam_id, result.mark, result.lode, details, self.app.clock()
            )
        except TutorError as exc:  # the mark is still shown; only its record is lost
            self.app.notify(f"exam result not saved: {exc.message}", severity="error", timeout=10)
        self.app.switch_screen(ExamResultScreen(details))

    def action_abandon(self) -> None:
        if self._timer is not None:
            self._timer.stop()
        self.app.notify("Exam abandoned; answers given so far are saved.")
        self.app.pop_screen()


class ExamResultScreen(Screen):
    """The mark and a per-question breakdown (what was missed)."""

    BINDINGS = [Binding("escape", "back", "Back")]

    def __init__(self, details: dict) -> None:
        super().__init__()
        self.details = details

    def compose(self) -> ComposeResult:
        d = self.details
        style = "green" if d["passed"] else "red"
        yield Header()
        with VerticalScroll(id="exam-result"):
            yield Static(
                f"[b {style}]{d['label']}[/]   mean score {d['mean_score']:.0%}", id="mark"
            )
            yield DataTable(id="breakdown", cursor_type="row", zebra_stripes=True)
            yield Markdown(self._missed_md(), id="missed")
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one("#breakdown", DataTable)
        table.add_columns("Question", "Score", "Verdict", "Points", "Text")
        for b in self.details["breakdown"]:
            q = self.app.bank.get(b["id"])
            text = q.question if len(q.question) <= 48 else q.question[:47] + "…"
            table.add_row(b["id"], f"{b['score']:.0%}", b["verdict"] or "", f"{b['points']}", text)

    def _missed_md(self) -> str:
        lines = ["### What to review"]
        for b in self.details["breakdown"]:
            missed = b.get("missed") or []
            wrong = b.get("misconceptions") or []
            if not missed and not wrong:
                continue
            lines.append(f"**{b['id']}**")
            lines += [f"- missed: {render_markdown_math(m)}" for m in missed]
            lines += [f"- wrong: {render_markdown_math(w)}" for w in wrong]
        return "\n".join(lines) if len(lines) > 1 else "### Nothing missed — well done."

    def action_back(self) -> None:
        self.app.pop_screen()
