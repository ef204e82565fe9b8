"""The live demo screen: run a demo in a subprocess and draw what it streams.

The demo runs through :class:`tutor.demo_runner.DemoRunner` (its own process, so a crash
or a hung CUDA call cannot take the app down). A worker thread reads its events —
already checked against :mod:`demos.platform.protocol` — and posts each one as a
:class:`DemoScreen.Streamed` message. The screen keeps one widget per declared plot
group and one per frame item, found by the item's stable key (never by its title), and
updates them in place; curves are drawn from the run's recorded history, so they show
the same points as the saved PNG. Stopping — the Stop button, ctrl+s, a rerun, Back, or
leaving the screen — always happens on a background thread, and a process that will
not die is reported on screen, not raised.

:class:`DemoApp` shows the same screen on its own for ``tutor demo run NAME --live``.
"""

from __future__ import annotations

import math
import threading
from dataclasses import replace
from pathlib import Path
from typing import Any

from rich.style import Style
from rich.text import Text
from textual import on, work
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import Container, Horizontal, Vertical, VerticalScroll
from textual.css.query import NoMatches
from textual.message import Message
from textual.reactive import Reactive
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Button, Checkbox, Footer, Input, Label, ProgressBar, Sparkline, Static
from textual_plotext import PlotextPlot

from demos.platform.protocol import Event, FrameEvent, Item, PlotGroup, Record
from tutor.demo_runner import DemoRunner, default_out_dir, remove_empty_runs
from tutor.i18n import demo as T
from tutor.ui.widgets import OrderedInput

# viridis, sampled: dark blue (low) → yellow (high)
_VIRIDIS = ((68, 1, 84), (59, 82, 139), (33, 145, 140), (94, 201, 98), (253, 231, 37))
# blue → white → red for signed maps centred at 0 (vmin = -vmax)
_DIVERGING = ((59, 76, 192), (141, 176, 254), (221, 221, 221), (244, 154, 123), (180, 4, 38))
COMPACT_WIDTH, COMPACT_HEIGHT = 100, 30  # below either, only the most important panel shows
MIN_PLOT_LINES = 10  # a chart shorter than this shows its frame and hardly a curve
MARKERS = ("hd", "braille")  # plotext markers, alternating over the series of a chart


def _viridis(t: float, palette: tuple = _VIRIDIS) -> tuple[int, int, int]:
    t = min(1.0, max(0.0, t)) * (len(palette) - 1)
    k = min(int(t), len(palette) - 2)
    a, b, f = palette[k], palette[k + 1], t - k
    return (
        round(a[0] + (b[0] - a[0]) * f),
        round(a[1] + (b[1] - a[1]) * f),
        round(a[2] + (b[2] - a[2]) * f),
    )


def _colour(v: float, lo: float, span: float, kind: str) -> str:
    t = (v - lo) / span
    if kind == "picture":
        g = round(255 * min(1.0, max(0.0, t)))
        return f"rgb({g},{g},{g})"
    r, g, b = _viridis(t, _DIVERGING if kind == "diverging" else _VIRIDIS)
    return f"rgb({r},{g},{b})"


def fit_grid(data: list[list[float]], max_cols: int, max_lines: int) -> list[list[float]]:
    """Scale a grid to fit ``max_cols`` × ``max_lines`` text cells (two rows a line).

    Small grids (an 8×8 digit, a 4×4 grid of cells) are enlarged up to 3× by repeating
    each value, so they are big enough to read; grids too wide or too tall are shrunk by
    averaging blocks, so a wide montage is never cut off at the edge.
    """
    rows = [list(r) for r in data if len(r)]
    if not rows:
        return rows
    h, w = len(rows), max(len(r) for r in rows)
    max_cols, max_rows = max(4, max_cols), max(2, 2 * max_lines)
    up = 1
    while up < 3 and w * (up + 1) <= min(max_cols, 36) and h * (up + 1) <= min(max_rows, 36):
        up += 1
    if up > 1:
        return [[v for v in r for _ in range(up)] for r in rows for _ in range(up)]
    down = max(math.ceil(w / max_cols), math.ceil(h / max_rows))
    if down <= 1:
        return rows
    out = []
    for i in range(0, h, down):
        block_rows = rows[i : i + down]
        line = []
        for j in range(0, w, down):
            cells = [v for r in block_rows for v in r[j : j + down]]
            line.append(sum(cells) / len(cells))
        out.append(line)
    return out


