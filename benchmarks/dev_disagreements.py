"""Where the grader and the humans disagree on the development set, question by question.

The development set (tests/data/grading_dev.jsonl) is the one rubric writers may tune on;
never run this on grading_blind.jsonl. For each row whose verdict differs from the
human's, it prints the answer, both judgements, the points credited (✓ stated, ◐ part)
and the misconceptions found, so a writer can see which term or misconception is missing.
Run:
    .venv/bin/python benchmarks/dev_disagreements.py [--topic a] [--file PATH]
"""

from __future__ import annotations

import argparse
from pathlib import Path

from quizbank import load_bank
from tutor.grading import Grader
from tutor.grading.calibration import human_verdict, load_rows

DEV = Path(__file__).resolve().parents[1] / "tests" / "data" / "grading_dev.jsonl"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--topic", help="only questions of this topic (a-h)")
    ap.add_argument("--file", type=Path, default=DEV)
    args = ap.parse_args()
    if "blind" in args.file.name:
        raise SystemExit("the blind set is for measuring only: never look at its rows")
    grader = Grader(load_bank())
    rows = load_rows(args.file)
    shown = 0
    for row in rows:
        if args.topic and not row["id"].startswith(args.topic + "."):
            continue
        result = grader.grade(grader.question(row["id"]), row["answer"])
        human = human_verdict(row["grade"])
        if result.verdict == human:
            continue
        shown += 1
        print(
            f"=== {row['id']} [{row['lang']}, {row['kind']}] human {row['grade']}/10 ({human})"
            f" vs grader {result.score:.2f} {result.verdict}"
        )
        print(f"    answer: {row['answer']}")
        if row.get("note"):
            print(f"    human's note: {row['note']}")
        for p in result.points:
            mark = "✓" if p.hit else ("◐" if getattr(p, "credit", 0) else "✗")
            print(f"    {mark} {p.id} (w{p.weight})")
        for m in result.misconceptions:
            print(f"    ! misconception {m.id}: {m.evidence!r}")
    print(f"{shown} disagreements")


if __name__ == "__main__":
    main()
