"""Exam simulation: N questions across topics, the examiner's follow-ups, a mark out of 30.

One question at a time, grades hidden until the end as in a real exam. After each
answer the examiner asks back about up to two missed key points; those answers count
(``tutor.exam``). The result lists one row per question; Enter opens it with the
answer, its card (which the student may correct: the mark follows) and the model
answer. Grading and storing are ``tutor.session`` calls in thread workers.
"""

from __future__ import annotations

import threading
from datetime import datetime
from typing import Any

from rich.text import Text as RichText
from textual import getters, on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.reactive import reactive
from textual.screen import ModalScreen, Screen
from textual.widgets import Button, DataTable, Header, Input, Label, Markdown, ProgressBar, Static
from textual.worker import Worker, WorkerState

from tutor.errors import Phrase, TutorError
from tutor.exam import DEFAULT_QUESTIONS, pick_questions
from tutor.i18n import exam as T
from tutor.i18n import grade as G
from tutor.render import answer_markdown
from tutor.session import (
    FOLLOWUP_DRAFT,
    FOLLOWUPS,
    FollowUp,
    Mode,
    Phase,
    Submission,
    answer_followup,
    exam_details,
    finish_exam,
    mark_working,
    pass_followup,
    store_judgement,
    submit_answer,
)
from tutor.ui.app import WorkerErrors
from tutor.ui.card import CardLine, GradeView, asked_line
from tutor.ui.keys import TutorFooter
from tutor.ui.widgets import AnswerArea, OrderedInput, error_text, question_text

#: The setup's limits (a real oral has three to five questions).
MAX_QUESTIONS, MAX_MINUTES = 20, 60
#: Characters of the question shown in the result's rows (Enter opens the whole of it).
TEXT_WIDTH = 40
#: Columns the other cells of a result row take, padding and margins included.
TEXT_BESIDE = 66


def mark_label(details: dict[str, Any], lang: str) -> str:
    if details.get("lode"):
        return T.MARK_LODE(lang)
    mark = details.get("mark", 0)
    return T.MARK(lang, mark=mark) if details.get("passed") else T.MARK_FAILED(lang, mark=mark)


class ExamSetupScreen(Screen):
    """How many questions and how long for each; the number of questions has the focus."""

    CSS_PATH = "exam.tcss"
    BINDINGS = [Binding("escape", "back", T.KEY_BACK.label)]
    HELP_TITLE = T.SETUP_HELP_TITLE
    HELP_NOTE = (T.HELP_MARK,)

    questions = getters.query_one("#n", Input)
    minutes = getters.query_one("#minutes", Input)
    error = getters.query_one("#setup-error", Static)

    def compose(self) -> ComposeResult:
        lang = self.app.lang
        yield Header()
        with Vertical(id="exam-setup"):
            yield Static(T.SETUP_TITLE(lang))
            yield Static(T.SETUP_RULES(lang, n=FOLLOWUPS), id="setup-rules")
            with Horizontal(classes="field"):
                yield Label(T.FIELD_QUESTIONS(lang))
                yield OrderedInput(str(DEFAULT_QUESTIONS), id="n", type="integer")
            with Horizontal(classes="field"):
                yield Label(T.FIELD_MINUTES(lang))
                yield OrderedInput("0", id="minutes", type="integer")
            yield Button(T.START(lang), id="start", variant="primary")
            yield Static(id="setup-error")
        yield TutorFooter()

    def on_mount(self) -> None:
        field = self.questions
        field.focus()
        field.select_all()  # typing a number replaces the default

    @on(Button.Pressed, "#start")
    @on(Input.Submitted)
    def start(self) -> None:
        lang = self.app.lang
        try:
            n = int(self.questions.value or DEFAULT_QUESTIONS)
            minutes = int(self.minutes.value or 0)
        except ValueError:
            n, minutes = -1, -1
        if not 1 <= n <= MAX_QUESTIONS or not 0 <= minutes <= MAX_MINUTES:
            self.error.update(RichText(T.BAD_SETUP(lang), style="red"))
            return
        ids = pick_questions(self.app.bank, n)
        limit = minutes * 60 or None
        try:
            exam_id = self.app.store.start_exam(len(ids), limit, self.app.clock())
        except TutorError as exc:  # locked or read-only database: say so, do not crash
            message = T.CANNOT_START(lang, error=exc.render(lang))
            self.error.update(RichText(message, style="red"))
            return
        self.app.switch_screen(ExamScreen(ids, limit, exam_id=exam_id))

    def action_back(self) -> None:
        self.app.pop_screen()


