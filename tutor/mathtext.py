"""Turn the LaTeX inside Markdown answers into readable Unicode for a terminal.

A terminal cannot typeset ``$\\frac{\\partial L}{\\partial \\theta}$``; a student
reading ``∂L/∂θ`` at 1 a.m. should not have to. This is a small, forgiving
translator for the LaTeX subset the bank uses, not a TeX engine.
"""

from __future__ import annotations

import re
import unicodedata

__all__ = ["display_math_blocks", "latex_lines", "latex_to_unicode", "render_markdown_math"]

_SYMBOLS = {
    "alpha": "α",
    "beta": "β",
    "gamma": "γ",
    "delta": "δ",
    "epsilon": "ε",
    "varepsilon": "ε",
    "zeta": "ζ",
    "eta": "η",
    "theta": "θ",
    "vartheta": "ϑ",
    "iota": "ι",
    "kappa": "κ",
    "lambda": "λ",
    "mu": "μ",
    "nu": "ν",
    "xi": "ξ",
    "pi": "π",
    "rho": "ρ",
    "sigma": "σ",
    "tau": "τ",
    "upsilon": "υ",
    "phi": "φ",
    "varphi": "φ",
    "chi": "χ",
    "psi": "ψ",
    "omega": "ω",
    "Gamma": "Γ",
    "Delta": "Δ",
    "Theta": "Θ",
    "Lambda": "Λ",
    "Xi": "Ξ",
    "Pi": "Π",
    "Sigma": "Σ",
    "Phi": "Φ",
    "Psi": "Ψ",
    "Omega": "Ω",
    "sum": "Σ",
    "ell": "ℓ",
    "hbar": "ħ",
    "emptyset": "∅",
    "varnothing": "∅",
    "neg": "¬",
    "land": "∧",
    "lor": "∨",
    "star": "⋆",
    "ast": "∗",
    "bullet": "•",
    "prime": "′",
    "dagger": "†",
    "perp": "⊥",
    "parallel": "∥",
    "angle": "∠",
    "triangleq": "≜",
    "coloneqq": "≔",
    "gets": "←",
    "uparrow": "↑",
    "downarrow": "↓",
    "longrightarrow": "⟶",
    "implies": "⟹",
    "iff": "⟺",
    "ll": "≪",
    "gg": "≫",
    "simeq": "≃",
    "cong": "≅",
    "sqrt": "√",
    "prod": "∏",
    "int": "∫",
    "partial": "∂",
    "nabla": "∇",
    "infty": "∞",
    "odot": "⊙",
    "otimes": "⊗",
    "oplus": "⊕",
    "circ": "∘",
    "cdot": "·",
    "times": "×",
    "div": "÷",
    "pm": "±",
    "mp": "∓",
    "le": "≤",
    "leq": "≤",
    "ge": "≥",
    "geq": "≥",
    "neq": "≠",
    "ne": "≠",
    "approx": "≈",
    "sim": "∼",
    "propto": "∝",
    "equiv": "≡",
    "in": "∈",
    "notin": "∉",
    "subset": "⊂",
    "subseteq": "⊆",
    "cup": "∪",
    "cap": "∩",
    "forall": "∀",
    "exists": "∃",
    "to": "→",
    "rightarrow": "→",
    "leftarrow": "←",
    "Rightarrow": "⇒",
    "Leftarrow": "⇐",
    "mapsto": "↦",
    "leftrightarrow": "↔",
    "ldots": "…",
    "cdots": "⋯",
    "dots": "…",
    "vdots": "⋮",
    "lfloor": "⌊",
    "rfloor": "⌋",
    "lceil": "⌈",
    "rceil": "⌉",
    "langle": "⟨",
    "rangle": "⟩",
    "lVert": "‖",
    "rVert": "‖",
    "Vert": "‖",
    "|": "‖",
    "lvert": "|",
    "rvert": "|",
    "mid": "∣",
    "top": "ᵀ",
    "intercal": "ᵀ",
    "quad": "  ",
    "qquad": "    ",
    ",": " ",
    ";": " ",
    ":": " ",
    "!": "",
    " ": " ",
    "log": "log",
    "ln": "ln",
    "exp": "exp",
    "max": "max",
    "min": "min",
    "arg": "arg",
    "argmin": "argmin",
    "argmax": "argmax",
    "sin": "sin",
    "cos": "cos",
    "tanh": "tanh",
    "det": "det",
    "lim": "lim",
    "sup": "sup",
    "inf": "inf",
    "Pr": "Pr",
    "left": "",
    "right": "",
    "big": "",
    "Big": "",
    "bigg": "",
    "Bigg": "",
    "{": "{",
    "}": "}",
    "%": "%",
    "_": "_",
    "#": "#",
    "&": "&",
}