def half_blocks(
    data: list[list[float]],
    kind: str = "heatmap",
    vmin: float | None = None,
    vmax: float | None = None,
    scale: bool = False,
    lang: str = "en",
) -> Text:
    """Two pixel rows per text line: ``▀`` in the top colour on the bottom colour.

    Pictures are greyscale in [0, 1]; heatmaps use ``vmin``/``vmax`` when given, else
    their own min..max. With ``scale`` a colour bar follows each line, high at the top,
    with the two ends written beside it.
    """
    rows = [list(r) for r in data if len(r)]
    if not rows:
        return Text(T.EMPTY(lang))
    flat = [v for r in rows for v in r]
    if kind == "picture":
        lo, hi = 0.0, 1.0
    else:
        lo = min(flat) if vmin is None else vmin
        hi = max(flat) if vmax is None else vmax
        if lo < 0 < hi and math.isclose(lo, -hi):
            kind = "diverging"  # a signed scale centred at 0: white is 0
    span = (hi - lo) or 1.0
    lines = (len(rows) + 1) // 2
    out = Text(no_wrap=True, overflow="crop")
    for n, i in enumerate(range(0, len(rows), 2)):
        top, bottom = rows[i], rows[i + 1] if i + 1 < len(rows) else None
        for j, v in enumerate(top):
            below = (
                _colour(bottom[j], lo, span, kind)
                if bottom is not None and j < len(bottom)
                else None
            )
            out.append("▀", Style(color=_colour(v, lo, span, kind), bgcolor=below))
        if scale:
            frac = 1.0 - n / max(1, lines - 1) if lines > 1 else 1.0
            out.append(" ")
            out.append("█", Style(color=_colour(lo + frac * span, lo, span, kind)))
            if n == 0:
                out.append(f" {_fmt(hi)}", style="dim")
            elif n == lines - 1:
                out.append(f" {_fmt(lo)}", style="dim")
        if i + 2 < len(rows):
            out.append("\n")
    return out


class PixelView(Static):
    """A titled picture or heatmap drawn with half blocks (heatmaps with a colour bar).

    The grid is scaled to the room the screen gives it (:func:`fit_grid`): ``room`` is
    (columns, lines), set by the screen from the terminal size.
    """

    def __init__(
        self, item: Item, room: tuple[int, int] = (60, 20), lang: str = "en", **kw: Any
    ) -> None:
        # drawn now, not on mount: a first layout of empty content would leave it 0×0
        super().__init__(self._content(item, room, lang), **kw)
        self.item = item
        self.room = room

    def show(self, item: Item) -> None:
        self.item = item
        self.update(self._content(item, self.room, getattr(self.app, "lang", "en")))

    @staticmethod
    def _content(item: Item, room: tuple[int, int], lang: str) -> Text:
        head = Text(item["title"], style="bold")
        if item["kind"] == "heatmap" and item.get("ylabel"):
            head.append(f"  {item['ylabel']} × {item.get('xlabel', '')}", style="dim")
        heat = item["kind"] == "heatmap"
        cols, lines = room
        body = half_blocks(
            fit_grid(item["data"], cols - (10 if heat else 0), lines - 1),
            item["kind"],
            item.get("vmin"),
            item.get("vmax"),
            scale=heat,
            lang=lang,
        )
        return Text("\n").join([head, body])

    def fit(self, room: tuple[int, int]) -> None:
        if room != self.room:
            self.room = room
            self.show(self.item)


