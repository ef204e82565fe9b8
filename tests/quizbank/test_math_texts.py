"""Math in the short texts of the bank is written inside $…$, so that the app renders it.

The card, the examiner's follow-ups and the question's context show these texts through
``tutor.mathtext``; a formula written outside ``$…$`` came out with its braces
(``h_{t-1}``). Once rendered, no LaTeX may be left in any of them.
"""

from __future__ import annotations

import pytest

from quizbank import LANGS, load_bank
from tutor.grading.followup import probe_for
from tutor.mathtext import render_markdown_math

#: What only unrendered LaTeX leaves behind.
LATEX_LEFT = ("_{", "^{", "\\", "$")


def _texts(bank):
    """(where, text) for every key point, misconception, probe and context, both languages."""
    for q in bank.questions:
        for lang in LANGS:
            yield f"{q.id} context.{lang}", q.context.get(lang, "")
            for kp in q.key_points:
                yield f"{q.id} {kp.id} text.{lang}", kp.text.get(lang, "")
                yield f"{q.id} {kp.id} probe.{lang}", probe_for(kp, lang)
            for m in q.misconceptions:
                yield f"{q.id} {m.id} text.{lang}", m.text.get(lang, "")
                yield f"{q.id} {m.id} correction.{lang}", m.correction.get(lang, "")


@pytest.fixture(scope="module")
def bank():
    return load_bank()


def test_every_short_text_renders_without_latex_left(bank):
    texts = list(_texts(bank))
    assert len({where.split()[0] for where, _ in texts}) == len(bank.questions) == 97
    left = []
    for where, text in texts:
        shown = render_markdown_math(text)
        found = [mark for mark in LATEX_LEFT if mark in shown]
        if found:
            left.append(f"{where}: {found} in {shown!r}")
    assert not left, "\n".join(left)


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("each $h_t$ is computed from $h_{t-1}$", "each hₜ is computed from hₜ₋₁"),
        ("a chain x_{l+1} = f(x_l)", "a chain x_{l+1} = f(x_l)"),  # outside $…$: left as it is
    ],
)
def test_the_renderer_the_test_relies_on(text, shown):
    """The check above is only as good as what it reads: math inside $…$ is rendered,
    math outside is not (which is what the bank must avoid)."""
    assert render_markdown_math(text) == shown
