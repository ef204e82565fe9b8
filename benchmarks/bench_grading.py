"""Grading figures: agreement with human grades, latency and batch throughput.

    .venv/bin/python benchmarks/bench_grading.py [--repeat N]

Prints Spearman and verdict accuracy on the calibration set (all, training
split, held-out split), p50/p95 latency per answer (calibration answers and a
~3000-word paste), the cost of the first call, and the throughput of
``tutor grade --batch`` measured end to end in a subprocess.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from quizbank import load_bank  # noqa: E402
from tutor.grading import Grader  # noqa: E402
from tutor.grading.calibration import agreement, is_held_out, load_rows  # noqa: E402

DATA = ROOT / "tests" / "data" / "grading_calibration.jsonl"


def _pct(xs: list[float], q: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, round(q * (len(xs) - 1)))]


def _paste(rows: list[dict], words: int = 3000) -> str:
    out: list[str] = []
    n = 0
    while n < words:
        for r in rows:
            out.append(r["answer"])
            n += len(r["answer"].split())
            if n >= words:
                break
    return "\n".join(out)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=5, help="timed passes over the set")
    args = ap.parse_args()
    t0 = time.perf_counter()
    bank = load_bank()
    t_bank = time.perf_counter() - t0
    rows = [r for r in load_rows(DATA) if r["id"] in bank]
    grader = Grader(bank)
    t0 = time.perf_counter()
    grader.grade(rows[0]["id"], rows[0]["answer"])
    t_first = time.perf_counter() - t0

    def score(row: dict) -> tuple[float, str]:
        res = grader.grade(row["id"], row["answer"])
        return res.score, res.verdict

    print(f"calibration set: {len(rows)} answers, {len({r['id'] for r in rows})} questions")
    for name, subset in (
        ("all", rows),
        ("train", [r for r in rows if not is_held_out(r["id"])]),
        ("held-out", [r for r in rows if is_held_out(r["id"])]),
    ):
        m = agreement(subset, score)
        print(
            f"  {name:9s} n={m['n']:3d}  spearman={m['spearman']:.3f}  "
            f"verdict_accuracy={m['verdict_accuracy']:.3f}"
        )

    times: list[float] = []
    for _ in range(args.repeat):
        for r in rows:
            t0 = time.perf_counter()
            grader.grade(r["id"], r["answer"])
            times.append((time.perf_counter() - t0) * 1000)
    paste = _paste(rows)
    paste_times: list[float] = []
    for qid in sorted({r["id"] for r in rows}):
        t0 = time.perf_counter()
        grader.grade(qid, paste)
        paste_times.append((time.perf_counter() - t0) * 1000)
    print(f"bank load {t_bank * 1000:.0f} ms; first grade (vocabulary) {t_first * 1000:.0f} ms")
    print(
        f"latency per answer ({len(times)} gradings): p50={_pct(times, 0.5):.2f} ms  "
        f"p95={_pct(times, 0.95):.2f} ms  max={max(times):.2f} ms  "
        f"mean={statistics.fmean(times):.2f} ms"
    )
    print(
        f"~{len(paste.split())}-word paste ({len(paste_times)} questions): "
        f"p50={_pct(paste_times, 0.5):.2f} ms  p95={_pct(paste_times, 0.95):.2f} ms  "
        f"max={max(paste_times):.2f} ms"
    )

    with tempfile.TemporaryDirectory() as tmp:
        batch = Path(tmp) / "batch.jsonl"
        lines = [json.dumps({"id": r["id"], "answer": r["answer"]}) for r in rows] * 5
        batch.write_text("\n".join(lines) + "\n", encoding="utf-8")
        t0 = time.perf_counter()
        proc = subprocess.run(
            [sys.executable, "-m", "tutor", "grade", "--batch", str(batch)],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=False,
        )
        wall = time.perf_counter() - t0
        n_out = len(proc.stdout.splitlines())
        print(
            f"tutor grade --batch: {n_out} answers in {wall:.2f} s end to end "
            f"(process start and bank load included) = {n_out / wall:.0f} answers/s; "
            f"exit {proc.returncode}"
        )
        t0 = time.perf_counter()
        for r in rows * 5:
            grader.grade(r["id"], r["answer"]).to_dict()
        wall = time.perf_counter() - t0
        print(f"in-process: {len(rows) * 5 / wall:.0f} answers/s")


if __name__ == "__main__":
    main()
