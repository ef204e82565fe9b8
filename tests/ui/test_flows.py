"""End-to-end flows with Textual's Pilot: study, exam, browse, stats, help, palette."""

from __future__ import annotations

import signal
import subprocess
import sys
import textwrap
from pathlib import Path

from textual.widgets import DataTable, Markdown, OptionList, TextArea

from tutor.ui.screens.browse import BrowseScreen, QuestionScreen
from tutor.ui.screens.exam import ExamResultScreen, ExamScreen, ExamSetupScreen
from tutor.ui.screens.help import HelpScreen
from tutor.ui.screens.home import HomeScreen
from tutor.ui.screens.stats import StatsScreen
from tutor.ui.screens.study import StudyScreen

GOOD = "We step against the gradient. The learning rate scales the step. Minibatches give a noisy estimate."


async def settle(app, pilot) -> None:
    await pilot.pause()
    await app.workers.wait_for_complete()
    await pilot.pause()


async def press(app, pilot, *keys: str) -> None:
    """Press the keys, then wait for what they started (screens, grading workers)."""
    await pilot.press(*keys)
    await settle(app, pilot)


async def test_home_lists_topics(make_app):
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(app, pilot)
        assert isinstance(app.screen, HomeScreen)
        table = app.screen.query_one("#topics", DataTable)
        assert table.row_count == 4
        assert [str(c) for c in table.get_row_at(0)[1:4]] == ["5", "0", "5"]


async def test_home_reads_stats_once_at_start_and_again_on_return(make_app):
    app = make_app()
    real, calls = app.scheduler.stats, []

    def counting(*args, **kwargs):
        calls.append(1)
        return real(*args, **kwargs)

    app.scheduler.stats = counting
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(app, pilot)
        assert len(calls) == 1  # the first frame's figures were computed twice
        await press(app, pilot, "b")
        await press(app, pilot, "escape")
        assert isinstance(app.screen, HomeScreen) and len(calls) == 2


async def test_study_one_card_type_submit_grade_rate_next(make_app):
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(app, pilot)
        await press(app, pilot, "s")
        screen = app.screen
        assert isinstance(screen, StudyScreen) and screen.qid == "a.01"
        screen.query_one("#answer", TextArea).insert(GOOD)
        await press(app, pilot, "ctrl+s")
        assert screen.state == "graded"
        assert screen.result.verdict == "correct" and screen.suggested in ("good", "easy")
        assert screen.query_one("#result").display
        # the attempt is committed as soon as it is graded, before any rating
        (att,) = app.store.attempts("a.01")
        assert att.answer == GOOD and att.rating is None
        await press(app, pilot, "2")  # override the suggestion with Hard
        # new questions alternate topics: b.01 comes before a.02
        assert screen.qid == "b.01" and screen.state == "answering"
        assert app.store.attempts("a.01")[0].rating == "hard"
        assert app.store.card_json("a.01") is not None


async def test_wrong_answer_suggests_again_and_shows_misconception(make_app):
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(app, pilot)
        await press(app, pilot, "s")
        screen = app.screen
        screen.query_one("#answer", TextArea).insert("We follow the gradient uphill to the top.")
        await press(app, pilot, "ctrl+s")
        assert screen.result.verdict == "wrong" and screen.suggested == "again"
        assert screen.result.misconceptions
        await press(app, pilot, "ctrl+n")  # no answer to the examiner's follow-ups: the card
        assert screen.state == "graded"
        await press(app, pilot, "enter")  # accept the suggestion
        assert app.store.attempts("a.01")[0].rating == "again"


async def test_empty_answer_and_huge_paste(make_app):
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(app, pilot)
        await press(app, pilot, "s")
        screen = app.screen
        await press(app, pilot, "ctrl+s")
        assert screen.result.score == 0 and screen.result.verdict == "wrong"
        await press(app, pilot, "1")
        screen.query_one("#answer", TextArea).insert((GOOD + "\n") * 800)
        await press(app, pilot, "ctrl+s")
        assert screen.state == "graded"
        assert len(app.store.attempts(screen.qid)[0].answer) > 50_000


