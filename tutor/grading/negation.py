"""Negation, contrast and claim boundaries inside a sentence.

A key point is not covered by "view does not copy the data" when the point says
it copies; a misconception is not stated by "unlike a VAE, which samples z, …" or
"padding prevents the output from shrinking". The matcher asks, for each matched
term, whether a negation or a denial governs it, whether it sits in a contrast
("unlike X", "instead of X", "than X") that attributes it to something else, and
which clause and which claim of the sentence it belongs to.
"""

from __future__ import annotations

import re

from .lang import FUNCTION_WORDS

__all__ = [
    "BOUNDARY_WORDS",
    "CLAIM_BOUNDARIES",
    "CUES",
    "PUNCT",
    "TOKEN_RE",
    "claim_ids",
    "clause_ids",
    "contrast_positions",
    "negated_positions",
]


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


CUES = _words(
    "not never no none cannot neither nor without non mai nessun nessuno nessuna niente "
    "neanche nemmeno neppure senza"
)
# Verbs of denial: what they govern is said not to happen ("prevents the output from
# shrinking", "evita che l'output si riduca", "detach stops the gradient").
DENIAL_CUES = _words(
    "prevent prevents prevented preventing avoid avoids avoided avoiding stop stops stopped "
    "stopping block blocks blocked lacks lack unnecessary evita evitano evitare evitando "
    "impedisce impediscono impedire previene prevengono prevenire blocca bloccano bloccare"
)
# Two-word denials: the cue is the second word ("instead of X", "rather than X").
# ("instead of X", "rather than X" are contrasts, see below: a key point may be stated
# right next to one, "the probability that it is real rather than generated".)
_DENIAL_PAIRS = {("no", "need"), ("an", "error"), ("un", "errore")}
# "X is not needed": the negation reaches back to X.
_BACKWARD_AFTER = _words(
    "needed required necessary used use applied involved present sampled stored learned "
    "trained necessario necessaria necessari necessarie serve servono usato usata usati usate "
    "utilizzato utilizzata campionato campionata richiesto richiesta usa usano campiona "
    "impara imparano apprende"
)
_BACKWARD_REACH = 5
_POST_DENIALS = _words(
    "useless pointless unnecessary superfluous inutile inutili superfluo superflua superflui "
    "superflue"
)
_BACKWARD_SKIP = _words("be is are been being get gets si e viene vengono")
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
# Words that start a new claim: contrast and cause, not "and"/"or" (a claim may list).
CLAIM_BOUNDARIES = _words(
    "but while whereas although though however because since thus hence therefore yet "
    "ma mentre pero invece perche poiche quindi dunque tuttavia sebbene benche anzi bensi "
    "siccome"
)
PUNCT = frozenset(",;:()[]")
_BRACKETS = frozenset("()[]")
_CLAIM_PUNCT = frozenset(";")  # not brackets: model(x), G(z).detach() are everywhere
ARROW = "->"
SCOPE = 3  # words after a cue that it negates (articles and auxiliaries not counted)
# "non devi scrivere le derivate a mano": modals, auxiliaries and articles do not use up
# the scope, the words they carry do.
_SCOPE_FREE = _words(
    "the a an to be is are was were been do does did have has had must should need needs can "
    "could would will may might it its il lo la l i gli le un uno una si ci ne devi deve "
    "devono dover dovere bisogna puo possono viene vengono essere stato stata"
)
DENIAL_SCOPE = 5  # "prevents the output from shrinking"
TOKEN_RE = re.compile(r"[a-z0-9]+|->|[,;:()\[\]]")

