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
from functools import lru_cache

from rapidfuzz.distance import OSA
from rapidfuzz.process import cdist

from quizbank.textnorm import OPERATOR_WORDS, normalize, sentences, stem

from .direction import relation_between
from .lang import FUNCTION_WORDS, classify, detect_words
from .negation import (
    ARROW,
    META,
    NEGATION_WORDS,
    NO_OWNED,
    NONE,
    PUNCT,
    TOKEN_RE,
    bracket_depth,
    claim_ids,
    clause_ids,
    contrast_positions,
    governed,
    hypothetical_positions,
    negated_near,
    negation_sources,
    owned_cues,
)
from .nonanswer import is_code, without_admissions
from .rubric import LANGS, Alt, Item, Rubric, inflection_key

__all__ = ["MAX_CHARS", "Analysis", "Match", "Sentence", "analyse", "match_item"]

# Beyond this the answer is a pasted page, not an exam answer: grade its start.
MAX_CHARS = 40_000
_MAX_TOKENS = 120  # a "sentence" longer than this (no full stops) is read in pieces
_NONWORD = PUNCT | {ARROW}
_BRACKETS = frozenset("()[]")
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
    sources: list[int]  # the cue that governs each token (see negation.negation_sources)
    clause: list[int]  # clause number of each token
    claim: list[int]  # claim number of each token (see negation.claim_ids)
    contrast: list[bool]  # inside "unlike X", "instead of X", "than X"
    hypothetical: list[bool]  # in a clause of what would happen ("θ + η∇L would raise it")
    depth: list[int]  # brackets open at each token
    order: list[int]  # index of each token among the words (punctuation not counted)
    # line of each token inside a block of code (several lines); None for prose
    lines: list[int] | None = None
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

    hit: bool  # all groups together (in the item's scope), with the item's polarity
    negated: bool  # all groups together but the statement is negated or reversed
    fraction: float  # best share of groups found together
    spread: float  # best share of groups found anywhere in the answer
    evidence: tuple[int, int] | None  # raw span of the sentence that hit (or was denied)
    reversed: bool = False  # the relation is stated the other way round


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


# "e.g. for", "p. es." are not the end of a sentence, though a dot and a space say so. A
# single letter before a full stop is a formula's variable ("f = x*y + y. Pongo a = x*y"),
# not an initial: it ends the sentence.
_ABBREV_RE = re.compile(
    r"\b(?:e\.g|i\.e|w\.r\.t|es|ecc|etc|vs|cfr|approx|eq|fig|resp|p)\.\s*$", re.I
)


def _sentence_spans(text: str) -> list[tuple[int, int, list[tuple[int, int]]]]:
    """``textnorm.sentences``, re-joined after abbreviations such as "e.g.", and the lines
    of a block of code kept together: "opt.zero_grad()\n loss.backward()\n opt.step()" is
    one statement of the loop, as a sentence would say it. Each span comes with the lines
    of code it joins (empty for prose), so that an item of scope ``code`` can read their
    order."""
    spans: list[tuple[int, int, list[tuple[int, int]]]] = []
    prev_code = False
    for start, end in sentences(text):
        code = _code(text[start:end])
        if spans and prev_code and code:
            first, _, lines = spans[-1]
            spans[-1] = (first, end, [*lines, (start, end)])
        elif spans and _ABBREV_RE.search(text[max(spans[-1][0], spans[-1][1] - 12) : spans[-1][1]]):
            spans[-1] = (spans[-1][0], end, [])
        else:
            spans.append((start, end, [(start, end)] if code else []))
        prev_code = code
    return spans


def _code_lines(text: str, lines: list[tuple[int, int]], toks: list[str]) -> list[int] | None:
    """The line of each token of a block of code, or None when the block is one line or
    its lines, tokenised one by one, do not give the block's tokens."""
    if len(lines) < 2:
        return None
    out: list[int] = []
    flat: list[str] = []
    for n, (a, b) in enumerate(lines):
        line = TOKEN_RE.findall(normalize(text[a:b]))
        flat.extend(line)
        out.extend([n] * len(line))
    return out if flat == toks else None


def _code(span: str) -> bool:
    return bool(span.strip()) and is_code(span)