_BLACKBOARD = {"R": "ℝ", "E": "𝔼", "N": "ℕ", "Z": "ℤ", "Q": "ℚ", "C": "ℂ", "P": "ℙ"}
_CALLIGRAPHIC = {
    "L": "ℒ",
    "N": "𝒩",
    "D": "𝒟",
    "E": "ℰ",
    "F": "ℱ",
    "H": "ℋ",
    "M": "ℳ",
    "O": "𝒪",
    "X": "𝒳",
    "Z": "𝒵",
    "B": "ℬ",
    "C": "𝒞",
    "G": "𝒢",
    "S": "𝒮",
}
_SUP_SRC = "0123456789+-=()abcdefghijklmnoprstuvwxyzABDEGHIJKLMNOPRTUWβγδθφχ"
_SUB_SRC = "0123456789+-=()aehijklmnoprstuvxβγρφχ"
_SUP = str.maketrans(_SUP_SRC, "⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻⁼⁽⁾ᵃᵇᶜᵈᵉᶠᵍʰⁱʲᵏˡᵐⁿᵒᵖʳˢᵗᵘᵛʷˣʸᶻᴬᴮᴰᴱᴳᴴᴵᴶᴷᴸᴹᴺᴼᴾᴿᵀᵁᵂᵝᵞᵟᶿᵠᵡ")
_SUB = str.maketrans(_SUB_SRC, "₀₁₂₃₄₅₆₇₈₉₊₋₌₍₎ₐₑₕᵢⱼₖₗₘₙₒₚᵣₛₜᵤᵥₓᵦᵧᵨᵩᵪ")
_SUP_OK = set(_SUP_SRC) | {"ᵀ", "′"}  # already small: kept as they are
_SUB_OK = set(_SUB_SRC)
_ACCENTS = {
    "hat": "\u0302",
    "tilde": "\u0303",
    "bar": "\u0304",
    "overline": "\u0305",
    "vec": "\u20d7",
    "dot": "\u0307",
    "ddot": "\u0308",
}


#: Commands whose braced argument is rendered as it is, without their own mark.
_PASS_THROUGH = {
    "mathrm",
    "operatorname",
    "mathbf",
    "mathit",
    "boldsymbol",
    "textbf",
    "textit",
    "mathsf",
    "emph",
    "bm",
    "mathrel",
    "mathbin",
    "mathop",
    "mathord",
}
#: Row environments: one output line per ``\\``-separated row.
_ROW_ENVIRONMENTS = {"aligned", "align", "align*", "gathered", "split", "array", "cases"}
#: A brace drawn in pieces, for a ``cases`` block of two or more rows.
_BRACE = ("⎧", "⎪", "⎨", "⎩")


def _group(s: str, i: int) -> tuple[str, int]:
    """The argument starting at s[i]: a {braced group}, a \\command or one char."""
    while i < len(s) and s[i] == " ":
        i += 1
    if i >= len(s):
        return "", i
    if s[i] == "{":
        depth, j = 0, i
        while j < len(s):
            if s[j] == "\\":
                j += 2  # an escaped brace does not open or close a group
                continue
            if s[j] == "{":
                depth += 1
            elif s[j] == "}":
                depth -= 1
                if depth == 0:
                    return s[i + 1 : j], j + 1
            j += 1
        return s[i + 1 :], len(s)
    if s[i] == "\\":
        m = re.match(r"\\([A-Za-z]+|.)", s[i:])
        if m:
            return m.group(0), i + len(m.group(0))
    return s[i], i + 1


