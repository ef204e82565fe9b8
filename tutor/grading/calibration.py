"""Agreement between the grader and human grades on a calibration set.

Kept in the package (not in the benchmark) so the regression test, the
benchmark and the semantic-backend evaluation compute the same numbers.
"""

from __future__ import annotations

import json
import zlib
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["agreement", "human_verdict", "is_held_out", "load_rows", "spearman"]


def load_rows(path: Path | str) -> list[dict[str, Any]]:
    """The calibration lines: {"id", "lang", "answer", "grade", "kind"}."""
    rows = []
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        if line.strip():
            rows.append(json.loads(line))
    return rows


def human_verdict(grade: float) -> str:
    """The examiner's verdict: 7–10 correct, 4–6 partial, 0–3 wrong."""
    if grade >= 7:
        return "correct"
    if grade >= 4:
        return "partial"
    return "wrong"


def is_held_out(qid: str) -> bool:
    """A fixed third of the questions, never used for tuning."""
    return zlib.crc32(qid.encode()) % 3 == 0


def _ranks(x: np.ndarray) -> np.ndarray:
    order = np.argsort(x, kind="mergesort")
    ranks = np.empty(len(x), dtype=float)
    sx = x[order]
    i = 0
    while i < len(x):
        j = i
        while j + 1 < len(x) and sx[j + 1] == sx[i]:
            j += 1
        ranks[order[i : j + 1]] = (i + j) / 2.0  # ties share the mean rank
        i = j + 1
    return ranks


def spearman(a: Iterable[float], b: Iterable[float]) -> float:
    """Spearman's rank correlation (Pearson on tie-averaged ranks)."""
    ra, rb = _ranks(np.asarray(list(a), float)), _ranks(np.asarray(list(b), float))
    if ra.std() == 0 or rb.std() == 0:
        return 0.0
    return float(np.corrcoef(ra, rb)[0, 1])


def agreement(
    rows: list[dict[str, Any]], score: Callable[[dict[str, Any]], tuple[float, str]]
) -> dict[str, float]:
    """Spearman and verdict accuracy of ``score(row) -> (score, verdict)``."""
    scores, verdict_ok = [], 0
    for row in rows:
        s, v = score(row)
        scores.append(s)
        verdict_ok += v == human_verdict(row["grade"])
    return {
        "n": len(rows),
        "spearman": spearman(scores, [r["grade"] for r in rows]),
        "verdict_accuracy": verdict_ok / len(rows) if rows else 0.0,
    }
