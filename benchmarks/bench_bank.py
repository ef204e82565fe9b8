"""Time loading and validating the full built-in bank (median of N cold-cache runs).

Run: .venv/bin/python benchmarks/bench_bank.py [N]
Each run clears the normaliser caches so the figure is a cold load, as at start-up.
"""

from __future__ import annotations

import statistics
import sys
import time

from quizbank import load_bank, textnorm, validate


def _clear() -> None:
    for fn in (textnorm.stem, textnorm.phrase_stems, textnorm.sentence_stems):
        fn.cache_clear()


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 20
    loads, validations = [], []
    for _ in range(n):
        _clear()
        t0 = time.perf_counter()
        bank = load_bank()
        loads.append(time.perf_counter() - t0)
        _clear()
        t0 = time.perf_counter()
        problems = validate()
        validations.append(time.perf_counter() - t0)
    print(f"questions: {len(bank)}  problems: {len(problems)}  runs: {n}")
    print(
        f"load_bank  median {statistics.median(loads) * 1000:.1f} ms  "
        f"min {min(loads) * 1000:.1f} ms"
    )
    print(
        f"validate   median {statistics.median(validations) * 1000:.1f} ms  "
        f"min {min(validations) * 1000:.1f} ms"
    )


if __name__ == "__main__":
    main()
