"""Study: answer a question, answer the examiner's follow-ups, see the card, rate it, go on.

The flow is answer → submit (ctrl+s) → up to two follow-ups about missed key points
(ctrl+n skips them) → the card: ✓/◐/✗ per key point, wrong statements, how the score
is made, the model answer → rating 1–4 (the suggestion is preselected, never forced)
→ next. The student may correct the grader on any line of the card (``o``, then space,
or a click); score, verdict and suggestion follow at once.

The screen only arranges and reacts: grading, storing, judging and the queue are
``tutor.session`` calls made in thread workers, whose failures the app's one handler
reports; the screen just returns to where the student was. The attempt is committed
when it is graded and the rating before the next question appears, so a crash or kill
loses nothing the student did.
"""

from __future__ import annotations

import threading
from datetime import datetime, timedelta

from rich.text import Text as RichText
from textual import getters, on, work
from textual.app import ComposeResult
from textual.await_complete import AwaitComplete
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.reactive import reactive
from textual.screen import Screen
from textual.widgets import Header, Markdown, Static
from textual.worker import Worker, WorkerState

from tutor.domain import Rating
from tutor.errors import Phrase
from tutor.grading import GradeResult
from tutor.grading.result import Params
from tutor.i18n import app as A
from tutor.i18n import grade as G
from tutor.i18n import study as T
from tutor.render import answer_markdown, localized
from tutor.session import (
    FOLLOWUP_DRAFT,
    FOLLOWUPS,
    FollowUp,
    Mode,
    Phase,
    StudyQueue,
    Submission,
    answer_followup,
    cram_order,
    rating_preview,
    store_judgement,
    study_queue,
    submit_answer,
)
from tutor.ui.app import WorkerErrors
from tutor.ui.card import CardLine, GradeView, RatingBar, asked_line
from tutor.ui.keys import TutorFooter
from tutor.ui.widgets import AnswerArea, error_text, question_text

#: Lines of the student's answer shown above the card (the rest is in the store).
ANSWER_LINES = 12
_SHORT = Params()  # the length rule of a CORRECT, as the help explains it


def answer_excerpt(text: str, lang: str) -> RichText:
    """The submitted answer as it is shown above the card, cut after a few lines."""
    lines = text.strip().splitlines() or [""]
    out = RichText("\n".join(lines[:ANSWER_LINES]), style="italic")
    if len(lines) > ANSWER_LINES:
        out.append("\n" + T.MORE_LINES(lang, n=len(lines) - ANSWER_LINES), style="dim")
    return out


def wait_text(left: timedelta, lang: str) -> str:
    seconds = max(0, round(left.total_seconds()))
    if seconds < 90:
        return T.SECONDS(lang, n=seconds)
    return T.MINUTES(lang, n=round(seconds / 60))


