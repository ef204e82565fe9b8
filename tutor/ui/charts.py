"""A small bar chart widget for the statistics screen.

Plotting libraries for terminals keep state between renders at different
sizes; a bar chart of a handful of counts is simple enough to draw directly,
and then the same data at the same size always gives the same picture.
"""

from __future__ import annotations

from rich.text import Text
from textual.widget import Widget

_EIGHTHS = " ▁▂▃▄▅▆▇█"


def render_bars(
    labels: list[str],
    series: list[list[float]],
    width: int,
    height: int,
    *,
    title: str = "",
    styles: tuple[str, ...] = ("magenta", "green"),
    names: tuple[str, ...] = (),
    y_max: float | None = None,
) -> Text:
    """Vertical bars (one group per label, one bar per series) with a y axis and labels."""
    out = Text()
    if title:
        out.append(title.center(width)[:width] + "\n", style="bold")
    if names:
        legend = Text("  ")
        for name, style in zip(names, styles, strict=False):
            legend.append("█ ", style=style)
            legend.append(f"{name}   ")
        out.append_text(legend)
        out.append("\n")
    rows = max(2, height - (1 if title else 0) - (1 if names else 0) - 2)
    top = y_max if y_max is not None else max((max(s, default=0) for s in series), default=0)
    top = top or 1
    top_label = f"{top:g}"
    axis_w = max(len(top_label), 1) + 1
    n = max(1, len(labels))
    k = max(1, len(series))
    plot_w = max(n, width - axis_w - 1)
    slot = plot_w // n
    bar_w = max(1, (slot - 1) // k)
    for r in range(rows, 0, -1):
        y_text = top_label if r == rows else ("0" if r == 1 else "")
        out.append(
            y_text.rjust(axis_w - 1) + "┤" if r in (rows, 1) else " " * (axis_w - 1) + "│",
            style="dim",
        )
        line = Text()
        for i in range(n):
            for j in range(k):
                value = series[j][i] if i < len(series[j]) else 0
                eighths = round(8 * rows * max(0.0, value) / top)
                full, part = divmod(eighths, 8)
                if r <= full:
                    ch = "█"
                elif r == full + 1 and part:
                    ch = _EIGHTHS[part]
                elif r == 1 and value > 0 and eighths == 0:
                    ch = "▁"
                else:
                    ch = " "
                line.append(ch * bar_w, style=styles[j % len(styles)])
            line.append(" " * (slot - bar_w * k))
        out.append_text(line)
        out.append("\n")
    out.append(" " * (axis_w - 1) + "└" + "─" * (slot * n) + "\n", style="dim")
    # labels: as many as fit without overlapping, evenly spaced back from the last bar
    # (today, on a chart of days), so the newest bar always has its own label
    label_line = [" "] * max(width, axis_w + slot * n)
    longest = max((len(lab) for lab in labels), default=1)
    step = max(1, -(-(longest + 1) // max(1, slot)))
    for i in range(len(labels) - 1, -1, -step):
        pos = axis_w + i * slot
        if longest < slot:  # room to centre the label under its bars
            pos += max(0, (bar_w * k) // 2 - len(labels[i]) // 2)
        pos = min(pos, width - len(labels[i]))  # the last label may end at the edge, not past it
        for c, ch in enumerate(labels[i]):
            if pos + c < len(label_line):
                label_line[pos + c] = ch
    out.append("".join(label_line)[:width])
    return out


class BarChart(Widget):
    """Shows one or two series of counts as vertical bars; re-renders on resize."""

    DEFAULT_CSS = """
    BarChart { height: 14; }
    """

    def __init__(self, title: str = "", *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.title = title
        self.labels: list[str] = []
        self.series: list[list[float]] = []
        self.names: tuple[str, ...] = ()
        self.y_max: float | None = None

    def set_data(
        self,
        labels: list[str],
        series: list[list[float]],
        *,
        names: tuple[str, ...] = (),
        y_max: float | None = None,
    ) -> None:
        self.labels, self.series, self.names, self.y_max = labels, series, names, y_max
        self.refresh()

    def render(self) -> Text:
        if not self.series:
            return Text(self.title, style="bold")
        return render_bars(
            self.labels,
            self.series,
            self.size.width,
            self.size.height,
            title=self.title,
            names=self.names,
            y_max=self.y_max,
        )
