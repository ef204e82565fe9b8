"""Oral-exam simulation: pick questions across topics and turn grades into a mark out of 30.

The Italian scale: 18 is the lowest pass, 30 the top, "30 e lode" a 30 with
distinction. The mark is the mean grader score scaled to 30; lode needs a
near-perfect mean with every answer judged correct.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from quizbank import Bank

DEFAULT_QUESTIONS = 4
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
    """items: one dict per question with at least ``id``, ``score`` (0–1) and ``verdict``."""
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
            "points": round(30 * s / len(items), 1),
        }
        for it, s in zip(items, scores, strict=True)
    ]
    return ExamResult(
        mark=mark, lode=lode, passed=mark >= PASS_MARK, mean_score=mean, breakdown=breakdown
    )
