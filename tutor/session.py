"""Study and exam sessions without a screen: submit an answer, judge it, ask back, go on.

The study and exam screens only arrange and react. Everything they do with the grader
and the progress store is here, called from their worker threads and tested without a
terminal:

- :func:`submit_answer` grades an answer (or records that it was revealed), commits the
  attempt with the grader's judgement and clears the draft, in that order, so a crash
  after it loses nothing and a crash before it keeps the draft;
- :func:`judge` applies the student's last word (a key point toggled covered or missed,
  a flagged statement dismissed) and :func:`answer_followup` an examiner's follow-up;
  both store the student's judgement next to the grader's and return the new card;
- :func:`study_queue` says what comes next, how many are due and new, and when the
  next card falls due when nothing is due now (the done screen waits for it);
- :func:`finish_exam` turns an exam's submissions into its mark and stores it.

A :class:`Submission` keeps the grader's result as it was and recomputes the card from
it on demand (follow-ups first, then overrides), so toggling a point back restores the
grader's judgement exactly and the shown language can change at any time.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from enum import StrEnum
from fractions import Fraction
from functools import cached_property
from typing import Any

from quizbank import Bank, KeyPoint, Question
from tutor.domain import Rating
from tutor.errors import TutorError
from tutor.exam import FOLLOWUPS_PER_QUESTION, PASS_MARK, mark_exam, with_followups
from tutor.grading import Grader, GradeResult, PointResult, apply_overrides, followups
from tutor.grading.followup import probe_for
from tutor.grading.result import NOT_AN_ANSWER_ID, rejudge
from tutor.grading.roles import swapped_point, swapped_text
from tutor.scheduling import RATINGS, StudyScheduler
from tutor.store import Attempt, Store

__all__ = [
    "FOLLOWUPS",
    "FOLLOWUP_DRAFT",
    "NEW_ORDER_SETTING",
    "WAIT_FOR",
    "FollowUp",
    "FollowUpAnswer",
    "MarkWorking",
    "Mode",
    "Phase",
    "StudyQueue",
    "Submission",
    "answer_followup",
    "cram_order",
    "exam_details",
    "finish_exam",
    "judge",
    "load_submission",
    "localize",
    "mark_working",
    "pass_followup",
    "rating_preview",
    "store_judgement",
    "study_queue",
    "submit_answer",
]

#: Follow-up questions an examiner asks about one answer at most (study and exam alike).
FOLLOWUPS = FOLLOWUPS_PER_QUESTION
#: The drafts-table mode of a half-typed follow-up answer (keyed by its question).
FOLLOWUP_DRAFT = "followup"
#: Store setting: "interleave" (the default) takes new questions one topic after
#: another, "bank" keeps the bank's order.
NEW_ORDER_SETTING = "new_order"
#: When nothing is due, the study screen waits for a card due within this long
#: (Anki's learn-ahead limit): an Again or Hard card comes back in the same sitting.
WAIT_FOR = timedelta(minutes=20)


class Phase(StrEnum):
    """Where a study or exam screen is in the loop answer → grade → (ask back) → rate."""

    LOADING = "loading"
    ANSWERING = "answering"
    GRADING = "grading"
    GRADED = "graded"
    FOLLOWUP = "followup"  # answering an examiner's follow-up
    SKIPPING = "skipping"
    SAVING = "saving"
    DONE = "done"


class Mode(StrEnum):
    """What an attempt (and its draft) belongs to."""

    STUDY = "study"
    CRAM = "cram"
    EXAM = "exam"


# -- follow-ups ---------------------------------------------------------------------------


@dataclass(frozen=True)
class FollowUp:
    """An examiner's question about one key point the answer did not cover."""

    point: KeyPoint

    @property
    def point_id(self) -> str:
        return self.point.id

    def probe(self, lang: str) -> str:
        """The question as the examiner asks it, in ``lang``."""
        return probe_for(self.point, lang)


