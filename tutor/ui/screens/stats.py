"""Stats: reviews per day, retention and mastery per topic, the due forecast, exams and drills."""

from __future__ import annotations

from textual import getters, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Grid, VerticalScroll
from textual.events import Resize
from textual.screen import Screen
from textual.widgets import DataTable, Header, Static

from tutor.i18n import app as A
from tutor.i18n import stats as T
from tutor.scheduling import Stats
from tutor.ui.app import WorkerErrors
from tutor.ui.charts import BarChart
from tutor.ui.keys import TutorFooter

#: Below this width the charts go one per row, so each keeps room for its day labels.
TWO_COLUMNS_FROM = 100
#: Exam simulations listed, newest first.
RECENT_EXAMS = 8


def mark_text(mark: int | None, lode: bool, lang: str) -> str:
    """24/30, or 30 e lode: marks as Italian universities write them."""
    if mark is None:
        return "—"
    return T.LODE(lang) if lode else T.MARK(lang, mark=mark)


class StatsScreen(WorkerErrors, Screen):
    """Charts and tables over ``StudyScheduler.stats()``, read off the UI thread."""

    HELP_TITLE = T.HELP_TITLE
    BINDINGS = [
        Binding("escape", "back", A.KEY_BACK.label),
        Binding("r", "reload", T.KEY_REFRESH.label),
    ]

    plots = getters.query_one("#plots", Grid)
    per_day = getters.query_one("#per-day", BarChart)
    per_topic = getters.query_one("#retention", BarChart)
    forecast = getters.query_one("#forecast", BarChart)
    table = getters.query_one("#stats-table", DataTable)
    exams = getters.query_one("#exams-table", DataTable)
    drills = getters.query_one("#drills-table", DataTable)

    def __init__(self) -> None:
        super().__init__()
        self.stats: Stats | None = None

    def compose(self) -> ComposeResult:
        yield Header()
        with VerticalScroll(id="stats"):
            with Grid(id="plots"):
                yield BarChart(id="per-day")
                yield BarChart(id="retention")
                yield BarChart(id="forecast")
            yield DataTable(id="stats-table", zebra_stripes=True, cursor_type="none")
            yield Static(id="definitions", classes="note")
            yield Static(id="exams-heading", classes="heading")
            yield DataTable(id="exams-table", zebra_stripes=True, cursor_type="none")
            yield Static(id="drills-heading", classes="heading")
            yield DataTable(id="drills-table", zebra_stripes=True, cursor_type="none")
        yield TutorFooter()

    def on_mount(self) -> None:
        self.watch(self.app, "lang", self._redraw, init=False)
        self.action_reload()

    def on_resize(self, event: Resize) -> None:
        self.plots.styles.grid_size_columns = 2 if event.size.width >= TWO_COLUMNS_FROM else 1

    def action_reload(self) -> None:
        self.load_stats()

    @work(thread=True, exclusive=True, exit_on_error=False, description="statistics")
    def load_stats(self) -> None:
        """Every review is read and every card decoded: off the UI thread."""
        stats = self.app.scheduler.stats(now=self.app.clock())
        self.app.call_from_thread(self._draw, stats)

    def _redraw(self, _lang: str | None = None) -> None:
        if self.stats is not None:
            self._draw(self.stats)

    def _draw(self, stats: Stats) -> None:
        self.stats = stats
        lang = self.app.lang
        days = list(stats.reviews_per_day)
        self.per_day.title = T.PER_DAY(lang, first=days[0][5:], last=days[-1][5:])
        self.per_day.set_data([d[8:] for d in days], [list(stats.reviews_per_day.values())])
        ahead = list(stats.forecast)
        self.forecast.title = T.FORECAST(lang, first=ahead[0][5:])
        self.forecast.set_data([d[8:] for d in ahead], [list(stats.forecast.values())])
        self.per_topic.title = T.PER_TOPIC(lang)
        self.per_topic.set_data(
            [t.topic for t in stats.topics],
            [
                [round(100 * (t.retention or 0.0)) for t in stats.topics],
                [round(100 * t.mastery) for t in stats.topics],
            ],
            names=(T.RETENTION(lang), T.MASTERY(lang)),
            y_max=100,
        )
        self._topics(stats, lang)
        self.query_one("#definitions", Static).update(T.DEFINITIONS(lang))
        self._exams(stats, lang)
        self._drills(stats, lang)

    def _topics(self, stats: Stats, lang: str) -> None:
        self.table.clear(columns=True)
        self.table.add_columns(
            *(
                c(lang)
                for c in (
                    T.COL_TOPIC,
                    T.COL_QUESTIONS,
                    T.COL_NEW,
                    T.COL_DUE,
                    T.COL_LEARNED,
                    T.COL_REVIEWS,
                    T.COL_RETENTION,
                    T.COL_MASTERY,
                )
            )
        )
        for t in stats.topics:
            retention = "—" if t.retention is None else f"{t.retention:.0%}"
            self.table.add_row(
                t.topic,
                str(t.total),
                str(t.new),
                str(t.due),
                str(t.learned),
                str(t.reviews),
                retention,
                f"{t.mastery:.0%}",
                key=t.topic,
            )

    def _exams(self, stats: Stats, lang: str) -> None:
        heading = f"[b]{T.EXAMS(lang)}[/b]"
        self.query_one("#exams-heading", Static).update(
            f"{heading}  {T.NO_EXAMS(lang)}" if not stats.exams else heading
        )
        self.exams.clear(columns=True)
        self.exams.display = bool(stats.exams)
        if not stats.exams:
            return
        self.exams.add_columns(
            T.COL_DATE(lang), T.COL_QUESTIONS(lang), T.COL_MARK(lang), T.COL_RESULT(lang)
        )
        for e in sorted(stats.exams, key=lambda e: e["finished_at"] or "", reverse=True)[
            :RECENT_EXAMS
        ]:
            finished = e["finished_at"]
            if finished is None or e["mark"] is None:
                result = T.UNFINISHED(lang)
            else:
                result = (T.PASSED if e["mark"] >= 18 else T.FAILED)(lang)
            self.exams.add_row(
                (finished or "—")[:16].replace("T", " "),
                str(e["n_questions"]),
                mark_text(e["mark"], bool(e["lode"]), lang),
                result,
                key=str(e["id"]),
            )

    def _drills(self, stats: Stats, lang: str) -> None:
        heading = f"[b]{T.DRILLS(lang)}[/b]"
        self.query_one("#drills-heading", Static).update(
            f"{heading}  {T.NO_DRILLS(lang)}" if not stats.drills else heading
        )
        self.drills.clear(columns=True)
        self.drills.display = bool(stats.drills)
        if not stats.drills:
            return
        self.drills.add_columns(T.COL_DRILL(lang), T.COL_SESSIONS(lang), T.COL_CORRECT(lang))
        for name, d in sorted(stats.drills.items()):
            share = d["correct"] / d["total"] if d["total"] else 0.0
            self.drills.add_row(
                name, str(d["sessions"]), f"{d['correct']}/{d['total']} ({share:.0%})", key=name
            )

    def action_back(self) -> None:
        self.app.pop_screen()