async def test_draft_is_kept_when_leaving(make_app):
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(app, pilot)
        await press(app, pilot, "s")
        app.screen.query_one("#answer", TextArea).insert("half an answer")
        await press(app, pilot, "escape", "escape")
        assert isinstance(app.screen, HomeScreen)
        await press(app, pilot, "s")
        assert app.screen.query_one("#answer", TextArea).text == "half an answer"


async def test_cram_does_not_schedule(make_app):
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(app, pilot)
        await press(app, pilot, "c")
        screen = app.screen
        assert screen.cram
        await press(app, pilot, "ctrl+r")
        await press(app, pilot, "3")
        assert app.store.all_cards() == {}
        assert len(app.store.reviews(include_cram=True)) == 1


async def test_exam_simulation_to_its_mark(make_app):
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(app, pilot)
        await press(app, pilot, "e")
        assert isinstance(app.screen, ExamSetupScreen)
        app.screen.query_one("#n").value = "2"
        await pilot.click("#start")
        await settle(app, pilot)
        exam = app.screen
        assert isinstance(exam, ExamScreen) and len(exam.ids) == 2
        assert exam.ids[0][0] != exam.ids[1][0]  # different topics
        exam.query_one("#exam-answer", TextArea).insert(GOOD)
        await press(app, pilot, "ctrl+s")
        await press(app, pilot, "ctrl+s")  # second answer left empty
        result = app.screen
        assert isinstance(result, ExamResultScreen)
        assert not result.details["passed"] and 0 < result.details["mark"] < 30
        (row,) = app.store.exams()
        assert row.mark == result.details["mark"]
        assert [a.mode for a in app.store.attempts()] == ["exam", "exam"]


async def test_exam_with_a_locked_database_is_a_message_not_a_crash(make_app):
    from tutor.store import StoreError

    app = make_app()

    def locked(*args, **kwargs):
        raise StoreError("progress database is locked by another tutor instance")

    app.store.start_exam = locked
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(app, pilot)
        await press(app, pilot, "e")
        await pilot.click("#start")  # used to end the app with a traceback
        await settle(app, pilot)
        assert isinstance(app.screen, ExamSetupScreen)
        assert "locked" in str(app.screen.query_one("#setup-error").render())


async def test_exam_setup_rejects_bad_numbers(make_app):
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(app, pilot)
        await press(app, pilot, "e")
        app.screen.query_one("#n").value = "99"
        await pilot.click("#start")
        await settle(app, pilot)
        assert isinstance(app.screen, ExamSetupScreen)


async def test_browse_search(make_app):
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(app, pilot)
        await press(app, pilot, "b")
        assert isinstance(app.screen, BrowseScreen)
        await press(app, pilot, *"c.03")
        results = app.screen.query_one("#results", OptionList)
        assert results.get_option_at_index(0).id == "c.03"
        assert app.screen.current == "c.03"
        await press(app, pilot, "ctrl+l")  # the whole app switches language, browse included
        assert app.lang == "it"
        assert "Risposta modello" in app.screen.query_one("#browse-view", Markdown).source
        for _ in range(4):
            await pilot.press("backspace")
        await press(app, pilot, *"zzzz")
        assert results.option_count == 0


async def test_stats_screen_draws(make_app):
    app = make_app()
    app.scheduler.review("a.01", "good", now=app.clock())
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(app, pilot)
        await press(app, pilot, "t")
        assert isinstance(app.screen, StatsScreen)
        assert app.screen.query_one("#stats-table", DataTable).row_count == 4


async def test_help_and_palette_jump(make_app):
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(app, pilot)
        await press(app, pilot, "question_mark")
        assert isinstance(app.screen, HelpScreen)
        await press(app, pilot, "escape")
        app.open_question("b.02")
        await settle(app, pilot)
        assert isinstance(app.screen, QuestionScreen)
        text = app.screen.query_one("#qv", Markdown).source
        assert text.startswith("# b.02")


