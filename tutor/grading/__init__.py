"""Offline grading of typed answers against the bank's rubrics.

Pure Python on top of ``quizbank.textnorm``: no torch, no textual, fast enough
to grade on every keystroke of the UI.
"""

from .followup import followups, probe_for
from .grader import Grader, grade, grade_point, verdict_for
from .result import (
    GradeResult,
    MisconceptionResult,
    Params,
    Penalty,
    PointResult,
    apply_overrides,
)

__all__ = [
    "GradeResult",
    "Grader",
    "MisconceptionResult",
    "Params",
    "Penalty",
    "PointResult",
    "apply_overrides",
    "followups",
    "grade",
    "grade_point",
    "probe_for",
    "verdict_for",
]
