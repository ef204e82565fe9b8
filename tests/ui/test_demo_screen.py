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


def test_value_ticks_sit_on_round_numbers():
    assert demo_screen.nice_ticks(0, 1, 5) == [0, 0.25, 0.5, 0.75, 1]
    assert demo_screen.nice_ticks(0, 1, 3) == [0, 0.5, 1]
    assert demo_screen.nice_ticks(-0.25, 1, 3) == [0, 0.5, 1]  # never 0.375
    assert demo_screen.nice_ticks(0, 100, 5) == [0, 25, 50, 75, 100]


def test_integer_step_ticks():
    assert _integer_ticks(0, 299) == [0, 75, 150, 225, 299]
    assert _integer_ticks(0, 3) == [0, 1, 2, 3]
    assert _integer_ticks(5, 5) == [5]
    assert _integer_ticks(0, 249) == [0, 62, 124, 186, 249]  # not 248 and 249 side by side


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
        streamed = [  # every item the run sent, once each, in order of first appearance
            f"item-{i['kind']}-{i['key']}"
            for e in screen.events
            if e["type"] == "frame"
            for i in e["items"]
        ]
        assert screen.mounted_items == list(dict.fromkeys(streamed))
        assert any(w.startswith("item-heatmap-gate-") for w in screen.mounted_items)
        pixels = [w for w in screen.mounted_items if w.split("-")[1] in ("heatmap", "picture")]
        assert len(screen.query(PixelView)) == len(pixels)


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


# --- canned runs: the screen's drawing without a demo process ------------------------


def _canned(
    monkeypatch,
    plots: list[dict],
    records: list[dict],
    items: list[dict] = (),
    caption: dict | None = None,
    demo: str = "gru-gates",
) -> None:
    """Make DemoScreen play a start, one frame and an end instead of running a process;
    the demo's spec declares ``plots`` (the screen composes its charts from the spec)."""
    from dataclasses import replace

    from demos.platform import Plot, registry

    real = registry.spec
    charts = tuple(
        Plot(p["key"], p["title"], tuple(p["metrics"]), p["ylim"], p["log"], p.get("chance"))
        for p in plots
    )
    if charts:
        spec = replace(real(demo), plots=charts)
        monkeypatch.setattr(registry, "spec", lambda name: spec if name == demo else real(name))
    start = {
        "type": "start",
        "demo": demo,
        "title": {"en": "t", "it": "t"},
        "device": "cpu",
        "params": {},
        "total_steps": len(records),
        "quick": True,
        "seed": 0,
        "records": len(records),
        "plots": plots,
    }
    frame = {
        "type": "frame",
        "step": len(records) - 1,
        "total_steps": len(records),
        "metrics": {},
        "records": records,
        "items": list(items),
    }
    end = {
        "type": "end",
        "demo": demo,
        "steps": len(records),
        "seconds": 0.1,
        "device": "cpu",
        "metrics": {},
        "checks": [{"name": "learning", "passed": True, "detail": "fine"}],
        "passed": True,
        "caption": caption or {"en": "", "it": ""},
        "outputs": [],
    }

    class Canned:
        def __init__(self, *a, **k) -> None:
            self.proc = None

        def events(self):
            yield from (start, frame, end)

        def cancel(self, *a) -> bool:
            return True

    monkeypatch.setattr(demo_screen, "DemoRunner", Canned)


def _screen_text(app: App) -> str:
    """What the terminal shows, as plain text."""
    strips = app.screen._compositor.render_strips()
    return "\n".join("".join(seg.text for seg in strip) for strip in strips)


def _plot(key: str, metrics: list[str], ylim=None, chance=None) -> dict:
    return {
        "key": key,
        "title": key,
        "metrics": metrics,
        "ylim": ylim,
        "log": False,
        "chance": chance,
    }


def _records(n: int = 25, **series) -> list[dict]:
    return [{"step": 10 * i, **{k: f(i) for k, f in series.items()}} for i in range(n)]


CAPTION = {"en": "watch z close at step 40", "it": "guarda z chiudersi al passo 40"}


async def test_a_caption_from_the_run_is_shown_under_the_live_view_in_the_app_language(
    tmp_path, monkeypatch
):
    _canned(monkeypatch, [], _records(3, loss=lambda i: 1.0 / (i + 1)), caption=CAPTION)
    screen = DemoScreen("gru-gates", data_dir=tmp_path)
    app = Host(screen, lang="it")
    async with app.run_test(size=(150, 50)) as pilot:
        assert await _wait(pilot, lambda: screen.finished, timeout=5)
        await pilot.pause()
        box = screen.query_one("#demo-caption", Static)
        shown = str(box.render())
        assert box.display and shown.startswith("Cosa osservare:") and CAPTION["it"] in shown
        assert "watch z" not in shown and "controlli: 1/1 superati" in _status(screen)
        body = screen.query_one("#demo-body").region
        assert box.region.y >= body.bottom  # under the live view
        assert CAPTION["it"] in _screen_text(app)
        screen.start_run()  # a new run: the old caption goes until the new one says
        assert not screen.query_one("#demo-caption").display or screen.finished


async def test_the_caption_follows_ctrl_l_in_the_study_app(make_app, monkeypatch):
    _canned(monkeypatch, [], _records(3, loss=lambda i: 1.0), caption=CAPTION)
    app = make_app()
    async with app.run_test(size=(150, 50)) as pilot:
        app.open_demo("gru-gates")
        await pilot.pause()
        screen = app.screen
        assert await _wait(pilot, lambda: screen.finished, timeout=5)
        start = app.lang
        words = lambda: str(screen.query_one("#demo-caption", Static).render())  # noqa: E731
        assert CAPTION[start] in words()
        await pilot.press("ctrl+l")
        await pilot.pause()
        other = "it" if start == "en" else "en"
        assert app.lang == other and CAPTION[other] in words()


