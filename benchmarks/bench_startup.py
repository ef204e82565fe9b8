"""Start-up time of cidl-tutor's home screen vs a minimal Textual app, in one run.

Run: .venv/bin/python benchmarks/bench_startup.py [N]
Each start is a fresh process (headless), measured from process creation to
the first screen being ready (for cidl-tutor: the home table filled from the
database). Target: tutor ≤ 1.5 × minimal, and torch never imported.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

PROBE = Path(__file__).with_name("startup_probe.py")


def one(kind: str, data_dir: str) -> tuple[float, bool]:
    args = [sys.executable, str(PROBE), kind] + ([data_dir] if kind == "tutor" else [])
    out = subprocess.run(args, capture_output=True, text=True, check=True).stdout.split()
    return float(out[-2]), out[-1] == "True"


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 10
    with tempfile.TemporaryDirectory() as data_dir:
        one("tutor", data_dir)  # warm the file cache and create the database
        one("minimal", data_dir)
        tutor, minimal, torch_seen = [], [], False
        for _ in range(n):  # interleave so both see the same machine load
            t, torch = one("tutor", data_dir)
            tutor.append(t)
            torch_seen |= torch
            minimal.append(one("minimal", data_dir)[0])
    mt, mm = statistics.median(tutor), statistics.median(minimal)
    print(f"runs: {n}")
    print(f"minimal Textual app  median {mm * 1000:.0f} ms  (min {min(minimal) * 1000:.0f})")
    print(f"cidl-tutor home      median {mt * 1000:.0f} ms  (min {min(tutor) * 1000:.0f})")
    print(f"ratio {mt / mm:.2f}  (target <= 1.5)   torch imported: {torch_seen}")


if __name__ == "__main__":
    main()
