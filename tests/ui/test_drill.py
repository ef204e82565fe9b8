"""The drill screen as the walk used it (finding 5) and the drills' wording (finding 19)."""

from __future__ import annotations

import pytest
from textual.app import App
from textual.widgets import Button, Input, Static

from tutor.drills import registry
from tutor.ui.screens.drill import DrillScreen


class Host(App[None]):
    def __init__(self, screen: DrillScreen, lang: str = "en") -> None:
        super().__init__()
        self.drill_screen = screen
        self.lang = lang

    def on_mount(self) -> None:
        self.push_screen(self.drill_screen)


def visible(widget, height: int) -> bool:
    """On screen, between the header and the footer."""
    r = widget.region
    return r.height > 0 and r.y >= 1 and r.bottom <= height - 1


@pytest.mark.parametrize("size", [(120, 35), (80, 24)])
async def test_enter_walks_every_field_into_view_and_checks_on_the_last(size):
    screen = DrillScreen("cg-reverse", seed=11, difficulty=2)
    ex = screen.exercise
    app = Host(screen)
    async with app.run_test(size=size) as pilot:
        await pilot.pause()
        inputs = list(screen.query(Input))
        assert len(inputs) == len(ex.fields) > 6
        assert screen.query_one("#drill-body").scroll_y == 0  # the statement first
        for f, box in zip(ex.fields, inputs, strict=True):
            await pilot.pause()
            assert box.has_focus, f.key
            await pilot.press(*str(f.expected_json()))
            await pilot.pause()
            assert visible(box, size[1]), (f.key, box.region)  # typing shows the field
            await pilot.press("enter")
        await pilot.pause()
        assert screen.result is not None and screen.result.all_correct
        marks = [screen.query_one(f"#mark-{f.key}", Static) for f in ex.fields]
        # the field area keeps a row per field after checking (it used to shrink to one line)
        assert all(m.region.height >= 1 for m in marks)
        assert {str(m.render()) for m in marks} == {"✓"}


async def test_wrong_fields_say_expected_and_given_and_the_summary_names_them():
    screen = DrillScreen("conv-shape", seed=2, difficulty=2)
    ex = screen.exercise
    app = Host(screen)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        first, second = ex.fields[0], ex.fields[1]
        screen.query_one(f"#in-{first.key}", Input).value = "3x3x3"
        screen.query_one(f"#in-{second.key}", Input).value = str(second.expected_json())
        await pilot.press("ctrl+s")
        await pilot.pause()
        wrong = str(screen.query_one(f"#mark-{first.key}", Static).render())
        assert wrong.startswith(f"✗ expected {first.expected_text()}") and "you gave 3x3x3" in wrong
        assert str(screen.query_one(f"#mark-{second.key}", Static).render()) == "✓"
        assert "no answer" in str(screen.query_one(f"#mark-{ex.fields[2].key}", Static).render())
        summary = str(screen.query_one("#drill-summary", Static).render())
        assert f"1/{len(ex.fields)} correct" in summary and first.key in summary
        assert second.key not in summary.split("review:")[1].split(".")[0].split(", ")


async def test_check_button_and_solution_are_reachable_at_80x24():
    screen = DrillScreen("cg-reverse", seed=4, difficulty=3)
    app = Host(screen)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        button = screen.query_one("#check", Button)
        button.focus()
        await pilot.pause()
        await pilot.wait_for_scheduled_animations()
        await pilot.pause()
        assert visible(button, 24)
        await pilot.press("enter")  # the visible Check button checks
        await pilot.pause()
        assert screen.result is not None
        solution = screen.query_one("#drill-solution", Static)
        assert solution.display and "Reverse pass" in str(solution.render())
        screen.query_one("#drill-body").scroll_end(animate=False)
        await pilot.pause()
        last_line = solution.region.bottom
        assert solution.region.y < 23 and last_line <= 23  # scrolled to its end, all of it seen


async def test_ctrl_enter_checks_too():
    screen = DrillScreen("iou-nms", seed=3)
    app = Host(screen)
    async with app.run_test() as pilot:
        await pilot.press("ctrl+enter")
        await pilot.pause()
        assert screen.result is not None and not screen.result.all_correct


async def test_the_screen_speaks_italian():
    screen = DrillScreen("vq-assign", seed=5)
    app = Host(screen, lang="it")
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert str(screen.query_one("#check", Button).label) == "Verifica"
        assert "Quantizzazione vettoriale" in str(screen.query_one("#drill-title", Static).render())
        await pilot.press("ctrl+s")
        await pilot.pause()
        mark = str(screen.query_one(f"#mark-{screen.exercise.fields[0].key}", Static).render())
        assert mark.startswith("✗ atteso") and "nessuna risposta" in mark
        assert "corrette" in str(screen.query_one("#drill-summary", Static).render())


def test_forward_mode_drill_speaks_of_tangents_not_adjoints():
    for seed in range(40):
        ex = registry.get("cg-forward").generate(seed, 2)
        if "(fan-out)" in (ex.diagram or ""):
            break
    else:
        pytest.fail("no cg-forward exercise with fan-out in 40 seeds")
    assert "adjoint" not in ex.statement + (ex.diagram or "")
    assert "tangent on to each consumer" in ex.statement
    reverse = registry.get("cg-reverse").generate(seed, 2)
    assert "adjoint term from each consumer, and they add up" in reverse.statement


@pytest.mark.parametrize("difficulty", [1, 2, 3])
def test_conv_shape_statement_is_one_sentence_with_its_and(difficulty):
    last = registry.get("conv-shape").generate(7, difficulty).statement.splitlines()[-1]
    assert "16x14x14) and the number" in last or "Conv2d and the total." in last
    assert last.endswith(".") and ", the number of parameters of each Conv2d." not in last
