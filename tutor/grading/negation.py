"""Negation cues and their scope inside a clause.

A key point is not covered by "view does not copy the data" when the point says
it copies; the matcher asks, for each matched term, whether it lies after a
negation cue in the same clause.
"""

from __future__ import annotations

import re

__all__ = ["BOUNDARY_WORDS", "CUES", "TOKEN_RE", "clause_ids", "negated_positions"]


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


CUES = _words(
    "not never no none cannot neither nor without non mai nessun nessuno nessuna niente "
    "neanche nemmeno neppure senza"
)
# "not only", "non solo", "non appena" are not negations of what follows.
_FALSE_CUES = {("not", "only"), ("not", "just"), ("non", "solo"), ("non", "appena")}
# English contractions arrive as "doesn t" after normalisation.
_CONTRACTED = _words("don doesn didn isn aren wasn weren can couldn won wouldn shouldn hasn haven")
# Words that end the scope of a negation.
BOUNDARY_WORDS = _words(
    "but while whereas although though instead however so because since then and or thus "
    "hence therefore ma mentre pero invece quindi perche poiche poi e ed o oppure cioe dunque "
    "anzi bensi"
)
PUNCT = frozenset(",;:()[]")
SCOPE = 3  # words after a cue that it negates
TOKEN_RE = re.compile(r"[a-z0-9]+|[,;:()\[\]]")


def _is_cue(words: list[str], i: int) -> bool:
    w = words[i]
    nxt = words[i + 1] if i + 1 < len(words) else ""
    if w in CUES:
        return (w, nxt) not in _FALSE_CUES
    return w == "t" and i > 0 and words[i - 1] in _CONTRACTED


def _copula(words: list[str], i: int) -> bool:
    # Without accents Italian "è" (is) reads as "e" (and): "non è" keeps its scope.
    return words[i] == "e" and i > 0 and words[i - 1] in CUES


def negated_positions(words: list[str]) -> list[bool]:
    """For each token (words and punctuation), whether a negation cue governs it.

    A cue governs the next few words of its clause: "does not share memory"
    denies sharing, but in "cannot learn long-range dependencies" the
    dependencies themselves are still what the sentence is about.
    """
    out = [False] * len(words)
    left = 0
    for i, w in enumerate(words):
        if w in PUNCT or (w in BOUNDARY_WORDS and not _copula(words, i)):
            left = 0
            continue
        if (w in CUES or w == "t") and _is_cue(words, i):
            left = SCOPE + 1
        if left:
            out[i] = True
            left -= 1
    return out


def clause_ids(words: list[str]) -> list[int]:
    """Clause number of each token: punctuation and conjunctions start a new clause."""
    out = []
    n = 0
    for i, w in enumerate(words):
        if w in PUNCT or (w in BOUNDARY_WORDS and not _copula(words, i)):
            n += 1
        out.append(n)
    return out
