"""Offline grading of typed answers against the bank's rubrics.

Pure Python on top of ``quizbank.textnorm``: no torch, no textual, fast enough
to grade on every keystroke of the UI.
"""

from .grader import (
    Grader,
    GradeResult,
    MisconceptionResult,
    Params,
    PointResult,
    grade,
    verdict_for,
)

__all__ = [
    "GradeResult",
    "Grader",
    "MisconceptionResult",
    "Params",
    "PointResult",
    "grade",
    "verdict_for",
]
