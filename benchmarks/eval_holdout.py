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
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from quizbank import load_bank  # noqa: E402
from tutor.grading import Grader  # noqa: E402
from tutor.grading.calibration import human_verdict, load_rows, spearman  # noqa: E402

DATA = ROOT / "tests" / "data"
FILES = ("grading_holdout.jsonl", "grading_blind.jsonl")
VERDICTS = ("correct", "partial", "wrong")


def _agree(pairs: list[tuple[float, str, float]]) -> dict:
    """pairs: (grader score, grader verdict, human grade)."""
    if not pairs:
        return {"n": 0, "spearman": None, "verdict_accuracy": None}
    ok = sum(v == human_verdict(g) for _, v, g in pairs)
    rho = spearman([s for s, _, _ in pairs], [g for _, _, g in pairs]) if len(pairs) > 2 else None
    return {"n": len(pairs), "spearman": rho, "verdict_accuracy": ok / len(pairs)}


def evaluate(path: Path, grader: Grader) -> dict:
    rows = load_rows(path)
    unknown = sorted({r["id"] for r in rows if r["id"] not in grader.bank})
    rows = [r for r in rows if r["id"] in grader.bank]
    graded = []
    for r in rows:
        res = grader.grade(r["id"], r["answer"])
        graded.append((r, res.score, str(res.verdict)))
    pairs = [(s, v, r["grade"]) for r, s, v in graded]
    by_kind: dict[str, list] = defaultdict(list)
    by_lang: dict[str, list] = defaultdict(list)
    for r, s, v in graded:
        by_kind[str(r.get("kind", "?"))].append((s, v, r["grade"]))
        by_lang[str(r.get("lang", "?"))].append((s, v, r["grade"]))
    langs = {k: _agree(v) for k, v in sorted(by_lang.items())}
    gap = {}
    if langs.get("en", {}).get("n") and langs.get("it", {}).get("n"):
        for key in ("spearman", "verdict_accuracy"):
            if langs["en"][key] is not None and langs["it"][key] is not None:
                gap[key] = langs["it"][key] - langs["en"][key]
    confusion = Counter((human_verdict(g), v) for _, v, g in pairs)
    return {
        "file": path.name,
        "questions": len({r["id"] for r in rows}),
        "unknown_ids": unknown,
        "overall": _agree(pairs),
        "kinds": {k: _agree(v) for k, v in sorted(by_kind.items())},
        "langs": langs,
        "it_minus_en": gap,
        "human_le3_called_correct": sum(1 for _, v, g in pairs if g <= 3 and v == "correct"),
        "confusion": {f"{h}->{v}": confusion[(h, v)] for h in VERDICTS for v in VERDICTS},
    }


def _f(x: float | None) -> str:
    return "  —  " if x is None else f"{x:.3f}"


def report(m: dict) -> str:
    o = m["overall"]
    lines = [
        f"{m['file']}: n={o['n']} over {m['questions']} questions  "
        f"spearman={_f(o['spearman'])}  verdict_accuracy={_f(o['verdict_accuracy'])}  "
        f"human<=3 called correct: {m['human_le3_called_correct']}",
    ]
    if m["unknown_ids"]:
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