async def test_small_terminal_60x20(make_app):
    app = make_app()
    async with app.run_test(size=(60, 20)) as pilot:
        await settle(app, pilot)
        for key in ("s", "escape", "escape", "b", "escape", "t", "escape", "e", "escape"):
            await press(app, pilot, key)
        assert isinstance(app.screen, HomeScreen)


_APP_SCRIPT = """\
import asyncio, os, signal, sys
from pathlib import Path
from quizbank import load_bank
from tutor.store import Store
from tutor.ui.app import TutorApp

async def main():
    app = TutorApp(load_bank([sys.argv[1]], include_builtin=False),
                   Store.open_in(Path(sys.argv[2])), data_dir=Path(sys.argv[2]))
    async with app.run_test() as pilot:
BODY
asyncio.run(main())
AFTER
"""


def run_app_script(
    mini_bank, data_dir: Path, body: str, after: str = ""
) -> subprocess.CompletedProcess:
    """Drive the app in a fresh interpreter: ``body`` runs inside ``app.run_test()``."""
    bank_dir = Path(mini_bank.topics[0].source_file).parent
    body = textwrap.indent(textwrap.dedent(body).strip("\n"), " " * 8)
    script = _APP_SCRIPT.replace("BODY", body).replace("AFTER", textwrap.dedent(after))
    return subprocess.run(
        [sys.executable, "-c", script, str(bank_dir), str(data_dir)],
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_app_start_does_not_import_torch(tmp_path, mini_bank):
    body = """
        for key in ("s", "escape", "escape", "b", "escape", "t", "escape"):
            await pilot.press(key)
            await pilot.pause()
    """
    res = run_app_script(mini_bank, tmp_path, body, after='print("torch" in sys.modules)')
    assert res.returncode == 0, res.stderr
    assert res.stdout.strip().splitlines()[-1] == "False"


def test_kill_minus_nine_mid_session_keeps_reviews(tmp_path, mini_bank):
    body = """
        await pilot.press("s")
        for _ in range(3):
            await pilot.pause()
            await pilot.press("ctrl+r")
            await pilot.pause()
            await app.workers.wait_for_complete()
            await pilot.pause()
            await pilot.press("3")
            await pilot.pause()
            await app.workers.wait_for_complete()
        # a fourth answer typed and graded but not yet rated
        await pilot.pause()
        app.screen.query_one("#answer").insert("partial thoughts")
        await pilot.press("ctrl+s")
        await pilot.pause()
        await app.workers.wait_for_complete()
        print("killing", flush=True)
        os.kill(os.getpid(), signal.SIGKILL)
    """
    res = run_app_script(mini_bank, tmp_path, body)
    assert res.returncode == -signal.SIGKILL, res.stderr
    from tutor.store import Store

    with Store.open_in(tmp_path) as store:
        assert len(store.reviews()) == 3
        attempts = store.attempts()
        assert len(attempts) == 4
        assert attempts[-1].answer == "partial thoughts" and attempts[-1].rating is None


async def test_demo_and_drill_lists_and_links(make_app):
    from textual.widgets import OptionList

    from tutor.ui.screens.lists import DemoListScreen, DrillListScreen, LinkedScreen

    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(app, pilot)
        await press(app, pilot, "m")
        assert isinstance(app.screen, DemoListScreen)
        ol = app.screen.query_one("#launch-list", OptionList)
        assert ol.option_count == 27  # every catalogue demo, all available
        assert not any(ol.get_option_at_index(i).disabled for i in range(ol.option_count))
        await press(app, pilot, "escape", "r")
        assert isinstance(app.screen, DrillListScreen)
        assert app.screen.query_one("#launch-list", OptionList).option_count == 8
        await press(app, pilot, "escape")
        app.push_screen(LinkedScreen("a.01"))  # the mini bank links sgd-descent and sgd-step
        await settle(app, pilot)
        ol = app.screen.query_one("#launch-list", OptionList)
        ids = [ol.get_option_at_index(i).id for i in range(ol.option_count)]
        assert ids == ["demo:sgd-descent", "drill:sgd-step"]
        ol.highlighted = 1
        await press(app, pilot, "enter")
        assert type(app.screen).__name__ == "DrillScreen"
