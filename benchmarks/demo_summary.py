"""Summarise demo runs: one run's JSON-line stream, or every demo's quick run.

``python benchmarks/demo_summary.py FILE.jsonl`` prints three lines about the run in FILE
(its last, ``end`` event). ``python benchmarks/demo_summary.py --all [--device cpu]``
runs every catalogue demo with ``--quick`` in a fresh ``python -m demos.run`` process
(interpreter start, torch import, checks, training, figures: what a student waits for)
and prints one line per demo: wall seconds, checks passed, records, frames; then the
total and the slowest. Figures, not a pass/fail test.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def summarise(path: str) -> None:
    with open(path) as fh:
        events = [json.loads(line) for line in fh if line.strip()]
    end = events[-1] if events else {}
    if end.get("type") != "end":
        print(f"  no end event: {end}")
        return
    checks = " ".join(("PASS " if c["passed"] else "FAIL ") + c["name"] for c in end["checks"])
    metrics = {k: round(v, 4) for k, v in end.get("metrics", {}).items() if v is not None}
    seconds = end.get("seconds", 0)
    print(f"  steps {end.get('steps')}  seconds {seconds:.1f}  device {end.get('device')}")
    print(f"  final {metrics}")
    print(f"  checks: {checks}")


def run_all(device: str) -> int:
    sys.path.insert(0, str(ROOT))
    from demos.platform import registry

    rows, failed = [], 0
    for name in registry.names():
        with tempfile.TemporaryDirectory() as out:
            cmd = [sys.executable, "-m", "demos.run", name, "--quick", "--device", device]
            start = time.perf_counter()
            res = subprocess.run([*cmd, "--out", out], capture_output=True, text=True, cwd=ROOT)
            wall = time.perf_counter() - start
        events = [json.loads(line) for line in res.stdout.splitlines() if line.startswith("{")]
        end = events[-1] if events else {}
        if end.get("type") != "end":
            failed += 1
            print(f"{name:<17} {wall:5.1f} s  ERROR {end.get('message', res.stderr[-200:])}")
            continue
        passed = sum(c["passed"] for c in end["checks"])
        failed += passed != len(end["checks"])
        frames = sum(e["type"] == "frame" for e in events)
        rows.append((name, wall))
        print(
            f"{name:<17} {wall:5.1f} s  checks {passed}/{len(end['checks'])}  "
            f"records {end['records']:3d}  frames {frames:3d}  train {end['train_seconds']:.1f} s",
            flush=True,
        )
    if rows:
        total = sum(w for _, w in rows)
        slow = max(rows, key=lambda r: r[1])
        print(f"total {total:.1f} s for {len(rows)} demos; slowest {slow[0]} {slow[1]:.1f} s")
    return 1 if failed else 0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("file", nargs="?", help="a JSON-line stream of one run")
    ap.add_argument("--all", action="store_true", help="run every demo's quick run")
    ap.add_argument("--device", default="cpu")
    args = ap.parse_args(argv)
    if args.all:
        return run_all(args.device)
    if not args.file:
        ap.error("give a FILE.jsonl or --all")
    summarise(args.file)
    return 0


if __name__ == "__main__":
    sys.exit(main())