class HistogramView(Vertical):
    """A title over a sparkline; both updated in place."""

    def __init__(self, item: Item, **kw: Any) -> None:
        super().__init__(**kw)
        self.item = item

    def compose(self) -> ComposeResult:
        yield Label(self.item["title"], classes="hist-title")
        yield Sparkline(self.item["counts"], classes="hist")

    def show(self, item: Item) -> None:
        self.item = item
        if self.query(Sparkline):  # composed: update in place (else compose uses the item)
            self.query_one(Label).update(item["title"])
            self.query_one(Sparkline).data = item["counts"]


class CurveView(PlotextPlot):
    """Lines over a shared x that are not training curves (e.g. cost vs size)."""

    def __init__(self, item: Item, **kw: Any) -> None:
        super().__init__(**kw)
        self.item = item

    def on_mount(self) -> None:
        self.show(self.item)

    def show(self, item: Item) -> None:
        self.item = item
        plt = self.plt
        plt.clear_data()
        plt.clear_figure()
        plt.title(item["title"])
        for name, ys in item["series"].items():
            pts = [(x, y) for x, y in zip(item["x"], ys, strict=True) if y is not None]
            if pts:
                plt.plot([x for x, _ in pts], [y for _, y in pts], label=name)
        if item.get("xlabel"):
            plt.xlabel(item["xlabel"])
        self.refresh()


_VIEWS: dict[str, type[PixelView | HistogramView | CurveView]] = {
    "picture": PixelView,
    "heatmap": PixelView,
    "histogram": HistogramView,
    "curve": CurveView,
}


