"""Text normalisation shared by the validator and the grader.

The validator checks that every key point is hit by its own model answer, and
the grader checks the student's answer with the same rules: keeping one
normaliser here means the bank and the grader can never disagree about what a
match term means.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

__all__ = [
    "OPERATOR_WORDS",
    "Token",
    "find_phrase",
    "group_hits",
    "normalize",
    "phrase_spans",
    "phrase_stems",
    "sentence_stems",
    "sentences",
    "split_direction",
    "stem",
    "stems",
    "tokens",
]

# Symbols a student types or pastes, spelled out so that "μ" and "mu" agree.
_SYMBOLS = {
    "α": " alpha ",
    "β": " beta ",
    "γ": " gamma ",
    "δ": " delta ",
    "Δ": " delta ",
    "ε": " epsilon ",
    "ϵ": " epsilon ",
    "η": " eta ",
    "θ": " theta ",
    "λ": " lambda ",
    "μ": " mu ",
    "µ": " mu ",
    "ν": " nu ",
    "π": " pi ",
    "ρ": " rho ",
    "σ": " sigma ",
    "Σ": " sum ",
    "∑": " sum ",
    "τ": " tau ",
    "φ": " phi ",
    "ϕ": " phi ",
    "ψ": " psi ",
    "ω": " omega ",
    "∇": " nabla ",
    "∂": " partial ",
    "⊙": " * ",
    "∘": " * ",
    "×": " * ",
    "·": " * ",
    "→": " -> ",
    "⟶": " -> ",
    "←": " := ",
    "≈": " ~ ",
    "≠": " neq ",
    "≤": " leq ",
    "≥": " geq ",
    "−": "-",
    "–": "-",
    # an em dash is punctuation, never a minus: "X — actually Y" starts a new claim, as ";"
    "—": " ; ",
    "’": "'",
    "‘": "'",
    "“": '"',
    "”": '"',
    "²": " squared ",
    "∩": " intersection ",
    "∪": " union ",
    "∈": " in ",
    "³": "^3",
    "ᵀ": "^T",
    "‖": "|",
    # Formulas: symbols that carry meaning become words, so a term can name them.
    "⌊": " floor( ",
    "⌋": " ) ",
    "⌈": " ceil( ",
    "⌉": " ) ",
    "⇒": " -> ",
    "⟹": " -> ",
    "↦": " -> ",
    "∝": " proportional ",
    "√": " sqrt ",
    "∞": " infinity ",
    "∏": " prod ",
    "Π": " prod ",  # capital pi is the product in a formula ("Π_{t=2..T} W"); π stays pi
    "′": "' ",
    "″": "'' ",
}
_SYMBOL_RE = re.compile("|".join(re.escape(k) for k in _SYMBOLS))

# LaTeX commands become their word (\sigma -> sigma, \nabla -> nabla), except those
# that name a symbol or only set the style.
_LATEX_CMD_RE = re.compile(r"\\([a-zA-Z]+)")
_LATEX_WORDS = {
    "lfloor": " floor( ",
    "rfloor": " ) ",
    "lceil": " ceil( ",
    "rceil": " ) ",
    "to": " -> ",
    "rightarrow": " -> ",
    "longrightarrow": " -> ",
    "Rightarrow": " -> ",
    "implies": " -> ",
    "mapsto": " -> ",
    "leftarrow": " := ",
    "cdot": " * ",
    "odot": " * ",
    "circ": " * ",
    "propto": " proportional ",
    "approx": " ~ ",
    "le": " leq ",
    "leq": " leq ",
    "ge": " geq ",
    "geq": " geq ",
    "neq": " neq ",
    "infty": " infinity ",
    "lVert": "|",
    "rVert": "|",
    "Vert": "|",
}
_LATEX_STYLE = frozenset(
    {
        *("mathbb", "mathrm", "mathcal", "mathbf", "mathit", "boldsymbol", "operatorname"),
        *("text", "textrm", "textbf", "left", "right", "big", "Big", "bigg", "Bigg"),
        *("displaystyle", "quad", "qquad"),
    }
)
# \hat{x}, \bar x -> "x hat", "x bar": the way the combining marks below read.
_LATEX_ACCENT_RE = re.compile(
    r"\\(hat|bar|dot|tilde|widehat|overline)\s*(?:\{\s*([A-Za-z0-9])\s*\}|([A-Za-z]))"
)
_ACCENT_WORD = {"widehat": "hat", "overline": "bar"}
# x̄, ẋ, x̂, x̃ (a letter and a combining mark) keep their meaning as a word; the grave
# and acute accents of Italian are simply dropped.
_MARK_WORD = {"\u0304": "bar", "\u0305": "bar", "\u0307": "dot", "\u0302": "hat", "\u0303": "tilde"}
_MARKED_RE = re.compile("([A-Za-z])([\u0302\u0303\u0304\u0305\u0307])")
# min_G max_D, argmin_j, E_{x~p}: the subscript of an operator is not a word of its own.
_OP_SUB_RE = re.compile(
    r"\b(min|max|argmin|argmax|sup|inf|lim)\s*_\s*(?:\{[^{}]{0,20}\}|[a-z0-9]+)"
)
# f'(x), g' : a prime after a single letter is "prime"; l'output is an Italian elision.
_PRIME_RE = re.compile(r"(?<![a-z0-9])([a-z])'(?=[\s('*,.;:)]|$)")
# c'è, l' output, d' accordo: an elided article or pronoun before a vowel, not a prime.
_ELISION_RE = re.compile(r"(?<![a-z0-9])([cdlmnstv])'(?=\s*(?:ee\b|[aeiouh]))")
# "doesn't", "isn't", "can't" and the same typed without the apostrophe read "does not",
# "is not", "can not": a negation is one word, whichever way it is typed.
_NOT_RE = re.compile(
    r"\b(?:(ca|wo|sha)|(do|does|did|is|are|was|were|has|have|had|could|would|should|must|need))"
    r"n'?t\b"
)
_NOT_FULL = {"ca": "can", "wo": "will", "sha": "shall"}
# "θ -= lr * grad" is θ = θ - lr * grad: it reads "theta minus equals theta minus lr times
# grad", which says "minus lr" (the dash of "-=" was dropped) and still holds the operator
# a term may name ("x bar +=", "+=": an accumulation).
_COMPOUND_RE = re.compile(r"([a-z_][a-z0-9_.]*(?:\[[^\]=]{0,20}\])?)\s*([-+*])=(?!=)")
_COMPOUND_WORD = {"-": "minus", "+": "plus", "*": "times"}
# "L'(w) < 0", "x > 0", "<= 0.25": a comparison reads like its word, so that "< 0" and
# "> 0" are told apart (they were both "0"). Arrows ("->", "=>", "<-", "<->") are left to
# the rules after this one.
_COMPARE_RE = re.compile(r"<=|>=|(?<![-=<])>(?!=)|<(?![-=])")
_COMPARE = {"<=": " leq ", ">=": " geq ", "<": " lt ", ">": " gt "}
# "3x3", "1x1", "28 x 28", "k x k" typed with the letter x read as "3×3": a product of sizes
# (not "e x a", a term's spelling of E(x_a)).
_BY_RE = re.compile(r"(?<![a-wyz])(\d+) ?x ?(?=\d+(?:x|\b))|\b([a-z]) x (?=\2\b)")
# Identifiers: "__iter__" is the method, not the stem of "iterare" (a word of its own,
# "dunderiter"); the subscript of "z_e", "h_o" is no Italian "e"/"o" ("esub", "osub").
_DUNDER_RE = re.compile(r"\b__([a-z0-9]+)__")
_SUB_CONJ_RE = re.compile(r"(?<=[a-z0-9])_([eo])\b")
_ARROW_RE = re.compile(r"-+>|=>")
# Italian "è" (is) would read as "e" (and) once accents are dropped, and "and" starts a
# new clause: it becomes the word "ee" ("e'" typed for it too). The matcher lets "e"
# and "ee" match each other, since students often type "e" for "è".
_IS_RE = re.compile(r"(?<![^\W\d_])[èÈ](?![^\W\d_])")
# Italian "né" (nor) would read as the pronoun "ne" once accents are dropped.
_NOR_RE = re.compile(r"(?<![^\W\d_])[nN][éÉ](?![^\W\d_])")
_IS_APOSTROPHE_RE = re.compile(r"(?<![a-z0-9])e'(?=\s|$)")
# Operators of a formula read as words ("theta - lr * grad" says minus and times): a minus
# between spaces or next to a lone letter or digit ("W-K", "t-1", "1 - z"), never the
# hyphen of a word ("one-hot", "mini-batch").
# A minus before a word is read too where a formula puts it ("G minimises -log D(G(z))",
# "= -0.5 * sum", "(-log p)"): after an opening bracket, "=", or a space inside a line,
# not a bullet at the start of one.
_MINUS_RE = re.compile(
    r"(?:(?<=\s)|(?<=^)|(?<=[(=\[])|(?<=\b[a-z0-9]))-(?=\s|[a-z0-9(]\b|[0-9(])"
    r"|(?:(?<=[(=\[])|(?<=\S )|(?<=[(=\[] ))-(?=[a-z])"
)
# x², x^2, x**2, x.pow(2) all read "x squared": the way the sentence would say it.
_SQUARED_RE = re.compile(r"(?:\^|\*\*)\s*2(?![0-9.])|\.pow\(\s*2\s*\)")
# logvar.exp(), torch.exp(logvar): the variance, σ² (logvar is log σ²).
_VARIANCE_RE = re.compile(r"\blog_?var\.exp\(\s*\)|\b(?:torch\.)?exp\(\s*log_?var\s*\)")
_OPERATORS = {"+": " plus ", "*": " times ", "=": " equals ", ":=": " equals ", "<-": " equals "}
_OPERATOR_RE = re.compile(r":=|<-|[+*=]")
_WORD_RE = re.compile(r"[a-z0-9]+|->")
# A sentence ends at . ! ? ; followed by space, or at a line break. A dot
# inside "x.detach()" or "0.5" is not followed by a space, so it stays.
# An ellipsis inside a chain ("x → ... → y", "h1 -> ... -> hT") goes on.
_SENTENCE_END_RE = re.compile(r"(?:[.!?;](?=\s)(?!\s*(?:-+>|=>|→|⇒|⟶))|\n)+")


@lru_cache(maxsize=4)
def _stemmer(lang: str):
    """Snowball stemmer (PyStemmer's C version when installed), created on first use."""
    import snowballstemmer

    return snowballstemmer.stemmer("italian" if lang == "it" else "english")


# Italian elided articles: "l'output" -> "l output".
_APOSTROPHE_RE = re.compile(r"'")

_COMBINING_RE = re.compile("[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]")


def _latex(m: re.Match[str]) -> str:
    name = m.group(1)
    if name in _LATEX_STYLE:
        return " "
    return _LATEX_WORDS.get(name) or " " + name + " "


def _by(m: re.Match[str]) -> str:
    return f"{m.group(1) or m.group(2)} * "


def _compound(m: re.Match[str]) -> str:
    target, op = m.group(1), _COMPOUND_WORD[m.group(2)]
    return f"{target} {op} equals {target} {op} "


# "x @ W.T", "(n, k) @ (k, m)": the matrix product between two operands (not a decorator
# such as "@torch.no_grad()", which has none before it).
_MATMUL_RE = re.compile(r"(?<=[\w)\]])\s*@\s*(?=[\w(\[])")


def normalize(text: str) -> str:
    """Lower-case, spell out symbols (formulas included) and drop accents.

    Symbols become words so that a formula counts like the sentence it stands for:
    ``⌊(W − K + 2P)/S⌋ + 1`` reads "floor( (w - k + 2p)/s ) + 1", ``min_G max_D`` reads
    "min max", ``ẋ`` reads "x dot", arrows read "->".
    """
    if not text.isascii():
        text = _IS_RE.sub(" ee ", text)
        text = _NOR_RE.sub(" nor ", text)
        text = _SYMBOL_RE.sub(lambda m: _SYMBOLS[m.group(0)], text)
        text = unicodedata.normalize("NFKD", text)
        text = _MARKED_RE.sub(lambda m: f"{m.group(1)} {_MARK_WORD[m.group(2)]} ", text)
        text = _COMBINING_RE.sub("", text)
    if "\\" in text:
        text = _LATEX_ACCENT_RE.sub(
            lambda m: f" {m.group(2) or m.group(3)} {_ACCENT_WORD.get(m.group(1), m.group(1))} ",
            text,
        )
        text = _LATEX_CMD_RE.sub(_latex, text)
    text = text.lower()
    if "_" in text:
        text = _OP_SUB_RE.sub(r"\1 ", text)
        text = _DUNDER_RE.sub(r" dunder\1 ", text)
        text = _SUB_CONJ_RE.sub(r" \1sub", text)
    if "x" in text:
        text = _BY_RE.sub(_by, text)
    if "n" in text:
        text = _NOT_RE.sub(lambda m: f"{_NOT_FULL.get(m.group(1)) or m.group(2)} not", text)
    if "'" in text:
        text = _IS_APOSTROPHE_RE.sub(" ee ", text)
        text = _ELISION_RE.sub(r"\1 ", text)
        text = _PRIME_RE.sub(r"\1 prime ", text)
        text = _APOSTROPHE_RE.sub(" ", text)
    if "<" in text or ">" in text:
        text = _COMPARE_RE.sub(lambda m: _COMPARE[m.group(0)], text)
    if "=" in text:
        text = _COMPOUND_RE.sub(_compound, text)
    if ">" in text:
        text = _ARROW_RE.sub(" -> ", text)
    if "-" in text:
        text = _MINUS_RE.sub(" minus ", text)
    if "exp" in text:
        text = _VARIANCE_RE.sub(" sigma squared ", text)
    if "^" in text or "**" in text or "pow(" in text:
        text = _SQUARED_RE.sub(" squared ", text)
    if "@" in text:
        text = _MATMUL_RE.sub(" matmul ", text)
    if "+" in text or "*" in text or "=" in text or "<-" in text:
        text = _OPERATOR_RE.sub(lambda m: _OPERATORS[m.group(0)], text)
    return text


@lru_cache(maxsize=65536)
def stem(word: str, lang: str) -> str:
    """Snowball stem of a normalised word; unknown languages use English."""
    return _stemmer(lang).stemWord(word)


@dataclass(frozen=True, slots=True)
class Token:
    """One word of a normalised text with its span in that text."""

    word: str
    stem: str
    start: int
    end: int


def tokens(text: str, lang: str) -> list[Token]:
    """Words of ``text`` (already normalised or not) with their stems."""
    norm = normalize(text)
    return [
        Token(m.group(0), stem(m.group(0), lang), m.start(), m.end())
        for m in _WORD_RE.finditer(norm)
    ]


def stems(text: str, lang: str) -> list[str]:
    """Just the stems, for quick membership tests (no Token objects: this is the hot path)."""
    return [stem(w, lang) for w in _WORD_RE.findall(normalize(text))]


def sentences(text: str) -> list[tuple[int, int]]:
    """Spans (start, end) of the sentences of ``text``, blank ones dropped. A ";" inside
    brackets is a formula's ("f_2(f_1(x; θ1); θ2)"), not the end of a sentence."""
    spans: list[tuple[int, int]] = []
    start = 0
    for m in _SENTENCE_END_RE.finditer(text):
        end = m.end()
        if m.group(0) == ";" and _open_brackets(text, start, m.start()):
            continue
        if "\n" in m.group(0) and _label_line(text[start : m.start()]):
            continue  # "unrolled:" over the diagram on the next lines: one sentence
        if text[start:end].strip():
            spans.append((start, end))
        start = end
    if text[start:].strip():
        spans.append((start, len(text)))
    return spans


_LABEL_WORDS = 6


def _label_line(line: str) -> bool:
    """A short line that ends in a colon: the head of what the next line says."""
    line = line.strip()
    return line.endswith(":") and 0 < len(line.split()) <= _LABEL_WORDS


def _open_brackets(text: str, start: int, end: int) -> bool:
    depth = 0
    for ch in text[start:end]:
        if ch in "([":
            depth += 1
        elif ch in ")]" and depth:
            depth -= 1
    return depth > 0


@lru_cache(maxsize=16384)
def phrase_stems(phrase: str, lang: str) -> tuple[str, ...]:
    """The stem sequence a match term stands for."""
    return tuple(stems(phrase, lang))


# The words operators become: a phrase may skip them ("h t 1" matches h_{t-1}) unless it
# names them itself ("w minus k" does not match "w plus k").
OPERATOR_WORDS = frozenset({"plus", "minus", "times", "equals"})
_OPERATOR_STEMS = frozenset({"plus", "minus", "time", "times", "equal", "equals"})


def phrase_spans(phrase: tuple[str, ...], toks: list[str]) -> list[tuple[int, int]]:
    """Every occurrence (start, end) of ``phrase`` in ``toks`` (stems).

    Operator words between the phrase's words are skipped unless the phrase has them.
    """
    n = len(phrase)
    out: list[tuple[int, int]] = []
    if n == 0:
        return out
    first = phrase[0]
    last = len(toks)
    for i, tok in enumerate(toks):
        if tok != first:
            continue
        q = i
        for j in range(1, n):
            q += 1
            while q < last and toks[q] in _OPERATOR_STEMS and toks[q] != phrase[j]:
                q += 1
            if q >= last or toks[q] != phrase[j]:
                break
        else:
            out.append((i, q + 1))
    return out


def find_phrase(phrase: tuple[str, ...], toks: list[str]) -> int:
    """Index of the first occurrence of ``phrase`` in ``toks`` (stems), or -1."""
    spans = phrase_spans(phrase, toks)
    return spans[0][0] if spans else -1


@lru_cache(maxsize=512)
def sentence_stems(text: str, lang: str) -> tuple[tuple[str, ...], ...]:
    """Stems of each sentence of ``text``; cached because answers are reused."""
    return tuple(tuple(stems(text[s:e], lang)) for s, e in sentences(text))


def split_direction(term: str) -> tuple[str, int]:
    """A match term without its direction marker: ``"noisier +"`` -> ("noisier", +1).

    A trailing " +" or " -" says which way the term's quantity moves (see the
    ``relation`` option in quizbank/README.md); it is not part of the words.
    """
    term = term.strip()
    if len(term) > 2 and term[-1] in "+-" and term[-2] == " ":
        return term[:-2].strip(), 1 if term[-1] == "+" else -1
    return term, 0


def group_hits(groups: list[list[str]], text: str, lang: str) -> bool:
    """True when one sentence of ``text`` holds an alternative of every group.

    This is the exact (typo-free) rule; the grader adds fuzzy matching on top.
    """
    if not groups:
        return False
    compiled = [[phrase_stems(split_direction(alt)[0], lang) for alt in group] for group in groups]
    for toks in sentence_stems(text, lang):
        tl = list(toks)
        if all(any(p and find_phrase(p, tl) >= 0 for p in group) for group in compiled):
            return True
    return False
