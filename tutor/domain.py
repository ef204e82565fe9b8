"""The domain's small vocabularies as enums, shared by grading, scheduling, the CLI and the UI.

They are ``StrEnum``s, so a stored or printed value is the plain word (``"good"``) and
code written against strings keeps working while it moves to the enums.
"""

from __future__ import annotations

from enum import StrEnum

__all__ = ["Rating", "Verdict"]


class Verdict(StrEnum):
    """The grader's judgement of a whole answer."""

    CORRECT = "correct"
    PARTIAL = "partial"
    WRONG = "wrong"


class Rating(StrEnum):
    """The student's recall rating, FSRS's four grades in Anki's order (1–4)."""

    AGAIN = "again"
    HARD = "hard"
    GOOD = "good"
    EASY = "easy"

    @property
    def number(self) -> int:
        """1–4, the key that gives this rating and fsrs's ``Rating`` value."""
        return list(Rating).index(self) + 1