class AbandonScreen(ModalScreen[bool]):
    """Asked before an exam is abandoned: escape by mistake must not end it."""

    CSS_PATH = "exam.tcss"
    BINDINGS = [
        Binding("escape,n", "answer(False)", T.ABANDON_NO.label),
        Binding("y", "answer(True)", T.ABANDON_YES.label, show=False),
    ]

    def compose(self) -> ComposeResult:
        lang = self.app.lang
        with Vertical(id="abandon"):
            yield Static(RichText(T.ABANDON_TITLE(lang), style="bold"))
            yield Static(T.ABANDON_BODY(lang))
            with Horizontal(id="abandon-buttons"):
                yield Button(T.ABANDON_NO(lang), id="stay", variant="primary")
                yield Button(T.ABANDON_YES(lang), id="leave", variant="error")

    def on_mount(self) -> None:
        self.query_one("#stay", Button).focus()

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "leave")

    def action_answer(self, leave: bool) -> None:
        self.dismiss(leave)


class ExamScreen(WorkerErrors, Screen):
    """One question at a time, then its follow-ups; grades stay hidden until the end."""

    CSS_PATH = "exam.tcss"
    BINDINGS = [
        Binding("ctrl+s", "submit", T.KEY_SUBMIT.label, priority=True),
        Binding("ctrl+n", "pass", T.KEY_PASS.label, priority=True),
        Binding("escape", "abandon", T.KEY_ABANDON.label),
    ]
    HELP_TITLE = T.HELP_TITLE
    HELP_NOTE = (Phrase(T.HELP_ASKING, {"n": FOLLOWUPS}), T.HELP_MARK, T.HELP_SAVING)

    state: reactive[Phase] = reactive(Phase.LOADING, init=False)

    progress = getters.query_one("#exam-progress", Static)
    bar = getters.query_one("#exam-bar", ProgressBar)
    question_view = getters.query_one("#exam-question", Static)
    asking = getters.query_one("#exam-asking", Static)
    answer = getters.query_one("#exam-answer", AnswerArea)
    status = getters.query_one("#exam-status", Static)

    def __init__(
        self, question_ids: list[str], time_limit_s: int | None = None, exam_id: int | None = None
    ) -> None:
        super().__init__()
        self.ids = question_ids
        self.time_limit_s = time_limit_s
        self.index = 0
        self.subs: list[Submission] = []
        self.exam_id = exam_id  # started by the setup screen, which can show a store error
        self.started_at: datetime | None = None
        self.remaining = 0
        self.followup: FollowUp | None = None
        self._timer = None
        self._draft_dirty = False

    @property
    def qid(self) -> str:
        return self.ids[min(self.index, len(self.ids) - 1)]

    def compose(self) -> ComposeResult:
        yield Header()
        with Vertical(id="exam-head"):
            yield Static(id="exam-progress")
            yield ProgressBar(total=len(self.ids), show_eta=False, id="exam-bar")
            yield Static(id="exam-question")
        with Vertical(id="exam"):
            yield Static(id="exam-asking")
            yield AnswerArea(id="exam-answer", soft_wrap=True, tab_behavior="focus")
            yield Static(id="exam-status")
        yield TutorFooter()

    def on_mount(self) -> None:
        if self.exam_id is None:
            self.exam_id = self.app.store.start_exam(
                len(self.ids), self.time_limit_s, self.app.clock()
            )
        if self.time_limit_s:
            self._timer = self.set_interval(1.0, self._tick)
        self.set_interval(1.5, self._autosave_draft)
        self.watch(self.app, "lang", self._relabel, init=False)
        self._show()

    def watch_state(self, state: Phase) -> None:
        self.refresh_bindings()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "submit":
            return self.state in (Phase.ANSWERING, Phase.FOLLOWUP)
        if action == "pass":
            return self.state is Phase.FOLLOWUP
        return True

    # -- asking -----------------------------------------------------------------
    def _show(self) -> None:
        """The next question, with its draft if an earlier sitting left one."""
        self.followup = None
        self.started_at = self.app.clock()
        self.remaining = self.time_limit_s or 0
        self.asking.display = False
        self._relabel()
        self._open("")
        self._load_draft(self.qid, Mode.EXAM)

    def _open(self, text: str) -> None:
        area = self.answer
        area.load_text(text)
        area.read_only = False
        area.focus()
        self._draft_dirty = False
        self.status.update("")
        self.state = Phase.FOLLOWUP if self.followup else Phase.ANSWERING

    @work(thread=True, exclusive=True, group="draft-read", exit_on_error=False)
    def _load_draft(self, qid: str, mode: str) -> None:
        text = self.app.store.draft(qid, mode=mode)
        if text:
            self.app.call_from_thread(self._restore_draft, qid, text)

    def _restore_draft(self, qid: str, text: str) -> None:
        typing = self.state in (Phase.ANSWERING, Phase.FOLLOWUP)
        if qid == self.qid and typing and not self.answer.text:
            self.answer.load_text(text)

    def _relabel(self, _lang: str | None = None) -> None:
        lang = self.app.lang
        q = self.app.bank.get(self.qid)
        self._show_progress()
        self.question_view.update(question_text(q, lang))
        follow = self.followup
        self.answer.placeholder = T.PLACEHOLDER_FOLLOWUP(lang) if follow else T.PLACEHOLDER(lang)
        if follow is not None and self.index < len(self.subs):
            n = len(self.subs[self.index].asked) + 1
            heading = T.FOLLOWUP(lang, n=n, total=FOLLOWUPS)
            self.asking.update(asked_line(heading, follow.probe(lang)))

    def _show_progress(self) -> None:
        lang = self.app.lang
        q = self.app.bank.get(self.qid)
        n = min(self.index + 1, len(self.ids))
        text = T.PROGRESS(lang, n=n, total=len(self.ids), topic=q.topic_id)
        if self.time_limit_s:
            left = max(0, self.remaining)
            text += "  ·  " + T.TIME_LEFT(lang, time=f"{left // 60}:{left % 60:02d}")
        self.progress.update(text)

    def _tick(self) -> None:
        if self.state not in (Phase.ANSWERING, Phase.FOLLOWUP) or not self.time_limit_s:
            return
        self.remaining -= 1
        self._show_progress()
        if self.remaining <= 0:
            self.app.notify(T.TIME_UP(self.app.lang))
            self.action_submit()

    # -- submitting ---------------------------------------------------------------
    def action_submit(self) -> None:
        if self.state is Phase.ANSWERING:
            purpose = "submit"
        elif self.state is Phase.FOLLOWUP:
            purpose = "followup"
        else:
            return
        self.state = Phase.GRADING
        self.status.update(T.SAVING(self.app.lang))
        # The answer is read once the box has typed every key queued before ctrl+s.
        self.answer.request(purpose, lock=True)

    def action_pass(self) -> None:
        """No answer to a follow-up: it counts nothing; the typed text stays as a draft."""
        if self.state is Phase.FOLLOWUP:
            self.state = Phase.SKIPPING
            self.answer.request("pass", lock=True)

    @on(AnswerArea.Ready, "#exam-answer")
    def _answer_ready(self, message: AnswerArea.Ready) -> None:
        purpose, text = message.purpose, message.text
        self._draft_dirty = False
        if purpose == "submit" and self.state is Phase.GRADING:
            self._grade(self.qid, text, self.started_at, self.app.clock())
        elif purpose == "followup" and self.state is Phase.GRADING and self.followup:
            self._grade_followup(self.subs[self.index], self.followup, text, self.app.lang)
        elif purpose == "pass" and self.state is Phase.SKIPPING:
            if text.strip():
                self._write_draft(self.qid, text, FOLLOWUP_DRAFT)
            if self.followup is not None and self.index < len(self.subs):
                self._pass_followup(self.subs[self.index], self.followup, self.app.lang)
            else:
                self._next()

    @work(thread=True, exclusive=True, group="grade", exit_on_error=False)
    def _grade(self, qid: str, text: str, started_at: datetime, submitted_at: datetime) -> None:
        app = self.app
        sub = submit_answer(
            app.store,
            app.grader,
            app.bank.get(qid),
            text,
            mode=Mode.EXAM,
            started_at=started_at,
            submitted_at=submitted_at,
            exam_id=self.exam_id,
        )
        app.call_from_thread(self._graded, sub)

    @work(thread=True, exclusive=True, group="grade", exit_on_error=False)
    def _grade_followup(self, sub: Submission, follow: FollowUp, text: str, lang: str) -> None:
        out = answer_followup(self.app.store, self.app.grader, sub, follow, text, lang)
        self.app.call_from_thread(self._graded, out)

    @work(thread=True, exclusive=True, group="grade", exit_on_error=False)
    def _pass_followup(self, sub: Submission, follow: FollowUp, lang: str) -> None:
        out = pass_followup(self.app.store, self.app.grader, sub, follow, lang)
        self.app.call_from_thread(self._passed, out)

    def _passed(self, sub: Submission) -> None:
        """The pass is on record (the review shows the point asked and missed): next."""
        if sub.question_id != self.qid or not self.is_attached or self.state is not Phase.SKIPPING:
            return
        self.subs[self.index] = sub
        self._next()

    def _graded(self, sub: Submission) -> None:
        if sub.question_id != self.qid or not self.is_attached:
            return
        for note in sub.notes:  # failed on the side (a draft not cleared): the answer stands
            self.app.report_error(note, severity="warning")
        if self.index < len(self.subs):
            self.subs[self.index] = sub
        else:
            self.subs.append(sub)
        pending = sub.pending()
        time_left = not self.time_limit_s or self.remaining > 0
        if pending and len(sub.asked) < FOLLOWUPS and time_left:
            self.followup = pending[0]
            self.asking.display = True
            self._relabel()
            self._open("")
            self._load_draft(self.qid, FOLLOWUP_DRAFT)
            return
        self._next()

    def _next(self) -> None:
        self.followup = None
        self.bar.advance(1)
        self.index += 1
        if self.index < len(self.ids):
            self._show()
        else:
            self.finish()

    def finish(self) -> None:
        if self._timer is not None:
            self._timer.stop()
        self.state = Phase.SAVING
        self.status.update(T.SAVING(self.app.lang))
        self._finish(list(self.subs), self.app.clock())

    @work(thread=True, exclusive=True, group="finish", exit_on_error=False)
    def _finish(self, subs: list[Submission], at: datetime) -> None:
        outcome = finish_exam(self.app.store, self.exam_id, subs, at)
        self.app.call_from_thread(self._finished, outcome.details, subs, at, outcome.error)

    def _finished(
        self, details: dict, subs: list[Submission], at: datetime, error: TutorError | None
    ) -> None:
        self.state = Phase.DONE
        if error is not None:  # the mark is still shown; only its record is lost
            self.app.report_error(TutorError(T.NOT_STORED, error=error))
        self.app.switch_screen(ExamResultScreen(details, subs, exam_id=self.exam_id, at=at))

    @on(Worker.StateChanged)
    def _worker_failed(self, event: Worker.StateChanged) -> None:
        """Back to the answer; the app's handler has said what went wrong."""
        if event.state is not WorkerState.ERROR or event.worker.group != "grade":
            return
        if self.state is Phase.SKIPPING:  # the pass is not on record; the exam goes on
            self._next()
        elif self.state is Phase.GRADING:
            message = error_text(event.worker.error, self.app.lang)
            self.state = Phase.FOLLOWUP if self.followup else Phase.ANSWERING
            self.answer.read_only = False
            self.answer.focus()
            self.status.update(RichText(T.FAILED(self.app.lang, error=message), style="red"))

    # -- drafts and leaving -----------------------------------------------------------
    def save_draft(self) -> None:
        """Keep the half-typed answer when the app is closed (SIGHUP, SIGTERM, quit), or the
        exam abandoned: also one submitted a moment ago, whose grading may not store it."""
        typed = (Phase.ANSWERING, Phase.FOLLOWUP, Phase.GRADING, Phase.SKIPPING)
        if self.state not in typed or self.index >= len(self.ids):
            return
        mode = FOLLOWUP_DRAFT if self.followup else Mode.EXAM
        self._draft_dirty = False
        try:
            self.app.store.save_draft(self.qid, self.answer.text, mode=mode)
        except Exception as exc:  # leaving must not fail; say why the draft is not kept
            self.app.report_error(exc, where="save draft")

    def _autosave_draft(self) -> None:
        if self._draft_dirty and self.state in (Phase.ANSWERING, Phase.FOLLOWUP):
            self._draft_dirty = False
            mode = FOLLOWUP_DRAFT if self.followup else Mode.EXAM
            self._write_draft(self.qid, self.answer.text, mode, autosave=True)

    @work(thread=True, exclusive=True, group="draft", exit_on_error=False)
    def _write_draft(self, qid: str, text: str, mode: str, autosave: bool = False) -> None:
        if autosave and (qid != self.qid or self.state not in (Phase.ANSWERING, Phase.FOLLOWUP)):
            return  # submitted meanwhile: submitting clears the draft
        try:
            self.app.store.save_draft(qid, text, mode=mode)
        except TutorError:
            if not autosave:
                raise
            self._draft_dirty = True  # again at the next pause

    @on(AnswerArea.Changed, "#exam-answer")
    def _typing(self) -> None:
        if self.state in (Phase.ANSWERING, Phase.FOLLOWUP):
            self._draft_dirty = True

    def action_abandon(self) -> None:
        if self.state in (Phase.SAVING, Phase.DONE):
            return

        def answered(leave: bool | None) -> None:
            if not leave:
                self.answer.focus()
                return
            self.save_draft()
            if self._timer is not None:
                self._timer.stop()
            self.app.notify(T.ABANDONED(self.app.lang))
            self.app.pop_screen()

        self.app.push_screen(AbandonScreen(), answered)


