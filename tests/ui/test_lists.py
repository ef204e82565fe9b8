"""Demo and drill lists open ready for enter (walk finding 13), in either language."""

from __future__ import annotations

from textual.widgets import OptionList, Static

from quizbank import catalogue
from tutor.drills import registry
from tutor.ui.screens.drill import DrillScreen
from tutor.ui.screens.lists import DemoListScreen, DrillListScreen, LinkedScreen


async def settle(app, pilot) -> None:
    await pilot.pause()
    await app.workers.wait_for_complete()
    await pilot.pause()


async def test_drill_list_opens_on_its_first_row_and_enter_starts_it(make_app):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        await pilot.press("r")
        await settle(app, pilot)
        screen = app.screen
        assert isinstance(screen, DrillListScreen)
        options = screen.query_one("#launch-list", OptionList)
        assert options.has_focus and options.highlighted == 0
        assert options.get_option_at_index(0).id == f"drill:{catalogue.DRILLS[0]}"
        await pilot.press("enter")  # no Down needed first
        await settle(app, pilot)
        assert isinstance(app.screen, DrillScreen)
        assert app.screen.exercise.drill == catalogue.DRILLS[0]


async def test_demo_list_opens_on_its_first_row(make_app):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        await pilot.press("m")
        await settle(app, pilot)
        options = app.screen.query_one("#launch-list", OptionList)
        assert isinstance(app.screen, DemoListScreen)
        assert options.highlighted == 0
        assert options.get_option_at_index(0).id == f"demo:{catalogue.DEMOS[0]}"


async def test_linked_list_highlights_the_first_entry_that_opens(make_app):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        app.push_screen(LinkedScreen("a.01"))  # the mini bank links sgd-descent, sgd-step
        await settle(app, pilot)
        options = app.screen.query_one("#launch-list", OptionList)
        assert options.highlighted == 0 and not options.get_option_at_index(0).disabled


async def test_lists_in_italian(make_app):
    app = make_app(lang="it")
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(app, pilot)
        await pilot.press("r")
        await settle(app, pilot)
        heading = str(app.screen.query_one("#launch-heading", Static).render())
        assert heading.startswith("Esercizi")
        prompts = [str(o.prompt) for o in app.screen.query_one("#launch-list", OptionList).options]
        titles = {d.name: d.title for d in registry.all_drills()}
        # every drill has its Italian title, none is left in English
        assert not [p for p in prompts if any(t in p for t in titles.values())]
        assert any("Grafo computazionale" in p for p in prompts)
