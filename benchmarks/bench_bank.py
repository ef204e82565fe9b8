"""Time loading and validating the full built-in bank (median of N runs).

Run: .venv/bin/python benchmarks/bench_bank.py [N]
Two figures: "parsed" with the parse cache off (YAML parsing, stemming every
model answer, all checks) and "cached" as the app sees it once the per-file
parse cache is warm. In-process normaliser caches are cleared before each run.
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time

from quizbank import load_bank, textnorm, validate


def _clear() -> None:
    for fn in (textnorm.stem, textnorm.phrase_stems, textnorm.sentence_stems):
        fn.cache_clear()


def measure(n: int, label: str) -> None:
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
    print(f"[{label}] questions: {len(bank)}  problems: {len(problems)}  runs: {n}")
    print(
        f"load_bank  median {statistics.median(loads) * 1000:.1f} ms  "
        f"min {min(loads) * 1000:.1f} ms"
    )
    print(
        f"validate   median {statistics.median(validations) * 1000:.1f} ms  "
        f"min {min(validations) * 1000:.1f} ms"
    )


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 20
    os.environ["TUTOR_NO_CACHE"] = "1"
    measure(n, "parsed")
    del os.environ["TUTOR_NO_CACHE"]
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["TUTOR_CACHE_DIR"] = tmp
        load_bank()  # fill the cache
        measure(n, "cached")


if __name__ == "__main__":
    main()