class ExamResultScreen(WorkerErrors, Screen):
    """The mark, what points mean, and one row per question that opens it."""

    CSS_PATH = "exam.tcss"
    BINDINGS = [
        Binding("escape", "back", T.KEY_BACK.label),
        Binding("enter", "open", T.KEY_OPEN.label, show=False),
    ]
    HELP_KEYS = (("enter", T.KEY_OPEN),)
    HELP_TITLE = T.RESULT_HELP_TITLE
    HELP_NOTE = (T.RESULT_HELP, T.HELP_MARK)

    table = getters.query_one("#breakdown", DataTable)
    mark_line = getters.query_one("#mark", Static)

    def __init__(
        self,
        details: dict,
        submissions: list[Submission],
        *,
        exam_id: int | None = None,
        at: datetime | None = None,
    ) -> None:
        super().__init__()
        self.details = details
        self.subs = list(submissions)
        self.exam_id = exam_id
        self.at = at
        self._lock = threading.Lock()

    def compose(self) -> ComposeResult:
        yield Header()
        with VerticalScroll(id="exam-result"):
            yield Static(id="mark")
            yield DataTable(id="breakdown", cursor_type="row", zebra_stripes=True)
            yield Static(id="points-mean")
        yield TutorFooter()

    def on_mount(self) -> None:
        self.watch(self.app, "lang", self._relabel, init=False)
        self._relabel()
        self.table.focus()

    def _relabel(self, _lang: str | None = None) -> None:
        lang = self.app.lang
        d = self.details
        style = "green" if d["passed"] else "red"
        line = RichText(mark_label(d, lang), style=f"bold {style}")
        line.append("   " + T.MEAN(lang, mean=f"{d['mean_score']:.0%}"))
        if any(s.judged for s in self.subs):
            line.append("  " + T.CORRECTED(lang), style="cyan")
        line.append("\n")
        line.append(self._working(lang), style="dim")
        self.mark_line.update(line)
        self.query_one("#points-mean", Static).update(RichText(T.POINTS_MEAN(lang), style="dim"))
        table = self.table
        row = table.cursor_row
        table.clear(columns=True)
        for col in (T.COL_QUESTION, T.COL_POINTS, T.COL_VERDICT, T.COL_KEY_POINTS):
            table.add_column(col(lang), key=col.en)
        table.add_column(T.COL_FOLLOWUPS(lang), key=T.COL_FOLLOWUPS.en)
        width = self.text_width()
        table.add_column(T.COL_TEXT(lang), key=T.COL_TEXT.en, width=width)
        for b, sub in zip(d["breakdown"], self.subs, strict=True):
            q = self.app.bank.get(b["id"])
            result = sub.result
            verdict = G.VERDICTS[result.verdict](lang) if result else ""
            points = f"{sum(p.hit for p in result.points)}/{len(result.points)}" if result else ""
            asked = "".join("✓" if a.hit else "✗" for a in sub.asked) or "–"
            asked_text = q.question_text(lang)
            text = asked_text if len(asked_text) <= width else asked_text[: width - 1] + "…"
            table.add_row(b["id"], f"{b['points']:.1f}", verdict, points, asked, text, key=b["id"])
        if table.row_count:
            table.move_cursor(row=min(max(row, 0), table.row_count - 1))

    def _working(self, lang: str) -> str:
        """The arithmetic from the rows' points to the mark, with the numbers shown."""
        working = mark_working([row["points"] for row in self.details["breakdown"]])
        text = T.MARK_WORKING(
            lang,
            total=working.shown_total(),
            n=working.count,
            mean=working.shown_mean(),
            mark=working.mark,
        )
        return text + (T.MARK_WORKING_LODE(lang) if self.details.get("lode") else "")

    def text_width(self) -> int:
        """The question column takes what the other columns leave (cut with …)."""
        return max(12, min(TEXT_WIDTH, self.app.size.width - TEXT_BESIDE))

    def on_resize(self) -> None:
        self._relabel()

    @on(DataTable.RowSelected, "#breakdown")
    def _selected(self, event: DataTable.RowSelected) -> None:
        self._open(event.cursor_row)

    def action_open(self) -> None:
        self._open(self.table.cursor_row)

    def _open(self, index: int) -> None:
        if not 0 <= index < len(self.subs):
            return

        def reviewed(sub: Submission | None) -> None:
            if sub is not None and sub != self.subs[index]:
                self.subs[index] = sub
                self.details = exam_details(self.subs)
                self._relabel()
                self._store()

        self.app.push_screen(ExamReviewScreen(self.subs[index], index, len(self.subs)), reviewed)

    @work(thread=True, group="exam-store", exit_on_error=False)
    def _store(self) -> None:
        """The exam's record follows the student's corrections (the latest one wins)."""
        with self._lock:
            if self.exam_id is not None and self.at is not None:
                outcome = finish_exam(self.app.store, self.exam_id, self.subs, self.at)
                if outcome.error is not None:
                    raise TutorError(T.NOT_STORED, error=outcome.error)

    def action_back(self) -> None:
        self.app.pop_screen()