# Contrasts: what follows is said of something else ("unlike a VAE, which samples z").
_CONTRAST_ONE = _words("unlike than anziche diversamente contrariamente")
_CONTRAST_TWO = {
    ("contrary", "to"),
    ("opposed", "to"),
    ("differently", "from"),
    ("different", "from"),
    ("contrast", "to"),
    ("contrast", "with"),
    ("compared", "to"),
    ("compared", "with"),
    ("instead", "of"),
    ("rather", "than"),
    ("place", "of"),
    ("differenza", "di"),
    ("differenza", "del"),
    ("differenza", "della"),
    ("differenza", "dei"),
    ("differenza", "delle"),
    ("differenza", "dello"),
    ("differenza", "degli"),
    ("differenza", "dell"),
    ("contrario", "di"),
    ("contrario", "del"),
    ("contrario", "della"),
    ("invece", "di"),
    ("invece", "del"),
    ("invece", "della"),
    ("invece", "dei"),
    ("invece", "delle"),
    ("invece", "dello"),
    ("invece", "degli"),
    ("invece", "dell"),
    ("piuttosto", "che"),
    ("posto", "di"),
    ("posto", "del"),
    ("posto", "della"),
    ("rispetto", "a"),
    ("rispetto", "al"),
    ("rispetto", "alla"),
    ("rispetto", "ai"),
    ("rispetto", "agli"),
    ("rispetto", "alle"),
    ("rispetto", "allo"),
    ("rispetto", "all"),
    ("confronto", "a"),
    ("confronto", "con"),
}
_CONTRAST_REACH = 5  # words of the contrasted phrase
_ARTICLES = _words("the a an il lo la l i gli le un una uno")
_RELATIVE_REACH = 12
# A relative clause right after the contrast still speaks of the contrasted thing.
_RELATIVE = _words("which that who whose where whom che cui dove quale quali")
_RELATIVE_PREP = _words("in of by with for on from per con da di nel nella nei nelle al alla")


def _is_cue(words: list[str], i: int) -> bool:
    w = words[i]
    nxt = words[i + 1] if i + 1 < len(words) else ""
    if w in CUES:
        return (w, nxt) not in _FALSE_CUES
    if w in DENIAL_CUES:
        return True
    if i > 0 and (words[i - 1], w) in _DENIAL_PAIRS:
        return True
    return w == "t" and i > 0 and words[i - 1] in _CONTRACTED


def _copula(words: list[str], i: int) -> bool:
    # Without accents Italian "è" (is) reads as "e" (and): "non è" keeps its scope.
    return words[i] == "e" and i > 0 and words[i - 1] in CUES


def _ends_scope(words: list[str], i: int) -> bool:
    w = words[i]
    if w in PUNCT or w == ARROW:
        return True
    return w in BOUNDARY_WORDS and not _copula(words, i)


def _ends_contrast(words: list[str], i: int) -> bool:
    # code such as "torch.save(model)" stays inside the contrasted phrase
    return words[i] not in _BRACKETS and _ends_scope(words, i)


# "It is not true that X", "non è vero che X", "a common mistake is to think that X": the
# whole claim that follows is denied, however long.
_META_DENIALS = (
    ("not", "true", "that"),
    ("not", "the", "case", "that"),
    ("non", "ee", "vero", "che"),
    ("non", "e", "vero", "che"),
)
_META_WORDS = _words("mistake myth misconception wrong false untrue errore sbagliato falso mito")
_META_THAT = _words("that think thinking believe believing say saying che pensare credere dire")
_META_REACH = 4


def _meta_denial_end(words: list[str], i: int) -> int:
    """Index just past a meta-denial starting at ``i`` ("it is not true that", "a common
    mistake is to think that", "è sbagliato pensare che"), or -1."""
    for phrase in _META_DENIALS:
        n = len(phrase)
        if tuple(words[i : i + n]) == phrase:
            return i + n
    if words[i] in _META_WORDS:
        for j in range(i + 1, min(len(words), i + 1 + _META_REACH)):
            if words[j] in _META_THAT:
                k = j + 1
                while k < len(words) and words[k] in _META_THAT:
                    k += 1  # "to think that", "pensare che"
                return k
            if words[j] in PUNCT:
                break
    return -1


