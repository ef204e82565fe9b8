"""Turn the LaTeX inside Markdown answers into readable Unicode for a terminal.

A terminal cannot typeset ``$\\frac{\\partial L}{\\partial \\theta}$``; a student
reading ``∂L/∂θ`` at 1 a.m. should not have to. This is a small, forgiving
translator for the LaTeX subset the bank uses, not a TeX engine.
"""

from __future__ import annotations

import re

__all__ = ["latex_to_unicode", "render_markdown_math"]

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
_SUP_OK = set(_SUP_SRC)
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


def _group(s: str, i: int) -> tuple[str, int]:
    """The argument starting at s[i]: a {braced group}, a \\command or one char."""
    while i < len(s) and s[i] == " ":
        i += 1
    if i >= len(s):
        return "", i
    if s[i] == "{":
        depth, j = 0, i
        while j < len(s):
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
    return text if re.fullmatch(r"[\w.′ᵀ∂∇^]+|\(.*\)", text) else f"({text})"


def _script(body: str, table: dict | None, ok: set[str], marker: str) -> str:
    rendered = latex_to_unicode(body)
    if rendered and all(ch in ok for ch in rendered):
        return rendered.translate(table)
    return f"{marker}{rendered}" if len(rendered) == 1 else f"{marker}({rendered})"


def latex_to_unicode(tex: str) -> str:
    """Render a LaTeX math fragment as plain Unicode text."""
    out: list[str] = []
    i = 0
    s = tex
    while i < len(s):
        ch = s[i]
        if ch == "\\":
            m = re.match(r"\\([A-Za-z]+|.)", s[i:])
            if not m:
                out.append(ch)
                i += 1
                continue
            name = m.group(1)
            i += len(m.group(0))
            if name == "frac" or name == "dfrac" or name == "tfrac":
                num, i = _group(s, i)
                den, i = _group(s, i)
                out.append(f"{_wrap(latex_to_unicode(num))}/{_wrap(latex_to_unicode(den))}")
            elif name == "sqrt":
                arg, i = _group(s, i)
                out.append(f"√{_wrap(latex_to_unicode(arg))}")
            elif name in (
                "text",
                "mathrm",
                "operatorname",
                "mathbf",
                "mathit",
                "boldsymbol",
                "textbf",
                "textit",
                "texttt",
                "mathsf",
                "emph",
                "bm",
            ):
                arg, i = _group(s, i)
                out.append(latex_to_unicode(arg) if name not in ("text", "texttt") else arg)
            elif name == "mathbb":
                arg, i = _group(s, i)
                out.append("".join(_BLACKBOARD.get(c, c) for c in arg))
            elif name == "mathcal":
                arg, i = _group(s, i)
                out.append("".join(_CALLIGRAPHIC.get(c, c) for c in arg))
            elif name in _ACCENTS:
                arg, i = _group(s, i)
                body = latex_to_unicode(arg)
                out.append(body + _ACCENTS[name] if len(body) == 1 else f"{name}({body})")
            elif name in ("begin", "end"):
                _, i = _group(s, i)
            elif name in _SYMBOLS:
                sym = _SYMBOLS[name]
                # "\log x" needs its space back; "\alpha_t" does not.
                if sym.isalpha() and len(sym) > 1 and i < len(s) and s[i] not in " _^({[":
                    sym += " "
                out.append(sym)
            else:
                out.append(name)
        elif ch in "^_":
            arg, i = _group(s, i + 1)
            if ch == "^":
                out.append(_script(arg, _SUP, _SUP_OK, "^"))
            else:
                out.append(_script(arg, _SUB, _SUB_OK, "_"))
        elif ch in "{}":
            i += 1
        elif ch == "~":
            out.append(" ")
            i += 1
        else:
            out.append(ch)
            i += 1
    return re.sub(r"[ \t]{2,}", " ", "".join(out)).strip() if "\n" not in tex else "".join(out)


_DISPLAY_RE = re.compile(r"\$\$(.+?)\$\$", re.S)
_INLINE_RE = re.compile(r"(?<![\\$])\$(?!\s)([^$\n]+?)(?<!\s)\$(?!\d)")
_FENCE_RE = re.compile(r"(```.*?```)", re.S)


def render_markdown_math(markdown: str) -> str:
    """Replace ``$…$`` and ``$$…$$`` in Markdown by Unicode; code blocks are left alone."""
    parts = _FENCE_RE.split(markdown)
    for k, part in enumerate(parts):
        if part.startswith("```"):
            continue
        part = _DISPLAY_RE.sub(
            lambda m: "\n\n    " + latex_to_unicode(m.group(1).strip()) + "\n\n", part
        )
        part = _INLINE_RE.sub(lambda m: latex_to_unicode(m.group(1)), part)
        parts[k] = part
    return re.sub(r"\n{3,}", "\n\n", "".join(parts))
