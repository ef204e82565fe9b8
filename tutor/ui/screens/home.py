"""Home: topics with their counts and mastery, today's totals, and the ways in."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text as RichText
from textual import getters, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.events import Resize, ScreenResume
from textual.screen import Screen
from textual.widgets import DataTable, Header, Static

from tutor.errors import TutorError
from tutor.i18n import Text
from tutor.i18n import app as A
from tutor.i18n import home as T
from tutor.render import bar
from tutor.scheduling import Stats
from tutor.ui.app import WorkerErrors
from tutor.ui.keys import TutorFooter

#: The mastery bar shrinks on narrow terminals so that the percentage stays in view.
WIDE_BAR, NARROW_BAR, WIDE_FROM = 16, 8, 100


class HomeScreen(WorkerErrors, Screen):
    """The first screen; Enter on a topic studies that topic."""

    HELP_TITLE = T.HELP_TITLE
    BINDINGS = [
        Binding("s", "study", T.KEY_STUDY.label),
        Binding("c", "cram", T.KEY_CRAM.label, show=False),
        Binding("e", "exam", T.KEY_EXAM.label),
        Binding("b", "browse", T.KEY_BROWSE.label),
        Binding("t", "stats", T.KEY_STATS.label),
        Binding("m", "demos", T.KEY_DEMOS.label, show=False),
        Binding("r", "drills", T.KEY_DRILLS.label, show=False),
        Binding("x", "export", T.KEY_EXPORT.label, show=False),
        Binding("l", "app.toggle_lang", A.KEY_LANGUAGE.label, show=False),
        Binding("q", "app.quit", A.KEY_QUIT.label),
        Binding("j", "cursor_down", A.KEY_DOWN.label, show=False),
        Binding("k", "cursor_up", A.KEY_UP.label, show=False),
    ]
    HELP_KEYS: ClassVar[tuple[tuple[str, Text], ...]] = (("enter", T.KEY_TOPIC),)

    table = getters.query_one("#topics", DataTable)
    today = getters.query_one("#today", Static)

    def __init__(self) -> None:
        super().__init__()
        self.stats: Stats | None = None
        self.new_left = 0
        self._drawn_width = 0
        self._resumed = False

    def compose(self) -> ComposeResult:
        yield Header()
        with Vertical(id="home"):
            yield Static(id="today")
            yield DataTable(id="topics", cursor_type="row", zebra_stripes=True)
            yield Static(id="mastery-means")
            yield Static(id="home-help")
        yield TutorFooter()

    def on_mount(self) -> None:
        self.watch(self.app, "lang", self._relabel, init=False)
        self._relabel()
        # The first figures are a few indexed reads (well under a millisecond for a
        # year of reviews): show them in the first frame instead of an empty table.
        try:
            stats = self.app.scheduler.stats(now=self.app.clock())
        except TutorError as exc:  # a locked or damaged database: say so, show the rest
            self.app.report_error(exc)
            return
        self._show_stats(stats, self._new_left(stats))

    def _new_left(self, stats: Stats) -> int:
        """New questions today's allowance still admits (what the study queue will offer),
        from the figures at hand rather than a second pass over the cards."""
        allowance = max(0, self.app.scheduler.new_per_day - stats.new_today)
        return min(allowance, sum(t.new for t in stats.topics))

    def on_screen_resume(self, event: ScreenResume) -> None:
        if not self._resumed:  # the push itself: on_mount has just drawn these figures
            self._resumed = True
            return
        self.refresh_stats()

    def on_resize(self, event: Resize) -> None:
        # rows depend on the width (bar, cut titles): redraw when it changes, not per event
        if self.stats is not None and event.size.width != self._drawn_width:
            self._show_stats(self.stats, self.new_left)

    @work(thread=True, exclusive=True, group="home-stats", exit_on_error=False)
    def refresh_stats(self) -> None:
        """Statistics read the database: off the UI thread (errors: the app's handler)."""
        stats = self.app.scheduler.stats(now=self.app.clock())
        self.app.call_from_thread(self._show_stats, stats, self._new_left(stats))

    def _relabel(self, _lang: str | None = None) -> None:
        """Every text of the screen in the app's language (on mount and on ctrl+l)."""
        lang = self.app.lang
        self.query_one("#home-help", Static).update(T.WAYS_IN(lang))
        self.query_one("#mastery-means", Static).update(T.MASTERY_MEANS(lang))
        self.table.clear(columns=True)
        for column in (T.COL_TOPIC, T.COL_QUESTIONS, T.COL_DUE, T.COL_NEW, T.COL_MASTERY):
            # rich Text, not str: a str would be parsed as markup (which loads Rich's table
            # of emoji codes, a few milliseconds of the start-up for nothing)
            self.table.add_column(RichText(column(lang)), key=column.en)
        if self.stats is not None:
            self._show_stats(self.stats, self.new_left)

    def _show_stats(self, stats: Stats, new_left: int) -> None:
        self.stats, self.new_left = stats, new_left
        self._drawn_width = self.size.width
        lang = self.app.lang
        table = self.table
        cursor = table.cursor_row
        table.clear()
        for column in table.columns.values():
            # clear() keeps each column as wide as its widest old cell: after the terminal
            # shrinks, the old titles would still push Mastery off the right edge
            column.content_width = column.label.cell_len
        width = WIDE_BAR if self.size.width >= WIDE_FROM else NARROW_BAR
        room = self._title_room(width, lang)
        for t in stats.topics:
            topic = self.app.bank.topic(t.topic)
            title = topic.title.get(lang) or topic.title.get("en", t.topic)
            if len(title) > room:
                title = title[: room - 1].rstrip() + "…"
            # the figure first: on a narrow terminal the bar may be cut, never the number
            mastery = RichText(f"{t.mastery:4.0%} ")
            mastery.append(bar(t.mastery, width), style="green")
            cells = (f"{t.topic}  {title}", str(t.total), str(t.due), str(t.new))
            table.add_row(*map(RichText, cells), mastery, key=t.topic)
        if stats.topics:
            table.move_cursor(row=min(max(cursor, 0), len(stats.topics) - 1))
        total = sum(t.total for t in stats.topics)
        self.today.update(
            T.TODAY(
                lang,
                reviews=stats.reviews_today,
                new=stats.new_today,
                due=stats.due_now,
                left=new_left,
                total=total,
            )
        )

    def _title_room(self, bar_width: int, lang: str) -> int:
        """Characters left for a topic title once the other columns have theirs, so that
        a long title ends in "…" instead of pushing Mastery off the right edge."""
        others = [
            len(T.COL_QUESTIONS(lang)),
            len(T.COL_DUE(lang)),
            len(T.COL_NEW(lang)),
            max(len(T.COL_MASTERY(lang)), bar_width + 5),  # " 42% " and the bar
        ]
        cells = sum(o + 2 for o in others) + 2  # each column has one cell of padding a side
        return max(12, self.size.width - cells - len("a  ") - 4)  # screen padding, scrollbar

    def _selected_topic(self) -> str | None:
        if self.table.row_count == 0:
            return None
        return str(self.table.coordinate_to_cell_key(self.table.cursor_coordinate).row_key.value)

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        from tutor.ui.screens.study import StudyScreen

        self.app.push_screen(StudyScreen(topics={str(event.row_key.value)}))

    def action_cursor_down(self) -> None:
        self.table.action_cursor_down()

    def action_cursor_up(self) -> None:
        self.table.action_cursor_up()

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
        from tutor.ui.screens.export import ExportScreen

        self.app.push_screen(ExportScreen())
