"""The drill screen in a tiny host app: type answers, check, see ✓/✗, next, back."""

from __future__ import annotations

import pytest
from textual.app import App
from textual.widgets import Input, Static

from tutor.drills import registry
from tutor.ui.screens.drill import DrillScreen


class Host(App[None]):
    def __init__(self, screen: DrillScreen) -> None:
        super().__init__()
        self.drill_screen = screen
        self.checked: list[DrillScreen.Checked] = []

    def on_mount(self) -> None:
        self.push_screen(self.drill_screen)

    def on_drill_screen_checked(self, message: DrillScreen.Checked) -> None:
        self.checked.append(message)


def mark(screen: DrillScreen, key: str) -> str:
    return str(screen.query_one(f"#mark-{key}", Static).render())


async def test_type_right_answer_and_check():
    ex = registry.get("iou-nms").generate(3, 1)
    app = Host(DrillScreen("iou-nms", seed=3, difficulty=1))
    async with app.run_test() as pilot:
        screen = app.drill_screen
        assert screen.query_one("#in-iou_ab", Input).has_focus
        await pilot.press(*str(ex.field("iou_ab").expected))
        await pilot.press("enter")  # last field: enter checks
        await pilot.pause()
        assert mark(screen, "iou_ab") == "✓"
        assert [(m.drill, m.seed, m.difficulty, m.correct, m.total) for m in app.checked] == [
            ("iou-nms", 3, 1, 1, 1)
        ]
        solution = screen.query_one("#drill-solution", Static)
        assert solution.has_class("shown") and "intersection" in str(solution.render())


async def test_wrong_and_malformed_answers_show_expected_and_hint():
    ex = registry.get("conv-shape").generate(2, 2)
    app = Host(DrillScreen("conv-shape", seed=2, difficulty=2))
    async with app.run_test(size=(120, 60)) as pilot:
        screen = app.drill_screen
        keys = [f.key for f in ex.fields]
        screen.query_one(f"#in-{keys[0]}", Input).value = "banana"
        screen.query_one(f"#in-{keys[1]}", Input).value = str(ex.fields[1].to_json()["expected"])
        await pilot.click("#check")
        await pilot.pause()
        assert mark(screen, keys[0]).startswith("✗ expected") and "shape" in mark(screen, keys[0])
        assert mark(screen, keys[1]) == "✓"
        assert mark(screen, keys[2]).startswith("✗")
        assert app.checked[-1].correct == 1 and app.checked[-1].total == len(keys)


async def test_next_gives_a_new_exercise_and_escape_goes_back():
    app = Host(DrillScreen("vq-assign", seed=5))
    async with app.run_test() as pilot:
        screen = app.drill_screen
        before = screen.exercise
        await pilot.press("ctrl+n")
        await pilot.pause()
        assert screen.exercise.seed != before.seed
        assert screen.exercise.drill == "vq-assign"
        assert len(screen.query(Input)) == len(screen.exercise.fields)
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is not screen


def test_unknown_drill_raises_key_error():
    with pytest.raises(KeyError):
        DrillScreen("no-such-drill")
