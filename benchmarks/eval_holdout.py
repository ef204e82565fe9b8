"""Agreement of the grader with blind hold-out sets the grader was never tuned on.

    .venv/bin/python benchmarks/eval_holdout.py [--file NAME ...] [--json]

Evaluates every hold-out file in tests/data/ that exists: ``grading_holdout.jsonl``
(80 answers) and ``grading_blind.jsonl`` (300+ answers over 60+ questions). Both were
written and graded 0–10 by people who saw neither the rubrics nor the grader; never
tune anything on them. For each file: Spearman and 3-way verdict accuracy overall,
per kind of answer and per language, the Italian − English gap, how many answers
the human graded ≤ 3 the grader called correct (the one mistake a student must never
see), and the confusion of verdicts.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from quizbank import load_bank  # noqa: E402
from tutor.grading import Grader  # noqa: E402
from tutor.grading.calibration import breakdown, load_rows, report  # noqa: E402

DATA = ROOT / "tests" / "data"
FILES = ("grading_holdout.jsonl", "grading_blind.jsonl")


def evaluate(path: Path, grader: Grader) -> dict:
    rows = load_rows(path)
    unknown = sorted({r["id"] for r in rows if r["id"] not in grader.bank})
    rows = [r for r in rows if r["id"] in grader.bank]

    def score(row: dict) -> tuple[float, str]:
        res = grader.grade(row["id"], row["answer"])
        return res.score, str(res.verdict)

    return {"file": path.name, "unknown_ids": unknown, **breakdown(rows, score)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--file", action="append", choices=FILES, help="only this file (repeatable)")
    ap.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = ap.parse_args()
    grader = Grader(load_bank())
    results = [
        evaluate(DATA / name, grader) for name in args.file or FILES if (DATA / name).exists()
    ]
    if args.json:
        print(json.dumps(results, indent=2))
        return
    if not results:
        sys.exit("no hold-out file in tests/data")
    print("\n\n".join(report(m) for m in results))


if __name__ == "__main__":
    main()