@dataclass(frozen=True)
class FollowUpAnswer:
    """What the student said when asked back, graded against that point alone."""

    point_id: str
    probe: str
    answer: str
    result: PointResult

    @property
    def hit(self) -> bool:
        return self.result.hit

    def to_dict(self) -> dict[str, Any]:
        return {
            "point": self.point_id,
            "probe": self.probe,
            "answer": self.answer,
            "result": self.result.to_dict(),
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> FollowUpAnswer:
        return cls(
            str(d.get("point", "")),
            str(d.get("probe", "")),
            str(d.get("answer", "")),
            PointResult.from_dict(d.get("result") or {}),
        )


# -- the card of one answer ---------------------------------------------------------------


def localize(result: GradeResult, question: Question, lang: str) -> GradeResult:
    """``result`` with the bank's texts in ``lang`` (key points, statements, feedback).

    The grader writes its card in the answer's language; the screen shows it in the
    app's. Only texts change: the student's quoted words, the credits and the score
    stay, and the feedback and listed penalties are rewritten by the grading rules.
    """
    if result.lang == lang:
        return result
    kps = {kp.id: kp for kp in question.key_points}
    mcs = {m.id: m for m in question.misconceptions}

    def text(texts: dict[str, str], fallback: str) -> str:
        return texts.get(lang) or fallback

    points = [
        replace(p, text=text(kps[p.id].text, p.text), probe=probe_for(kps[p.id], lang))
        if p.id in kps
        else p
        for p in result.points
    ]

    def statement(m):
        if m.id in mcs:
            return replace(
                m,
                text=text(mcs[m.id].text, m.text),
                correction=text(mcs[m.id].correction, m.correction),
            )
        point = kps.get(swapped_point(m.id) or "")
        if point is not None:  # a key point said with its roles exchanged
            return replace(m, text=swapped_text(lang), correction=text(point.text, m.correction))
        return m

    misconceptions = [statement(m) for m in result.misconceptions]
    return rejudge(replace(result, points=points, misconceptions=misconceptions, lang=lang))


@dataclass(frozen=True)
class Submission:
    """One submitted answer: the grader's judgement and the student's changes to it.

    ``grader`` is None when the student asked to see the model answer instead of
    answering: there is nothing to grade and nothing is shown as failed.
    """

    question: Question
    attempt_id: int
    mode: str
    answer: str
    grader: GradeResult | None
    offered: tuple[FollowUp, ...] = ()
    asked: tuple[FollowUpAnswer, ...] = ()
    covered: frozenset[str] = frozenset()
    missed: frozenset[str] = frozenset()
    dismissed: frozenset[str] = frozenset()
    notes: tuple[TutorError, ...] = field(default=(), compare=False)  # failed on the side

    @property
    def question_id(self) -> str:
        return self.question.id

    @property
    def revealed(self) -> bool:
        return self.grader is None

    @cached_property
    def result(self) -> GradeResult | None:
        """The card as it counts: the grader's, with follow-ups and overrides applied."""
        return None if self.grader is None else self._judged(self.grader)

    def card(self, lang: str) -> GradeResult | None:
        """The card as shown in ``lang`` (same credits and score as :attr:`result`)."""
        if self.grader is None:
            return None
        if lang == self.grader.lang:
            return self.result
        return self._judged(localize(self.grader, self.question, lang))

    def _judged(self, base: GradeResult) -> GradeResult:
        out = with_followups(base, [a.result for a in self.asked])
        if self.covered or self.missed or self.dismissed:
            out = apply_overrides(out, self.covered, self.missed, self.dismissed)
        return out

    @property
    def score(self) -> float:
        return self.result.score if self.result is not None else 0.0

    @property
    def suggested(self) -> Rating | None:
        """The rating to preselect; none for a revealed answer (the student says)."""
        return None if self.result is None else Rating(self.result.suggested_rating)

    @property
    def judged(self) -> bool:
        """Whether the student changed anything the grader said."""
        return bool(self.covered or self.missed or self.dismissed)

    def pending(self) -> list[FollowUp]:
        """Follow-ups offered and not asked yet, for points the card still shows missing."""
        asked = {a.point_id for a in self.asked}
        shown = {p.id: p for p in self.result.points} if self.result is not None else {}
        return [
            f
            for f in self.offered
            if f.point_id not in asked and f.point_id in shown and not shown[f.point_id].hit
        ]

    def toggled_point(self, point_id: str) -> Submission:
        """The card with one key point's status changed by the student.

        Cycles through what the grader did not say: a point the grader found becomes
        missed, a missing or partly stated one covered; a second toggle returns to the
        grader's own judgement (a partly stated point through missed first).
        """
        if self.grader is None:
            return self
        base = {p.id: p for p in self._without_overrides().points}
        if point_id not in base:
            return self
        grader_status = base[point_id].status
        covered, missed = set(self.covered), set(self.missed)
        if point_id in covered:
            covered.discard(point_id)
            if grader_status == "partial":
                missed.add(point_id)
        elif point_id in missed:
            missed.discard(point_id)
        elif grader_status == "hit":
            missed.add(point_id)
        else:
            covered.add(point_id)
        return replace(self, covered=frozenset(covered), missed=frozenset(missed))

    def toggled_statement(self, item_id: str) -> Submission:
        """A flagged statement (a misconception, a denied point, "not an answer")
        dismissed by the student, or restored."""
        if self.grader is None:
            return self
        known = {m.id for m in self.grader.misconceptions}
        known |= {p.id for p in self.grader.points if p.denied}
        if self.grader.not_answer:
            known.add(NOT_AN_ANSWER_ID)
        if item_id not in known:
            return self
        return replace(self, dismissed=self.dismissed ^ {item_id})

    def _without_overrides(self) -> GradeResult:
        """The grader's card with the follow-ups counted and nothing the student changed."""
        plain = replace(self, covered=frozenset(), missed=frozenset(), dismissed=frozenset())
        assert plain.result is not None
        return plain.result

    def judgement(self) -> dict[str, Any]:
        """The student's side of the attempt, as ``Store.set_student_judgement`` keeps it."""
        out: dict[str, Any] = {"covered": [], "missed": [], "dismissed": []}
        if self.result is not None:
            out |= self.result.student_judgement()
        return out | {"followups": [a.to_dict() for a in self.asked]}


def _offered(
    question: Question, text: str, result: GradeResult | None, n: int
) -> tuple[FollowUp, ...]:
    """The examiner asks back about an answer that missed points; not about a blank or
    a text that is not an answer (the card says why), nor a revealed one."""
    if result is None or n <= 0 or not text.strip():
        return ()
    if result.not_answer and result.not_answer != "keyword-list":
        return ()
    return tuple(FollowUp(kp) for kp in followups(question, result, n))


def submit_answer(
    store: Store,
    grader: Grader,
    question: Question,
    text: str,
    *,
    mode: str,
    started_at: datetime,
    submitted_at: datetime,
    exam_id: int | None = None,
    reveal: bool = False,
    n_followups: int = FOLLOWUPS,
) -> Submission:
    """Grade ``text`` (unless ``reveal``), commit the attempt, clear the draft.

    The attempt is committed before the draft is cleared: a failure in between leaves
    a draft equal to the stored answer, never an answer lost. A draft that cannot be
    cleared is reported in ``notes``; the submission itself stands.
    """
    result = None if reveal else grader.grade(question, text)
    grade = {"id": question.id, "revealed": True} if result is None else result.to_dict()
    attempt_id = store.add_attempt(
        question.id,
        text,
        mode=mode,
        started_at=started_at,
        submitted_at=submitted_at,
        grade=grade,
        exam_id=exam_id,
    )
    notes: tuple[TutorError, ...] = ()
    try:
        store.clear_draft(question.id, mode=mode)
    except TutorError as exc:
        notes = (exc,)
    return Submission(
        question,
        attempt_id,
        mode,
        text,
        result,
        offered=_offered(question, text, result, n_followups),
        notes=notes,
    )


def load_submission(
    attempt: Attempt, question: Question, n_followups: int = FOLLOWUPS
) -> Submission:
    """A stored attempt as a submission again (the exam review after the fact)."""
    grade = attempt.grade or {}
    result = None if grade.get("revealed") or not grade else GradeResult.from_dict(grade)
    student = attempt.student or {}
    asked = tuple(FollowUpAnswer.from_dict(d) for d in student.get("followups") or [])
    return Submission(
        question,
        attempt.id,
        attempt.mode,
        attempt.answer,
        result,
        offered=_offered(question, attempt.answer, result, n_followups),
        asked=asked,
        covered=frozenset(student.get("covered") or ()),
        missed=frozenset(student.get("missed") or ()),
        dismissed=frozenset(student.get("dismissed") or ()),
    )


def judge(
    store: Store,
    submission: Submission,
    *,
    points: Iterable[str] = (),
    statements: Iterable[str] = (),
) -> Submission:
    """Toggle key ``points`` and flagged ``statements``; store and return the new card."""
    out = submission
    for point_id in points:
        out = out.toggled_point(point_id)
    for item_id in statements:
        out = out.toggled_statement(item_id)
    if out is not submission:
        store_judgement(store, out)
    return out


def store_judgement(store: Store, submission: Submission) -> None:
    """Write the student's side of the attempt (overrides and follow-ups) next to the
    grader's; a revealed answer has none."""
    if not submission.revealed:
        store.set_student_judgement(submission.attempt_id, submission.judgement())


def answer_followup(
    store: Store,
    grader: Grader,
    submission: Submission,
    followup: FollowUp,
    text: str,
    lang: str,
) -> Submission:
    """Grade a follow-up answer against its point alone and count it on the card.

    What counts is the grading rule of ``apply_followup``: a point stated when asked
    earns part of its weight back. The answer is stored with the student's judgement
    and its draft cleared.
    """
    point = grader.grade_point(submission.question, followup.point_id, text)
    asked = FollowUpAnswer(followup.point_id, followup.probe(lang), text, point)
    out = replace(submission, asked=(*submission.asked, asked))
    store_judgement(store, out)
    try:
        store.clear_draft(submission.question_id, mode=FOLLOWUP_DRAFT)
    except TutorError as exc:
        out = replace(out, notes=(*out.notes, exc))
    return out


def pass_followup(
    store: Store,
    grader: Grader,
    submission: Submission,
    followup: FollowUp,
    lang: str,
) -> Submission:
    """Record that the student passed on a follow-up: asked, and nothing said.

    An examiner remembers the questions left unanswered, so the exam review shows the
    point as asked and missed; like a follow-up that misses, it costs nothing more.
    A half-typed reply stays in its draft (the caller keeps it), so it is not cleared.
    """
    point = grader.grade_point(submission.question, followup.point_id, "")
    asked = FollowUpAnswer(followup.point_id, followup.probe(lang), "", point)
    out = replace(submission, asked=(*submission.asked, asked))
    store_judgement(store, out)
    return out


# -- what comes next ----------------------------------------------------------------------


@dataclass(frozen=True)
class StudyQueue:
    """What the study screen shows between cards."""

    next_id: str | None
    due: int
    new: int
    next_due: datetime | None  # the first card not yet due, when there is one

    def wait(self, now: datetime) -> timedelta | None:
        """How long the done screen waits for the next card, when it is minutes away."""
        if self.next_id is not None or self.next_due is None:
            return None
        ahead = self.next_due - now
        return max(ahead, timedelta(0)) if ahead <= WAIT_FOR else None


def interleave_new(store: Store) -> bool:
    """Whether new questions alternate topics (the default) or keep the bank's order."""
    return store.get_setting(NEW_ORDER_SETTING, "interleave") != "bank"


def study_queue(
    scheduler: StudyScheduler,
    now: datetime,
    topics: set[str] | None = None,
    skip: set[str] | None = None,
) -> StudyQueue:
    """The next card and the counts, in one pass over the cards (a worker calls it)."""
    q = scheduler.queue(now, topics, skip, interleave=interleave_new(scheduler.store))
    return StudyQueue(q.next_id, len(q.due), len(q.new), q.next_due)


def cram_order(bank: Bank, topics: set[str] | None, seed: int | None = None) -> list[str]:
    """Every question of the topics once, shuffled: cram never touches the schedule."""
    ids = [q.id for q in bank.questions if not topics or q.topic_id in topics]
    random.Random(seed).shuffle(ids)
    return ids


def rating_preview(
    scheduler: StudyScheduler, question_id: str, now: datetime
) -> dict[Rating, timedelta]:
    """When the card would be due again after each rating (shown next to 1–4)."""
    intervals = scheduler.preview_intervals(question_id, now)
    return {Rating(name): intervals[name] for name in RATINGS if name in intervals}


# -- exams --------------------------------------------------------------------------------


@dataclass(frozen=True)
class MarkWorking:
    """How an exam's mark comes from the points its rows show (one decimal each): their
    total over the number of answers, rounded half up. The mark is computed from those
    same numbers, so what the result screen shows adds up to its mark."""

    total: Fraction
    count: int

    @property
    def mean(self) -> Fraction:
        return self.total / self.count if self.count else Fraction(0)

    @property
    def mark(self) -> int:
        return int(self.mean + Fraction(1, 2))  # half up: 18.5 is 19, as a student expects

    def shown_total(self) -> str:
        return f"{float(self.total):.1f}"

    def shown_mean(self) -> str:
        """The mean to two decimals, cut (never rounded up past the half that decides the
        mark), with "…" when more digits follow."""
        hundredths = self.mean * 100
        cut = int(hundredths)
        text = f"{cut // 100}.{cut % 100:02d}"
        return text if cut == hundredths else text + "…"


def mark_working(points: Sequence[float]) -> MarkWorking:
    """The working of the mark from the rows' points, in exact tenths."""
    tenths = sum(round(p * 10) for p in points)
    return MarkWorking(Fraction(tenths, 10), len(points))


def exam_details(submissions: list[Submission]) -> dict[str, Any]:
    """The exam's mark and one row per question, with the student's overrides and
    follow-ups counted (they are part of each answer's score). The mark is the one the
    rows' points give (:class:`MarkWorking`); lode keeps ``mark_exam``'s rule."""
    items = [
        {"id": s.question_id, "score": s.score, "verdict": s.result.verdict if s.result else None}
        for s in submissions
    ]
    marked = mark_exam(items)
    if marked.breakdown:
        mark = mark_working([row["points"] for row in marked.breakdown]).mark
        marked = replace(marked, mark=mark, passed=mark >= PASS_MARK)
    details = marked.to_dict()
    for row, sub in zip(details["breakdown"], submissions, strict=True):
        result = sub.result
        row["verdict"] = str(row["verdict"]) if row["verdict"] else None
        row["attempt_id"] = sub.attempt_id
        row["missed"] = [p.id for p in result.points if not p.hit] if result else []
        row["misconceptions"] = (
            [m.id for m in result.misconceptions if not m.dismissed] if result else []
        )
        row["followups"] = [{"point": a.point_id, "hit": a.hit} for a in sub.asked]
        row["judged"] = sub.judged
    return details


@dataclass(frozen=True)
class ExamOutcome:
    """An exam's details, and why they could not be stored if they could not."""

    details: dict[str, Any]
    error: TutorError | None = None


def finish_exam(
    store: Store, exam_id: int | None, submissions: list[Submission], at: datetime
) -> ExamOutcome:
    """Mark the exam and store its result; the mark is returned even if storing fails."""
    details = exam_details(submissions)
    if exam_id is None:
        return ExamOutcome(details)
    try:
        store.finish_exam(exam_id, details["mark"], details["lode"], details, at)
    except TutorError as exc:
        return ExamOutcome(details, exc)
    return ExamOutcome(details)
