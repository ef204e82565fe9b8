"""Loading the bank for a command, with errors the CLI can print."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from quizbank import Bank, BankError, load_bank
from tutor.errors import TutorError


def load(bank_dirs: Sequence[Path] = ()) -> Bank:
    """The built-in bank plus the student's extra banks, or a TutorError."""
    try:
        return load_bank(bank_dirs)
    except BankError as exc:
        raise TutorError(f"invalid question bank: {exc}") from None


def question(bank: Bank, qid: str):  # -> Question
    """Look a question up; an unknown id is a usage error (exit 2)."""
    try:
        return bank.get(qid)
    except KeyError:
        raise TutorError(
            f"unknown question id {qid!r} (see 'tutor bank list')", exit_code=2
        ) from None
