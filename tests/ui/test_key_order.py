"""Keys that arrive together are applied in the order they were typed.

Textual runs a widget's bound keys (backspace, arrows, enter in a field) only after
they have bubbled to the app, while typed characters go in at once (Textual issue
#6605). Found in tmux: ``send-keys BSpace 2 Enter`` on the exam setup started an exam of
the default 4 questions, and ``BSpace x`` typed into the answer box put the x before the
deletion. The keys are posted here without waiting, as a terminal delivers one read.
"""

from __future__ import annotations

from textual import events

from tests.ui.test_submit_race import settle
from tutor.ui.screens.exam import ExamScreen, ExamSetupScreen
from tutor.ui.screens.study import StudyScreen


def post_keys(app, *keys: str) -> None:
    for key in keys:
        char = key if len(key) == 1 else {"backspace": "\x7f", "enter": "\r"}.get(key)
        app.post_message(events.Key(key, char))


async def test_backspace_then_a_digit_on_the_exam_setup(make_app):
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(app, pilot)
        await pilot.press("e")
        await settle(app, pilot)
        assert isinstance(app.screen, ExamSetupScreen)
        post_keys(app, "backspace", "2", "enter")  # the default "4" is selected
        await settle(app, pilot)
        assert isinstance(app.screen, ExamScreen)
        assert len(app.screen.ids) == 2


async def test_editing_keys_in_the_answer_box_keep_their_place(make_app):
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("s")
        await settle(app, pilot)
        screen = app.screen
        assert isinstance(screen, StudyScreen)
        post_keys(app, *"teh", "backspace", "backspace", *"he", "left", "left", "x", "end", "!")
        await settle(app, pilot)
        assert screen.answer.text == "txhe!"
