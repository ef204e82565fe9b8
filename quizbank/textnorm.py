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
    "Token",
    "find_phrase",
    "group_hits",
    "normalize",
    "phrase_stems",
    "sentence_stems",
    "sentences",
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
    "×": " x ",
    "·": " * ",
    "→": " -> ",
    "⟶": " -> ",
    "←": " <- ",
    "≈": " ~ ",
    "≠": " != ",
    "≤": " <= ",
    "≥": " >= ",
    "−": "-",
    "–": "-",
    "—": " - ",
    "’": "'",
    "‘": "'",
    "“": '"',
    "”": '"',
    "²": "^2",
    "³": "^3",
    "ᵀ": "^T",
    "‖": "|",
}
_SYMBOL_RE = re.compile("|".join(re.escape(k) for k in _SYMBOLS))

# LaTeX commands become their word (\sigma -> sigma, \nabla -> nabla).
_LATEX_CMD_RE = re.compile(r"\\([a-zA-Z]+)")
_WORD_RE = re.compile(r"[a-z0-9]+")
# A sentence ends at . ! ? ; followed by space, or at a line break. A dot
# inside "x.detach()" or "0.5" is not followed by a space, so it stays.
_SENTENCE_END_RE = re.compile(r"(?:[.!?;](?=\s)|\n)+")


@lru_cache(maxsize=4)
def _stemmer(lang: str):
    """Snowball stemmer (PyStemmer's C version when installed), created on first use."""
    import snowballstemmer

    return snowballstemmer.stemmer("italian" if lang == "it" else "english")


# Italian elided articles: "l'output" -> "l output".
_APOSTROPHE_RE = re.compile(r"'")

_COMBINING_RE = re.compile("[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]")


def normalize(text: str) -> str:
    """Lower-case, spell out symbols and drop accents."""
    if not text.isascii():
        text = _SYMBOL_RE.sub(lambda m: _SYMBOLS[m.group(0)], text)
        text = _COMBINING_RE.sub("", unicodedata.normalize("NFKD", text))
    if "\\" in text:
        text = _LATEX_CMD_RE.sub(lambda m: " " + m.group(1) + " ", text)
    text = _APOSTROPHE_RE.sub(" ", text)
    return text.lower()


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
    """Spans (start, end) of the sentences of ``text``, blank ones dropped."""
    spans: list[tuple[int, int]] = []
    start = 0
    for m in _SENTENCE_END_RE.finditer(text):
        end = m.end()
        if text[start:end].strip():
            spans.append((start, end))
        start = end
    if text[start:].strip():
        spans.append((start, len(text)))
    return spans


@lru_cache(maxsize=16384)
def phrase_stems(phrase: str, lang: str) -> tuple[str, ...]:
    """The stem sequence a match term stands for."""
    return tuple(stems(phrase, lang))


def find_phrase(phrase: tuple[str, ...], toks: list[str]) -> int:
    """Index of the first occurrence of ``phrase`` in ``toks``, or -1."""
    n = len(phrase)
    if n == 0:
        return -1
    first = phrase[0]
    for i, tok in enumerate(toks):
        if tok == first and tuple(toks[i : i + n]) == phrase:
            return i
    return -1


@lru_cache(maxsize=512)
def sentence_stems(text: str, lang: str) -> tuple[tuple[str, ...], ...]:
    """Stems of each sentence of ``text``; cached because answers are reused."""
    return tuple(tuple(stems(text[s:e], lang)) for s, e in sentences(text))


def group_hits(groups: list[list[str]], text: str, lang: str) -> bool:
    """True when one sentence of ``text`` holds an alternative of every group.

    This is the exact (typo-free) rule; the grader adds fuzzy matching on top.
    """
    if not groups:
        return False
    compiled = [[phrase_stems(alt, lang) for alt in group] for group in groups]
    for toks in sentence_stems(text, lang):
        tl = list(toks)
        if all(any(p and find_phrase(p, tl) >= 0 for p in group) for group in compiled):
            return True
    return False