class StudyScreen(WorkerErrors, Screen):
    """Due reviews first, then new questions; ``cram`` reviews without scheduling."""

    CSS_PATH = "study.tcss"
    BINDINGS = [
        Binding("ctrl+s", "submit", T.KEY_SUBMIT.label, priority=True),
        Binding("ctrl+r", "reveal", T.KEY_REVEAL.label, priority=True),
        Binding("space", "reveal", T.KEY_REVEAL.label, show=False),
        Binding("1", "rate('again')", G.RATING_AGAIN.label, show=False),
        Binding("2", "rate('hard')", G.RATING_HARD.label, show=False),
        Binding("3", "rate('good')", G.RATING_GOOD.label, show=False),
        Binding("4", "rate('easy')", G.RATING_EASY.label, show=False),
        Binding("enter", "accept", T.KEY_ACCEPT.label),
        Binding("o", "judge", T.KEY_JUDGE.label),
        Binding("l", "toggle_lang", T.KEY_MODEL_LANG.label),
        Binding("d", "links", T.KEY_LINKS.label, show=False),
        Binding("ctrl+n", "skip", T.KEY_SKIP.label, priority=True),
        # the same key while the examiner asks back: no more questions, the card
        Binding("ctrl+n", "see_grade", T.KEY_SKIP_FOLLOWUP.label, priority=True),
        Binding("escape", "leave", A.KEY_BACK.label),
        Binding("j", "scroll_down", A.KEY_DOWN.label, show=False),
        Binding("k", "scroll_up", A.KEY_UP.label, show=False),
    ]

    HELP_TITLE = T.HELP_TITLE
    HELP_NOTE = (
        T.HELP_ANSWERING,
        Phrase(T.HELP_FOLLOWUPS, {"n": FOLLOWUPS}),
        Phrase(
            T.HELP_CARD,
            {
                "words": _SHORT.short_words,
                "share": f"{_SHORT.short_correct_at:.0%}",
                "usual": f"{_SHORT.correct_at:.0%}",
                "long": _SHORT.long_words,
            },
        ),
        G.JUDGE_HELP,
        T.HELP_RATING,
        T.HELP_SAVING,
    )

    state: reactive[Phase] = reactive(Phase.LOADING, init=False)

    body = getters.query_one("#study", VerticalScroll)
    progress = getters.query_one("#study-progress", Static)
    question_view = getters.query_one("#question", Static)
    asking = getters.query_one("#asking", Static)
    answer = getters.query_one("#answer", AnswerArea)
    given = getters.query_one("#your-answer", Static)
    status = getters.query_one("#study-status", Static)
    result_box = getters.query_one("#result", Vertical)
    grade_view = getters.query_one("#grade", GradeView)
    model = getters.query_one("#model", Markdown)
    rating_bar = getters.query_one("#rating", RatingBar)

    def __init__(
        self,
        topics: set[str] | None = None,
        cram: bool = False,
        seed: int | None = None,
        only: list[str] | None = None,
    ) -> None:
        super().__init__()
        self.topics = topics
        self.only = only
        self.cram = cram or only is not None  # practising chosen questions never reschedules
        self.mode = Mode.CRAM if self.cram else Mode.STUDY
        self.qid: str | None = None
        self.started_at: datetime | None = None
        self.sub: Submission | None = None
        self.intervals: dict[Rating, timedelta] = {}
        self.queue: StudyQueue | None = None
        self.skipped: set[str] = set()
        self.reviewed = 0
        self.model_lang: str | None = None
        self.followup: FollowUp | None = None  # the follow-up being answered
        self._seed = seed
        self._cram_queue: list[str] = []
        self._draft_dirty = False
        self._judgement_lock = threading.Lock()
        self._skipping_followup = False

    @property
    def result(self) -> GradeResult | None:
        """The card of the current answer as it counts (None before grading, or revealed)."""
        return self.sub.result if self.sub is not None else None

    @property
    def suggested(self) -> Rating | None:
        return self.sub.suggested if self.sub is not None else None

    # -- layout ---------------------------------------------------------------
    def compose(self) -> ComposeResult:
        yield Header()
        with Vertical(id="study-head"):
            yield Static(id="study-progress")
            yield Static(id="question")
        with VerticalScroll(id="study", can_focus=True):
            yield Static(id="asking")
            yield Static(id="study-status")
            yield AnswerArea(id="answer", soft_wrap=True, tab_behavior="focus")
            yield Static(id="your-answer")
            with Vertical(id="result"):
                yield GradeView(id="grade")
                yield Markdown(id="model")
        yield RatingBar(id="rating")
        yield TutorFooter()

    def on_mount(self) -> None:
        if self.only is not None:
            self._cram_queue = list(self.only)
        elif self.cram:
            self._cram_queue = cram_order(self.app.bank, self.topics, self._seed)
        for widget in (self.result_box, self.given, self.asking, self.rating_bar):
            widget.display = False
        self.watch(self.app, "lang", self._relabel, init=False)
        self.set_interval(1.5, self._autosave_draft)
        self.set_interval(1.0, self._tick_wait)
        self.load_next()

    def watch_state(self, state: Phase) -> None:
        self.refresh_bindings()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Only the keys that do something now are shown (and run)."""
        state = self.state
        typing = state in (Phase.ANSWERING, Phase.FOLLOWUP)
        graded = state is Phase.GRADED
        judged = graded and self.sub is not None and not self.sub.revealed
        allowed = {
            "submit": typing,
            "reveal": state is Phase.ANSWERING,
            "skip": state is Phase.ANSWERING or graded or state is Phase.DONE,
            "see_grade": state is Phase.FOLLOWUP,
            "rate": graded,
            "accept": graded and self.sub is not None and self.sub.suggested is not None,
            "judge": judged,
            "toggle_lang": graded or state is Phase.SAVING,
            "links": self.qid is not None and not typing,
        }
        return allowed.get(action, True)

    def _relabel(self, _lang: str | None = None) -> None:
        """Everything on screen in the app's language (ctrl+l)."""
        lang = self.app.lang
        self.answer.placeholder = (
            T.PLACEHOLDER_FOLLOWUP(lang) if self.followup else T.PLACEHOLDER(lang)
        )
        if self.state is Phase.DONE:
            self._show_done()
            return
        if self.qid is None:
            return
        self._show_question()
        self._show_progress()
        if self.state is Phase.FOLLOWUP:
            self._show_asking()
        if self.sub is not None and self.state in (Phase.GRADED, Phase.SAVING):
            self._show_card()

    def _say(self, text: str | RichText) -> None:
        """The status line under the answer; hidden when there is nothing to say."""
        self.status.update(text)
        self.status.display = bool(str(text))

    # -- the next question ----------------------------------------------------
    def load_next(self) -> None:
        """Find the next question off the UI thread (the queue reads every card)."""
        self.state = Phase.LOADING
        self._say(T.LOADING(self.app.lang))
        if self.cram:
            qid = next((q for q in self._cram_queue if q not in self.skipped), None)
            if qid is not None:
                self._cram_queue.remove(qid)
            self._next_cram(qid)
        else:
            self._next_card(self.app.clock(), set(self.skipped))

    @work(thread=True, exclusive=True, group="next", exit_on_error=False)
    def _next_card(self, now: datetime, skip: set[str]) -> None:
        queue = study_queue(self.app.scheduler, now, self.topics, skip)
        draft = self.app.store.draft(queue.next_id, mode=self.mode) if queue.next_id else ""
        self.app.call_from_thread(self._arrive, queue, queue.next_id, draft)

    @work(thread=True, exclusive=True, group="next", exit_on_error=False)
    def _next_cram(self, qid: str | None) -> None:
        draft = self.app.store.draft(qid, mode=self.mode) if qid else ""
        self.app.call_from_thread(self._arrive, None, qid, draft)

    def _arrive(self, queue: StudyQueue | None, qid: str | None, draft: str) -> None:
        if not self.is_attached:
            return  # the student left while the queue was read
        self.queue = queue
        self.qid = qid
        self.sub = None
        self.followup = None
        self.model_lang = None
        self.intervals = {}
        self.result_box.display = False
        self.given.display = False
        self.asking.display = False
        self.rating_bar.display = False
        if qid is None:
            self.state = Phase.DONE
            self.answer.display = False
            self._show_done()
            self.body.focus()
            return
        self.started_at = self.app.clock()
        self._open_answer(draft)
        self.state = Phase.ANSWERING
        self._show_question()
        self._show_progress()
        q = self.app.bank.get(qid)
        lang = self.app.lang
        kind = {"diagram": T.KIND_DIAGRAM, "exercise": T.KIND_EXERCISE}.get(q.kind)
        hint = T.POINTS_EXPECTED(lang, n=len(q.key_points)) + (f"  ·  {kind(lang)}" if kind else "")
        self._say(RichText(hint, style="dim"))
        self.body.scroll_home(animate=False)

    def _open_answer(self, text: str) -> None:
        """The answer box, editable, with ``text`` (a draft) in it."""
        answer = self.answer
        answer.display = True
        answer.read_only = False
        answer.placeholder = (
            T.PLACEHOLDER_FOLLOWUP(self.app.lang) if self.followup else T.PLACEHOLDER(self.app.lang)
        )
        answer.load_text(text)
        self._draft_dirty = False  # loading a draft is not typing
        answer.focus()

    def _show_question(self) -> None:
        self.question_view.update(question_text(self.app.bank.get(self.qid), self.app.lang))

    def _show_progress(self) -> None:
        q = self.app.bank.get(self.qid)
        lang = self.app.lang
        topic = localized(self.app.bank.topic(q.topic_id).title, lang)
        if self.cram:
            text = T.PROGRESS_CRAM(
                lang, topic=topic, left=len(self._cram_queue), reviewed=self.reviewed
            )
        else:
            due, new = (self.queue.due, self.queue.new) if self.queue else (0, 0)
            text = T.PROGRESS(lang, topic=topic, due=due, new=new, reviewed=self.reviewed)
        self.progress.update(text)

    def _show_done(self) -> None:
        lang = self.app.lang
        session = T.SESSION_CRAM if self.cram else T.SESSION
        self.progress.update(session(lang, reviewed=self.reviewed))
        if self.cram:
            title, parts = T.CRAM_DONE_TITLE(lang), [T.CRAM_DONE_BODY(lang)]
        else:
            title, parts = T.DONE_TITLE(lang), [T.DONE_BODY(lang)]
            queue = self.queue
            now = self.app.clock()
            wait = queue.wait(now) if queue else None
            if queue is not None and queue.next_due is not None and wait is not None:
                at = queue.next_due.astimezone().strftime("%H:%M")
                parts.append(T.DONE_WAITING(lang, at=at, left=wait_text(wait, lang)))
            elif queue is not None and queue.next_due is not None:
                at = queue.next_due.astimezone().strftime("%Y-%m-%d %H:%M")
                parts.append(T.DONE_NEXT(lang, at=at))
            else:
                parts.append(T.DONE_NOTHING(lang))
            if self.skipped:
                parts.append(T.DONE_SKIPPED(lang, n=len(self.skipped)))
        text = RichText(title, style="bold")
        text.append("\n\n" + "\n".join(parts))
        self.question_view.update(text)
        self._say(T.DONE_LEAVE(lang))

    def _tick_wait(self) -> None:
        """On the done screen: count down to the next card and bring it in when due."""
        if self.state is not Phase.DONE or self.cram or self.queue is None:
            return
        wait = self.queue.wait(self.app.clock())
        if wait is None:
            return
        if wait <= timedelta(0):
            self.load_next()
        else:
            self._show_done()

    # -- submit, follow-ups, grade ----------------------------------------------
    def action_submit(self) -> None:
        if self.state is Phase.ANSWERING:
            purpose = "submit"
        elif self.state is Phase.FOLLOWUP:
            purpose = "followup"
        else:
            return
        # The text is read when the answer box has typed every key queued before ctrl+s.
        self.state = Phase.GRADING
        self._say(T.GRADING(self.app.lang))
        self.answer.request(purpose, lock=True)

    def action_reveal(self) -> None:
        """Show the model answer instead of answering; what was typed is kept with it."""
        if self.state is not Phase.ANSWERING or self.qid is None:
            return
        self.state = Phase.GRADING
        self._say(T.GRADING(self.app.lang))
        self.answer.request("reveal", lock=True)

    @on(AnswerArea.Ready, "#answer")
    def _answer_ready(self, message: AnswerArea.Ready) -> None:
        purpose, text = message.purpose, message.text
        if self.state is Phase.GRADING and purpose in ("submit", "reveal") and self.qid:
            self._draft_dirty = False
            self._grade(self.qid, text, purpose == "reveal", self.started_at, self.app.clock())
        elif self.state is Phase.GRADING and purpose == "followup" and self.sub and self.followup:
            self._draft_dirty = False
            self._grade_followup(self.sub, self.followup, text, self.app.lang)
        elif self.state is Phase.SKIPPING and purpose == "skip":
            self._skip_with(text)

    @work(thread=True, exclusive=True, group="grade", exit_on_error=False)
    def _grade(
        self, qid: str, text: str, reveal: bool, started_at: datetime, submitted_at: datetime
    ) -> None:
        """Grade and commit the attempt; the rating preview comes with it."""
        app = self.app
        sub = submit_answer(
            app.store,
            app.grader,
            app.bank.get(qid),
            text,
            mode=self.mode,
            started_at=started_at,
            submitted_at=submitted_at,
            reveal=reveal,
        )
        intervals = {} if self.cram else rating_preview(app.scheduler, qid, submitted_at)
        app.call_from_thread(self._graded, sub, intervals)

    @work(thread=True, exclusive=True, group="grade", exit_on_error=False)
    def _grade_followup(self, sub: Submission, follow: FollowUp, text: str, lang: str) -> None:
        app = self.app
        out = answer_followup(app.store, app.grader, sub, follow, text, lang)
        app.call_from_thread(self._followed, out)

    def _graded(self, sub: Submission, intervals: dict[Rating, timedelta]) -> None:
        if sub.question_id != self.qid or not self.is_attached:
            return
        self.sub = sub
        self.intervals = intervals
        self._notes(sub)
        self._ask_or_show()

    def _followed(self, sub: Submission) -> None:
        if sub.question_id != self.qid or not self.is_attached:
            return
        self.sub = sub
        self._notes(sub)
        self._ask_or_show()

    def _notes(self, sub: Submission) -> None:
        """What failed on the side (a draft not cleared): said, the submission stands."""
        for note in sub.notes:
            self.app.report_error(note, severity="warning")

    def _ask_or_show(self) -> None:
        """The next follow-up the examiner asks, or the card once there is none."""
        pending = self.sub.pending() if self.sub else []
        if pending:
            self.followup = pending[0]
            self._show_asking()
            self._say("")
            self._open_answer("")
            self._load_followup_draft(self.qid)
            self.state = Phase.FOLLOWUP
            return
        self._show_graded()

    @work(thread=True, exclusive=True, group="draft-read", exit_on_error=False)
    def _load_followup_draft(self, qid: str) -> None:
        text = self.app.store.draft(qid, mode=FOLLOWUP_DRAFT)
        if text:
            self.app.call_from_thread(self._restore_followup_draft, qid, text)

    def _restore_followup_draft(self, qid: str, text: str) -> None:
        if self.state is Phase.FOLLOWUP and qid == self.qid and not self.answer.text:
            self.answer.load_text(text)

    def _show_asking(self) -> None:
        sub, follow = self.sub, self.followup
        if sub is None or follow is None:
            return
        lang = self.app.lang
        n = len(sub.asked) + 1
        total = len(sub.asked) + len(sub.pending())
        self.asking.update(asked_line(T.FOLLOWUP(lang, n=n, total=total), follow.probe(lang)))
        self.asking.display = True

    def _show_graded(self) -> None:
        sub = self.sub
        self.followup = None
        self.asking.display = False
        self.answer.display = False
        self.given.update(answer_excerpt(sub.answer, self.app.lang))
        self.given.display = bool(sub.answer.strip())
        self._say("")
        self.state = Phase.GRADED
        rendered = self._show_card()
        self.result_box.display = True
        self.rating_bar.display = True
        body = self.body
        body.focus()

        async def bring_card_into_view() -> None:
            await rendered  # the model answer's height is known only once it is mounted
            self.call_after_refresh(body.scroll_to_widget, self.given, top=True, animate=False)

        self.call_later(bring_card_into_view)

    def _show_card(self) -> AwaitComplete:
        """The card, the rating bar and the model answer; returns the Markdown update."""
        sub = self.sub
        lang = self.app.lang
        self.grade_view.show(sub, lang, editable=not sub.revealed)
        self._show_rating()
        return self._show_model()

    def _show_model(self) -> AwaitComplete:
        q = self.app.bank.get(self.qid)
        lang = self.model_lang or self.app.lang
        head = T.MODEL_ANSWER(self.app.lang, lang=lang.upper())
        return self.model.update(f"### {head}\n\n{answer_markdown(q, lang)}")

    def _show_rating(self) -> None:
        lang = self.app.lang
        suggested = self.sub.suggested if self.sub else None
        if self.cram:
            hint = T.HINT_CRAM(lang)
        else:
            hint = T.HINT_ACCEPT(lang) if suggested else T.HINT_RATE(lang)
        self.rating_bar.show(suggested, self.intervals, lang, hint)

    # -- the student's last word ---------------------------------------------------
    def action_judge(self) -> None:
        """Put the focus on the card's first line: space or enter toggles it."""
        line = self.grade_view.first_line()
        if self.state is Phase.GRADED and line is not None:
            line.focus()
            self.body.scroll_to_widget(line, animate=False)

    @on(CardLine.Toggled)
    def _toggled(self, message: CardLine.Toggled) -> None:
        if self.state is not Phase.GRADED or self.sub is None or self.sub.revealed:
            return
        line = message.line
        if line.kind == "point":
            self.sub = self.sub.toggled_point(line.item_id)
        else:
            self.sub = self.sub.toggled_statement(line.item_id)
        self._show_card()  # score, verdict and the preselected rating follow at once
        self._store_judgement()

    @work(thread=True, group="judge", exit_on_error=False)
    def _store_judgement(self) -> None:
        """Write the latest judgement; writes are serialised, so the last one wins."""
        with self._judgement_lock:
            if self.sub is not None:
                store_judgement(self.app.store, self.sub)

    # -- rating ---------------------------------------------------------------
    def action_accept(self) -> None:
        if self.state is Phase.GRADED and self.sub is not None and self.sub.suggested:
            self.action_rate(self.sub.suggested)

    def action_rate(self, rating: str) -> None:
        if self.state is not Phase.GRADED or self.qid is None or self.sub is None:
            return
        self.state = Phase.SAVING
        self._say(T.SAVING(self.app.lang))
        duration = (self.app.clock() - self.started_at).total_seconds() if self.started_at else None
        self._save_rating(self.qid, Rating(rating), self.sub.attempt_id, self.app.clock(), duration)

    @work(thread=True, exclusive=True, group="rate", exit_on_error=False)
    def _save_rating(
        self, qid: str, rating: Rating, attempt_id: int, now: datetime, duration: float | None
    ) -> None:
        with self._judgement_lock:  # a judgement still being written goes first
            self.app.scheduler.review(
                qid, rating, now=now, attempt_id=attempt_id, cram=self.cram, duration_s=duration
            )
        self.app.call_from_thread(self._rated, qid)

    def _rated(self, qid: str) -> None:
        """The rating is committed: count it and go on (unless the student has left)."""
        self.reviewed += 1
        if self.cram:
            self.skipped.add(qid)
        if self.is_attached:
            self.load_next()

    # -- failures of background work ----------------------------------------------
    @on(Worker.StateChanged)
    def _worker_failed(self, event: Worker.StateChanged) -> None:
        """Back to where the student was; the app's handler has said what went wrong."""
        if event.state is not WorkerState.ERROR:
            return
        lang = self.app.lang
        message = error_text(event.worker.error, lang)
        group = event.worker.group
        if group == "grade" and self.state is Phase.GRADING:
            self.state = Phase.FOLLOWUP if self.followup else Phase.ANSWERING
            self.answer.read_only = False
            self.answer.focus()
            self._say(RichText(T.FAILED(lang, error=message), style="red"))
        elif group == "rate" and self.state is Phase.SAVING:
            self.state = Phase.GRADED
            self._say(RichText(T.FAILED_RATING(lang, error=message), style="red"))
        elif group == "next" and self.state is Phase.LOADING:
            self.state = Phase.DONE
            self._say(RichText(T.FAILED_QUEUE(lang, error=message), style="red"))

    # -- other actions --------------------------------------------------------
    def action_toggle_lang(self) -> None:
        if self.state in (Phase.GRADED, Phase.SAVING):
            self.model_lang = "it" if (self.model_lang or self.app.lang) == "en" else "en"
            self._show_model()

    def action_see_grade(self) -> None:
        """No answer to the examiner's follow-ups: the card now; what was typed is kept."""
        self.action_skip()

    def action_skip(self) -> None:
        if self.state in (Phase.ANSWERING, Phase.FOLLOWUP):
            self._skipping_followup = self.state is Phase.FOLLOWUP
            self.state = Phase.SKIPPING  # the draft is saved once the queued keys are in
            self.answer.request("skip", lock=True)
        elif self.state is Phase.GRADED and self.qid is not None:
            self.skipped.add(self.qid)
            self.load_next()
        elif self.state is Phase.DONE and not self.cram:
            self.skipped.clear()  # the skipped questions come back
            self.load_next()

    def _skip_with(self, text: str) -> None:
        if self.qid is None:
            return
        if self._skipping_followup:
            self._skipping_followup = False
            self._write_draft(self.qid, text, FOLLOWUP_DRAFT)
            self.followup = None
            self._show_graded()  # no more questions back: the card
            return
        self._write_draft(self.qid, text, self.mode)
        self.skipped.add(self.qid)
        self.load_next()

    def action_links(self) -> None:
        if self.qid is None:
            return
        from tutor.ui.screens.lists import LinkedScreen

        self.app.push_screen(LinkedScreen(self.qid))

    def action_leave(self) -> None:
        focused = self.focused
        if self.state in (Phase.ANSWERING, Phase.FOLLOWUP) and self.answer.has_focus:
            # first escape leaves the text box so the letter keys work; second one goes back
            self.body.focus()
            return
        if isinstance(focused, CardLine):
            self.body.focus()  # out of the card's lines first
            return
        self._keep_draft((Phase.ANSWERING, Phase.FOLLOWUP))  # one being graded gets stored
        self.app.pop_screen()

    def save_draft(self) -> None:
        """Keep the half-typed answer when the app closes (SIGHUP/SIGTERM, quit): also one
        submitted a moment ago, whose grading may not get to store it."""
        self._keep_draft((Phase.ANSWERING, Phase.FOLLOWUP, Phase.GRADING))

    def _keep_draft(self, states: tuple[Phase, ...]) -> None:
        if self.qid is None or self.state not in states:
            return
        mode = FOLLOWUP_DRAFT if self.followup else self.mode
        self._draft_dirty = False
        try:
            self.app.store.save_draft(self.qid, self.answer.text, mode=mode)
        except Exception as exc:  # leaving must not fail; say why the draft is not kept
            self.app.report_error(exc, where="save draft")

    def _autosave_draft(self) -> None:
        """While typing, the draft is saved every pause, so even kill -9 loses little."""
        typing = self.state in (Phase.ANSWERING, Phase.FOLLOWUP)
        if self._draft_dirty and self.qid is not None and typing:
            self._draft_dirty = False
            mode = FOLLOWUP_DRAFT if self.state is Phase.FOLLOWUP else self.mode
            self._write_draft(self.qid, self.answer.text, mode, autosave=True)

    @work(thread=True, exclusive=True, group="draft", exit_on_error=False)
    def _write_draft(self, qid: str, text: str, mode: str, autosave: bool = False) -> None:
        if autosave and (qid != self.qid or self.state not in (Phase.ANSWERING, Phase.FOLLOWUP)):
            return  # submitted meanwhile: grading clears the draft, do not bring it back
        try:
            self.app.store.save_draft(qid, text, mode=mode)
        except Exception:
            if autosave:
                self._draft_dirty = True  # again at the next pause; leaving saves it too
                return
            raise

    def action_scroll_down(self) -> None:
        self.body.scroll_down(animate=False)

    def action_scroll_up(self) -> None:
        self.body.scroll_up(animate=False)

    @on(AnswerArea.Changed, "#answer")
    def _typing(self) -> None:
        if self.state in (Phase.ANSWERING, Phase.FOLLOWUP):
            self._draft_dirty = True
            if self.state is Phase.ANSWERING:
                self._say("")