def _wrap(text: str) -> str:
    """Parenthesise a rendered operand unless it is a single token."""
    return text if re.fullmatch(r"[\w.′ᵀ∂∇^]+|\(.*\)|\|[^|]*\|", text) else f"({text})"


def _parens(text: str) -> str:
    """``text`` in parentheses, unless one pair already encloses all of it."""
    if text.startswith("("):
        depth = 0
        for k, ch in enumerate(text):
            depth += (ch == "(") - (ch == ")")
            if depth == 0:
                if k == len(text) - 1:
                    return text
                break
    return f"({text})"


def _width(text: str) -> int:
    """Terminal cells of a rendered line: combining accents (x̄) take none."""
    return sum(not unicodedata.combining(ch) for ch in text)


def _script(body: str, table: dict, ok: set[str], marker: str, *, glued: bool) -> str:
    """A sub- or superscript: Unicode when every character has a small form, else marked.

    ``glued``: a letter follows at once, so a bare ``W_if`` would run into it.
    """
    rendered = _inline(body)
    if rendered and all(ch in ok for ch in rendered):
        return rendered.translate(table)
    if len(rendered) == 1 or (marker == "_" and rendered.isalnum() and not glued):
        return f"{marker}{rendered}"
    return f"{marker}({rendered})"


def _inline(tex: str) -> str:
    """One line of LaTeX (no row breaks) as Unicode."""
    out: list[str] = []
    fractions: set[int] = set()  # positions in ``out`` that hold a rendered fraction

    def emit(piece: str, *, fraction: bool = False) -> None:
        # Two fractions side by side are a product: (∂f/∂u)·(du/dx), never ∂f/∂udu/dx.
        last = next((k for k in range(len(out) - 1, -1, -1) if out[k].strip()), None)
        head = piece.lstrip()[:1]
        if last in fractions and head:
            if fraction or head in "([":
                out[last] = _parens(out[last])
                del out[last + 1 :]
                out.append("·")
                if fraction:
                    piece = _parens(piece)
            elif head.isalnum() or head in "ΣΠ∏∫∇∂√":
                del out[last + 1 :]
                out.append(" ")  # 1/N Σᵢ, not 1/NΣᵢ
        out.append(piece)
        if fraction:
            fractions.add(len(out) - 1)

    i, s = 0, tex
    while i < len(s):
        ch = s[i]
        if ch == "\\":
            m = re.match(r"\\([A-Za-z]+|.)", s[i:])
            if not m:
                emit(ch)
                i += 1
                continue
            name = m.group(1)
            i += len(m.group(0))
            if name in ("frac", "dfrac", "tfrac"):
                num, i = _group(s, i)
                den, i = _group(s, i)
                emit(f"{_wrap(_inline(num))}/{_wrap(_inline(den))}", fraction=True)
            elif name == "sqrt":
                arg, i = _group(s, i)
                emit(f"√{_wrap(_inline(arg))}")
            elif name in ("text", "texttt"):
                arg, i = _group(s, i)
                emit(arg)
            elif name in _PASS_THROUGH:
                arg, i = _group(s, i)
                emit(_inline(arg))
            elif name == "mathbb":
                arg, i = _group(s, i)
                emit("".join(_BLACKBOARD.get(c, c) for c in arg))
            elif name == "mathcal":
                arg, i = _group(s, i)
                emit("".join(_CALLIGRAPHIC.get(c, c) for c in arg))
            elif name in _ACCENTS:
                arg, i = _group(s, i)
                body = _inline(arg)
                emit(body + _ACCENTS[name] if len(body) == 1 else f"{name}({body})")
            elif name in ("begin", "end"):
                _, i = _group(s, i)
            elif name in _SYMBOLS:
                sym = _SYMBOLS[name]
                if name in ("partial", "nabla"):
                    # "\partial f" is one token, ∂f
                    while s[i : i + 1] == " " and (
                        s[i + 1 : i + 2].isalpha() or s[i + 1 : i + 2] == "\\"
                    ):
                        i += 1
                # "\log x" needs its space back; "\alpha_t" does not.
                elif sym.isalpha() and len(sym) > 1 and i < len(s) and s[i] not in " _^({[":
                    sym += " "
                emit(sym)
            else:
                emit(name)
        elif ch in "^_":
            arg, i = _group(s, i + 1)
            glued = i < len(s) and s[i].isalnum()
            if ch == "^":
                emit(_script(arg, _SUP, _SUP_OK, "^", glued=glued))
            else:
                emit(_script(arg, _SUB, _SUB_OK, "_", glued=glued))
        elif ch in "{}":
            i += 1
        elif ch == "~":
            emit(" ")
            i += 1
        else:
            emit(ch)
            i += 1
    return re.sub(r"[ \t]{2,}", " ", "".join(out)).strip()


