"""Time exporting the full built-in bank, above all to Anki .apkg (target: under 2 s).

Run: .venv/bin/python benchmarks/bench_export.py [N]
"cold" is the first export in a fresh process (imports of genanki and
markdown-it included, as ``tutor export`` pays them); the other figures are the
median of N warm runs. The bank is loaded once, outside the timings.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from quizbank import load_bank
from tutor.export import export

COLD = """
import time
from quizbank import load_bank
bank = load_bank()
t0 = time.perf_counter()
from tutor.export import export
export(bank, {path!r}, lang={lang!r}, force=True)
print(time.perf_counter() - t0)
"""


def cold(path: Path, lang: str) -> float:
    out = subprocess.run(
        [sys.executable, "-c", COLD.format(path=str(path), lang=lang)],
        check=True,
        capture_output=True,
        text=True,
    )
    return float(out.stdout.strip())


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 5
    bank = load_bank()
    print(f"bank: {len(bank)} questions, {len(bank.topics)} topics; median of {n} runs")
    with tempfile.TemporaryDirectory() as d:
        for lang in ("en", "both"):
            apkg = Path(d) / f"cidl-{lang}.apkg"
            print(f"apkg --lang {lang:<4} cold  {cold(apkg, lang):6.3f} s")
        for fmt in ("apkg", "csv", "tsv", "md", "json"):
            for lang in ("en", "both") if fmt == "apkg" else ("en",):
                path = Path(d) / f"out-{lang}.{fmt}"
                times = []
                for _ in range(n):
                    t0 = time.perf_counter()
                    result = export(bank, path, lang=lang, force=True)
                    times.append(time.perf_counter() - t0)
                print(
                    f"{fmt:<4} --lang {lang:<4} warm  {statistics.median(times):6.3f} s  "
                    f"({result.bytes / 1024:.0f} KiB)"
                )


if __name__ == "__main__":
    main()
