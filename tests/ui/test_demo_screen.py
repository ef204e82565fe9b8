"""The demo screen in a tiny host app: a quick run streams, finishes and saves; Stop works."""

from __future__ import annotations

import time
from pathlib import Path

from textual.app import App
from textual.widgets import Input, Static

from tutor.ui.screens.demo import DemoScreen, PixelView, half_blocks


class Host(App[None]):
    def __init__(self, screen: DemoScreen) -> None:
        super().__init__()
        self.demo_screen = screen

    def on_mount(self) -> None:
        self.push_screen(self.demo_screen)


async def _wait(pilot, condition, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        await pilot.pause(0.1)
    return condition()


def test_half_blocks_pack_two_rows_per_line():
    text = half_blocks([[0.0, 1.0], [1.0, 0.0], [0.5, 0.5]], kind="image")
    lines = text.plain.split("\n")
    assert lines == ["▀▀", "▀▀"]
    styles = [span.style for span in text.spans]
    assert tuple(styles[0].color.triplet) == (0, 0, 0)  # top pixel
    assert tuple(styles[0].bgcolor.triplet) == (255, 255, 255)  # pixel below it
    assert styles[-1].bgcolor is None  # odd row count: nothing below the last row


async def test_quick_run_streams_frames_checks_and_saves_png(tmp_path: Path):
    screen = DemoScreen(
        "gru-gates", {"steps": 30, "length": 6, "hidden": 6}, data_dir=tmp_path, quick=True
    )
    app = Host(screen)
    async with app.run_test(size=(150, 50)) as pilot:
        assert await _wait(pilot, lambda: screen.finished, timeout=60), screen.events
        kinds = [e["type"] for e in screen.events]
        assert kinds[0] == "start" and kinds[-1] == "end" and "frame" in kinds
        assert screen.history[-1]["step"] == 29
        checks = str(screen.query_one("#demo-checks", Static).render())
        assert "equals-nn.GRU" in checks and "learning" in checks
        status = str(screen.query_one("#demo-status", Static).render())
        png = next(Path(p) for p in screen.events[-1]["outputs"] if p.endswith(".png"))
        assert png.is_file() and png.is_relative_to(tmp_path) and str(png) in status
        assert len(screen.query(PixelView)) == 4  # r, z, n, h heatmaps


async def test_bad_parameter_is_reported_without_starting(tmp_path: Path):
    screen = DemoScreen("vq-vae", {"steps": 30}, data_dir=tmp_path, quick=True)
    app = Host(screen)
    async with app.run_test(size=(150, 50)) as pilot:
        screen.stop_run()
        await pilot.pause()
        old = screen.runner
        screen.query_one("#param-codes", Input).value = "1"
        await pilot.press("ctrl+r")
        await pilot.pause()
        status = str(screen.query_one("#demo-status", Static).render())
        assert "'codes'" in status and "[2, 1024]" in status
        assert screen.runner is old


async def test_stop_ends_the_process_within_a_second(tmp_path: Path):
    screen = DemoScreen("lstm-gates", {"steps": 100000}, data_dir=tmp_path, quick=True)
    app = Host(screen)
    async with app.run_test(size=(150, 50)) as pilot:
        assert await _wait(pilot, lambda: any(e["type"] == "frame" for e in screen.events), 60)
        runner = screen.runner
        assert runner.returncode is None
        start = time.monotonic()
        await pilot.press("s")
        assert await _wait(pilot, lambda: runner.returncode is not None, timeout=1.0)
        assert time.monotonic() - start < 1.0
        assert await _wait(pilot, lambda: screen.finished, timeout=2)
        assert "stopped" in str(screen.query_one("#demo-status", Static).render())


async def test_unimplemented_catalogue_demo_shows_a_message(tmp_path: Path):
    screen = DemoScreen("not-a-demo", data_dir=tmp_path)  # every catalogue demo now exists
    app = Host(screen)
    async with app.run_test() as pilot:
        assert "not available yet" in str(screen.query_one("#demo-status", Static).render())
        assert screen.runner is None
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is not screen


async def test_opens_from_the_study_app(make_app):
    app = make_app()
    async with app.run_test(size=(150, 50)) as pilot:
        app.open_demo("vq-vae")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, DemoScreen) and screen.demo_name == "vq-vae"
        assert screen.runner is not None
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, DemoScreen)
        assert await _wait(pilot, lambda: screen.runner.returncode is not None, timeout=1.0)