def _split_top(tex: str, sep: str) -> list[str]:
    """``tex`` cut at ``sep`` (``\\\\`` or ``&``) outside braces and escapes."""
    parts, depth, start, i = [], 0, 0, 0
    while i < len(tex):
        if tex.startswith(sep, i) and depth == 0:
            parts.append(tex[start:i])
            i += len(sep)
            if sep == "\\\\":  # an optional row gap, \\[2pt]
                gap = re.match(r"\s*\[[^\]]*\]", tex[i:])
                i += gap.end() if gap else 0
            start = i
            continue
        if tex[i] == "\\":
            i += 2
            continue
        depth += (tex[i] == "{") - (tex[i] == "}")
        i += 1
    parts.append(tex[start:])
    return parts


def _rows(body: str) -> list[list[str]]:
    """The rendered cells of every non-empty row."""
    rows = [r for r in _split_top(body, "\\\\") if r.strip()]
    return [[_inline(cell) for cell in _split_top(r, "&")] for r in rows]


def _at_equals(line: str) -> list[str]:
    """A row without ``&`` cut before its first ``=``; a row with none continues the one above."""
    left, eq, right = line.partition("=")
    return [left.strip(), f"= {right.strip()}"] if eq else ["", line]


def _align(rows: list[list[str]]) -> list[str]:
    """Rows in columns: the relation columns meet, as ``&=`` asks (or at the first ``=``)."""
    if all(len(r) == 1 for r in rows):
        rows = [_at_equals(r[0]) for r in rows]
    ncols = max(len(r) for r in rows)
    widths = [max(_width(r[c]) if c < len(r) else 0 for r in rows) for c in range(ncols)]
    lines = []
    for r in rows:
        cells = []
        for c, text in enumerate(r):
            pad = " " * (widths[c] - _width(text))
            cells.append(pad + text if c % 2 == 0 else text + pad)
        lines.append(" ".join(cells).rstrip())
    return lines


def _cases(rows: list[list[str]]) -> list[str]:
    """``cases``: a brace drawn down the rows, values in one column, conditions in the next."""
    width = max(_width(r[0]) for r in rows)
    lines = []
    for k, r in enumerate(rows):
        if len(rows) == 1:
            brace = _BRACE[2]
        elif k == 0:
            brace = _BRACE[0]
        elif k == len(rows) - 1:
            brace = _BRACE[3]
        else:
            brace = _BRACE[2] if k == len(rows) // 2 else _BRACE[1]
        cond = " ".join(c for c in r[1:] if c)
        pad = " " * (width - _width(r[0]))
        lines.append(f"{brace} {r[0]}{pad}  {cond}".rstrip() if cond else f"{brace} {r[0]}")
    return lines


def _environment(tex: str) -> tuple[str, str, str, str] | None:
    """(text before, name, body, text after) of the first row environment, or None."""
    m = re.search(r"\\begin\{([a-z]+\*?)\}", tex)
    if not m or m.group(1) not in _ROW_ENVIRONMENTS:
        return None
    name = m.group(1)
    body_start = m.end()
    if name == "array":  # its column spec, {cc}
        _, body_start = _group(tex, body_start)
    end = tex.find(f"\\end{{{name}}}", body_start)
    if end < 0:
        return tex[: m.start()], name, tex[body_start:], ""
    return tex[: m.start()], name, tex[body_start:end], tex[end + len(name) + 6 :]


