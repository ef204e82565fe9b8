"""The live demo screen: run a demo in a subprocess and draw what it streams.

The demo runs through :class:`tutor.demo_runner.DemoRunner` (its own process, so a
crash or a hung CUDA call cannot take the app down); a worker thread reads its JSON
lines and posts them to the screen, which draws metric curves (textual-plotext), images
and heatmaps as coloured half-block characters, histograms as sparklines, a progress
bar and the checks as they pass. The parameters are editable; Run starts again, Stop
(``s``) ends the process within a second, Escape goes back.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

from rich.style import Style
from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, HorizontalScroll, Vertical, VerticalScroll
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Button, Checkbox, Footer, Input, Label, ProgressBar, Sparkline, Static
from textual_plotext import PlotextPlot

from tutor.demo_runner import DemoRunner, default_out_dir

# viridis, sampled: dark blue (low) → yellow (high)
_VIRIDIS = ((68, 1, 84), (59, 82, 139), (33, 145, 140), (94, 201, 98), (253, 231, 37))


def _viridis(t: float) -> tuple[int, int, int]:
    t = min(1.0, max(0.0, t)) * (len(_VIRIDIS) - 1)
    k = min(int(t), len(_VIRIDIS) - 2)
    a, b, f = _VIRIDIS[k], _VIRIDIS[k + 1], t - k
    return (
        round(a[0] + (b[0] - a[0]) * f),
        round(a[1] + (b[1] - a[1]) * f),
        round(a[2] + (b[2] - a[2]) * f),
    )


def half_blocks(data: list[list[float]], kind: str = "heatmap") -> Text:
    """Two pixel rows per text line: ``▀`` in the top colour on the bottom colour.

    Images are greyscale in [0, 1]; heatmaps are scaled to their own min..max.
    """
    rows = [list(r) for r in data if len(r)]
    if not rows:
        return Text("(empty)")
    flat = [v for r in rows for v in r]
    lo, hi = (0.0, 1.0) if kind == "image" else (min(flat), max(flat))
    span = (hi - lo) or 1.0

    def colour(v: float) -> str:
        t = (v - lo) / span
        if kind == "image":
            g = round(255 * min(1.0, max(0.0, t)))
            return f"rgb({g},{g},{g})"
        r, g, b = _viridis(t)
        return f"rgb({r},{g},{b})"

    out = Text(no_wrap=True, overflow="crop")
    for i in range(0, len(rows), 2):
        top, bottom = rows[i], rows[i + 1] if i + 1 < len(rows) else None
        for j, v in enumerate(top):
            below = colour(bottom[j]) if bottom is not None and j < len(bottom) else None
            out.append("▀", Style(color=colour(v), bgcolor=below))
        if i + 2 < len(rows):
            out.append("\n")
    return out


class PixelView(Static):
    """A titled picture drawn with half blocks."""

    def show(self, title: str, data: list[list[float]], kind: str, note: str = "") -> None:
        head = Text(title, style="bold")
        if note:
            head.append(f"  {note}", style="dim")
        self.update(Text("\n").join([head, half_blocks(data, kind)]))


class DemoScreen(Screen):
    """Run one demo live; edit its parameters and run it again."""

    CSS_PATH = "demo.tcss"
    BINDINGS = [
        Binding("escape", "back", "Back"),
        Binding("s", "stop", "Stop"),
        Binding("ctrl+r", "rerun", "Run again"),
    ]

    class Streamed(Message):
        """One event from the demo process (posted by the worker thread)."""

        def __init__(self, event: dict[str, Any]) -> None:
            super().__init__()
            self.event = event

    def __init__(
        self,
        name: str,
        params: dict[str, Any] | None = None,
        data_dir: Path | None = None,
        *,
        quick: bool = False,
        device: str = "auto",
    ) -> None:
        super().__init__()
        from demos.registry import UnknownDemo, get  # metadata only: no torch

        try:
            self.demo = get(name)
        except UnknownDemo:
            self.demo = None  # a catalogue name not implemented yet: say so, do not crash
        self.demo_name = name
        self.initial = {p.name: p.default for p in self.demo.params} if self.demo else {}
        self.initial.update(self.demo.quick if quick and self.demo else {})
        self.initial.update(params or {})
        self.data_dir = data_dir
        self.quick = quick
        self.device = device
        self.runner: DemoRunner | None = None
        self.events: list[dict[str, Any]] = []
        self.checks: list[dict[str, Any]] = []
        self.history: list[dict[str, Any]] = []
        self.finished = False
        self.out_dir: Path | None = None
        self._plots: dict[str, tuple[str, ...]] = {}

    # -- layout --------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        if self.demo is None:
            yield Static(
                f"The demo [b]{self.demo_name}[/b] is not available yet (escape to go back).",
                id="demo-status",
            )
            yield Footer()
            return
        questions = ", ".join(self.demo.questions)
        yield Static(
            f"[b]{self.demo.title}[/b]  [dim]({self.demo_name}; questions {questions})[/dim]",
            id="demo-title",
        )
        with HorizontalScroll(id="demo-params"):
            for p in self.demo.params:
                with Vertical(classes="param"):
                    yield Label(p.name)
                    yield Input(_text(self.initial[p.name]), id=f"param-{p.name}", tooltip=p.help)
            with Vertical(classes="param"):
                yield Label("device")
                yield Input(self.device, id="param-device", tooltip="auto, cpu, cuda or mps")
            yield Checkbox("quick", self.quick, id="quick")
        with Horizontal(id="demo-bar"):
            yield Button("Run", id="run", variant="primary")
            yield Button("Stop", id="stop", variant="error")
            yield ProgressBar(id="progress", show_eta=False)
            yield Static("", id="demo-metrics")
        with Horizontal(id="demo-body"):
            with Vertical(id="demo-plots"):
                for k in range(3):
                    yield PlotextPlot(id=f"plot-{k}", classes="plot")
            yield VerticalScroll(id="demo-pictures")
        yield Static("", id="demo-checks")
        yield Static("", id="demo-status")
        yield Footer()

    def on_mount(self) -> None:
        if self.demo is not None:
            self.start_run()

    # -- running -------------------------------------------------------------------

    def _read_params(self) -> dict[str, Any] | None:
        """Validated values from the inputs; shows the first error and returns None."""
        from demos.framework import ParamError

        values: dict[str, Any] = {}
        for p in self.demo.params:
            raw = self.query_one(f"#param-{p.name}", Input).value.strip()
            try:
                values[p.name] = p.parse(raw)
            except ParamError as exc:
                self._status(str(exc), error=True)
                return None
        return values

    def start_run(self) -> None:
        if self.demo is None:
            return
        params = self._read_params()
        if params is None:
            return
        device = self.query_one("#param-device", Input).value.strip() or "auto"
        quick = self.query_one("#quick", Checkbox).value
        self.stop_run()
        try:
            self.out_dir = default_out_dir(self.data_dir, self.demo_name)
        except Exception as exc:  # an unwritable data directory: run without figures
            self.out_dir = None
            self._status(f"figures will not be saved: {exc}", error=True)
        self.runner = DemoRunner(
            self.demo_name, params, device=device, quick=quick, out_dir=self.out_dir
        )
        self.events, self.checks, self.history, self.finished = [], [], [], False
        self.query_one("#demo-checks", Static).update("")
        self.query_one("#demo-pictures", VerticalScroll).remove_children()
        self.query_one("#progress", ProgressBar).update(total=None, progress=0)
        self._status("starting the demo process (importing torch)…")
        self._stream(self.runner)

    @work(thread=True, exclusive=True, group="demo-run")
    def _stream(self, runner: DemoRunner) -> None:
        for event in runner.events():
            self.post_message(self.Streamed({**event, "_runner": id(runner)}))

    def stop_run(self) -> None:
        if self.runner is not None and not self.finished:
            self.runner.cancel()

    def on_demo_screen_streamed(self, message: Streamed) -> None:
        event = message.event
        if self.runner is None or event.pop("_runner", None) != id(self.runner):
            return  # a late line from a run that was replaced
        self.events.append(event)
        handler = getattr(self, f"_on_{event['type']}", None)
        if handler is not None:
            handler(event)

    def _on_start(self, event: dict[str, Any]) -> None:
        self.query_one("#progress", ProgressBar).update(total=event["total_steps"], progress=0)
        self._plots = {k: tuple(v) for k, v in event.get("plots", {}).items()}
        self._status(f"running on {event['device']}…")

    def _on_check(self, event: dict[str, Any]) -> None:
        self.checks.append(event)
        text = Text()
        for check in self.checks:
            ok = check["passed"]
            text.append(" ✓ " if ok else " ✗ ", style="bold green" if ok else "bold red")
            text.append(check["name"], style="bold")
            text.append(f"  {check['detail']}\n", style="dim")
        text.rstrip()
        self.query_one("#demo-checks", Static).update(text)

    def _on_frame(self, event: dict[str, Any]) -> None:
        self.history.append({"step": event["step"], **event["metrics"]})
        self.query_one("#progress", ProgressBar).update(progress=event["step"] + 1)
        latest = "  ".join(f"{k} {_fmt(v)}" for k, v in event["metrics"].items())
        self.query_one("#demo-metrics", Static).update(latest)
        self._draw_plots()
        self._draw_pictures(event)

    def _on_end(self, event: dict[str, Any]) -> None:
        self.finished = True
        passed = sum(c["passed"] for c in event["checks"])
        pngs = [p for p in event["outputs"] if p.endswith(".png")]
        where = f"; figure saved to {pngs[0]}" if pngs else ""
        self._status(
            f"done: {event['steps']} steps in {event['seconds']:.1f} s on {event['device']}, "
            f"{passed}/{len(event['checks'])} checks passed{where}",
            error=not event["passed"],
        )

    def _on_error(self, event: dict[str, Any]) -> None:
        self.finished = True
        if event.get("cancelled"):
            self._status("stopped")
        else:
            self._status(f"error: {event['message']}", error=True)

    # -- drawing -------------------------------------------------------------------

    def _draw_plots(self) -> None:
        names = [k for k in self.history[-1] if k != "step"]
        groups = list(self._plots.items()) or [("metrics", tuple(names))]
        steps = [h["step"] for h in self.history]
        for k in range(3):
            widget = self.query_one(f"#plot-{k}", PlotextPlot)
            widget.display = k < len(groups)
            if k >= len(groups):
                continue
            title, metrics = groups[k]
            plt = widget.plt
            plt.clear_data()
            plt.clear_figure()
            plt.title(title)
            for m in metrics:
                ys = [h.get(m) for h in self.history]
                pts = [(x, y) for x, y in zip(steps, ys, strict=True) if y is not None]
                if pts:
                    plt.plot([x for x, _ in pts], [y for _, y in pts], label=m)
            widget.refresh()

    def _draw_pictures(self, event: dict[str, Any]) -> None:
        box = self.query_one("#demo-pictures", VerticalScroll)
        items: list[tuple[str, dict[str, Any]]] = [("image", x) for x in event.get("images", [])]
        items += [("heatmap", x) for x in event.get("heatmaps", [])]
        for kind, item in items:
            wid = _slug(f"{kind}-{item['title'].split('(')[0].split(',')[0]}")
            found = box.query(f"#{wid}")
            view = found.first() if found else None
            if view is None:
                view = PixelView(id=wid, classes="picture")
                box.mount(view)
            note = ""
            if kind == "heatmap" and item.get("ylabel"):
                note = f"{item['ylabel']} × {item.get('xlabel', '')}"
            view.show(item["title"], item["data"], kind, note)
        for item in event.get("histograms", []):
            wid = _slug(f"hist-{item['title']}")
            found = box.query(f"#{wid}")
            if found:
                found.first().data = item["counts"]
            else:
                box.mount(Label(item["title"], classes="hist-title"))
                box.mount(Sparkline(item["counts"], id=wid, classes="hist"))

    def _status(self, text: str, error: bool = False) -> None:
        self.query_one("#demo-status", Static).update(Text(text, style="bold red" if error else ""))

    # -- actions -------------------------------------------------------------------

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "run":
            self.start_run()
        elif event.button.id == "stop":
            self.action_stop()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.start_run()

    def action_stop(self) -> None:
        if self.runner is not None and not self.finished:
            self._status("stopping…")
            # SIGTERM goes out at once; waiting for the exit (and a SIGKILL after the grace
            # period) happens on a plain thread so the UI never blocks on it
            threading.Thread(target=self.runner.cancel, daemon=True).start()

    def action_rerun(self) -> None:
        self.start_run()

    def action_back(self) -> None:
        self.stop_run()
        self.app.pop_screen()

    def on_unmount(self) -> None:
        self.stop_run()


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _fmt(value: Any) -> str:
    return f"{value:.4g}" if isinstance(value, float) else str(value)


def _slug(text: str) -> str:
    return "".join(c if c.isalnum() else "-" for c in text.strip().lower()).strip("-")
