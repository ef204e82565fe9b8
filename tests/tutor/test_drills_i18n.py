"""Every drill in Italian: the same exercise as in English, with no English sentence left.

For seeds 0–50 at each difficulty, the Italian rendering of each drill must have the same
inputs, fields and expected values as the English one, the same numbers in the same order
in every text (statement, diagram, labels, solution), and none of the English-only pieces
of the drills' catalogue (``tutor.i18n.drills``) — and the English none of the Italian.
"""

from __future__ import annotations

import re

import pytest
from textual.app import App
from textual.widgets import Label, Static

from tests.tutor.test_cli_i18n import only_in, pieces, texts
from tutor.drills import registry
from tutor.drills.base import Field
from tutor.i18n import drills as T
from tutor.ui.screens.drill import DrillScreen

SEEDS = range(51)
CATALOGUE = texts(T)
ONLY = {"en": only_in("en", CATALOGUE), "it": only_in("it", CATALOGUE)}
_NUMBER = re.compile(r"\d+(?:\.\d+)?")


def parts(ex) -> dict[str, str]:
    """Each text of an exercise a student reads, by where it is shown."""
    out = {
        "statement": ex.statement,
        "diagram": ex.diagram or "",
        "solution": "\n".join(ex.solution),
    }
    out |= {f"label {f.key}": f.label for f in ex.fields}
    return out


#: One pattern per language: any of its own pieces, as whole words.
_FIND = {
    lang: re.compile(
        r"(?<!\w)(?:"
        + "|".join(re.escape(p) for p in sorted(found, key=len, reverse=True))
        + r")(?!\w)"
    )
    for lang, found in ONLY.items()
}


def leftovers(text: str, lang: str) -> list[str]:
    """The catalogue pieces of the *other* language found in ``text``."""
    other = "en" if lang == "it" else "it"
    return sorted(set(_FIND[other].findall(" ".join(text.split()))))


def test_the_catalogue_gives_pieces_to_look_for():
    assert "Worked" not in ONLY["en"]  # single words are never pieces
    assert {pieces(T.CG_FORWARD_PASS.en)[0], pieces(T.IOU_RULE.it)[0]} <= ONLY["en"] | ONLY["it"]
    assert leftovers("  " + T.CG_FORWARD_PASS.en, "it") == [T.CG_FORWARD_PASS.en]
    assert leftovers(T.CG_FORWARD_PASS.it, "it") == []


@pytest.mark.parametrize("name", registry.names())
def test_italian_is_the_same_exercise_with_no_english_left(name):
    drill = registry.get(name)
    for difficulty in (1, 2, 3):
        for seed in SEEDS:
            en = drill.generate(seed, difficulty, "en")
            it = drill.generate(seed, difficulty, "it")
            where = f"{name} seed {seed} difficulty {difficulty}"
            assert it.lang == "it" and en.lang == "en"
            assert it.inputs == en.inputs, where
            assert [(f.key, f.kind, f.expected_json()) for f in it.fields] == [
                (f.key, f.kind, f.expected_json()) for f in en.fields
            ], where
            en_parts, it_parts = parts(en), parts(it)
            for part, text in it_parts.items():
                assert _NUMBER.findall(text) == _NUMBER.findall(en_parts[part]), (where, part)
                assert leftovers(text, "it") == [], (where, part)
                assert leftovers(en_parts[part], "en") == [], (where, part)
            assert it.statement != en.statement, where


def _malformed(f: Field) -> str:
    return "§" if f.kind != "exact" else "1/0"


@pytest.mark.parametrize("name", registry.names())
def test_hints_and_expected_values_in_italian(name):
    for difficulty in (1, 2, 3):
        it = registry.get(name).generate(3, difficulty, "it")
        result = it.check({f.key: _malformed(f) for f in it.fields})
        for r, f in zip(result.results, it.fields, strict=True):
            assert r.hint and leftovers(r.hint, "it") == [], (name, f.key, r.hint)
            assert r.expected == f.expected_text("it")
        empty = it.check({})
        assert {r.hint for r in empty.results} == {T.NO_ANSWER.it}


def test_italian_answers_are_accepted_in_either_language():
    shape = Field("s", "forma", "shape", None)
    scalar = Field("t", "forma", "shape", ())
    yes = Field("y", "contiguo?", "yesno", True)
    none = Field("k", "indici", "set", frozenset())
    for lang in ("en", "it"):
        assert shape.check("errore", lang).ok and scalar.check("scalare", lang).ok
        assert yes.check("sì", lang).ok and none.check("nessuno", lang).ok
    assert shape.expected_text("it") == T.ERROR.it and yes.expected_text("it") == T.YES.it


def test_the_english_exercise_is_the_default():
    drill = registry.get("vq-assign")
    assert drill.generate(4, 2) == drill.generate(4, 2, "en")
    assert drill.generate(4, 2, "fr").lang == "en"  # an unknown language falls back


class _Host(App[None]):
    def __init__(self, screen: DrillScreen, lang: str) -> None:
        super().__init__()
        self.drill_screen = screen
        self.lang = lang

    def on_mount(self) -> None:
        self.push_screen(self.drill_screen)


@pytest.mark.parametrize("size", [(120, 35), (80, 24)])
async def test_the_drill_screen_shows_the_italian_exercise(size):
    """The screen showed the English statement and labels in the Italian app (issue 13)."""
    screen = DrillScreen("rnn-params", seed=5, difficulty=2)
    italian = registry.get("rnn-params").generate(5, 2, "it")
    async with _Host(screen, "it").run_test(size=size) as pilot:
        await pilot.pause()
        assert str(screen.query_one("#drill-statement", Static).render()) == italian.statement
        labels = [str(label.render()) for label in screen.query(".drill-label").results(Label)]
        assert labels == [f.label for f in italian.fields]
        for _ in italian.fields:
            await pilot.press(*"§")
            await pilot.press("enter")
        await pilot.pause()
        assert screen.result is not None
        solution = str(screen.query_one("#drill-solution", Static).render())
        assert italian.solution[0] in solution and leftovers(solution, "it") == []
