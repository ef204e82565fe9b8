"""The demo screen: real runs in a tiny host app, keys, stopping, layout, languages.

Every catalogue demo's quick-run events through the full app: tests/demos/test_screen_feed.py.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import pytest
from textual.app import App
from textual.widgets import Input, Static

from tutor.demo_runner import DemoRunner
from tutor.ui.screens import demo as demo_screen
from tutor.ui.screens.demo import DemoApp, DemoScreen, PixelView, _integer_ticks, half_blocks


class Host(App[None]):
    def __init__(self, screen: DemoScreen, lang: str = "en") -> None:
        super().__init__()
        self.demo_screen = screen
        self.lang = lang

    def on_mount(self) -> None:
        self.push_screen(self.demo_screen)


async def _wait(pilot, condition, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        await pilot.pause(0.1)
    return condition()


def _status(screen: DemoScreen) -> str:
    return str(screen.query_one("#demo-status", Static).render())


def test_half_blocks_pack_two_rows_per_line():
    text = half_blocks([[0.0, 1.0], [1.0, 0.0], [0.5, 0.5]], kind="picture")
    lines = text.plain.split("\n")
    assert lines == ["▀▀", "▀▀"]
    styles = [span.style for span in text.spans]
    assert tuple(styles[0].color.triplet) == (0, 0, 0)  # top pixel
    assert tuple(styles[0].bgcolor.triplet) == (255, 255, 255)  # pixel below it
    assert styles[-1].bgcolor is None  # odd row count: nothing below the last row


def test_heatmap_colour_scale_sits_beside_it_with_its_ends():
    rows = [[0.2, 0.4], [0.6, 0.8], [0.1, 0.3], [0.5, 0.9]]
    lines = half_blocks(rows, "heatmap", vmin=0.0, vmax=1.0, scale=True).plain.split("\n")
    assert lines[0] == "▀▀ █ 1" and lines[1] == "▀▀ █ 0"
    free = half_blocks(rows, "heatmap", scale=True).plain.split("\n")  # the data's own range
    assert free[0].endswith("0.9") and free[1].endswith("0.1")


def test_integer_step_ticks():
    assert _integer_ticks(0, 299) == [0, 75, 150, 225, 299]
    assert _integer_ticks(0, 3) == [0, 1, 2, 3]
    assert _integer_ticks(5, 5) == [5]


async def test_quick_run_streams_frames_checks_and_saves_png(tmp_path: Path):
    screen = DemoScreen(
        "gru-gates", {"steps": 30, "length": 6, "hidden": 6}, data_dir=tmp_path, quick=True
    )
    app = Host(screen)
    async with app.run_test(size=(150, 50)) as pilot:
        assert await _wait(pilot, lambda: screen.finished, timeout=60), screen.events
        kinds = [e["type"] for e in screen.events]
        assert kinds[0] == "start" and kinds[-1] == "end" and "frame" in kinds
        assert len(screen.history) == screen.events[0]["records"] == 25  # the fixed schedule
        assert screen.history[-1]["step"] == 29
        checks = str(screen.query_one("#demo-checks", Static).render())
        assert "equals-nn.GRU" in checks and "learning" in checks
        end = screen.events[-1]
        passed = sum(c["passed"] for c in end["checks"])
        status = _status(screen)
        assert f"checks: {passed}/{len(end['checks'])} passed" in status
        png = next(Path(p) for p in end["outputs"] if p.endswith(".png"))
        assert png.is_file() and png.is_relative_to(tmp_path) and str(png) in status
        assert screen.mounted_items == [f"item-heatmap-gate-{k}" for k in "rznh"]
        assert len(screen.query(PixelView)) == 4


async def test_bad_parameter_is_reported_without_starting(tmp_path: Path):
    screen = DemoScreen("vq-vae", {"steps": 30}, data_dir=tmp_path, quick=True)
    app = Host(screen)
    async with app.run_test(size=(150, 50)) as pilot:
        screen.stop_run()
        assert await _wait(pilot, lambda: screen.finished, timeout=5)
        old = screen.runner
        screen.query_one("#param-codes", Input).value = "1"
        await pilot.press("ctrl+r")
        await pilot.pause()
        assert "'codes'" in _status(screen) and "[2, 1024]" in _status(screen)
        assert screen.runner is old


async def test_ctrl_s_stops_from_a_field_and_letters_still_type(tmp_path: Path):
    screen = DemoScreen("lstm-gates", {"steps": 100000}, data_dir=tmp_path, quick=True)
    app = Host(screen)
    async with app.run_test(size=(150, 50)) as pilot:
        assert await _wait(pilot, lambda: any(e["type"] == "frame" for e in screen.events), 60)
        runner = screen.runner
        field = screen.query_one("#param-probe", Input)
        field.focus()
        field.value = ""
        await pilot.press("s")  # a letter in a field is text, not Stop
        assert field.value == "s" and runner.returncode is None
        await pilot.press("ctrl+s")
        assert await _wait(pilot, lambda: runner.returncode is not None, timeout=3)
        assert await _wait(pilot, lambda: screen.finished, timeout=3)
        assert "stopped" in _status(screen)
        footer_keys = {k for k, b in screen.active_bindings.items() if b.binding.show}
        assert isinstance(screen.focused, Input) and "ctrl+s" in footer_keys


async def test_escape_leaves_a_field_before_it_leaves_the_screen(tmp_path: Path, monkeypatch):
    monkeypatch.setattr(DemoScreen, "start_run", lambda self: None)
    screen = DemoScreen("vq-vae", data_dir=tmp_path)
    app = Host(screen)
    async with app.run_test(size=(150, 50)) as pilot:
        screen.query_one("#param-steps", Input).focus()
        await pilot.press("escape")
        assert app.screen is screen and not isinstance(screen.focused, Input)
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is not screen


async def test_rerun_clears_the_summary_until_the_first_update(tmp_path: Path):
    screen = DemoScreen("gru-gates", {"steps": 20, "length": 5}, data_dir=tmp_path, quick=True)
    app = Host(screen)
    async with app.run_test(size=(150, 50)) as pilot:
        assert await _wait(pilot, lambda: screen.finished, timeout=60)
        assert str(screen.query_one("#demo-metrics", Static).render())
        screen.start_run()
        await pilot.pause()  # the new process needs seconds before its first event
        assert not screen.events
        assert not str(screen.query_one("#demo-metrics", Static).render())
        assert not str(screen.query_one("#demo-checks", Static).render())
        assert screen.history == [] and not screen.query(PixelView)
        assert await _wait(pilot, lambda: screen.finished, timeout=60)
        screen.stop_run()


async def test_a_process_that_outlives_sigkill_is_reported(tmp_path: Path, monkeypatch):
    monkeypatch.setattr(DemoRunner, "cancel", lambda self, *a, **k: False)
    screen = DemoScreen("lstm-gates", {"steps": 100000}, data_dir=tmp_path, quick=True)
    app = Host(screen)
    async with app.run_test(size=(150, 50)) as pilot:
        assert await _wait(pilot, lambda: any(e["type"] == "frame" for e in screen.events), 60)
        runner = screen.runner
        await pilot.press("ctrl+s")
        assert await _wait(pilot, lambda: "did not stop" in _status(screen), timeout=5)
        assert str(runner.proc.pid) in _status(screen)
        os.killpg(runner.proc.pid, 9)  # the real process: clean up
        runner.proc.wait(5)


async def test_parameters_wrap_at_120_columns_and_80x24_keeps_one_panel(tmp_path, monkeypatch):
    monkeypatch.setattr(DemoScreen, "start_run", lambda self: None)
    screen = DemoScreen("gan-2d", data_dir=tmp_path)  # 13 parameters + device + quick
    app = Host(screen)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        fields = list(screen.query(Input))
        assert all(f.region.right <= 120 for f in fields)
        assert len({f.region.y for f in fields}) >= 2  # wrapped onto a second row
        assert not screen.has_class("compact")
        await pilot.resize_terminal(80, 24)
        await pilot.pause()
        assert screen.has_class("compact")
        assert not screen.query_one("#demo-pictures").display
        plots = list(screen.query(".plot"))
        assert [p.display for p in plots] == [True] + [False] * (len(plots) - 1)
        assert not screen.query_one("#demo-params").display
        await pilot.press("p")  # parameters on request
        await pilot.pause()
        assert screen.query_one("#demo-params").display


async def test_italian_screen_says_the_checks_in_italian(tmp_path: Path):
    screen = DemoScreen("gru-gates", {"steps": 12, "length": 5}, data_dir=tmp_path)
    app = Host(screen, lang="it")
    async with app.run_test(size=(150, 50)) as pilot:
        assert await _wait(pilot, lambda: screen.finished, timeout=60)
        assert "controlli: " in _status(screen) and " superati" in _status(screen)
        footer = {b.binding.description for b in screen.active_bindings.values()}
        assert {"Ferma", "Indietro"} <= footer


async def test_unknown_demo_shows_a_message(tmp_path: Path):
    screen = DemoScreen("not-a-demo", data_dir=tmp_path)
    app = Host(screen)
    async with app.run_test() as pilot:
        assert "not available" in _status(screen)
        assert screen.runner is None
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is not screen


async def test_opens_from_the_study_app_and_back_stops_the_process(make_app):
    app = make_app()
    async with app.run_test(size=(150, 50)) as pilot:
        app.open_demo("vq-vae")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, DemoScreen) and screen.demo_name == "vq-vae"
        assert screen.runner is not None
        assert await _wait(pilot, lambda: screen.runner.proc is not None, timeout=5)
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, DemoScreen)
        assert await _wait(pilot, lambda: screen.runner.returncode is not None, timeout=5)


async def test_a_demos_py_in_the_working_directory_is_never_imported(tmp_path, monkeypatch):
    """Issue 10 (a): the app's demo process must not pick up code from the cwd."""
    marker = tmp_path / "MARKER"
    (tmp_path / "demos.py").write_text(f"open({str(marker)!r}, 'w').write('pwned')\n")
    (tmp_path / "demos").mkdir()  # a package shadow too
    (tmp_path / "demos" / "__init__.py").write_text(f"open({str(marker)!r}, 'w')\n")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([".", os.environ.get("PYTHONPATH", "")]))
    screen = DemoScreen("gru-gates", {"steps": 12, "length": 5}, data_dir=tmp_path / "data")
    app = Host(screen)
    async with app.run_test(size=(150, 50)) as pilot:
        assert await _wait(pilot, lambda: screen.finished, timeout=60)
        assert screen.events[-1]["type"] == "end", screen.events[-1]
    assert not marker.exists()


