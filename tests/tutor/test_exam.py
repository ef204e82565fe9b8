"""The exam's follow-up questions and how they count in the mark."""

from __future__ import annotations

from pathlib import Path

import pytest

from quizbank import load_bank
from tutor.domain import Verdict
from tutor.exam import FOLLOWUP_SHARE, FOLLOWUPS_PER_QUESTION, ask_back, mark_exam, with_followups
from tutor.grading import Grader

TEST_BANK = Path(__file__).resolve().parents[1] / "data" / "grading_bank"
QID = "t:t.05"  # nearest-code (3), deterministic (2), straight-through (2)


@pytest.fixture(scope="module")
def grader() -> Grader:
    return Grader(load_bank([TEST_BANK], include_builtin=False))


def test_examiner_asks_at_most_two_missed_points_heaviest_first(grader: Grader) -> None:
    q = grader.question(QID)
    r = grader.grade(q, "The codebook is a set of learned vectors.")
    asked = ask_back(q, r)
    assert FOLLOWUPS_PER_QUESTION == 2 and len(asked) == 2
    assert asked[0].id == "nearest-code"  # the weight-3 point first


def test_followups_raise_the_mark_by_half_the_weight_they_recover(grader: Grader) -> None:
    q = grader.question(QID)
    r = grader.grade(q, "Each encoder vector is replaced by the nearest codebook vector.")
    answers = [
        grader.grade_point(q, "straight-through", "Through detach the gradient is copied."),
        grader.grade_point(q, "deterministic", "No idea."),
    ]
    after = with_followups(r, answers)
    total = sum(p.weight for p in r.points)
    assert after.score == pytest.approx(r.score + FOLLOWUP_SHARE * 2 / total)
    plain = mark_exam([{"id": QID, "score": r.score, "verdict": str(r.verdict)}])
    asked = mark_exam(
        [
            {
                "id": QID,
                "score": after.score,
                "verdict": str(after.verdict),
                "followups": [{"point": a.id, "hit": a.hit} for a in answers],
            }
        ]
    )
    assert asked.mark > plain.mark
    assert asked.breakdown[0]["followups"][0] == {"point": "straight-through", "hit": True}


def test_a_point_said_only_when_asked_is_worth_less_than_said_unprompted(grader: Grader) -> None:
    q = grader.question(QID)
    full = grader.grade(
        q,
        "Each encoder vector is replaced by the nearest codebook vector. The encoder is "
        "deterministic. The straight-through estimator copies the gradient past the argmin.",
    )
    partial = grader.grade(
        q,
        "Each encoder vector is replaced by the nearest codebook vector. The encoder is "
        "deterministic.",
    )
    asked = with_followups(
        partial, [grader.grade_point(q, "straight-through", "detach copies the gradient")]
    )
    assert partial.score < asked.score < full.score
    assert full.verdict is Verdict.CORRECT
