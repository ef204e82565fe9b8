"""The statistics screen (walk finding 11): day labels, per-topic counts, exams, drills, mastery."""

from __future__ import annotations

from datetime import timedelta

from textual.widgets import DataTable, Static

from tutor.ui.charts import BarChart, render_bars
from tutor.ui.screens.stats import StatsScreen


async def settle(app, pilot) -> None:
    await pilot.pause()
    await app.workers.wait_for_complete()
    await pilot.pause()


def topic_row(screen: StatsScreen, topic: str) -> dict[str, str]:
    table = screen.query_one("#stats-table", DataTable)
    labels = [str(c.label) for c in table.columns.values()]
    return dict(zip(labels, [str(v) for v in table.get_row(topic)], strict=True))


def test_reviews_of_new_cards_count_for_their_topic(make_app):
    """A first review starts from the New state: it used to count 0 Reviews."""
    app = make_app()
    now = app.clock()
    for qid in ("a.01", "a.02", "a.03"):
        app.scheduler.review(qid, "good", now=now)
    a = next(t for t in app.scheduler.stats(now=now).topics if t.topic == "a")
    assert a.reviews == 3 and a.new == 2


def test_a_question_last_rated_again_is_not_mastered(make_app):
    """Just after Again the card's retrievability is about 1: it counted as mastered."""
    app = make_app()
    now = app.clock()
    app.scheduler.review("a.01", "good", now=now)
    app.scheduler.review("a.02", "again", now=now)
    a = next(
        t for t in app.scheduler.stats(now=now + timedelta(minutes=1)).topics if t.topic == "a"
    )
    one_good = app.scheduler.fsrs.get_card_retrievability(
        app.scheduler.card("a.01"), current_datetime=now + timedelta(minutes=1)
    )
    assert a.mastery == one_good / 5
    app.scheduler.review("a.02", "good", now=now + timedelta(minutes=2))  # recalled now
    later = next(
        t for t in app.scheduler.stats(now=now + timedelta(minutes=3)).topics if t.topic == "a"
    )
    assert later.mastery > a.mastery


def test_the_newest_bar_is_always_labelled():
    """Fourteen day labels on a narrow chart: today's bar had none (the label stopped a day early)."""
    days = [f"{d:02d}" for d in range(21, 31)] + ["01", "02", "03", "04"]
    for width in (30, 38, 48, 60):
        chart = render_bars(days, [[1] * 14], width, 10).plain.splitlines()
        assert chart[-1].rstrip().endswith("04"), (width, chart[-1])


async def test_screen_shows_today_exams_drills_and_what_the_numbers_mean(make_app):
    app = make_app()
    now = app.clock()
    app.scheduler.review("a.01", "good", now=now)
    exam = app.store.start_exam(3, None, now - timedelta(hours=2))
    app.store.finish_exam(exam, 24, False, {"breakdown": []}, now - timedelta(hours=1))
    app.store.add_drill_result("conv-shape", 4, 2, 5, 7, now)
    app.store.add_drill_result("conv-shape", 5, 2, 7, 7, now)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(app, pilot)
        app.push_screen(StatsScreen())
        await settle(app, pilot)
        screen = app.screen
        assert topic_row(screen, "a")["Reviews"] == "1"
        per_day = screen.query_one("#per-day", BarChart)
        assert per_day.labels[-1] == "20" and "11-20 (today)" in per_day.title
        exams = screen.query_one("#exams-table", DataTable)
        assert [str(v) for v in exams.get_row_at(0)][1:] == ["3", "24/30", "passed"]
        drills = screen.query_one("#drills-table", DataTable)
        assert [str(v) for v in drills.get_row("conv-shape")] == ["conv-shape", "2", "12/14 (86%)"]
        definitions = str(screen.query_one("#definitions", Static).render())
        assert "Mastery" in definitions and "last rated Again" in definitions


async def test_screen_in_italian_and_switching_back(make_app):
    app = make_app(lang="it")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        app.push_screen(StatsScreen())
        await settle(app, pilot)
        screen = app.screen
        assert "Padronanza" in topic_row(screen, "a")
        assert "nessuna simulazione" in str(screen.query_one("#exams-heading", Static).render())
        assert not screen.query_one("#exams-table", DataTable).display
        assert screen.query_one("#plots").styles.grid_size_columns == 1  # 80 columns: one a row
        await pilot.press("ctrl+l")
        await settle(app, pilot)
        assert "Mastery" in topic_row(screen, "a")
        assert "Reviews per day" in screen.query_one("#per-day", BarChart).title
