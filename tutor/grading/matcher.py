"""Clause-aware, typo-tolerant matching of rubric items against an answer.

The answer is analysed once (sentences, tokens stemmed in both languages,
negation scope), then every key point and misconception is checked against
it. Typos are resolved once per distinct word: each unknown stem is compared
with the question's match-term stems in one vectorised rapidfuzz call, so a
pasted page costs little more than a paragraph.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from rapidfuzz.distance import OSA
from rapidfuzz.process import cdist

from quizbank.textnorm import normalize, sentences, stem

from .lang import FUNCTION_WORDS, classify, detect_words
from .negation import PUNCT, TOKEN_RE, clause_ids, negated_positions
from .rubric import LANGS, Alt, Item, Rubric, inflection_key

__all__ = ["MAX_CHARS", "Analysis", "Match", "Sentence", "analyse", "match_item"]

# Beyond this the answer is a pasted page, not an exam answer: grade its start.
MAX_CHARS = 40_000
_MIN_FUZZY_LEN = 5  # shorter words must match exactly ("mean" is not "mena")
_LONG_FUZZY_LEN = 9  # from here two edits are tolerated


@dataclass
class Sentence:
    """One sentence of the answer: raw span, words, stems per language, negation."""

    start: int
    end: int
    words: list[str]
    stems: dict[str, list[str]]
    negated: list[bool]
    clause: list[int]  # clause number of each token
    # (lang, rubric stem) -> token positions where that stem (or a typo of it) occurs
    index: dict[tuple[str, str], list[int]] = field(default_factory=dict)
    canon: dict[str, dict[int, frozenset[str]]] = field(default_factory=dict)  # sparse


@dataclass
class Analysis:
    """The answer, analysed against one rubric."""

    text: str
    sentences: list[Sentence]
    lang: str  # "en", "it" or "mixed"
    feedback_lang: str  # "en" or "it": the majority language
    n_words: int
    n_function: int
    content: dict[str, set[str]]  # content stems per language
    truncated: bool
    # (lang, rubric stem) -> indices of the sentences where it occurs
    where: dict[tuple[str, str], list[int]] = field(default_factory=dict)


@dataclass(frozen=True)
class Match:
    """How an item fared against the whole answer."""

    hit: bool  # all groups in one sentence, with the item's polarity
    negated: bool  # all groups in one sentence but the statement is negated
    fraction: float  # best share of groups found together in one sentence
    spread: float  # best share of groups found anywhere in the answer
    evidence: tuple[int, int] | None  # raw span of the sentence that hit


def _fuzzy_map(unknown: list[str], targets: list[str]) -> dict[str, frozenset[str]]:
    """Rubric stems each unknown stem is a plausible typo of."""
    if not unknown or not targets:
        return {}
    dist = cdist(unknown, targets, scorer=OSA.distance, score_cutoff=2, workers=1)
    out: dict[str, frozenset[str]] = {}
    for i, u in enumerate(unknown):
        hits = set()
        for j, t in enumerate(targets):
            d = dist[i, j]
            if d > 2 or t[0] != u[0] or len(t) < _MIN_FUZZY_LEN:
                continue
            limit = 2 if min(len(u), len(t)) >= _LONG_FUZZY_LEN else 1
            if d <= limit:
                hits.add(t)
        if hits:
            out[u] = frozenset(hits)
    return out


# "e.g. for" is not the end of a sentence, though a dot and a space say so.
_ABBREV_RE = re.compile(
    r"(?:\b(?:e\.g|i\.e|es|ecc|etc|vs|cfr|approx|eq|fig|resp)|\b[a-z])\.\s*$", re.I
)


def _sentence_spans(text: str) -> list[tuple[int, int]]:
    """``textnorm.sentences``, re-joined after abbreviations such as "e.g."."""
    spans: list[tuple[int, int]] = []
    for start, end in sentences(text):
        if spans and _ABBREV_RE.search(text[max(spans[-1][0], spans[-1][1] - 12) : spans[-1][1]]):
            spans[-1] = (spans[-1][0], end)
        else:
            spans.append((start, end))
    return spans


def analyse(text: str, rubric: Rubric, known: dict[str, frozenset[str]]) -> Analysis:
    """Split, tokenise, stem and index ``text`` for matching against ``rubric``.

    ``known`` holds stems of real words (the whole bank's vocabulary): such a
    word is never treated as a typo of another ("decoder" is not "encoder").
    """
    truncated = len(text) > MAX_CHARS
    if truncated:
        text = text[:MAX_CHARS]
    sents: list[Sentence] = []
    split = []
    vocab_words: set[str] = set()
    for start, end in _sentence_spans(text):
        toks = TOKEN_RE.findall(normalize(text[start:end]))
        if any(t not in PUNCT for t in toks):
            split.append((start, end, toks))
            vocab_words.update(toks)
    # Stem each distinct word once per language (a pasted page repeats a lot).
    smap = {lang: {w: w if w in PUNCT else stem(w, lang) for w in vocab_words} for lang in LANGS}
    n_words = n_function = 0
    en_votes = it_votes = 0
    for start, end, toks in split:
        stems_by_lang = {lang: [smap[lang][t] for t in toks] for lang in LANGS}
        sents.append(
            Sentence(start, end, toks, stems_by_lang, negated_positions(toks), clause_ids(toks))
        )
        words = [t for t in toks if t not in PUNCT]
        n_words += len(words)
        n_function += sum(1 for w in words if w in FUNCTION_WORDS)
        en, it = detect_words(words)
        en_votes += en
        it_votes += it
    content = {
        lang: {
            smap[lang][w]
            for w in vocab_words
            if len(w) > 2 and w not in FUNCTION_WORDS and w not in PUNCT
        }
        for lang in LANGS
    }
    answer_lang = classify(en_votes, it_votes)

    where: dict[tuple[str, str], list[int]] = {}
    for lang in LANGS:
        vocab = rubric.vocab[lang]
        uniq: set[str] = set()
        for sent in sents:
            uniq.update(sent.stems[lang])
        known_lang = known.get(lang, frozenset())
        unknown = [
            u
            for u in uniq
            if u not in vocab and u not in known_lang and len(u) >= _MIN_FUZZY_LEN and u.isalpha()
        ]
        # stem -> rubric stems it stands for (itself, or the words it is a typo of)
        canon_of: dict[str, frozenset[str]] = _fuzzy_map(
            sorted(unknown), sorted(v for v in vocab if len(v) >= _MIN_FUZZY_LEN)
        )
        for u in uniq & vocab:
            canon_of[u] = frozenset((u,))
        inflections: dict[str, frozenset[str]] = {}
        if lang == "it" and rubric.inflections:
            for w in vocab_words:
                key = inflection_key(w)
                extra = rubric.inflections.get(key) if key else None
                if extra:
                    inflections[w] = extra
        for i, sent in enumerate(sents):
            canon = {p: canon_of[x] for p, x in enumerate(sent.stems[lang]) if x in canon_of}
            if inflections:
                for p, w in enumerate(sent.words):
                    if w in inflections:
                        canon[p] = canon[p] | inflections[w] if p in canon else inflections[w]
            sent.canon[lang] = canon
            for p, c in canon.items():
                for r in c:
                    positions = sent.index.get((lang, r))
                    if positions is None:
                        sent.index[(lang, r)] = [p]
                        where.setdefault((lang, r), []).append(i)
                    else:
                        positions.append(p)
    flang = "it" if it_votes > en_votes else "en"
    return Analysis(text, sents, answer_lang, flang, n_words, n_function, content, truncated, where)


def _occurrences(alt: Alt, s: Sentence) -> list[tuple[int, int]]:
    first = s.index.get((alt.lang, alt.stems[0]))
    if not first:
        return []
    n = len(alt.stems)
    if n == 1:
        return [(p, p + 1) for p in first]
    canon = s.canon[alt.lang]
    empty: frozenset[str] = frozenset()
    out = []
    for p in first:
        if all(alt.stems[j] in canon.get(p + j, empty) for j in range(1, n)):
            out.append((p, p + n))
    return out


def _sentence_match(
    groups: tuple[tuple[Alt, ...], ...],
    polarity: tuple[tuple[bool | None, ...], ...],
    s: Sentence,
    anywhere: list[bool],
) -> tuple[int, int, bool]:
    """Groups found, groups found with the item's polarity, and whether a denial is local.

    ``anywhere[i]`` is set when group i is found with the right polarity. A
    denial is local when a wrongly negated term shares its clause with a term
    of another group: "view does not copy", not "view ..., (contiguous) ...
    does not copy".
    """
    found = agreeing = 0
    wrong: list[int] = []  # clauses of wrongly negated occurrences
    clauses: list[set[int]] = []
    for i, (group, expect) in enumerate(zip(groups, polarity, strict=True)):
        ok = False
        seen: set[int] = set()
        for alt, negative in zip(group, expect, strict=True):
            for a, b in _occurrences(alt, s):
                seen.add(s.clause[a])
                if negative is None or any(s.negated[a:b]) == negative:
                    ok = True
                else:
                    wrong.append(s.clause[a])
        clauses.append(seen)
        if not seen:
            continue
        found += 1
        if ok:
            agreeing += 1
            anywhere[i] = True
    local = any(sum(1 for c in clauses if w in c) >= 2 for w in wrong)
    return found, agreeing, local


def match_item(item: Item, analysis: Analysis) -> Match:
    """Whether ``item`` is stated (or denied) in one sentence of the answer."""
    best_fraction = best_spread = 0.0
    negated_hit = False
    for variant, polarity in zip(item.variants, item.polarity, strict=True):
        n = len(variant)
        if not n:
            continue
        anywhere = [False] * n
        # Only sentences holding at least one term of the item can matter.
        where = analysis.where
        candidates = sorted(
            {
                i
                for group in variant
                for alt in group
                for i in where.get((alt.lang, alt.stems[0]), ())
            }
        )
        for i in candidates:
            s = analysis.sentences[i]
            found, agreeing, local = _sentence_match(variant, polarity, s, anywhere)
            if found == n:
                if agreeing == n:
                    return Match(True, False, 1.0, 1.0, (s.start, s.end))
                negated_hit = negated_hit or local
            best_fraction = max(best_fraction, agreeing / n)
        best_spread = max(best_spread, sum(anywhere) / n)
    return Match(False, negated_hit, best_fraction, best_spread, None)
