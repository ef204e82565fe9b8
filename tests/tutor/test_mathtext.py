"""Math that reads in a terminal: rows on lines of their own, products that show, no LaTeX left."""

from __future__ import annotations

import re
import subprocess
import sys
import unicodedata

import pytest

from tutor.bankload import load
from tutor.mathtext import display_math_blocks, latex_lines, render_markdown_math
from tutor.render import answer_markdown

LSTM = (
    r"\begin{aligned} i_t &= \sigma(W_{ii} x_t) \\ f_t &= \sigma(W_{if} x_t) \\"
    r" c_t &= f_t \odot c_{t-1} + i_t \odot g_t \end{aligned}"
)


@pytest.fixture(scope="module")
def bank():
    return load(())


def equals_column(line: str) -> int:
    """The terminal column of the first '=' (a combining accent takes no column)."""
    head = line[: line.index("=")]
    return sum(not unicodedata.combining(ch) for ch in head)


def test_aligned_rows_are_lines_lined_up_at_equals():
    lines = latex_lines(LSTM)
    assert [line.split("=")[0].strip() for line in lines] == ["iₜ", "fₜ", "cₜ"]
    assert len({equals_column(line) for line in lines}) == 1
    assert not any("&" in line or "\\" in line for line in lines)


def test_left_sides_of_different_widths_still_meet_at_equals():
    lines = latex_lines(r"\begin{aligned} h_t &= o_t \\ \tilde{c}_{t-1} + x &= 1 \end{aligned}")
    assert lines[0].endswith("= oₜ") and lines[1].endswith("= 1")
    assert equals_column(lines[0]) == equals_column(lines[1])


def test_row_breaks_without_an_environment_align_at_the_first_equals():
    lines = latex_lines(r"a = b + c \\ long_{name} = d \\ + e")
    assert len(lines) == 3
    assert equals_column(lines[0]) == equals_column(lines[1])
    assert lines[2].strip() == "+ e"


def test_text_before_and_after_an_environment_stays_with_it():
    lines = latex_lines(r"y = \begin{aligned} a &= 1 \\ b &= 2 \end{aligned},")
    assert lines[0].startswith("y = a") and lines[1].endswith("b = 2,")
    assert equals_column(lines[0][4:]) == equals_column(lines[1][4:])


def test_cases_draws_a_brace_with_values_and_conditions_in_columns():
    lines = latex_lines(
        r"f(x) = \begin{cases} x & \text{if } x > 0 \\ 0 & \text{otherwise} \end{cases}"
    )
    assert lines == ["f(x) = ⎧ x  if x > 0", "       ⎩ 0  otherwise"]
    three = latex_lines(r"\begin{cases} 1 & a \\ 2 & b \\ 3 & c \end{cases}")
    assert [line[0] for line in three] == ["⎧", "⎨", "⎩"]


def test_products_of_fractions_have_a_visible_dot():
    assert latex_lines(r"\frac{\partial f}{\partial u}\frac{du}{dx}") == ["(∂f/∂u)·(du/dx)"]
    chain = r"\frac{dy}{dx} = \frac{dy}{dw_2}\,\frac{dw_2}{dw_1}\,\frac{dw_1}{dx}"
    assert latex_lines(chain) == ["dy/dx = (dy/dw₂)·(dw₂/dw₁)·(dw₁/dx)"]
    # a fraction times a bracket is a product too; one alone keeps no parentheses
    assert latex_lines(r"\frac{1}{2}\left[a + b\right]") == ["(1/2)·[a + b]"]
    assert latex_lines(r"\frac{\partial L}{\partial \theta} = 0") == ["∂L/∂θ = 0"]


def test_a_fraction_before_a_sum_is_spaced_not_glued():
    assert latex_lines(r"\frac{1}{N}\sum_{i=1}^{N} \ell_i") == ["1/N Σᵢ₌₁ᴺ ℓᵢ"]
    assert latex_lines(r"\frac{1}{|B|}\sum_{i \in B} g_i") == ["1/|B| Σ_(i ∈ B) gᵢ"]


def test_subscripts_without_small_letters_stay_readable():
    assert latex_lines(r"W_{if} x_t + W_{hf}h") == ["W_if xₜ + W_(hf)h"]
    assert latex_lines(r"J_F^\top g") == ["J_Fᵀ g"]
    assert latex_lines(r"\bar v_j \mathrel{+}= 1") == ["v̄ⱼ += 1"]


