"""Stats: reviews per day, retention per topic and the due forecast, plotted in the terminal."""

from __future__ import annotations

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Grid, VerticalScroll
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header

from tutor.ui.charts import BarChart


class StatsScreen(Screen):
    """Three plots and a per-topic table, computed off the UI thread."""

    BINDINGS = [Binding("escape", "back", "Back"), Binding("r", "reload", "Refresh")]

    def compose(self) -> ComposeResult:
        yield Header()
        with VerticalScroll(id="stats"):
            with Grid(id="plots"):
                yield BarChart("Reviews per day", id="per-day")
                yield BarChart("Retention and mastery per topic (%)", id="retention")
                yield BarChart("Due in the next 14 days", id="forecast")
            yield DataTable(id="stats-table", zebra_stripes=True, cursor_type="none")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#stats-table", DataTable).add_columns(
            "Topic", "Questions", "New", "Due", "Learned", "Reviews", "Retention", "Mastery"
        )
        self.action_reload()

    def action_reload(self) -> None:
        self.load_stats()

    @work(thread=True, exclusive=True)
    def load_stats(self) -> None:
        try:
            stats = self.app.scheduler.stats(now=self.app.clock())
        except Exception as exc:
            self.app.call_from_thread(self.app.notify, str(exc), severity="error")
            return
        self.app.call_from_thread(self._draw, stats)

    def _draw(self, stats) -> None:
        for wid, series in (("#per-day", stats.reviews_per_day), ("#forecast", stats.forecast)):
            self.query_one(wid, BarChart).set_data(
                [day[5:] for day in series], [list(series.values())]
            )
        self.query_one("#retention", BarChart).set_data(
            [t.topic for t in stats.topics],
            [
                [round(100 * (t.retention or 0.0)) for t in stats.topics],
                [round(100 * t.mastery) for t in stats.topics],
            ],
            names=("retention", "mastery"),
            y_max=100,
        )

        table = self.query_one("#stats-table", DataTable)
        table.clear()
        for t in stats.topics:
            retention = "—" if t.retention is None else f"{t.retention:.0%}"
            table.add_row(
                t.topic,
                str(t.total),
                str(t.new),
                str(t.due),
                str(t.learned),
                str(t.reviews),
                retention,
                f"{t.mastery:.0%}",
            )

    def action_back(self) -> None:
        self.app.pop_screen()
