"""The ctrl+s race in a real terminal, repeated: does the stored answer equal the paste?

Pastes N characters into the study screen without bracketed paste (tmux load-buffer +
paste-buffer), presses ctrl+s after a delay, quits, and compares the stored attempt
with what was pasted. Needs tmux. Run:
    .venv/bin/python benchmarks/bench_paste_race.py [--runs 5] [--chars 3000] [--delay 0.2]
"""

from __future__ import annotations

import argparse
import importlib.util
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _terminal():
    spec = importlib.util.spec_from_file_location("terminal", ROOT / "tests" / "terminal.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def run_once(terminal, chars: int, delay: float, mode: str) -> tuple[int, int, bool]:
    """(characters pasted, characters stored, whether a hotkey opened another screen)."""
    from tutor.store import Store

    words = "the gradient d points uphill l so we step j against it k by 1 2 3 4 times eta "
    text = (words * (chars // len(words) + 1))[:chars].strip()
    data = Path(tempfile.mkdtemp(prefix="paste-race-"))
    try:
        with terminal.TmuxSession(
            [sys.executable, "-m", "tutor", "--data-dir", str(data)],
            env={"TEXTUAL_ANIMATIONS": "none"},
        ) as term:
            term.wait_for("Topic")
            if mode == "study":
                term.keys("s")
                term.wait_for("ctrl+s")
            else:
                term.keys("e")
                term.wait_for("Questions")
                term.keys("Enter")
                term.wait_for("Question 1 of")
            term.paste(text)
            time.sleep(delay)
            term.keys("C-s")
            done = ("Again", "Ripeti") if mode == "study" else ("Question 2 of",)
            screen = term.wait_for(lambda s: any(d in s for d in done), timeout=60)
            stray = "demos and drills" in screen.lower()
            term.keys("C-q")
            term.exit_status()
        store = Store.open_in(data)
        try:
            stored = [a.answer for a in store.attempts()]
        finally:
            store.close()
        return len(text), len(stored[0]) if stored else 0, stray
    finally:
        shutil.rmtree(data, ignore_errors=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--chars", type=int, default=3000)
    ap.add_argument("--delay", type=float, default=0.2)
    ap.add_argument("--mode", choices=("study", "exam"), default="study")
    args = ap.parse_args()
    terminal = _terminal()
    if not terminal.have_tmux():
        sys.exit("tmux is not installed")
    exact = 0
    for i in range(args.runs):
        pasted, stored, stray = run_once(terminal, args.chars, args.delay, args.mode)
        exact += pasted == stored and not stray
        print(f"run {i + 1}: pasted {pasted}, stored {stored}, stray hotkey: {stray}")
    print(f"{exact}/{args.runs} runs stored exactly what was pasted ({args.mode})")


if __name__ == "__main__":
    main()