def latex_lines(tex: str) -> list[str]:
    """A LaTeX fragment as lines of Unicode: one line per row of ``aligned``, ``cases`` or
    ``\\\\``, the rows lined up at their ``=`` (``&=``)."""
    env = _environment(tex)
    if env is None:
        rows = _rows(tex)
        if len(rows) <= 1:
            return [_inline(tex)]
        return _align(rows)
    before, name, body, after = env
    rows = _rows(body)
    if not rows:
        return [_inline(before + " " + after)]
    lines = _cases(rows) if name == "cases" else _align(rows)
    head, tail = _inline(before), " ".join(latex_lines(after)) if after.strip() else ""
    if head:
        indent = " " * (_width(head) + 1)
        lines = [f"{head} {lines[0]}"] + [indent + line for line in lines[1:]]
    if tail:
        lines[-1] += tail if tail[0] in ",.;:" else f" {tail}"
    return lines


def latex_to_unicode(tex: str) -> str:
    """Render a LaTeX math fragment as plain Unicode text (rows on lines of their own)."""
    return "\n".join(latex_lines(tex))


_DISPLAY_RE = re.compile(r"\$\$(.+?)\$\$", re.S)
_INLINE_RE = re.compile(r"(?<![\\$])\$(?!\s)([^$\n]+?)(?<!\s)\$(?!\d)")
_FENCE_RE = re.compile(r"(```.*?```)", re.S)


def _display(tex: str) -> str:
    """A display formula as an indented block, one line per equation, so Markdown keeps
    its layout (a code block) instead of joining the rows."""
    lines = latex_lines(tex.strip())
    return "\n\n" + "\n".join(f"    {line}" for line in lines) + "\n\n"


def render_markdown_math(markdown: str) -> str:
    """Replace ``$…$`` and ``$$…$$`` in Markdown by Unicode; code blocks are left alone."""
    parts = _FENCE_RE.split(markdown)
    for k, part in enumerate(parts):
        if part.startswith("```"):
            continue
        part = _DISPLAY_RE.sub(lambda m: _display(m.group(1)), part)
        part = _INLINE_RE.sub(lambda m: "; ".join(latex_lines(m.group(1))), part)
        parts[k] = part
    return re.sub(r"\n{3,}", "\n\n", "".join(parts))


def _source_rows(tex: str) -> str:
    """A display formula's LaTeX with one row per line, the ``&`` of every row in one column."""
    before, name, body, after = _environment(tex) or ("", "", tex, "")
    rows = [_split_top(r.strip(), "&") for r in _split_top(body, "\\\\") if r.strip()]
    if len(rows) <= 1:
        return tex.strip()
    width = max((len(r[0].strip()) for r in rows if len(r) > 1), default=0)
    lines = [
        f"{r[0].strip().rjust(width)} &{'&'.join(r[1:])}".rstrip() if len(r) > 1 else r[0].strip()
        for r in rows
    ]
    text = " \\\\\n".join(lines)
    if name:
        text = f"{before.strip()} \\begin{{{name}}}\n{text}\n\\end{{{name}}}{after.rstrip()}"
    return text.strip()


def display_math_blocks(markdown: str) -> str:
    """For Markdown that keeps its LaTeX (the study sheet): a formula of several rows gets
    lines of its own, one row per line, so the source reads like the typeset page."""

    def block(m: re.Match[str]) -> str:
        rows = _source_rows(m.group(1))
        return m.group(0) if "\n" not in rows else f"\n\n$$\n{rows}\n$$\n\n"

    parts = _FENCE_RE.split(markdown)
    for k, part in enumerate(parts):
        if not part.startswith("```"):
            parts[k] = _DISPLAY_RE.sub(block, part)
    return re.sub(r"[ \t]*\n{2,}", "\n\n", "".join(parts))
