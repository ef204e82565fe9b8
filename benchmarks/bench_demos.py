"""Benchmark the flagship demos: streaming overhead and wall times.

For each demo it prints
- steps/s with streaming on (every due frame serialised to JSON) and off (first and last
  frame only), measured in-process on the quick configuration, and their ratio
  (target ≥ 0.9): A/B from the medians of interleaved runs, and in-run from the share of
  training time each run spent building and writing frames (robust to other load);
- the wall time of ``python -m demos.run NAME --quick`` (a fresh process: interpreter,
  torch import, checks, training, figures; target ≤ 15 s on 2 CPU cores);
- with ``--default``, the wall time of the default (full) run as well.

Usage: ``python benchmarks/bench_demos.py [--device cpu] [--repeats 3] [--default]
[--json]``. Prints figures; it is not a pass/fail test.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

FLAGSHIPS = ("vq-vae", "lstm-gates", "gru-gates")


def streaming_ratio(name: str, device: str, repeats: int) -> dict[str, float]:
    """Median steps/s with streaming on and off, alternating to share machine noise."""
    from demos.platform.execute import execute

    sink = open(os.devnull, "w")  # noqa: SIM115 - lives for the whole measurement

    def emit(event: dict) -> None:
        sink.write(json.dumps(event, separators=(",", ":")) + "\n")

    wall: dict[bool, list[float]] = {True: [], False: []}
    share: dict[bool, list[float]] = {True: [], False: []}
    for _ in range(repeats):
        for stream in (False, True):
            end = execute(name, device=device, quick=True, stream=stream, emit=emit)
            wall[stream].append(end["steps_per_second"])
            share[stream].append(end["frame_seconds"] / end["train_seconds"])
    sink.close()
    on, off = statistics.median(wall[True]), statistics.median(wall[False])
    return {
        "steps_per_s_on": on,
        "steps_per_s_off": off,
        "ratio": on / off,
        # Within each run: the share of training time spent on frames. Unlike the A/B
        # ratio it does not depend on other load on the machine between runs.
        "frame_share_on": statistics.median(share[True]),
        "inrun_ratio": (1 - statistics.median(share[True])) / (1 - statistics.median(share[False])),
    }


def wall_time(name: str, device: str, quick: bool) -> tuple[float, bool]:
    """Seconds for a fresh ``python -m demos.run`` process, and whether every check passed."""
    with tempfile.TemporaryDirectory() as out:
        cmd = [sys.executable, "-m", "demos.run", name, "--device", device, "--out", out]
        if quick:
            cmd.append("--quick")
        start = time.perf_counter()
        res = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT)
        seconds = time.perf_counter() - start
    return seconds, res.returncode == 0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--default", action="store_true", help="also time the default runs")
    ap.add_argument("--demo", action="append", choices=FLAGSHIPS, help="only these demos")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)

    import torch

    rows = []
    for name in args.demo or FLAGSHIPS:
        row: dict = {"demo": name, **streaming_ratio(name, args.device, args.repeats)}
        row["quick_s"], row["quick_passed"] = wall_time(name, args.device, quick=True)
        if args.default:
            row["default_s"], row["default_passed"] = wall_time(name, args.device, quick=False)
        rows.append(row)
        if not args.json:
            extra = ""
            if args.default:
                verdict = "pass" if row["default_passed"] else "FAIL"
                extra = f"  default {row['default_s']:6.1f} s ({verdict})"
            print(
                f"{name:<11} stream on {row['steps_per_s_on']:7.1f} steps/s  "
                f"off {row['steps_per_s_off']:7.1f} steps/s  A/B ratio {row['ratio']:.3f}  "
                f"in-run ratio {row['inrun_ratio']:.3f} (frames {row['frame_share_on']:.1%})  "
                f"quick {row['quick_s']:5.1f} s ({'pass' if row['quick_passed'] else 'FAIL'})"
                + extra,
                flush=True,
            )
    meta = {
        "device": args.device,
        "torch": torch.__version__,
        "cpus": os.cpu_count(),
        "load_average_1min": os.getloadavg()[0] if hasattr(os, "getloadavg") else None,
    }
    if args.json:
        print(json.dumps({"machine": meta, "results": rows}, indent=1))
    else:
        print(f"machine: {meta}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
