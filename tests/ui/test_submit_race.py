"""ctrl+s must grade exactly what was typed, even while keystrokes are still queued.

A priority binding runs as soon as the app reads the key, before the keys queued for
the answer box are processed; a fast paste followed by ctrl+s graded a cut answer and
the leftover letters ran as hotkeys. These tests post the keys faster than the app
can process them, as a terminal does during an unbracketed paste.
"""

from __future__ import annotations

from textual import events

from tutor.session import Phase
from tutor.ui.screens.exam import ExamScreen
from tutor.ui.screens.lists import LinkedScreen
from tutor.ui.screens.study import StudyScreen

# letters that are hotkeys of the study screen (d, l, j, k), digits (ratings) and newlines
BURST = ("the gradient descent rule d l j k 1 2 3 4\n" * 40).rstrip()


def _key(ch: str) -> events.Key:
    if ch == "\n":
        return events.Key("enter", "\r")
    if ch == " ":
        return events.Key("space", " ")
    return events.Key(ch, ch)


def post_burst(app, text: str, *then: str) -> None:
    """Queue every key at once, without waiting for any to be processed."""
    for ch in text:
        app.post_message(_key(ch))
    for key in then:
        app.post_message(events.Key(key, None))


async def settle(app, pilot) -> None:
    for _ in range(3):
        await pilot.pause()
        await app.workers.wait_for_complete()
    await pilot.pause()


async def test_study_submit_grades_every_queued_key(make_app):
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("s")
        await settle(app, pilot)
        screen = app.screen
        assert isinstance(screen, StudyScreen)
        qid = screen.qid
        post_burst(app, BURST, "ctrl+s")
        await settle(app, pilot)
        assert app.screen is screen, "a queued letter opened another screen"
        assert screen.state in (Phase.GRADED, Phase.FOLLOWUP)  # the card, or a follow-up first
        attempts = app.store.attempts(qid)
        assert len(attempts) == 1
        assert attempts[-1].answer == BURST


async def test_study_keys_after_submit_are_not_commands(make_app):
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("s")
        await settle(app, pilot)
        screen = app.screen
        post_burst(app, "short answer", "ctrl+s")
        post_burst(app, "dl1")  # typed on after ctrl+s, while grading
        await settle(app, pilot)
        assert not isinstance(app.screen, LinkedScreen)
        assert app.screen is screen and screen.state in (Phase.GRADED, Phase.FOLLOWUP)
        assert screen.reviewed == 0  # the stray '1' did not rate the card
        if screen.state is Phase.FOLLOWUP:
            assert screen.answer.text == ""  # nor went into the follow-up's answer


async def test_exam_submit_stores_every_queued_key(make_app):
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("e")
        await settle(app, pilot)
        app.screen.query_one("#n").value = "2"
        await pilot.click("#start")
        await settle(app, pilot)
        screen = app.screen
        assert isinstance(screen, ExamScreen)
        first = screen.ids[0]
        post_burst(app, BURST, "ctrl+s")
        await settle(app, pilot)
        stored = [a for a in app.store.attempts(first) if a.mode == "exam"]
        assert [a.answer for a in stored] == [BURST]