async def test_live_app_quits_with_q_and_the_checks_exit_code(tmp_path: Path):
    screen = DemoScreen("gru-gates", {"steps": 12, "length": 5}, data_dir=tmp_path)
    app = DemoApp(screen)
    async with app.run_test(size=(120, 40)) as pilot:
        assert await _wait(pilot, lambda: screen.finished, timeout=60)
        assert "checks: " in _status(screen)
        await pilot.press("q")
        await pilot.pause()
    assert app.return_value == (0 if screen.passed else 1)


@pytest.mark.skipif(sys.platform == "win32", reason="process groups")
async def test_stop_paths_never_block_the_ui(tmp_path: Path, monkeypatch):
    """Rerun, back and unmount all stop the old run on a background thread."""
    calls: list[str] = []

    def slow_cancel(self, *a, **k):
        calls.append(threading_name())
        time.sleep(0.3)
        return True

    def threading_name() -> str:
        import threading

        return threading.current_thread().name

    monkeypatch.setattr(DemoRunner, "cancel", slow_cancel)
    monkeypatch.setattr(demo_screen.DemoRunner, "cancel", slow_cancel)
    screen = DemoScreen("lstm-gates", {"steps": 100000}, data_dir=tmp_path, quick=True)
    app = Host(screen)
    async with app.run_test(size=(150, 50)) as pilot:
        assert await _wait(pilot, lambda: screen.runner.proc is not None, timeout=10)
        first = screen.runner
        screen.start_run()  # rerun
        await pilot.press("escape")  # back
        await pilot.pause()
        for runner in (first, screen.runner):
            if runner.proc is not None:
                os.killpg(runner.proc.pid, 9)
    assert calls and "MainThread" not in calls