async def test_accuracy_axis_is_fixed_with_its_chance_line(tmp_path, monkeypatch):
    plots = [_plot("acc", ["acc"], ylim=[0.0, 1.0], chance=0.1)]
    _canned(monkeypatch, plots, _records(acc=lambda i: min(0.95, 0.1 + 0.05 * i)))
    screen = DemoScreen("gru-gates", data_dir=tmp_path)
    app = Host(screen)
    async with app.run_test(size=(150, 50)) as pilot:
        assert await _wait(pilot, lambda: screen.finished, timeout=5)
        await pilot.pause()
        plot = screen.query_one("#plot-acc")
        shown = "\n".join(
            line[plot.region.x : plot.region.right]
            for line in _screen_text(app).split("\n")[plot.region.y : plot.region.bottom]
        )
        assert "chance 0.1" in shown  # the reference line is drawn and named
        ticks = [line.split("┤")[0].strip() for line in shown.split("\n") if "┤" in line]
        assert ticks[0] == "1" and ticks[-1] == "0"  # [0, 1], whatever the data's range
        assert "240" in shown and "0.95" not in ticks  # x axis: the recorded steps
        assert screen.plotted["acc"] == {"acc": 25}  # the chance line is not a metric


async def test_coinciding_curves_are_told_apart(tmp_path, monkeypatch):
    plots = [_plot("acc", ["plain", "twin", "other"], ylim=[0.0, 1.0])]
    same = lambda i: 0.5 + 0.01 * i  # noqa: E731
    records = _records(plain=same, twin=same, other=lambda i: 0.2)
    _canned(monkeypatch, plots, records)
    screen = DemoScreen("gru-gates", data_dir=tmp_path)
    app = Host(screen)
    async with app.run_test(size=(150, 50)) as pilot:
        assert await _wait(pilot, lambda: screen.finished, timeout=5)
        await pilot.pause()
        text = _screen_text(app)
        assert "twin (= plain)" in text and "other (=" not in text
    assert demo_screen.coinciding({"a": ([0, 1], [0.1, 0.2]), "b": ([0, 1], [0.1, 0.9])}) == {}


async def test_a_wide_picture_leaves_the_charts_half_the_width(tmp_path, monkeypatch):
    wide = {"kind": "picture", "key": "strip", "title": "strip", "data": [[0.5] * 200] * 8}
    small = {
        "kind": "heatmap",
        "key": "cells",
        "title": "cells",
        "data": [[0.0, 1.0], [1.0, 0.0]],
        "xlabel": "x",
        "ylabel": "y",
        "vmin": 0.0,
        "vmax": 1.0,
    }
    plots = [_plot("loss", ["loss"])]
    _canned(monkeypatch, plots, _records(loss=lambda i: 1 / (i + 1)), [wide, small])
    screen = DemoScreen("gru-gates", data_dir=tmp_path)
    app = Host(screen)
    async with app.run_test(size=(150, 50)) as pilot:
        assert await _wait(pilot, lambda: screen.finished, timeout=5)
        await pilot.pause(0.2)  # auto widths settle once the pictures have rendered
        charts = screen.query_one("#demo-plots").region
        pictures = screen.query_one("#demo-pictures").region
        assert charts.width >= 75 and pictures.width <= 75
        strip = screen.query_one("#item-picture-strip", PixelView)
        assert strip.region.right <= 150 and strip.region.width <= pictures.width
        lines = str(strip.render()).split("\n")[1:]
        assert 0 < max(len(line) for line in lines) <= pictures.width  # shrunk, not cut off
        cells = str(screen.query_one("#item-heatmap-cells", PixelView).render()).split("\n")
        assert len(cells[1].split(" ")[0]) >= 4  # a 2×2 map is enlarged to be seen


@pytest.mark.parametrize("focus", ["", "heatmap:cells"])
async def test_80x24_keeps_the_most_important_panel_readable(tmp_path, monkeypatch, focus):
    from dataclasses import replace

    from demos.platform import registry

    spec = replace(registry.spec("gru-gates"), focus=focus)
    monkeypatch.setattr(registry, "spec", lambda name: spec)  # before _canned reads it
    cells = {
        "kind": "heatmap",
        "key": "cells",
        "title": "the cells",
        "data": [[i * j / 16 for i in range(5)] for j in range(5)],
        "xlabel": "t",
        "ylabel": "unit",
        "vmin": 0.0,
        "vmax": 1.0,
    }
    plots = [p.to_json() for p in spec.plots]
    metrics = {m: (lambda i: 0.5) for p in spec.plots for m in p.metrics}
    _canned(monkeypatch, plots, _records(**metrics), [cells], caption=CAPTION)
    screen = DemoScreen("gru-gates", data_dir=tmp_path)
    app = Host(screen)
    async with app.run_test(size=(80, 24)) as pilot:
        assert await _wait(pilot, lambda: screen.finished, timeout=5)
        await pilot.pause()
        assert screen.has_class("compact")
        text = _screen_text(app)
        assert CAPTION["en"] in text  # the caption stays on a small terminal
        first = screen.query_one(f"#plot-{spec.plots[0].key}")
        view = screen.query_one("#item-heatmap-cells", PixelView)
        if not focus:
            assert first.display and first.region.height >= 10 and first.region.width >= 70
            assert not screen.query_one("#demo-pictures").display
            assert "┤" in text and "└" in text  # a chart with its axes, not bare labels
        else:
            assert not screen.query_one("#demo-plots").display
            assert view.display and view.region.width > 0 and "the cells" in text
            assert len(str(view.render()).split("\n")) >= 6  # enlarged into the room
