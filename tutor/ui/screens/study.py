"""Study: answer a question, see the grade and the model answer, rate it, go on.

The flow is answer → submit (ctrl+s) → grade, ✓/✗ per key point, model answer
→ rating 1–4 (the grader's suggestion is preselected, never forced) → next.
The attempt is committed when it is graded and the rating before the next
question appears, so a crash or kill loses nothing the student did.
"""

from __future__ import annotations

import random

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.reactive import reactive
from textual.screen import Screen
from textual.widgets import Footer, Header, Markdown, Static

from tutor.mathtext import render_markdown_math
from tutor.render import answer_markdown
from tutor.ui.widgets import RATING_LABEL, AnswerArea, GradeView, format_interval

PLACEHOLDER = {
    "en": "Type your answer (English or Italian) — ctrl+s submits, ctrl+r shows the answer",
    "it": "Scrivi la risposta (italiano o inglese) — ctrl+s invia, ctrl+r mostra la risposta",
}


class StudyScreen(Screen):
    """Due reviews first, then new questions; ``cram`` reviews without scheduling."""

    BINDINGS = [
        Binding("ctrl+s", "submit", "Submit", priority=True),
        Binding("ctrl+r", "reveal", "Show answer", priority=True),
        Binding("space", "reveal", "Reveal", show=False),
        Binding("1", "rate('again')", "Again", show=False),
        Binding("2", "rate('hard')", "Hard", show=False),
        Binding("3", "rate('good')", "Good", show=False),
        Binding("4", "rate('easy')", "Easy", show=False),
        Binding("enter", "accept", "Accept suggestion", show=False),
        Binding("l", "toggle_lang", "EN/IT"),
        Binding("d", "links", "Demos & drills"),
        Binding("ctrl+n", "skip", "Skip", priority=True),
        Binding("escape", "leave", "Back"),
        Binding("j", "scroll_down", "Down", show=False),
        Binding("k", "scroll_up", "Up", show=False),
    ]

    state: reactive[str] = reactive("answering")  # answering | grading | graded | saving | done

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
        self.qid: str | None = None
        self.started_at = None
        self.result = None
        self.attempt_id: int | None = None
        self.suggested = "good"
        self.skipped: set[str] = set()
        self.reviewed = 0
        self.model_lang: str | None = None
        self._seed = seed
        self._cram_queue: list[str] = []
        self._draft_dirty = False

    def compose(self) -> ComposeResult:
        yield Header()
        with VerticalScroll(id="study", can_focus=True):
            yield Static(id="study-progress")
            yield Markdown(id="question")
            yield AnswerArea(
                id="answer",
                soft_wrap=True,
                tab_behavior="focus",
                placeholder=PLACEHOLDER.get(self.app.lang, PLACEHOLDER["en"]),
            )
            yield Static(id="study-status")
            with Vertical(id="result"):
                yield GradeView(id="grade")
                yield Static(id="rating")
                yield Markdown(id="model")
        yield Footer()

    def on_mount(self) -> None:
        if self.only is not None:
            self._cram_queue = list(self.only)
        elif self.cram:
            topics = self.topics
            ids = [q.id for q in self.app.bank.questions if not topics or q.topic_id in topics]
            random.Random(self._seed).shuffle(ids)
            self._cram_queue = ids
        self.query_one("#result").display = False
        self.set_interval(1.5, self._autosave_draft)
        self.load_next()

    # -- question lifecycle ---------------------------------------------------
    def _pick(self) -> str | None:
        if self.cram:
            while self._cram_queue:
                qid = self._cram_queue.pop(0)
                if qid not in self.skipped:
                    return qid
            return None
        return self.app.scheduler.next_id(self.app.clock(), self.topics, skip=self.skipped)

    def load_next(self) -> None:
        self.qid = self._pick()
        self.result = None
        self.attempt_id = None
        self.model_lang = None
        answer = self.query_one("#answer", AnswerArea)
        result = self.query_one("#result")
        self._draft_dirty = False
        result.display = False
        if self.qid is None:
            self.state = "done"
            answer.display = False
            self.query_one("#question", Markdown).update(self._done_text())
            self.query_one("#study-progress", Static).update(
                f"Session: {self.reviewed} reviewed" + ("  ·  cram" if self.cram else "")
            )
            self.query_one("#study-status", Static).update("Press escape to go back.")
            self.query_one("#study").focus()
            return
        q = self.app.bank.get(self.qid)
        self.started_at = self.app.clock()
        self.state = "answering"
        answer.display = True
        answer.read_only = False
        answer.remove_class("submitted")
        draft = self.app.store.get_setting(f"draft:{q.id}", "")
        answer.load_text(draft or "")
        self._draft_dirty = False  # loading the draft is not typing
        self.query_one("#question", Markdown).update(
            f"## {q.id} — {render_markdown_math(q.question)}"
        )
        self._update_progress()
        kind = {
            "diagram": "  ·  draw it in text, then describe nodes and edges",
            "exercise": "  ·  work it out step by step",
        }.get(q.kind, "")
        self.query_one("#study-status", Static).update(
            f"[dim]{len(q.key_points)} key points{kind}[/dim]"
        )
        answer.focus()
        self.query_one("#study").scroll_home(animate=False)

    def _done_text(self) -> str:
        if self.cram:
            return "## Cram session finished\n\nEvery question of the selection was shown once."
        upcoming = self.app.scheduler.stats(now=self.app.clock()).forecast
        nxt = next((f"{day}: {n}" for day, n in upcoming.items() if n), None)
        tail = f"\n\nNext reviews — {nxt}." if nxt else ""
        return (
            "## All done for now\n\nNo review is due and today's new questions are used up." + tail
        )

    def _update_progress(self) -> None:
        sched = self.app.scheduler
        now = self.app.clock()
        if self.cram:
            left = f"{len(self._cram_queue)} left in cram"
        else:
            left = (
                f"due {len(sched.due_ids(now, self.topics))}  ·  "
                f"new {len(sched.new_ids(now, self.topics))}"
            )
        q = self.app.bank.get(self.qid)
        title = self.app.bank.topic(q.topic_id)
        self.query_one("#study-progress", Static).update(
            f"[b]{q.id}[/b]  {title.title.get(self.app.lang, '')}  ·  {left}  ·  "
            f"reviewed this session {self.reviewed}" + ("  ·  [b]cram[/b]" if self.cram else "")
        )

    # -- submit and grade -----------------------------------------------------
    def action_submit(self) -> None:
        if self.state != "answering" or self.qid is None:
            return
        # The text is read when the answer box has typed every key queued before ctrl+s.
        self.state = "grading"
        self.query_one("#study-status", Static).update("Grading…")
        self.query_one("#answer", AnswerArea).request("submit", lock=True)

    def action_reveal(self) -> None:
        if self.state == "answering" and self.qid is not None:
            answer = self.query_one("#answer", AnswerArea)
            if answer.has_focus and answer.text.strip():
                return  # space inside a typed answer is just a space
            self.state = "grading"
            self.query_one("#study-status", Static).update("Grading…")
            answer.request("reveal", lock=True)

    @on(AnswerArea.Ready, "#answer")
    def _answer_ready(self, message: AnswerArea.Ready) -> None:
        if message.purpose in ("submit", "reveal"):
            if self.state == "grading" and self.qid is not None:
                self._start_grading(message.text)
        elif message.purpose == "skip":
            self._skip_with(message.text)

    def _start_grading(self, text: str) -> None:
        self.state = "grading"
        answer = self.query_one("#answer", AnswerArea)
        answer.read_only = True
        self._draft_dirty = False
        self.query_one("#study-status", Static).update("Grading…")
        self.grade_and_save(self.qid, text, self.started_at, self.app.clock())

    @work(thread=True, exclusive=True, group="grade")
    def grade_and_save(self, qid, text, started_at, submitted_at) -> None:
        """Grade and commit the attempt off the UI thread; errors are shown, not raised."""
        app = self.app
        try:
            q = app.bank.get(qid)
            result = app.grader.grade(q, text)
            attempt_id = app.store.add_attempt(
                qid,
                text,
                mode="cram" if self.cram else "study",
                started_at=started_at,
                submitted_at=submitted_at,
                grade=result.to_dict(),
            )
            app.store.set_setting(f"draft:{qid}", "")
        except Exception as exc:
            app.call_from_thread(self._failed, exc)
            return
        app.call_from_thread(self._show_result, qid, result, attempt_id)

    def _failed(self, exc: Exception) -> None:
        msg = getattr(exc, "message", None) or f"{type(exc).__name__}: {exc}"
        self.app.notify(msg, severity="error", timeout=10)
        self.state = "answering"
        self.query_one("#answer", AnswerArea).read_only = False
        self.query_one("#study-status", Static).update(f"[red]{msg}[/red]")

    def _show_result(self, qid: str, result, attempt_id: int) -> None:
        if qid != self.qid:
            return
        self.result = result
        self.attempt_id = attempt_id
        self.suggested = result.suggested_rating
        self.state = "graded"
        self.query_one("#grade", GradeView).show_result(result, self.app.lang)
        self.query_one("#study-status", Static).update("")
        rendered = self._show_model()
        self._show_rating()
        # shrink the answer box: the grade matters now
        self.query_one("#answer", AnswerArea).add_class("submitted")
        result_box = self.query_one("#result")
        result_box.display = True
        study = self.query_one("#study")
        study.focus()

        async def bring_grade_into_view() -> None:
            await rendered  # the model answer's height is known only once it is mounted
            self.call_after_refresh(study.scroll_to_widget, result_box, top=True, animate=False)

        self.call_later(bring_grade_into_view)

    def _show_model(self):
        """Update the model answer; returns the awaitable of the Markdown update."""
        q = self.app.bank.get(self.qid)
        lang = self.model_lang or self.app.lang
        head = {"en": "Model answer", "it": "Risposta modello"}[lang]
        return self.query_one("#model", Markdown).update(
            f"### {head} ({lang.upper()}, l to switch)\n\n{answer_markdown(q, lang)}"
        )

    def _show_rating(self) -> None:
        parts = []
        try:
            intervals = self.app.scheduler.preview_intervals(self.qid, self.app.clock())
        except Exception:
            intervals = {}
        for name, label in RATING_LABEL.items():
            ivl = intervals.get(name)
            when = f" ({format_interval(ivl.total_seconds())})" if ivl and not self.cram else ""
            text = f"{label}{when}"
            parts.append(f"[reverse b]{text}[/]" if name == self.suggested else text)
        hint = (
            "enter accepts the suggestion" if not self.cram else "cram: the schedule is not changed"
        )
        self.query_one("#rating", Static).update("  ".join(parts) + f"   [dim]{hint}[/dim]")

    # -- rating ---------------------------------------------------------------
    def action_accept(self) -> None:
        if self.state == "graded":
            self.action_rate(self.suggested)

    def action_rate(self, rating: str) -> None:
        if self.state != "graded" or self.qid is None:
            return
        self.state = "saving"
        self.query_one("#study-status", Static).update("Saving…")
        self.save_rating(self.qid, rating, self.attempt_id, self.app.clock())

    @work(thread=True, exclusive=True, group="rate")
    def save_rating(self, qid: str, rating: str, attempt_id: int | None, now) -> None:
        app = self.app
        try:
            duration = (now - self.started_at).total_seconds() if self.started_at else None
            app.scheduler.review(
                qid, rating, now=now, attempt_id=attempt_id, cram=self.cram, duration_s=duration
            )
        except Exception as exc:
            app.call_from_thread(self._rating_failed, exc)
            return
        app.call_from_thread(self._rated)

    def _rating_failed(self, exc: Exception) -> None:
        msg = getattr(exc, "message", None) or f"{type(exc).__name__}: {exc}"
        self.app.notify(msg, severity="error", timeout=10)
        self.state = "graded"
        self.query_one("#study-status", Static).update(f"[red]{msg}[/red]")

    def _rated(self) -> None:
        self.reviewed += 1
        if self.cram:
            self.skipped.add(self.qid)
        self.load_next()

    # -- other actions --------------------------------------------------------
    def action_toggle_lang(self) -> None:
        if self.state == "answering" and self.query_one("#answer", AnswerArea).has_focus:
            return
        if self.state in ("graded", "saving"):
            self.model_lang = "it" if (self.model_lang or self.app.lang) == "en" else "en"
            self._show_model()

    def action_skip(self) -> None:
        if self.qid is None or self.state in ("grading", "saving"):
            return
        if self.state == "answering":
            self.state = "skipping"  # the draft is saved once the queued keys are in
            self.query_one("#answer", AnswerArea).request("skip", lock=True)
            return
        self.skipped.add(self.qid)
        self.load_next()

    def _skip_with(self, text: str) -> None:
        if self.state != "skipping" or self.qid is None:
            return
        self._store_draft(self.qid, text)
        self.skipped.add(self.qid)
        self.load_next()

    def action_links(self) -> None:
        if self.qid is None:
            return
        if self.state == "answering" and self.query_one("#answer", AnswerArea).has_focus:
            return
        from tutor.ui.screens.lists import LinkedScreen

        self.app.push_screen(LinkedScreen(self.qid))

    def action_leave(self) -> None:
        if self.state == "answering" and self.query_one("#answer", AnswerArea).has_focus:
            # first escape leaves the text box so the letter keys work; second one goes back
            self.query_one("#study").focus()
            return
        self._save_draft()
        self.app.pop_screen()

    def _save_draft(self) -> None:
        if self.state == "answering" and self.qid is not None:
            self._store_draft(self.qid, self.query_one("#answer", AnswerArea).text)

    def save_draft(self) -> None:
        """Keep the half-typed answer (on leaving, on SIGHUP/SIGTERM, on quit)."""
        self._save_draft()

    def _store_draft(self, qid: str, text: str) -> None:
        self._draft_dirty = False
        try:
            self.app.store.set_setting(f"draft:{qid}", text)
        except Exception as exc:
            self.app.notify(getattr(exc, "message", str(exc)), severity="error")

    def _autosave_draft(self) -> None:
        """While typing, the draft is saved every pause, so even kill -9 loses little."""
        if self._draft_dirty and self.state == "answering" and self.qid is not None:
            self._draft_dirty = False
            self._write_draft(self.qid, self.query_one("#answer", AnswerArea).text)

    @work(thread=True, exclusive=True, group="draft")
    def _write_draft(self, qid: str, text: str) -> None:
        if self.state != "answering" or qid != self.qid:
            return  # submitted meanwhile: grading clears the draft, do not bring it back
        try:
            self.app.store.set_setting(f"draft:{qid}", text)
        except Exception:
            self._draft_dirty = True  # try again at the next pause; leaving saves it too

    def action_scroll_down(self) -> None:
        self.query_one("#study").scroll_down(animate=False)

    def action_scroll_up(self) -> None:
        self.query_one("#study").scroll_up(animate=False)

    @on(AnswerArea.Changed, "#answer")
    def _typing(self) -> None:
        if self.state == "answering":
            self._draft_dirty = True
            self.query_one("#study-status", Static).update("")
