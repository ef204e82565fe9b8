"""A seeded monkey (issue 10 item 8): random keys and terminal sizes across every screen.

The monkey starts at home and presses keys drawn from printable characters, arrows and
paging keys, function keys, ctrl-combinations, Escape and Enter, resizing the terminal
between 40×12 and 160×50 now and then; every so often it goes home and jumps straight
to a screen (``s``, ``e``, ``b``, ``t``, ``m``, ``r``, ``x``, ``?``), so that the keys
reach every screen in a short run. It asserts what a student needs: no exception, no
lost review (every rating the study screen acknowledged is in the store) and a clean
exit. Only ctrl+q, and q on home, are left out of the draw: they end the run early.

Demo screens start a run when they open; here ``DemoRunner`` is replaced by a fake that
streams a canned start/end pair, so no subprocess and no torch training start and the
test stays fast. ``benchmarks/bench_monkey.py`` runs the same monkey with 2,000+ keys.
"""

from __future__ import annotations

import random
import string
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import pytest

from tutor.scheduling import parse_rating
from tutor.session import Phase
from tutor.ui.app import ERROR_LOG
from tutor.ui.screens import demo as demo_screen
from tutor.ui.screens.exam import AbandonScreen
from tutor.ui.screens.home import HomeScreen
from tutor.ui.screens.study import StudyScreen

NAVIGATION = [
    "up",
    "down",
    "left",
    "right",
    "home",
    "end",
    "pageup",
    "pagedown",
    "tab",
    "shift+tab",
    "backspace",
    "delete",
    "space",
]
FUNCTION = [f"f{i}" for i in range(1, 13)]
CONTROL = [f"ctrl+{c}" for c in string.ascii_lowercase if c != "q"]  # ctrl+q quits
PRINTABLE = list(string.ascii_letters + string.digits + string.punctuation)
JUMPS = ["s", "e", "b", "t", "m", "r", "x", "question_mark"]
MIN_SIZE, MAX_SIZE = (40, 12), (160, 50)


def draw_key(rng: random.Random) -> str:
    """Mostly what a student types, with a good share of everything else."""
    pool = rng.choices(
        [PRINTABLE, NAVIGATION, FUNCTION, CONTROL, ["escape"], ["enter"]],
        weights=[40, 20, 5, 15, 12, 8],
    )[0]
    return rng.choice(pool)


class FakeRunner:
    """Stands in for ``DemoRunner``: a canned, valid start/end stream, no process."""

    def __init__(self, name: str, *args: Any, **kwargs: Any) -> None:
        self.name = name
        self.proc = None

    def events(self):
        yield {
            "type": "start",
            "demo": self.name,
            "title": self.name,
            "device": "cpu",
            "params": {},
            "total_steps": 1,
            "quick": True,
            "seed": 0,
            "records": 1,
            "plots": [],
        }
        yield {
            "type": "end",
            "demo": self.name,
            "steps": 1,
            "seconds": 0.0,
            "device": "cpu",
            "metrics": {},
            "checks": [],
            "passed": True,
            "caption": {"en": "", "it": ""},
            "outputs": [],
        }

    def cancel(self, *args: Any, **kwargs: Any) -> bool:
        return True


@dataclass
class MonkeyRun:
    """What a run did: keys pressed, screens seen, ratings acknowledged, time taken."""

    keys: int = 0
    screens: Counter[str] = field(default_factory=Counter)
    acknowledged: list[str] = field(default_factory=list)  # question id per rating
    committed: list[str] = field(default_factory=list)
    seconds: float = 0.0


async def go_home(app, pilot) -> None:
    """Back to home the way a student would: escape, and yes when asked to abandon."""
    for _ in range(8):
        if isinstance(app.screen, HomeScreen):
            return
        await pilot.press("y" if isinstance(app.screen, AbandonScreen) else "escape")
        await pilot.pause()


async def study_a_card(app, pilot, rng: random.Random) -> None:
    """Answer (or reveal), pass the examiner's follow-ups, rate: a sitting's usual keys."""
    screen = app.screen
    await pilot.press(rng.choice(["ctrl+s", "ctrl+r"]))
    await app.workers.wait_for_complete()
    for _ in range(3):
        if screen.state is not Phase.FOLLOWUP:
            break
        await pilot.press("ctrl+n")
        await app.workers.wait_for_complete()
    await pilot.press(rng.choice("1234"))
    await app.workers.wait_for_complete()