def negated_positions(words: list[str]) -> list[bool]:
    """For each token (words and punctuation), whether a negation or denial governs it.

    A cue governs the next few words of its clause: "does not share memory"
    denies sharing, but in "cannot learn long-range dependencies" the
    dependencies themselves are still what the sentence is about. "X is not
    needed" (and "X non serve") also reaches back to X.
    """
    n = len(words)
    out = [False] * n
    left = 0
    meta = -1  # inside a meta-denial until the end of the claim
    for i, w in enumerate(words):
        if meta < 0 and (end := _meta_denial_end(words, i)) > 0:
            meta = end
        if meta >= 0 and i >= meta:
            if w in CLAIM_BOUNDARIES or w in _CLAIM_PUNCT:
                meta = -1
            else:
                out[i] = True
                continue
        if _ends_scope(words, i):
            left = 0
            continue
        if w in _POST_DENIALS:
            # "dropout and early stopping are useless": the subject is what is denied
            j = i - 1
            while j >= 0 and i - j <= _BACKWARD_REACH and not _ends_scope(words, j):
                out[j] = True
                j -= 1
        if _is_cue(words, i):
            left = (SCOPE if w in CUES or w == "t" else DENIAL_SCOPE) + 1
            nxt = words[i + 1] if i + 1 < n else ""
            after = words[i + 2] if i + 2 < n else ""
            if (w in CUES or w == "t") and (
                nxt in _BACKWARD_AFTER or (nxt in _BACKWARD_SKIP and after in _BACKWARD_AFTER)
            ):
                j = i - 1
                while j >= 0 and i - j <= _BACKWARD_REACH and not _ends_scope(words, j):
                    out[j] = True
                    j -= 1
        if left:
            out[i] = True
            if w not in _SCOPE_FREE or _is_cue(words, i):
                left -= 1
    return out


def contrast_positions(words: list[str]) -> list[bool]:
    """Tokens inside a contrast: "unlike X", "instead of X", "than X", "a differenza di X".

    The scope is the contrasted phrase (up to the end of its clause, at most a few
    words: "unlike a VAE the encoder…" often has no comma) and a relative clause that
    follows it ("unlike a VAE, which samples z, …"): those words describe the
    contrasted thing, not the student's claim.
    """
    n = len(words)
    out = [False] * n
    i = 0
    while i < n:
        w = words[i]
        nxt = words[i + 1] if i + 1 < n else ""
        if w in _CONTRAST_ONE:
            cue_end = i + 1
        elif (w, nxt) in _CONTRAST_TWO:
            cue_end = i + 2
        else:
            i += 1
            continue
        j = cue_end
        seen = 0
        while j < n and not _ends_contrast(words, j):
            if words[j] not in _BRACKETS:
                if seen == _CONTRAST_REACH:
                    break
                seen += 1
            # a second article starts the main clause: "unlike a VAE the posterior is…"
            if (
                j > cue_end
                and words[j] in _ARTICLES
                and words[j - 1] not in FUNCTION_WORDS
                and words[j - 1] not in _BRACKETS
            ):
                break
            j += 1
        while j < n and words[j] in ")]":
            j += 1
        # "unlike X, which …": the relative clause too
        k = j + 1 if j < n and words[j] == "," else j
        if k + 1 < n and words[k] in _RELATIVE_PREP and words[k + 1] in _RELATIVE:
            k += 1  # "in cui", "in which"
        if k < n and words[k] in _RELATIVE:
            j = k + 1
            while j < n and j - k <= _RELATIVE_REACH and not _ends_contrast(words, j):
                j += 1
        for p in range(i, j):
            out[p] = True
        i = max(j, i + 1)
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


def claim_ids(words: list[str]) -> list[int]:
    """Claim number of each token: a new claim starts at a contrastive or causal conjunction
    ("while", "because", "mentre", "perché") or at ; : and brackets, not at "and" or a comma."""
    out = []
    n = 0
    for w in words:
        if w in _CLAIM_PUNCT or w in CLAIM_BOUNDARIES:
            n += 1
        out.append(n)
    return out
