"""The monkey test at length: 2,000+ seeded random keys across every screen.

    .venv/bin/python benchmarks/bench_monkey.py [--keys 2000] [--seeds 1 2 3] [--real-bank]

Runs ``tests/ui/test_monkey.py``'s monkey (fake demo runner, no torch) in a fresh data
directory per seed and prints, per seed, the keys pressed, the screens visited (with
how many keys each got), the ratings acknowledged and stored, and the wall time. Exit
status 1 if any run raised, lost a rating or did not exit cleanly.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from quizbank import load_bank  # noqa: E402
from tests.conftest import write_mini_bank  # noqa: E402
from tests.ui import test_monkey as M  # noqa: E402
from tutor.store import Store, utcnow  # noqa: E402
from tutor.ui.app import ERROR_LOG, TutorApp  # noqa: E402
from tutor.ui.screens import demo as demo_screen  # noqa: E402


class Patches:
    """What pytest's monkeypatch does for the test, by hand."""

    def __init__(self) -> None:
        self._undo: list[tuple[object, str, object]] = []

    def setattr(self, target: object, name: str, value: object) -> None:
        self._undo.append((target, name, getattr(target, name)))
        setattr(target, name, value)

    def undo(self) -> None:
        while self._undo:
            target, name, value = self._undo.pop()
            setattr(target, name, value)


async def one_run(bank, keys: int, seed: int) -> tuple[M.MonkeyRun, list[str]]:
    problems: list[str] = []
    with tempfile.TemporaryDirectory(prefix="bench-monkey-") as tmp:
        data = Path(tmp)
        store = Store.open_in(data)
        app = TutorApp(bank, store, data_dir=data, clock=utcnow, fuzz=False)
        patches = Patches()
        patches.setattr(demo_screen, "DemoRunner", M.FakeRunner)
        run = M.MonkeyRun()
        M.watch_ratings(app, patches, run)
        try:
            async with app.run_test(size=(100, 30)) as pilot:
                await pilot.pause()
                done = await M.monkey(app, pilot, keys=keys, seed=seed)
                run.keys, run.screens, run.seconds = done.keys, done.screens, done.seconds
                await M.go_home(app, pilot)
                await pilot.press("ctrl+q")
                await pilot.pause()
        except AssertionError as exc:
            problems.append(f"stopped: {exc}")
        finally:
            patches.undo()
        if app._exception is not None:
            problems.append(f"exception: {app._exception!r}")
        if app.return_code not in (0, None):
            problems.append(f"exit status {app.return_code}")
        if (data / ERROR_LOG).exists():
            problems.append("errors.log:\n" + (data / ERROR_LOG).read_text(encoding="utf-8"))
        stored = Counter(r.question_id for r in store.reviews(include_cram=True))
        lost = Counter(run.acknowledged) - stored
        if lost:
            problems.append(f"ratings acknowledged but not stored: {dict(lost)}")
        store.close()
    return run, problems


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keys", type=int, default=2000)
    parser.add_argument("--seeds", type=int, nargs="+", default=[1])
    parser.add_argument("--real-bank", action="store_true", help="the course's 97 questions")
    args = parser.parse_args()
    if args.real_bank:
        bank = load_bank()
    else:
        bank = load_bank(
            [write_mini_bank(Path(tempfile.mkdtemp()) / "bank")], include_builtin=False
        )
    failed = False
    for seed in args.seeds:
        started = time.perf_counter()
        run, problems = asyncio.run(one_run(bank, args.keys, seed))
        wall = time.perf_counter() - started
        screens = ", ".join(f"{name} {n}" for name, n in run.screens.most_common())
        rate = run.keys / max(wall, 1e-9)
        print(
            f"seed {seed}: {run.keys} keys in {wall:.1f} s ({rate:.0f} keys/s), "
            f"{len(run.screens)} screens, ratings acknowledged {len(run.acknowledged)}, "
            f"stored {len(run.committed)}"
        )
        print(f"  screens: {screens}")
        for p in problems:
            print(f"  PROBLEM {p}")
        failed = failed or bool(problems)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