def test_bank_d07_and_a03_read_as_the_walk_expected(bank):
    d07 = answer_markdown(bank.get("d.07"), "en")
    rows = [line for line in d07.splitlines() if re.match(r"    [a-z]ₜ = ", line)]
    assert [r.split("=")[0].strip() for r in rows] == ["iₜ", "fₜ", "gₜ", "oₜ", "cₜ", "hₜ"]
    assert "(∂f/∂u)·(du/dx) + (∂f/∂v)·(dv/dx)" in answer_markdown(bank.get("a.03"), "en")
    assert "(dy/dw₂)·(dw₂/dw₁)·(dw₁/dx)" in answer_markdown(bank.get("a.04"), "it")


_MATH = re.compile(r"\$\$(.+?)\$\$|\$([^$\n]+?)\$", re.S)
_LEFTOVER = re.compile(r"\\[A-Za-z]+|\\\\|&|\^\{|_\{")


def _without_code(markdown: str) -> str:
    return re.sub(r"`[^`\n]*`", "", re.sub(r"```.*?```", "", markdown, flags=re.S))


def test_no_latex_left_in_any_rendered_answer(bank):
    """Every answer of the bank, both languages: the rendered text has no TeX in it."""
    problems = []
    for q in bank.questions:
        for lang in ("en", "it"):
            source = _without_code(q.answer[lang])
            for m in _MATH.finditer(source):
                tex = m.group(1) or m.group(2)
                rendered = "\n".join(latex_lines(tex.strip()))
                left = _LEFTOVER.findall(rendered)
                # braces survive only where the source asked for them, \{…\}
                if ("{" in rendered or "}" in rendered) and "\\{" not in tex:
                    left.append("{…}")
                if left:
                    problems.append(f"{q.id} {lang}: {left} in {rendered!r}")
            shown = _without_code(render_markdown_math(q.answer[lang]))
            for bad in ("$", "\\begin", "\\end", "&=", "\\\\"):
                if bad in shown:
                    problems.append(f"{q.id} {lang}: {bad!r} left after rendering")
    assert not problems, "\n".join(problems)


def test_study_sheet_keeps_the_latex_with_one_row_per_line(bank):
    sheet = display_math_blocks(bank.get("d.08").answer["en"])
    start = sheet.index("$$\n") + 3
    block = sheet[start : sheet.index("\n$$", start)].splitlines()
    assert block[0] == r"\begin{aligned}" and block[-1] == r"\end{aligned}"
    rows = block[1:-1]
    assert len(rows) == 4 and all(r.endswith(" \\\\") for r in rows[:-1])
    assert len({r.index("&=") for r in rows}) == 1  # the rows line up in the source too
    # a one-line formula is left where it is, inside its sentence
    one = "so $$L = 1$$ holds"
    assert display_math_blocks(one) == one


def test_markdown_export_lays_out_the_gru_equations(bank, tmp_path):
    from tutor.export import export

    export(bank, tmp_path / "d.md", "md", ids=["d.08"])
    text = (tmp_path / "d.md").read_text(encoding="utf-8")
    assert "$$\n\\begin{aligned}\nr_t &= " in text
    assert "\\\\ z_t" not in text  # no two rows on one line


def test_bank_show_prints_lstm_rows_on_lines_of_their_own():
    res = subprocess.run(
        [sys.executable, "-m", "tutor", "bank", "show", "d.07"], capture_output=True, text=True
    )
    assert res.returncode == 0, res.stderr
    rows = [line for line in res.stdout.splitlines() if re.match(r"\s+[a-z]ₜ = ", line)]
    assert len(rows) == 6 and len({equals_column(r) for r in rows}) == 1
    assert "&=" not in res.stdout and "\\begin" not in res.stdout


def test_every_command_the_bank_writes_is_one_the_renderer_knows(bank):
    """An unknown command is shown by its name ("ε_θ(z_t, varnothing)"), which the
    leftover check above cannot see: every ``\\name`` inside the bank's math must be known."""
    from tutor import mathtext

    handled = {"frac", "dfrac", "tfrac", "sqrt", "text", "texttt", "mathbb", "mathcal"}
    known = (
        set(mathtext._SYMBOLS)
        | set(mathtext._PASS_THROUGH)
        | set(mathtext._ACCENTS)
        | handled
        | {"begin", "end"}
    )
    unknown = set()
    for q in bank.questions:
        for lang in ("en", "it"):
            for m in _MATH.finditer(_without_code(q.answer[lang])):
                unknown |= set(re.findall(r"\\([A-Za-z]+)", m.group(1) or m.group(2))) - known
    assert not unknown, sorted(unknown)