def _pieces(toks: list[str], lines: list[int] | None = None) -> list[list[str]]:
    """A run-on "sentence" cut into pieces of at most ``_MAX_TOKENS``: a block of code at
    the start of a line (a cut at a comma split "loss = mse(x̂, x) + mse(z_q, …)" from its
    own terms), prose at commas when possible."""
    if len(toks) <= _MAX_TOKENS:
        return [toks]
    out: list[list[str]] = []
    start = 0
    while start < len(toks):
        end = min(len(toks), start + _MAX_TOKENS)
        if end < len(toks):
            line_start = -1
            if lines:
                line_start = max(
                    (i for i in range(start + 1, end + 1) if lines[i] != lines[i - 1]), default=-1
                )
            if line_start > start:
                end = line_start
            else:
                cut = max(
                    (i for i in range(start + _MAX_TOKENS // 2, end) if toks[i] in PUNCT),
                    default=-1,
                )
                if cut > start:
                    end = cut + 1
        out.append(toks[start:end])
        start = end
    return out


def _word_order(toks: list[str]) -> list[int]:
    """Each token's place among the words, a formula's operators and the operands after
    them not counted: "a 3×3 Conv2d" is as long as "a 3x3 Conv2d" ("3 times 3")."""
    out = []
    n = 0
    for i, t in enumerate(toks):
        out.append(n)
        if (
            t not in _NONWORD
            and t not in OPERATOR_WORDS
            and not (i and toks[i - 1] in OPERATOR_WORDS)
        ):
            n += 1
    return out


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
    for start, end, code_lines in _sentence_spans(text):
        toks = without_admissions(TOKEN_RE.findall(normalize(text[start:end])))
        if any(t not in _NONWORD for t in toks):
            line_of = _code_lines(text, code_lines, toks)
            at = 0
            for piece in _pieces(toks, line_of):
                lines = line_of[at : at + len(piece)] if line_of else None
                split.append((start, end, piece, lines))
                at += len(piece)
            vocab_words.update(toks)
    # Stem each distinct word once per language (a pasted page repeats a lot).
    smap = {lang: {w: w if w in _NONWORD else stem(w, lang) for w in vocab_words} for lang in LANGS}
    n_words = n_function = 0
    en_votes = it_votes = 0
    for start, end, toks, lines in split:
        stems_by_lang = {lang: [smap[lang][t] for t in toks] for lang in LANGS}
        sources = negation_sources(toks)
        depth = bracket_depth(toks)
        claims = claim_ids(toks, depth)
        sents.append(
            Sentence(
                start,
                end,
                toks,
                stems_by_lang,
                [src != NONE for src in sources],
                sources,
                clause_ids(toks, depth),
                claims,
                contrast_positions(toks),
                hypothetical_positions(toks),
                depth,
                _word_order(toks),
                lines,
            )
        )
        words = [t for t in toks if t not in _NONWORD]
        n_words += len(words)
        n_function += sum(1 for w in words if w in FUNCTION_WORDS)
        en, it = detect_words(_voting(toks))
        en_votes += en
        it_votes += it
    content = {
        lang: {
            smap[lang][w]
            for w in vocab_words
            if len(w) > 2 and w not in FUNCTION_WORDS and w not in _NONWORD
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
        # "e" typed for "è" (see textnorm): each stands for the other; "σ²" reads "sigma
        # squared", which a term may write as "sigma 2"
        for u, v in (("e", "ee"), ("ee", "e"), (stem("squared", lang), "2")):
            if u in uniq and v in vocab:
                canon_of[u] = canon_of.get(u, frozenset()) | {v}
        inflections: dict[str, frozenset[str]] = {}
        if lang == "it" and rubric.inflections:
            for w in vocab_words:
                key = inflection_key(w)
                extra = rubric.inflections.get(key) if key else None
                if extra:
                    inflections[w] = extra
        keys_of = {r: (lang, r) for c in canon_of.values() for r in c}
        for extra in inflections.values():
            keys_of.update((r, (lang, r)) for r in extra)
        for i, sent in enumerate(sents):
            canon = {p: canon_of[x] for p, x in enumerate(sent.stems[lang]) if x in canon_of}
            if inflections:
                for p, w in enumerate(sent.words):
                    if w in inflections:
                        canon[p] = canon[p] | inflections[w] if p in canon else inflections[w]
            sent.canon[lang] = canon
            index = sent.index
            for p, c in canon.items():
                for r in c:
                    key = keys_of[r]
                    positions = index.get(key)
                    if positions is None:
                        index[key] = [p]
                        where.setdefault(key, []).append(i)
                    else:
                        positions.append(p)
    flang = "it" if it_votes > en_votes else "en"
    return Analysis(text, sents, answer_lang, flang, n_words, n_function, content, truncated, where)


_SYMBOL_E_AFTER = frozenset({"(", ",", ")", ";"})


def _voting(toks: list[str]) -> list[str]:
    """The words that vote for a language: not an "e" that names something ("E(x_A)",
    "one shared encoder E, two decoders"), only the Italian "and"."""
    out = []
    for i, t in enumerate(toks):
        if t in _NONWORD:
            continue
        if t == "e":
            nxt = toks[i + 1] if i + 1 < len(toks) else ""
            if nxt in _SYMBOL_E_AFTER or not nxt:
                continue
        out.append(t)
    return out


def _occurrences(alt: Alt, s: Sentence) -> list[tuple[int, int]]:
    first = s.index.get((alt.lang, alt.stems[0]))
    if not first:
        return []
    n = len(alt.stems)
    if n == 1:
        return [(p, p + 1) for p in first]
    canon = s.canon[alt.lang]
    empty: frozenset[str] = frozenset()
    words = s.words
    last = len(words)
    out = []
    for p in first:
        # A formula's brackets do not break a phrase ("floor((w - k": floor w minus k), nor
        # do its operators unless the term names them: "h t 1" matches h_{t-1}. A term that
        # states its own negation skips it: "distribuzione non correlata"; a term of single
        # letters skips the commas that list them: "i, f, o, g", and so does a term written
        # with a comma.
        q = p
        for j in range(1, n):
            q += 1
            while q < last and (
                words[q] in _BRACKETS
                or (
                    words[q] == ","
                    # "backward(), opt.step()": a term written with its comma keeps it
                    and (
                        s.depth[q] or "," in alt.phrase or _letters(alt.stems[j - 1], alt.stems[j])
                    )
                )
                or (
                    words[q] in OPERATOR_WORDS
                    and alt.stems[j] not in canon.get(q, empty)
                    # "= -0.5 Σ …": the sign of a whole side is part of what it says
                    and not (words[q] == "minus" and words[q - 1] in _EQUALS)
                )
                or (
                    alt.negative
                    and words[q] in NEGATION_WORDS
                    and alt.stems[j] not in canon.get(q, empty)  # "nothing to do with"
                )
            ):
                q += 1
            if q >= last or alt.stems[j] not in canon.get(q, empty):
                break
        else:
            if (
                alt.stems[-1].isdigit()
                and alt.stems[-2] in _EQUALS
                and q + 1 < last
                and words[q + 1] in _FACTOR_WORDS
            ):
                continue  # "ḟ = 1·3 + 3·0": the 1 is a factor, not the value
            out.append((p, q + 1))
    return out


@lru_cache(maxsize=4096)
def _surface(phrase: str) -> tuple[str, ...]:
    """The content words of a term as written, without their last two letters (the
    inflection: "rumoros" for rumoroso, rumorosa, rumorosi)."""
    return tuple(
        w[: max(3, len(w) - 2)]
        for w in TOKEN_RE.findall(normalize(phrase))
        if len(w) > 3 and w not in FUNCTION_WORDS and w not in PUNCT
    )


def _same_word(phrase: str, words: list[str]) -> bool:
    """Whether a signed term ("noisier +", "più rumoroso +") occurs as its own word, not as
    another word with the same stem."""
    return all(any(w.startswith(root) for w in words) for root in _surface(phrase))


def _letters(*stems: str) -> bool:
    """A term that lists single letters ("i f o g") matches them listed with commas."""
    return all(len(x) == 1 for x in stems)


_FACTOR_WORDS = frozenset({"times", "plus", "minus"})
_EQUALS = frozenset({"equal", "equals"})


_Occ = tuple[int, int, bool, int, int]  # start, end, agrees with the polarity, unit, direction


def _unit(item: Item, s: Sentence, pos: int) -> int:
    if item.scope == "claim":
        return s.claim[pos]
    if item.scope == "clause":
        return s.clause[pos]
    return 0


def _item_occurrences(
    item: Item,
    variant: tuple[tuple[Alt, ...], ...],
    polarity: tuple[tuple[bool | None, ...], ...],
    s: Sentence,
) -> tuple[list[list[_Occ]], set[tuple[int, int]]]:
    """Each group's occurrences in ``s``, with whether each agrees with the item's polarity,
    and the (group, start) of those that are only a cue ("no", "without").

    A cue that is one of the item's own words (a verb of denial inside a term, the
    negation a term states) denies nothing of the item: "the stop-gradient blocks the
    gradient", "without activations the stack gives a single convolution".
    """
    found: list[list[tuple[Alt, bool | None, int, int]]] = []
    index = s.index
    for group, expect in zip(variant, polarity, strict=True):
        occ = []
        for alt, negative in zip(group, expect, strict=True):
            if (alt.lang, alt.stems[0]) not in index:
                continue  # most terms are absent from a sentence: skip the call
            for a, b in _occurrences(alt, s):
                if item.misconception and (s.contrast[a] or s.hypothetical[a]):
                    continue  # "unlike a VAE, which samples z", "it would copy": not claimed
                if alt.direction and not _same_word(alt.phrase, s.words[a:b]):
                    continue  # "rumoroso +" is not "rumore", though Snowball stems both "rumor"
                occ.append((alt, negative, a, b))
        found.append(occ)
    spans = [(a, b) for occ in found for _, _, a, b in occ]
    negative_spans = [
        (a, b, g) for g, occ in enumerate(found) for alt, _, a, b in occ if alt.negative
    ]
    owned = owned_cues(s.words, s.sources, spans, negative_spans) if spans else NO_OWNED
    out: list[list[_Occ]] = []
    cues: set[tuple[int, int]] = set()
    for g, occ in enumerate(found):
        group_out: list[_Occ] = []
        for alt, negative, a, b in occ:
            if alt.cue:
                cues.add((g, a))
            if alt.negative:
                agrees = negated_near(s.sources, a, b)
            elif negative is None:
                agrees = True
            elif negative:
                # any negation states it, the item's own words of denial included, but not
                # a meta-denial ("it is not true that the scale does not matter")
                agrees = any(src >= 0 for src in s.sources[a:b])
            else:
                # for a quantity, a negation turns its direction, not the claim
                agrees = bool(item.relation) or not governed(s.sources, a, b, owned, g)
            group_out.append((a, b, agrees, _unit(item, s, a), alt.direction))
        out.append(group_out)
    return out, cues


def _in_order(per_group: list[list[_Occ]], lines: list[int] | None = None) -> bool:
    """Whether one occurrence of each group can be picked, each after the previous one
    (with ``lines``: each on a later line of the block of code than the previous one)."""
    pos = -1
    for occs in per_group:
        if lines is None:
            starts = [a for a, _, _, _, _ in occs if a > pos]
        else:
            starts = [a for a, _, _, _, _ in occs if pos < 0 or lines[a] > lines[pos]]
        if not starts:
            return False
        pos = min(starts)
    return True


_CLAIM_SPAN = 16  # a belief is one compact statement: its terms lie this close


def _compact(per_group: list[list[_Occ]], s: Sentence) -> bool:
    """Whether one occurrence of each group can be picked within ``_CLAIM_SPAN`` words
    (a formula's brackets and commas are not words: "z from N(0, I) of shape (n, D, 7, 7)")."""
    if len(per_group) < 2:
        return True
    order = s.order
    events = sorted(
        (order[a], order[b - 1] + 1, g)
        for g, occs in enumerate(per_group)
        for a, b, _, _, _ in occs
    )
    need = len(per_group)
    for i, (start, _, _) in enumerate(events):
        seen: set[int] = set()
        for _, b, g in events[i:]:
            if b - start > _CLAIM_SPAN:
                break
            seen.add(g)
            if len(seen) == need:
                return True
    return False


def _denied_locally(occs: list[list[_Occ]], s: Sentence) -> bool:
    """A wrongly negated term shares its clause with a term of another group.

    "view does not copy" is a denial; "view ..., (contiguous) ... does not copy" is not
    clearly one.
    """
    clauses = [{s.clause[a] for a, _, _, _, _ in g} for g in occs]
    wrong = [s.clause[a] for g in occs for a, _, ok, _, _ in g if not ok]
    return any(sum(1 for c in clauses if w in c) >= 2 for w in wrong)


def _relation(item: Item, s: Sentence, unit: int, agreeing: list[list[_Occ]], lang: str) -> int:
    """The relation the claim states: read clause by clause when a clause names both
    quantities ("small batches are noisy, and a larger batch is less noisy"), else over
    the whole claim ("the larger the batch, the smaller the variance")."""
    inside = [_unit(item, s, p) == unit for p in range(len(s.words))]
    if item.misconception:
        inside = [ok and not c for ok, c in zip(inside, s.contrast, strict=True)]
    first = [(a, b, d) for a, b, _, _, d in agreeing[0]]
    second = [(a, b, d) for a, b, _, _, d in agreeing[1]]
    # "it is not true that a larger batch increases the variance": the relation is read
    # as the denied claim states it, and then turned round; a direction word is not
    # flipped one by one by the meta-denial ("larger" and "increases" both denied would
    # cancel out and read as the claim itself)
    negated = [src != NONE and src != META for src in s.sources]
    meta = all(s.sources[p] == META for a, b, _ in first + second for p in range(a, b))
    sign = -1 if meta and first and second else 1
    found = set()
    for clause in sorted({s.clause[a] for a, _, _ in first} & {s.clause[a] for a, _, _ in second}):
        here = [ok and s.clause[p] == clause for p, ok in enumerate(inside)]
        rel = relation_between(
            s.words,
            negated,
            here,
            [o for o in first if s.clause[o[0]] == clause],
            [o for o in second if s.clause[o[0]] == clause],
            lang,
        )
        if rel:
            found.add(rel)
    if len(found) == 1:
        return sign * found.pop()
    if found:
        return 0  # the sentence says both
    return sign * relation_between(s.words, negated, inside, first, second, lang)


_FORMULA_END_RE = re.compile(r"(?:^|[\s=+*·(])[A-Za-z]\.\s*$")


def _runs_on(sentence: str) -> bool:
    """A sentence that may carry on into the next: it ends in ";", or in a formula's
    variable ("… = x*y + y. Pongo a = x*y"), where a derivation goes on."""
    end = sentence.rstrip()
    return end.endswith(";") or bool(_FORMULA_END_RE.search(end))


def _windowed(item: Item) -> bool:
    """Key points read at sentence scope may span two sentences joined by ";"; claims may not."""
    return (
        not item.misconception
        and item.scope == "sentence"
        and not item.ordered
        and not item.relation
        and max((len(v) for v in item.variants), default=0) > 1
    )


def match_item(item: Item, analysis: Analysis) -> Match:
    """Whether ``item`` is stated (or denied) together in one sentence, claim or clause."""
    best_fraction = best_spread = 0.0
    negated_hit = reversed_hit = False
    evidence: tuple[int, int] | None = None
    lang = analysis.feedback_lang
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
        agreeing_in: dict[int, set[int]] = {}
        for i in candidates:
            s = analysis.sentences[i]
            if item.scope == "code" and s.lines is None:
                continue  # "step() uses what backward() computed" orders nothing
            occs, cues = _item_occurrences(item, variant, polarity, s)
            for g, occ in enumerate(occs):
                if any(ok for _, _, ok, _, _ in occ):
                    agreeing_in.setdefault(i, set()).add(g)
                if any(ok and (g, a) not in cues for a, _, ok, _, _ in occ):
                    anywhere[g] = True  # a bare "no" is no part of "no proposals"
            units = sorted({u for occ in occs for _, _, _, u, _ in occ})
            for u in units:
                here = [[o for o in occ if o[3] == u] for occ in occs]
                agreeing = [[o for o in occ if o[2]] for occ in here]
                found = sum(1 for h in here if h)
                agree = sum(1 for a in agreeing if a)
                if found == n and agree == n:
                    if item.scope == "code":
                        ordered = _in_order(agreeing, s.lines)
                    else:
                        ordered = (not item.ordered or _in_order(agreeing)) and (
                            not item.misconception or _compact(agreeing, s)
                        )
                    rel = _relation(item, s, u, agreeing, lang) if item.relation else 0
                    if ordered and (not item.relation or rel == item.relation):
                        return Match(True, False, 1.0, 1.0, (s.start, s.end))
                    if item.relation and rel == -item.relation and ordered:
                        reversed_hit = True
                        evidence = evidence or (s.start, s.end)
                        continue
                    best_fraction = max(best_fraction, (n - 0.5) / n if n > 1 else 0.5)
                    continue
                if found == n and _denied_locally(here, s):
                    negated_hit = True
                    evidence = evidence or (s.start, s.end)
                content = sum(
                    1 for g, a in enumerate(agreeing) if any((g, o[0]) not in cues for o in a)
                )
                best_fraction = max(best_fraction, content / n)
        best_spread = max(best_spread, sum(anywhere) / n)
        if _windowed(item) and not negated_hit and not reversed_hit:
            # "the gradient is a product of Jacobians; each one is < 1, so it vanishes": a
            # point may run over a semicolon into the next sentence
            for i, groups in agreeing_in.items():
                both = groups | agreeing_in.get(i + 1, set())
                if len(both) == n and i + 1 in agreeing_in:
                    a, b = analysis.sentences[i], analysis.sentences[i + 1]
                    if _runs_on(analysis.text[a.start : a.end]):
                        return Match(True, False, 1.0, 1.0, (a.start, b.end))
    if reversed_hit:
        return Match(False, True, 0.0, 0.0, evidence, reversed=True)
    return Match(False, negated_hit, best_fraction, best_spread, evidence if negated_hit else None)