class ExamReviewScreen(WorkerErrors, Screen[Submission]):
    """One exam question after the fact: the answer, its card (correctable), the model answer."""

    CSS_PATH = "exam.tcss"
    BINDINGS = [
        Binding("escape", "back", T.KEY_BACK.label),
        Binding("o", "judge", T.KEY_JUDGE.label),
        Binding("l", "toggle_lang", T.KEY_MODEL_LANG.label),
    ]
    HELP_TITLE = T.REVIEW_HELP_TITLE
    HELP_NOTE = (G.JUDGE_HELP, T.REVIEW_HELP)

    body = getters.query_one("#review", VerticalScroll)
    grade_view = getters.query_one("#review-grade", GradeView)
    model = getters.query_one("#review-model", Markdown)

    def __init__(self, sub: Submission, index: int, total: int) -> None:
        super().__init__()
        self.sub = sub
        self.index = index
        self.total = total
        self.model_lang: str | None = None
        self._lock = threading.Lock()

    def compose(self) -> ComposeResult:
        yield Header()
        with Vertical(id="review-head"):
            yield Static(id="review-title")
            yield Static(id="review-question")
        with VerticalScroll(id="review", can_focus=True):
            yield Static(id="review-answer")
            yield GradeView(id="review-grade")
            yield Markdown(id="review-model")
        yield TutorFooter()

    def on_mount(self) -> None:
        self.watch(self.app, "lang", self._relabel, init=False)
        self._relabel()
        self.body.focus()

    def _relabel(self, _lang: str | None = None) -> None:
        lang = self.app.lang
        q = self.sub.question
        self.query_one("#review-title", Static).update(
            RichText(T.REVIEW_TITLE(lang, n=self.index + 1, total=self.total), style="dim")
        )
        self.query_one("#review-question", Static).update(question_text(q, lang))
        answer = RichText(T.YOUR_ANSWER(lang) + "\n", style="bold")
        answer.append(self.sub.answer.strip() or T.NO_ANSWER(lang), style="italic")
        self.query_one("#review-answer", Static).update(answer)
        self.grade_view.show(self.sub, lang, editable=not self.sub.revealed)
        self._show_model()

    def _show_model(self) -> None:
        lang = self.model_lang or self.app.lang
        head = T.MODEL_ANSWER(self.app.lang, lang=lang.upper())
        self.model.update(f"### {head}\n\n{answer_markdown(self.sub.question, lang)}")

    def action_judge(self) -> None:
        line = self.grade_view.first_line()
        if line is not None:
            line.focus()

    @on(CardLine.Toggled)
    def _toggled(self, message: CardLine.Toggled) -> None:
        line = message.line
        if line.kind == "point":
            self.sub = self.sub.toggled_point(line.item_id)
        else:
            self.sub = self.sub.toggled_statement(line.item_id)
        self.grade_view.show(self.sub, self.app.lang, editable=True)
        self._store_judgement()

    @work(thread=True, group="judge", exit_on_error=False)
    def _store_judgement(self) -> None:
        with self._lock:
            store_judgement(self.app.store, self.sub)

    def action_toggle_lang(self) -> None:
        self.model_lang = "it" if (self.model_lang or self.app.lang) == "en" else "en"
        self._show_model()

    def action_back(self) -> None:
        if isinstance(self.focused, CardLine):
            self.body.focus()
            return
        self.dismiss(self.sub)


__all__ = [
    "AbandonScreen",
    "ExamResultScreen",
    "ExamReviewScreen",
    "ExamScreen",
    "ExamSetupScreen",
]
