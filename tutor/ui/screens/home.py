"""Home: topics with their counts and mastery, today's totals, and the ways in."""

from __future__ import annotations

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Static

from tutor.ui.widgets import bar


class HomeScreen(Screen):
    """The first screen; Enter on a topic studies that topic."""

    BINDINGS = [
        Binding("q", "app.quit", "Quit"),
        Binding("s", "study", "Study"),
        Binding("c", "cram", "Cram"),
        Binding("e", "exam", "Exam"),
        Binding("b", "browse", "Browse"),
        Binding("t", "stats", "Stats"),
        Binding("m", "demos", "Demos"),
        Binding("r", "drills", "Drills"),
        Binding("x", "export", "Export"),
        Binding("l", "toggle_lang", "EN/IT"),
        Binding("j", "cursor_down", "Down", show=False),
        Binding("k", "cursor_up", "Up", show=False),
    ]

    def compose(self) -> ComposeResult:
        yield Header()
        with Vertical(id="home"):
            yield Static(id="today")
            yield DataTable(id="topics", cursor_type="row", zebra_stripes=True)
            yield Static(
                "[b]s[/] study due + new   [b]c[/] cram (no scheduling)   "
                "[b]e[/] exam simulation   [b]b[/] browse   [b]t[/] stats   [b]m[/] demos   "
                "[b]r[/] drills   [b]x[/] export   [b]enter[/] study the selected topic   "
                "[b]ctrl+p[/] jump to a question   [b]?[/] help",
                id="home-help",
            )
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one("#topics", DataTable)
        table.add_columns("Topic", "Questions", "Due", "New", "Mastery")
        # The first figures are a few indexed reads (well under a millisecond for a
        # year of reviews): show them in the first frame instead of an empty table.
        try:
            self._show_stats(self.app.scheduler.stats(now=self.app.clock()))
        except Exception as exc:
            self.app.notify(getattr(exc, "message", str(exc)), severity="error")

    _resumed = False

    def on_screen_resume(self, event) -> None:
        if not self._resumed:  # the push itself: on_mount has just drawn these figures
            self._resumed = True
            return
        if self.is_mounted and self.query_one("#topics", DataTable).row_count:
            self.refresh_stats()

    @work(thread=True, exclusive=True, group="home-stats")
    def refresh_stats(self) -> None:
        """Statistics read the database: off the UI thread."""
        try:
            stats = self.app.scheduler.stats(now=self.app.clock())
        except Exception as exc:  # a worker reports, never crashes the app
            self.app.call_from_thread(self.app.notify, str(exc), severity="error")
            return
        self.app.call_from_thread(self._show_stats, stats)

    def _show_stats(self, stats) -> None:
        lang = self.app.lang
        table = self.query_one("#topics", DataTable)
        cursor = table.cursor_row
        table.clear()
        for t in stats.topics:
            title = self.app.bank.topic(t.topic).title.get(lang, t.topic)
            mastery = Text(bar(t.mastery, 16), style="green")
            mastery.append(f" {t.mastery:4.0%}")
            table.add_row(
                f"{t.topic}  {title}", str(t.total), str(t.due), str(t.new), mastery, key=t.topic
            )
        if stats.topics:
            table.move_cursor(row=min(cursor, len(stats.topics) - 1))
        new_left = len(self.app.scheduler.new_ids(self.app.clock()))
        total = sum(t.total for t in stats.topics)
        self.query_one("#today", Static).update(
            f"[b]Today[/b]  reviews {stats.reviews_today}  ·  new {stats.new_today}  ·  "
            f"due now {stats.due_now}  ·  new left today {new_left}  ·  "
            f"{total} questions  ·  answers in [b]{lang.upper()}[/b]"
        )

    def _selected_topic(self) -> str | None:
        table = self.query_one("#topics", DataTable)
        if table.row_count == 0:
            return None
        return str(table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value)

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        from tutor.ui.screens.study import StudyScreen

        self.app.push_screen(StudyScreen(topics={str(event.row_key.value)}))

    def action_cursor_down(self) -> None:
        self.query_one("#topics", DataTable).action_cursor_down()

    def action_cursor_up(self) -> None:
        self.query_one("#topics", DataTable).action_cursor_up()

    def action_study(self) -> None:
        from tutor.ui.screens.study import StudyScreen

        self.app.push_screen(StudyScreen())

    def action_cram(self) -> None:
        from tutor.ui.screens.study import StudyScreen

        topic = self._selected_topic()
        self.app.push_screen(StudyScreen(topics={topic} if topic else None, cram=True))

    def action_exam(self) -> None:
        from tutor.ui.screens.exam import ExamSetupScreen

        self.app.push_screen(ExamSetupScreen())

    def action_browse(self) -> None:
        from tutor.ui.screens.browse import BrowseScreen

        self.app.push_screen(BrowseScreen())

    def action_stats(self) -> None:
        from tutor.ui.screens.stats import StatsScreen

        self.app.push_screen(StatsScreen())

    def action_demos(self) -> None:
        from tutor.ui.screens.lists import DemoListScreen

        self.app.push_screen(DemoListScreen())

    def action_drills(self) -> None:
        from tutor.ui.screens.lists import DrillListScreen

        self.app.push_screen(DrillListScreen())

    def action_export(self) -> None:
        try:
            from tutor.ui.screens.export import ExportScreen
        except ImportError:
            self.app.notify("export is not available in this install", severity="warning")
            return
        self.app.push_screen(ExportScreen())

    def action_toggle_lang(self) -> None:
        self.app.lang = "it" if self.app.lang == "en" else "en"
        self.refresh_stats()