class DemoScreen(Screen):
    """Run one demo live; edit its parameters and run it again."""

    CSS_PATH = "demo.tcss"
    AUTO_FOCUS = "#run"  # not a field: Escape goes straight back, letters are keys
    HELP_TITLE = T.HELP_TITLE
    BINDINGS = [  # descriptions in English here, in the app's language once mounted
        Binding("escape", "back", T.BACK.en),
        # priority: it works while a parameter field has the focus (it types no text)
        Binding("ctrl+s", "stop", T.STOP.en, priority=True),
        Binding("s", "stop", T.STOP.en, show=False),
        Binding("ctrl+r", "rerun", T.RUN_AGAIN.en),
        Binding("p", "toggle_params", T.PARAMETERS.en),
    ]
    _DESCRIPTIONS = {
        "back": T.BACK,
        "stop": T.STOP,
        "rerun": T.RUN_AGAIN,
        "toggle_params": T.PARAMETERS,
    }

    class Streamed(Message):
        """One checked event from the demo process, posted by the reading thread."""

        def __init__(self, runner: DemoRunner, event: Event) -> None:
            super().__init__()
            self.runner = runner
            self.event = event

    class StopFailed(Message):
        """A stopped process outlived SIGKILL (posted by the stopping thread)."""

        def __init__(self, runner: DemoRunner, why: str) -> None:
            super().__init__()
            self.runner = runner
            self.why = why

    def __init__(
        self,
        name: str,
        params: dict[str, Any] | None = None,
        data_dir: Path | None = None,
        *,
        quick: bool = False,
        device: str = "auto",
        seed: int = 0,
        out_dir: Path | None = None,
    ) -> None:
        super().__init__()
        from demos.platform import UnknownDemo, registry  # specs only: no torch

        try:
            self.spec = registry.spec(name)
        except UnknownDemo:
            self.spec = None  # not a demo of this install: say so, do not crash
        self.demo_name = name
        self.initial = {p.name: p.default for p in self.spec.params} if self.spec else {}
        self.initial.update(self.spec.quick if quick and self.spec else {})
        self.initial.update(params or {})
        self.data_dir = data_dir
        self.quick = quick
        self.device = device
        self.seed = seed
        self.fixed_out = out_dir
        self.runner: DemoRunner | None = None
        self.events: list[Event] = []
        self.checks: list[dict[str, Any]] = []
        self.history: list[Record] = []
        self.finished = False
        self.passed = False
        self.out_dir: Path | None = None
        self._plots: dict[str, PlotGroup] = {}
        self._items: dict[str, Widget] = {}
        self.mounted_items: list[str] = []  # every item widget ever mounted, in order
        self.plotted: dict[str, dict[str, int]] = {}  # plot key → points drawn per metric
        self.caption: dict[str, str] = {}  # the run's "what to look for", {en, it}

    @property
    def lang(self) -> str:
        return getattr(self.app, "lang", "en")

    # -- layout --------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        lang = self.lang
        if self.spec is None:
            yield Static(T.NOT_AVAILABLE(lang, name=self.demo_name), id="demo-status")
            yield Footer()
            return
        yield Static(
            T.HEADING(
                lang,
                title=self.spec.title(lang),
                name=self.demo_name,
                questions=", ".join(self.spec.questions),
            ),
            id="demo-title",
        )
        with Container(id="demo-params"):
            for p in self.spec.params:
                with Vertical(classes="param"):
                    yield Label(p.name)
                    yield OrderedInput(
                        _text(self.initial[p.name]), id=f"param-{p.name}", tooltip=p.help
                    )
            with Vertical(classes="param"):
                yield Label(T.DEVICE(lang))
                yield OrderedInput(self.device, id="param-device", tooltip=T.DEVICE_HELP(lang))
            yield Checkbox(T.QUICK(lang), self.quick, id="quick")
        with Horizontal(id="demo-bar"):
            yield Button(T.RUN(lang), id="run", variant="primary")
            yield Button(T.STOP(lang), id="stop", variant="error")
            yield ProgressBar(id="progress", show_eta=False)
            yield Static("", id="demo-metrics")
        focus = self.focus
        with Horizontal(id="demo-body"):
            with VerticalScroll(id="demo-plots"):
                for plot in self.spec.plots:
                    yield PlotextPlot(
                        id=f"plot-{plot.key}",
                        classes="plot focus" if focus == f"plot:{plot.key}" else "plot",
                    )
            yield VerticalScroll(id="demo-pictures")
        yield Static("", id="demo-caption")
        yield Static("", id="demo-checks")
        yield Static("", id="demo-status")
        yield Footer()

    @property
    def focus(self) -> str:
        """The panel kept alone on a small terminal: the spec's choice, else the first plot."""
        if self.spec is None:
            return ""
        if self.spec.focus:
            return self.spec.focus
        return f"plot:{self.spec.plots[0].key}" if self.spec.plots else ""

    def on_mount(self) -> None:
        self._localise_bindings()
        if isinstance(getattr(type(self.app), "lang", None), Reactive):  # the study app
            self.watch(self.app, "lang", self._relabel, init=False)
        if self.spec is not None:
            self._plots = {p.key: p.to_json() for p in self.spec.plots}  # type: ignore[misc]
            self.set_class(self.focus.partition(":")[0] not in ("", "plot"), "focus-item")
            self._layout(self.size.width, self.size.height)
            self.start_run()

    def _relabel(self, _lang: str = "") -> None:
        """The app's language changed (ctrl+l): footer and caption follow it."""
        self._localise_bindings()
        self._show_caption()

    def _localise_bindings(self) -> None:
        for key, bindings in self._bindings.key_to_bindings.items():
            self._bindings.key_to_bindings[key] = [
                replace(b, description=self._DESCRIPTIONS[b.action](self.lang))
                if b.action in self._DESCRIPTIONS and b.description
                else b
                for b in bindings
            ]
        self.refresh_bindings()

    def on_resize(self, event: Any) -> None:
        self._layout(event.size.width, event.size.height)

    def _layout(self, width: int, height: int) -> None:
        """Wrap the parameter row to the width; on a small terminal keep one panel."""
        if self.spec is None:
            return
        per_row = max(1, (width - 2) // 15)
        self.query_one("#demo-params").styles.grid_size_columns = per_row
        compact = width < COMPACT_WIDTH or height < COMPACT_HEIGHT
        self.set_class(compact, "compact")
        for view in self._items.values():
            if isinstance(view, PixelView):
                view.fit(self._room())
        self._render_checks()
        self._draw_plots()
        self.call_after_refresh(self._size_plots)

    def _size_plots(self) -> None:
        """Share the charts column among the charts shown, each at least readable
        (``MIN_PLOT_LINES``); more than fit scroll."""
        box = self.query_one("#demo-plots")
        shown = [p for p in box.query(".plot") if p.styles.display != "none"]
        if not shown or not box.size.height:
            return
        each = max(MIN_PLOT_LINES, box.size.height // len(shown))
        for plot in box.query(".plot"):
            plot.styles.height = each

    def _room(self) -> tuple[int, int]:
        """Columns and lines a picture may take: half the width beside the charts, or
        the whole body when it is the one panel of a small terminal."""
        width, height = self.size.width or 150, self.size.height or 50
        if self.has_class("compact"):
            return width - 4, max(6, height - 14)
        return width // 2 - 3, max(8, height // 2)

    def action_toggle_params(self) -> None:
        if self.spec is not None:
            self.toggle_class("params-toggled")

    # -- running -------------------------------------------------------------------

    def _read_params(self) -> dict[str, Any] | None:
        """Validated values from the inputs; shows the first error and returns None."""
        from demos.platform import ParamError

        values: dict[str, Any] = {}
        for p in self.spec.params:
            raw = self.query_one(f"#param-{p.name}", Input).value.strip()
            try:
                values[p.name] = p.parse(raw)
            except ParamError as exc:
                self._status(str(exc), error=True)
                return None
        return values

    def start_run(self) -> None:
        if self.spec is None:
            return
        params = self._read_params()
        if params is None:
            return
        device = self.query_one("#param-device", Input).value.strip() or "auto"
        quick = self.query_one("#quick", Checkbox).value
        self._stop_in_background()
        self.out_dir = self.fixed_out
        if self.out_dir is None:
            try:
                self.out_dir = default_out_dir(self.data_dir, self.demo_name)
                remove_empty_runs(self.out_dir.parents[1])  # left by runs that were killed
            except Exception as exc:  # an unwritable data directory: run without figures
                self.out_dir = None
                self._status(T.NO_FIGURES(self.lang, reason=exc), error=True)
        self.runner = DemoRunner(
            self.demo_name, params, device=device, quick=quick, out_dir=self.out_dir, seed=self.seed
        )
        self._reset()
        self._status(T.STARTING(self.lang))
        self._stream(self.runner)

    def _reset(self) -> None:
        """Nothing of the previous run stays on screen until this one reports."""
        self.events, self.checks, self.history = [], [], []
        self.finished = self.passed = False
        self.caption = {}
        self._show_caption()
        self.query_one("#demo-checks", Static).update("")
        self.query_one("#demo-metrics", Static).update("")
        self.query_one("#progress", ProgressBar).update(total=None, progress=0)
        pictures = self.query_one("#demo-pictures", VerticalScroll)
        pictures.remove_children()
        pictures.set_class(False, "filled")  # hidden until a picture comes: charts get the room
        self._items = {}
        self._draw_plots()

    @work(thread=True, exclusive=True, group="demo-run", exit_on_error=False)
    def _stream(self, runner: DemoRunner) -> None:
        for event in runner.events():
            self.post_message(self.Streamed(runner, event))

    def _stop_in_background(self) -> None:
        """Stop the current run without ever blocking the UI thread on the process."""
        runner = self.runner
        if runner is None or self.finished:
            return
        threading.Thread(target=self._stop, args=(runner,), daemon=True).start()

    def _stop(self, runner: DemoRunner) -> None:
        try:
            gone = runner.cancel()
        except Exception as exc:  # cancel() itself never raises; anything else is reported
            gone, why = False, f"{type(exc).__name__}: {exc}"
        else:
            why = "it may be stuck in a driver call"
        if not gone:
            self.post_message(self.StopFailed(runner, why))

    def stop_run(self) -> None:
        """Stop the run (in the background); the screen shows 'stopped' when it ends."""
        self._stop_in_background()

    @on(Streamed)
    def _on_streamed(self, message: Streamed) -> None:
        if message.runner is not self.runner:
            return  # a late line from a run that was replaced
        event = message.event
        self.events.append(event)
        match event["type"]:
            case "start":
                self._on_start(event)
            case "check":
                self._on_check(event)
            case "frame":
                self._on_frame(event)
            case "end":
                self._on_end(event)
            case "error":
                self._on_error(event)

    @on(StopFailed)
    def _on_stop_failed(self, message: StopFailed) -> None:
        pid = message.runner.proc.pid if message.runner.proc is not None else "?"
        self._status(T.NOT_STOPPED(self.lang, pid=pid, why=message.why), error=True)

    def _on_start(self, event: dict[str, Any]) -> None:
        self.query_one("#progress", ProgressBar).update(total=event["total_steps"], progress=0)
        self._plots = {p["key"]: p for p in event["plots"]}
        self._status(T.RUNNING(self.lang, device=event["device"]))

    def _on_check(self, event: dict[str, Any]) -> None:
        self.checks.append(event)
        self._render_checks()

    def _render_checks(self) -> None:
        """One line per check with its detail; on a small terminal the marks on one line
        and only the failures spelled out."""
        if self.spec is None:
            return
        text = Text(no_wrap=True, overflow="ellipsis")  # one line a check: room for charts
        compact = self.has_class("compact")
        if compact and self.checks:
            for check in self.checks:
                ok = check["passed"]
                text.append("✓" if ok else "✗", style="bold green" if ok else "bold red")
            text.append(" " + ", ".join(c["name"] for c in self.checks), style="dim")
        for check in self.checks:
            ok = check["passed"]
            if compact and ok:
                continue
            if text:
                text.append("\n")
            text.append(" ✓ " if ok else " ✗ ", style="bold green" if ok else "bold red")
            text.append(check["name"], style="bold")
            text.append(f"  {check['detail']}", style="dim")
        self.query_one("#demo-checks", Static).update(text)

    def _on_frame(self, event: FrameEvent) -> None:
        self.query_one("#progress", ProgressBar).update(progress=event["step"] + 1)
        latest = "  ".join(f"{k} {_fmt(v)}" for k, v in event["metrics"].items())
        self.query_one("#demo-metrics", Static).update(latest)
        if event["records"]:
            self.history.extend(event["records"])
            self._draw_plots()
        self._draw_items(event["items"])

    def _on_end(self, event: dict[str, Any]) -> None:
        self.finished = True
        self.passed = bool(event["passed"])
        passed = sum(c["passed"] for c in event["checks"])
        checks = T.CHECKS_PASSED(self.lang, passed=passed, total=len(event["checks"]))
        pngs = [p for p in event["outputs"] if p.endswith(".png")]
        text = T.DONE(
            self.lang,
            steps=event["steps"],
            seconds=f"{event['seconds']:.1f}",
            device=event["device"],
            checks=checks,
        )
        if pngs:
            text += "; " + T.FIGURE_SAVED(self.lang, path=pngs[0])
        self._status(text, error=not event["passed"])
        self.caption = dict(event.get("caption") or {})
        self._show_caption()

    def _show_caption(self) -> None:
        """What to look for, in the student's language, under the live view."""
        if self.spec is None:
            return
        words = self.caption.get(self.lang) or self.caption.get("en") or ""
        box = self.query_one("#demo-caption", Static)
        box.update(Text.assemble((T.LOOK_FOR(self.lang) + " ", "bold"), words) if words else "")
        box.display = bool(words)

    def _on_error(self, event: dict[str, Any]) -> None:
        self.finished = True
        if event.get("cancelled"):
            self._status(T.STOPPED(self.lang))
        else:
            self._status(T.ERROR(self.lang, message=event["message"]), error=True)

    # -- drawing -------------------------------------------------------------------

    def _draw_plots(self) -> None:
        """Every declared plot group, from the recorded history (the PNG's points).

        Steps on the x axis with whole-number ticks; a fixed value axis (accuracies in
        [0, 1]) with ticks on round values; the group's chance level as a dotted line; a
        series that lies on an earlier one is drawn as points over it and labelled
        ``(= other)``, so two coinciding curves never look like one.
        """
        steps = [int(h["step"] or 0) for h in self.history]
        for key, group in self._plots.items():
            try:
                widget = self.query_one(f"#plot-{key}", PlotextPlot)
            except NoMatches:  # the start event declared a group the spec lacks
                continue
            plt = widget.plt
            plt.clear_data()
            plt.clear_figure()
            title = group["title"] if self.history else f"{group['title']} {T.WAITING(self.lang)}"
            plt.title(title)
            self.plotted[key] = {}
            log = bool(group.get("log"))  # drawn as log10(y): plotext's log scale re-applies
            series: dict[str, tuple[list[int], list[float]]] = {}
            for m in group["metrics"]:  # itself on every render, so it is not used
                pts = [(x, h.get(m)) for x, h in zip(steps, self.history, strict=True)]
                pts = [(x, y) for x, y in pts if y is not None and (y > 0 or not log)]
                if pts:
                    ys = [math.log10(y) if log else y for _, y in pts]
                    series[m] = ([x for x, _ in pts], ys)
            same = coinciding(series, group.get("ylim"))
            for i, (m, (xs, ys)) in enumerate(series.items()):
                label = f"log10 {m}" if log else m
                if m in same:
                    label += f" (= {same[m]})"
                    plt.scatter(xs, ys, label=label, marker="x")
                else:
                    plt.plot(xs, ys, label=label, marker=MARKERS[i % len(MARKERS)])
                self.plotted[key][m] = len(xs)
            chance = group.get("chance")
            if chance is not None and steps and not (log and chance <= 0):
                level = math.log10(chance) if log else chance
                plt.plot(
                    [steps[0], steps[-1]],
                    [level, level],
                    label=T.CHANCE(self.lang, value=_fmt(float(chance))),
                    marker="dot",
                    color="gray",
                )
            if group.get("ylim") and not log:
                lo, hi = group["ylim"]
                plt.ylim(lo, hi)
                yt = nice_ticks(lo, hi, 5 if widget.size.height >= 14 else 3)
                plt.yticks(yt, [_fmt(v) for v in yt])
            if steps:
                ticks = _integer_ticks(steps[0], steps[-1])
                plt.xticks(ticks, [str(t) for t in ticks])
            if widget.size.height >= 16:  # a label costs a line a small chart needs
                plt.xlabel(T.STEP(self.lang))
            widget.refresh()

    def _draw_items(self, items: list[Item]) -> None:
        box = self.query_one("#demo-pictures", VerticalScroll)
        for item in items:
            wid = f"item-{item['kind']}-{item['key']}"  # keys are validated slugs
            view = self._items.get(wid)
            if view is None:  # first sight: the widget draws the item when it mounts
                classes = f"item {item['kind']}"
                if self.focus == f"{item['kind']}:{item['key']}":
                    classes += " focus"
                view = (
                    PixelView(item, self._room(), self.lang, id=wid, classes=classes)
                    if item["kind"] in ("picture", "heatmap")
                    else _VIEWS[item["kind"]](item, id=wid, classes=classes)
                )
                self._items[wid] = view
                self.mounted_items.append(wid)
                box.set_class(True, "filled")
                box.mount(view)
            else:
                view.show(item)

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
            self._status(T.STOPPING(self.lang))
            self._stop_in_background()

    def action_rerun(self) -> None:
        self.start_run()

    def action_back(self) -> None:
        if isinstance(self.focused, Input):  # Escape first leaves the field
            self.set_focus(None)
            return
        self._stop_in_background()
        if len(self.app.screen_stack) > 1 and not isinstance(self.app, DemoApp):
            self.app.pop_screen()
        else:
            self.app.exit(0 if self.passed else 1)

    def on_unmount(self) -> None:
        self._stop_in_background()


class DemoApp(App[int]):
    """``tutor demo run NAME --live``: the app's demo screen, alone; q or esc quits."""

    BINDINGS = [Binding("q", "quit_demo", T.QUIT.en)]

    def __init__(self, screen: DemoScreen, lang: str = "en") -> None:
        super().__init__()
        self.lang = lang
        self.demo_screen = screen

    def on_mount(self) -> None:
        self._bindings.key_to_bindings["q"] = [
            replace(b, description=T.QUIT(self.lang)) for b in self._bindings.key_to_bindings["q"]
        ]
        self.push_screen(self.demo_screen)

    def action_quit_demo(self) -> None:
        if isinstance(self.focused, Input):
            return  # 'q' is a letter while a field has the focus
        self.demo_screen.stop_run()
        self.exit(0 if self.demo_screen.passed else 1)


def coinciding(
    series: dict[str, tuple[list[int], list[float]]], ylim: Any = None, tol: float = 0.01
) -> dict[str, str]:
    """Which series lie on an earlier one: {later: earlier} when, at every shared step,
    they differ by at most ``tol`` of the chart's value range."""
    values = [y for _, ys in series.values() for y in ys]
    if not values:
        return {}
    lo, hi = ylim if ylim else (min(values), max(values))
    span = (hi - lo) or max(abs(hi), 1.0)
    names, out = list(series), {}
    for j, later in enumerate(names):
        for earlier in names[:j]:
            if earlier in out:
                continue
            a = dict(zip(*series[earlier], strict=True))
            b = dict(zip(*series[later], strict=True))
            shared = a.keys() & b.keys()
            if shared and all(abs(a[x] - b[x]) <= tol * span for x in shared):
                out[later] = earlier
                break
    return out


def nice_ticks(lo: float, hi: float, count: int = 5) -> list[float]:
    """About ``count`` ticks on round values (steps of 1, 2, 2.5 or 5 × 10^k) in [lo, hi]."""
    if hi <= lo:
        return [lo]
    raw = (hi - lo) / max(1, count - 1)
    power = 10 ** math.floor(math.log10(raw))
    step = min((m * power for m in (1, 2, 2.5, 5, 10)), key=lambda v: abs(v - raw))
    first = math.ceil(lo / step - 1e-9)
    ticks = [round(k * step, 10) for k in range(first, math.floor(hi / step + 1e-9) + 1)]
    return [0.0 if t == 0 else t for t in ticks]


def _integer_ticks(first: int, last: int, count: int = 5) -> list[int]:
    """At most ``count`` whole-number ticks from first to last (steps are integers)."""
    if last <= first:
        return [first]
    step = max(1, round((last - first) / (count - 1)))
    ticks = list(range(first, last + 1, step))
    if ticks[-1] == last:
        return ticks
    if len(ticks) > 1 and last - ticks[-1] < step / 2:
        ticks[-1] = last  # 248 next to 249 would print as one smudge: keep the real end
        return ticks
    return [*ticks, last]


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _fmt(value: Any) -> str:
    return f"{value:.4g}" if isinstance(value, float) else str(value)
