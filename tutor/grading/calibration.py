"""Agreement between the grader and human grades on a calibration set.

Kept in the package (not in the benchmark) so the regression test, the
benchmark and the semantic-backend evaluation compute the same numbers.
"""

from __future__ import annotations

import json
import zlib
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import numpy as np

__all__ = [
    "agreement",
    "breakdown",
    "human_verdict",
    "is_held_out",
    "load_rows",
    "report",
    "spearman",
]


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


VERDICTS = ("correct", "partial", "wrong")


def _agree(triples: list[tuple[float, str, float]]) -> dict[str, Any]:
    """triples: (grader score, grader verdict, human grade)."""
    if not triples:
        return {"n": 0, "spearman": None, "verdict_accuracy": None}
    ok = sum(v == human_verdict(g) for _, v, g in triples)
    rho = spearman([s for s, _, _ in triples], [g for _, _, g in triples])
    return {
        "n": len(triples),
        "spearman": rho if len(triples) > 2 else None,
        "verdict_accuracy": ok / len(triples),
    }


def breakdown(
    rows: list[dict[str, Any]], score: Callable[[dict[str, Any]], tuple[float, str]]
) -> dict[str, Any]:
    """Agreement overall, per kind of answer and per language, the Italian − English gap,
    how many answers the human graded ≤ 3 the grader called correct (the one mistake a
    student must never see) and the confusion of verdicts: the figures of issue 11."""
    graded = [(r, *score(r)) for r in rows]
    triples = [(s, str(v), r["grade"]) for r, s, v in graded]
    by_kind: dict[str, list] = defaultdict(list)
    by_lang: dict[str, list] = defaultdict(list)
    for (r, _, _), t in zip(graded, triples, strict=True):
        by_kind[str(r.get("kind", "?"))].append(t)
        by_lang[str(r.get("lang", "?"))].append(t)
    langs = {k: _agree(v) for k, v in sorted(by_lang.items())}
    gap = {}
    en, it = langs.get("en"), langs.get("it")
    if en and it:
        for key in ("spearman", "verdict_accuracy"):
            if en[key] is not None and it[key] is not None:
                gap[key] = it[key] - en[key]
    confusion = Counter((human_verdict(g), v) for _, v, g in triples)
    return {
        "questions": len({r["id"] for r in rows}),
        "overall": _agree(triples),
        "kinds": {k: _agree(v) for k, v in sorted(by_kind.items())},
        "langs": langs,
        "it_minus_en": gap,
        "human_le3_called_correct": sum(1 for _, v, g in triples if g <= 3 and v == "correct"),
        "confusion": {f"{h}->{v}": confusion[(h, v)] for h in VERDICTS for v in VERDICTS},
    }


def _f(x: float | None) -> str:
    return "  —  " if x is None else f"{x:.3f}"


def report(m: dict[str, Any]) -> str:
    """``breakdown``'s figures as the benchmarks print them (``m["file"]`` names the set)."""
    o = m["overall"]
    lines = [
        f"{m['file']}: n={o['n']} over {m['questions']} questions  "
        f"spearman={_f(o['spearman'])}  verdict_accuracy={_f(o['verdict_accuracy'])}  "
        f"human<=3 called correct: {m['human_le3_called_correct']}",
    ]
    if m.get("unknown_ids"):
        lines.append(f"  ids not in the bank (skipped): {', '.join(m['unknown_ids'])}")
    lines.append("  per kind:")
    for kind, a in m["kinds"].items():
        lines.append(
            f"    {kind:22} n={a['n']:3}  spearman={_f(a['spearman'])}  "
            f"verdict_accuracy={_f(a['verdict_accuracy'])}"
        )
    lines.append("  per language:")
    for lang, a in m["langs"].items():
        lines.append(
            f"    {lang:22} n={a['n']:3}  spearman={_f(a['spearman'])}  "
            f"verdict_accuracy={_f(a['verdict_accuracy'])}"
        )
    if m["it_minus_en"]:
        gap = m["it_minus_en"]
        lines.append(
            f"  IT - EN: spearman {gap.get('spearman', 0):+.3f}, "
            f"verdict accuracy {gap.get('verdict_accuracy', 0):+.3f}"
        )
    lines.append("  confusion (human -> grader): " + ", ".join(
        f"{k} {v}" for k, v in m["confusion"].items() if v
    ))  # fmt: skip
    return "\n".join(lines)
