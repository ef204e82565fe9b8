"""Agreement of the grader with a blind hold-out set the grader was never tuned on.

tests/data/grading_holdout.jsonl was written and graded by someone who saw
neither the bank's rubrics nor the grader. Run:
    .venv/bin/python benchmarks/eval_holdout.py
Prints Spearman and verdict accuracy overall and per kind of answer.
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

from quizbank import load_bank
from tutor.grading import Grader
from tutor.grading.calibration import agreement, human_verdict, load_rows

HOLDOUT = Path(__file__).resolve().parents[1] / "tests" / "data" / "grading_holdout.jsonl"


def main() -> None:
    rows = load_rows(HOLDOUT)
    grader = Grader(load_bank())

    def score(row):
        r = grader.grade(grader.question(row["id"]), row["answer"])
        return r.score, r.verdict

    overall = agreement(rows, score)
    print(
        f"hold-out: n={overall['n']}  spearman={overall['spearman']:.3f}  "
        f"verdict_accuracy={overall['verdict_accuracy']:.3f}"
    )
    by_kind: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for row in rows:
        by_kind[row["kind"]].append((score(row)[1], human_verdict(row["grade"])))
    for kind, pairs in sorted(by_kind.items()):
        ok = sum(a == b for a, b in pairs)
        print(f"  {kind:16} {ok}/{len(pairs)} verdicts agree")
    for lang in ("en", "it", "mixed"):
        sub = [r for r in rows if r["lang"] == lang]
        if sub:
            a = agreement(sub, score)
            print(
                f"  lang {lang:6} n={a['n']:3}  spearman={a['spearman']:.3f}  "
                f"verdict_accuracy={a['verdict_accuracy']:.3f}"
            )


if __name__ == "__main__":
    main()