async def monkey(app, pilot, *, keys: int, seed: int, jump_every: int = 15) -> MonkeyRun:
    """Press ``keys`` random keys (seeded); the run's record."""
    rng = random.Random(seed)
    run = MonkeyRun()
    started = time.perf_counter()
    for i in range(keys):
        if i % jump_every == 0:
            await go_home(app, pilot)
            await pilot.press(JUMPS[(i // jump_every) % len(JUMPS)])
        elif isinstance(app.screen, StudyScreen) and rng.random() < 0.15:
            # what a student does most in a sitting: answer or reveal, then rate
            await study_a_card(app, pilot, rng)
        elif rng.random() < 0.03:
            width = rng.randint(MIN_SIZE[0], MAX_SIZE[0])
            height = rng.randint(MIN_SIZE[1], MAX_SIZE[1])
            await pilot.resize_terminal(width, height)
        else:
            key = draw_key(rng)
            while key == "q" and isinstance(app.screen, HomeScreen):
                key = draw_key(rng)  # q on home quits: the end of the run, not a key of it
            await pilot.press(key)
        assert app.is_running, f"key {i} ended the app"
        run.keys += 1
        run.screens[type(app.screen).__name__] += 1
        if i % 10 == 0:
            await app.workers.wait_for_complete()
        assert app._exception is None, f"key {i}: {app._exception!r}"
    await app.workers.wait_for_complete()
    await pilot.pause()
    run.seconds = time.perf_counter() - started
    return run


def watch_ratings(app, monkeypatch, run: MonkeyRun) -> None:
    """Record every rating committed to the store and every one the screen acknowledged."""
    real_review = app.scheduler.review

    def review(question_id, rating, **kwargs):
        card = real_review(question_id, rating, **kwargs)  # committed once it returns
        parse_rating(rating)
        run.committed.append(question_id)
        return card

    app.scheduler.review = review
    real_rated = StudyScreen._rated

    def rated(screen, qid):
        run.acknowledged.append(qid)
        return real_rated(screen, qid)

    monkeypatch.setattr(StudyScreen, "_rated", rated)


async def run_monkey(make_app, monkeypatch, tmp_path, *, keys: int, seed: int) -> MonkeyRun:
    """The whole check: a fresh app, the monkey, a clean exit, nothing lost."""
    monkeypatch.chdir(tmp_path)  # an export typed by the monkey lands here, never in the repo
    monkeypatch.setattr(demo_screen, "DemoRunner", FakeRunner)
    app = make_app(clock=None)
    run = MonkeyRun()
    watch_ratings(app, monkeypatch, run)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        done = await monkey(app, pilot, keys=keys, seed=seed)
        run.keys, run.screens, run.seconds = done.keys, done.screens, done.seconds
        await go_home(app, pilot)
        await pilot.press("ctrl+q")
        await pilot.pause()
    assert app._exception is None
    assert app.return_code in (0, None)
    log = tmp_path / ERROR_LOG  # where the app writes any background work's unexpected error
    assert not log.exists(), log.read_text(encoding="utf-8")
    stored = Counter(r.question_id for r in app.store.reviews(include_cram=True))
    acknowledged = Counter(run.acknowledged)
    assert not acknowledged - stored, "a rating the screen acknowledged is not in the store"
    assert Counter(run.committed) == stored  # and nothing was stored behind its back
    return run


@pytest.fixture
def make_monkey_app(make_app):
    from tutor.store import utcnow

    def make(clock=None):
        return make_app(clock=clock or utcnow)

    return make


async def test_300_random_keys_across_every_screen(make_monkey_app, monkeypatch, tmp_path):
    run = await run_monkey(make_monkey_app, monkeypatch, tmp_path, keys=300, seed=1)
    assert run.keys == 300
    assert run.acknowledged  # the directed study moves rated cards: the check had work
    for screen in (
        "HomeScreen",
        "StudyScreen",
        "ExamSetupScreen",
        "BrowseScreen",
        "StatsScreen",
        "DemoListScreen",
        "DrillListScreen",
        "ExportScreen",
        "HelpScreen",
    ):
        assert run.screens[screen], f"the monkey never reached {screen}: {dict(run.screens)}"
