"""The cidl-tutor question bank: YAML topic files, their schema, loader and validator.

The format is documented in ``quizbank/README.md``. This package imports
neither textual nor torch, so the CLI can list and validate banks instantly.
"""

from .loader import BankError, Problem, builtin_dir, load_bank, validate
from .model import LANGS, Bank, KeyPoint, Misconception, Question, Topic

__all__ = [
    "LANGS",
    "Bank",
    "BankError",
    "KeyPoint",
    "Misconception",
    "Problem",
    "Question",
    "Topic",
    "builtin_dir",
    "load_bank",
    "validate",
]