async def test_a_caption_from_the_run_is_shown_in_the_app_language(tmp_path, monkeypatch):
    start = {
        "type": "start",
        "demo": "gru-gates",
        "title": {"en": "t", "it": "t"},
        "device": "cpu",
        "params": {},
        "total_steps": 1,
        "quick": True,
        "seed": 0,
        "records": 1,
        "plots": [],
    }
    end = {
        "type": "end",
        "demo": "gru-gates",
        "steps": 1,
        "seconds": 0.1,
        "device": "cpu",
        "metrics": {},
        "checks": [{"name": "learning", "passed": True, "detail": ""}],
        "passed": True,
        "caption": {"en": "watch z", "it": "guarda z"},
        "outputs": [],
    }

    class Canned:
        def __init__(self, *a, **k) -> None:
            self.proc = None

        def events(self):
            yield from (start, end)

        def cancel(self, *a) -> bool:
            return True

    monkeypatch.setattr(demo_screen, "DemoRunner", Canned)
    screen = DemoScreen("gru-gates", data_dir=tmp_path)
    app = Host(screen, lang="it")
    async with app.run_test(size=(150, 50)) as pilot:
        assert await _wait(pilot, lambda: screen.finished, timeout=5)
        assert "guarda z" in _status(screen) and "controlli: 1/1 superati" in _status(screen)
