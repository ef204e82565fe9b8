"""Loading the bank for a command, with errors the CLI can print."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from quizbank import Bank, BankError, load_bank
from tutor.errors import TutorError
from tutor.i18n import errors as E


def load(bank_dirs: Sequence[Path] = ()) -> Bank:
    """The built-in bank plus the student's extra banks, or a TutorError."""
    try:
        return load_bank(bank_dirs)
    except BankError as exc:
        raise TutorError(E.INVALID_BANK, detail=exc) from None


def question(bank: Bank, qid: str):  # -> Question
    """Look a question up; an unknown id is a usage error (exit 2)."""
    try:
        return bank.get(qid)
    except KeyError:
        raise TutorError(E.UNKNOWN_QUESTION, exit_code=2, qid=qid) from None
