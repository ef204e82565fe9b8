"""Every demo's quick-run events, replayed through the demo screen of the full app.

The recorded events of each catalogue demo (the session's quick runs) are handed to the
screen by a stand-in runner, through the same worker, message and handlers as a live
run: no exception, no item widget mounted twice, every declared plot group drawn with
every recorded point, and the same words at the end as the command line.
"""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from demos.platform import registry
from tutor.store import Store
from tutor.ui.app import TutorApp
from tutor.ui.screens import demo as demo_screen
from tutor.ui.screens.demo import DemoScreen

NAMES = registry.names()


class Replay:
    """A DemoRunner that plays back recorded events instead of starting a process."""

    recorded: list[dict] = []

    def __init__(self, name: str, params: dict, **_: object) -> None:
        self.name, self.params, self.proc = name, params, None

    def events(self) -> Iterator[dict]:
        yield from self.recorded

    def cancel(self, *_: object) -> bool:
        return True


def _drawable(value: float | None, log: bool) -> bool:
    return value is not None and (value > 0 or not log)


@pytest.mark.parametrize("name", NAMES)
async def test_every_quick_run_plays_through_the_app_screen(
    name, quick_run, mini_bank, tmp_path, monkeypatch
):
    run = quick_run(name)
    monkeypatch.setattr(Replay, "recorded", run.events)
    monkeypatch.setattr(demo_screen, "DemoRunner", Replay)
    store = Store.open_in(tmp_path)
    app = TutorApp(mini_bank, store, data_dir=tmp_path, fuzz=False)
    try:
        async with app.run_test(size=(150, 50)) as pilot:
            app.open_demo(name)
            await pilot.pause()
            screen = app.screen
            assert isinstance(screen, DemoScreen)
            deadline = time.monotonic() + 30
            while not screen.finished and time.monotonic() < deadline:
                await pilot.pause(0.05)
            await pilot.pause()
            assert screen.finished and screen.events == run.events

            seen = {f"item-{i['kind']}-{i['key']}" for f in run.frames for i in f["items"]}
            assert len(screen.mounted_items) == len(set(screen.mounted_items))  # never twice
            assert set(screen.mounted_items) == seen
            assert {w.id for w in screen.query(".item")} == seen

            assert screen.history == run.saved["history"]
            spec = registry.spec(name)
            history = run.saved["history"]
            for plot in spec.plots:  # each group drawn, every series with every recorded point
                assert screen.query_one(f"#plot-{plot.key}").display
                want = {
                    m: sum(_drawable(h.get(m), plot.log) for h in history) for m in plot.metrics
                }
                assert screen.plotted[plot.key] == {m: n for m, n in want.items() if n}

            end = run.end
            passed = sum(c["passed"] for c in end["checks"])
            status = str(screen.query_one("#demo-status").render())
            assert f"checks: {passed}/{len(end['checks'])} passed" in status
    finally:
        store.close()
