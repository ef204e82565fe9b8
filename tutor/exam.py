"""Oral-exam simulation: pick questions, ask back like an examiner, and give a mark out of 30.

The Italian scale: 18 is the lowest pass, 30 the top, "30 e lode" a 30 with
distinction. The mark is the mean question score scaled to 30; lode needs a
near-perfect mean with every answer judged correct.

An oral examiner who hears an answer miss its heart asks about it. After each
answer the simulation asks up to ``FOLLOWUPS_PER_QUESTION`` follow-ups, about the
missed key points an examiner would pick (the central point first, then the
heaviest: ``tutor.grading.followups``), each graded against that point alone. How
they count: a follow-up that states its point restores half of that point's weight
(``FOLLOWUP_SHARE``; a partly stated one half of its partial credit), so a point
said only when asked is worth less than one said unprompted but more than one not
known at all; a follow-up that misses costs nothing more. The question's score and
verdict are then recomputed by the grader's own rules (``apply_followup``), and
that score is what the mark averages. Each answer's ``points`` are its own mark on
the same scale (score × 30, ``answer_points``), so they mean the same in an exam of
any length, and the exam's mark is their mean, rounded.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any

from quizbank import Bank
from tutor.grading.followup import followups
from tutor.grading.result import FOLLOWUP_SHARE, GradeResult, PointResult, apply_followup

__all__ = [
    "DEFAULT_QUESTIONS",
    "FOLLOWUPS_PER_QUESTION",
    "FOLLOWUP_SHARE",
    "ExamResult",
    "answer_points",
    "ask_back",
    "mark_exam",
    "pick_questions",
    "with_followups",
]

DEFAULT_QUESTIONS = 4
FOLLOWUPS_PER_QUESTION = 2
PASS_MARK = 18
LODE_MEAN = 0.95


def pick_questions(
    bank: Bank, n: int = DEFAULT_QUESTIONS, seed: int | None = None, topics: list[str] | None = None
) -> list[str]:
    """n question ids spread over distinct topics (round-robin when n > topics)."""
    if n < 1:
        raise ValueError("an exam needs at least one question")
    rng = random.Random(seed)
    keys = [t.id for t in bank.topics if (not topics or t.id in topics) and t.question_ids]
    if not keys:
        raise ValueError("no questions to ask")
    pools = {k: list(bank.topic(k).question_ids) for k in keys}
    for pool in pools.values():
        rng.shuffle(pool)
    order = keys[:]
    rng.shuffle(order)
    chosen: list[str] = []
    while len(chosen) < n and any(pools.values()):
        for k in order:
            if pools[k] and len(chosen) < n:
                chosen.append(pools[k].pop())
    return chosen


def ask_back(question: Any, result: GradeResult, n: int = FOLLOWUPS_PER_QUESTION) -> list[Any]:
    """The key points the examiner asks about after ``result`` (at most ``n``)."""
    return followups(question, result, n)


def with_followups(result: GradeResult, answers: list[PointResult]) -> GradeResult:
    """``result`` with each follow-up answer (``Grader.grade_point``) counted."""
    for answer in answers:
        result = apply_followup(result, answer)
    return result


def answer_points(score: float) -> float:
    """One answer's mark out of 30, to one decimal: the scale of the exam's own mark."""
    return round(30 * max(0.0, min(1.0, score)), 1)


@dataclass
class ExamResult:
    mark: int
    lode: bool
    passed: bool
    mean_score: float
    breakdown: list[dict] = field(default_factory=list)

    @property
    def label(self) -> str:
        if self.lode:
            return "30 e lode"
        return f"{self.mark}/30" if self.passed else f"{self.mark}/30 (not passed)"

    def to_dict(self) -> dict:
        return {
            "mark": self.mark,
            "lode": self.lode,
            "passed": self.passed,
            "mean_score": self.mean_score,
            "label": self.label,
            "breakdown": self.breakdown,
        }


def mark_exam(items: list[dict]) -> ExamResult:
    """items: one dict per question with at least ``id``, ``score`` (0–1) and ``verdict``,
    after follow-ups (``with_followups``); an optional ``followups`` list (each
    ``{"point", "hit", ...}``) is kept in the breakdown."""
    if not items:
        return ExamResult(0, False, False, 0.0, [])
    scores = [max(0.0, min(1.0, float(it.get("score") or 0.0))) for it in items]
    mean = sum(scores) / len(scores)
    mark = round(30 * mean)
    lode = mean >= LODE_MEAN and all(it.get("verdict") == "correct" for it in items)
    breakdown = [
        {
            "id": it["id"],
            "score": s,
            "verdict": it.get("verdict"),
            "points": answer_points(s),
            **({"followups": it["followups"]} if it.get("followups") else {}),
        }
        for it, s in zip(items, scores, strict=True)
    ]
    return ExamResult(
        mark=mark, lode=lode, passed=mark >= PASS_MARK, mean_score=mean, breakdown=breakdown
    )
