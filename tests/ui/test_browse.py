"""Finding questions (walk finding 15) and reading one with its context (finding 8)."""

from __future__ import annotations

import pytest
from textual.command import CommandInput, CommandList, CommandPalette
from textual.widgets import Markdown, OptionList

from tutor.bankload import load
from tutor.search import Where, search
from tutor.ui.screens.browse import BrowseScreen, QuestionScreen


@pytest.fixture(scope="module")
def bank():
    return load(())


async def settle(app, pilot) -> None:
    await pilot.pause()
    await app.workers.wait_for_complete()
    await pilot.pause()


def test_ranked_by_where_the_words_are(bank):
    """'straight-through' used to list a.10 first, in bank order."""
    found = search(bank, "straight-through")
    assert found[0].qid.startswith("f.")
    assert [f.where for f in found] == sorted(f.where for f in found)
    assert search(bank, "a.03")[0].qid == "a.03" and search(bank, "a.03")[0].where is Where.ID
    by_prefix = search(bank, "c.1")
    assert {f.qid for f in by_prefix} == {q.id for q in bank.questions if q.id.startswith("c.1")}
    gan = search(bank, "mode collapse")
    assert gan and gan[0].qid.startswith("g.")  # found in key points and answers, not the text
    assert all(f.where is not Where.QUESTION for f in gan)


async def test_preview_follows_the_first_result_while_typing(make_app, bank):
    app = make_app(bank)
    async with app.run_test(size=(120, 35)) as pilot:
        await settle(app, pilot)
        await pilot.press("b")
        await settle(app, pilot)
        screen = app.screen
        assert isinstance(screen, BrowseScreen)
        view = screen.query_one("#browse-view", Markdown)
        for word in ("codebook", " commitment"):
            await pilot.press(*word)
            await settle(app, pilot)
            first = screen.query_one("#results", OptionList).get_option_at_index(0).id
            assert screen.current == first and view.source.startswith(f"# {first} ")
        await pilot.press("enter", "down")  # to the list, then the second result
        await settle(app, pilot)
        second = screen.query_one("#results", OptionList).get_option_at_index(1).id
        assert view.source.startswith(f"# {second} ")
        await pilot.press("enter")
        await settle(app, pilot)
        assert isinstance(app.screen, QuestionScreen) and app.screen.qid == second


async def test_long_results_are_one_line_ending_in_an_ellipsis(make_app, bank):
    app = make_app(bank)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        await pilot.press("b")
        await settle(app, pilot)
        results = app.screen.query_one("#results", OptionList)
        width = results.scrollable_content_region.width
        prompts = [str(results.get_option_at_index(i).prompt) for i in range(results.option_count)]
        assert any(p.endswith("…") for p in prompts)
        assert all(len(p) <= width for p in prompts)
        assert results.virtual_size.height == results.option_count  # one line each


async def test_context_is_shown_with_the_question_and_its_italian_beneath(make_app, bank):
    a12 = bank.get("a.12")
    assert a12.context, "the bank gives a.12 the expression of a.11"
    app = make_app(bank, lang="it")
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(app, pilot)
        app.open_question("a.12")
        await settle(app, pilot)
        source = app.screen.query_one("#qv", Markdown).source
        lines = source.splitlines()
        assert lines[0] == f"# a.12 — {a12.question}"  # the official text first
        if a12.question_it:
            assert f"*{a12.question_it}*" in lines
        assert "Contesto:" in source and a12.context["it"][:20] in source
        await pilot.press("l")  # the one-question view switches the app's language
        await settle(app, pilot)
        assert app.lang == "en"
        source = app.screen.query_one("#qv", Markdown).source
        assert "Context:" in source and a12.context["en"][:20] in source


async def test_palette_finds_answer_text_and_says_so(make_app, bank):
    app = make_app(bank)
    async with app.run_test(size=(120, 35)) as pilot:
        await settle(app, pilot)
        await pilot.press("ctrl+p")
        await settle(app, pilot)
        palette = app.screen
        assert isinstance(palette, CommandPalette)
        box = palette.query_one(CommandInput)
        assert "answer" in box.placeholder
        await pilot.press(*"mode collapse")
        await pilot.pause(0.5)
        await settle(app, pilot)
        hits = palette.query_one(CommandList)
        assert hits.option_count > 0
        await pilot.press("enter")  # the best hit opens its question
        await settle(app, pilot)
        assert isinstance(app.screen, QuestionScreen) and app.screen.qid.startswith("g.")


async def test_the_question_view_names_the_language_key_once_in_its_footer(make_app):
    """Seen at 80×24: the footer read 'l Italiano … ^l Italiano' (two keys, one action)."""
    from tutor.ui.keys import TutorFooter

    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        app.push_screen(QuestionScreen("a.01"))
        await pilot.pause()
        await pilot.pause()
        footer = app.screen.query_one(TutorFooter)
        labels = [str(getattr(k, "description", "")) for k in footer.query("FooterKey")]
        assert labels.count("Italiano") == 1, labels
