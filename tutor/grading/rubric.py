"""A question's key points and misconceptions, compiled once for fast matching.

Compiling stems every match term, merges the English and Italian groups of a
point when they line up (so a mixed-language sentence can satisfy a group with
a term of either language) and records the polarity of the point's own text,
which the matcher needs to tell "does not copy" from "never copies" correctly.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from quizbank.textnorm import (
    normalize,
    phrase_spans,
    phrase_stems,
    split_direction,
    stem,
    tokens,
)

from .lang import FUNCTION_WORDS
from .negation import (
    CONTRAST_WORDS,
    CUES,
    NEGATION_WORDS,
    PUNCT,
    TOKEN_RE,
    governed,
    negated_positions,
    negation_sources,
    owned_cues,
    strip_negation,
)

__all__ = [
    "Alt",
    "Item",
    "Rubric",
    "compile_rubric",
    "content_stems",
    "inflection_key",
    "question_words",
]

LANGS = ("en", "it")


@dataclass(frozen=True, slots=True)
class Alt:
    """One alternative of a group: a stem sequence in one language.

    ``direction`` is +1/-1 for an alternative written with a trailing ``+``/``-``
    ("noisier +"): a word that says by itself which way its quantity moves.
    """

    lang: str
    stems: tuple[str, ...]
    phrase: str
    direction: int = 0
    # The term states its own negation ("doesn't saturate", "no signal", "senza
    # attivazioni"): ``stems`` are the words it negates, and a sentence must negate them.
    negative: bool = False
    # The term is nothing but a negation or a contrast ("no", "without", "unlike"): alone,
    # it is no evidence that the item is partly there ("no wait, …").
    cue: bool = False


@dataclass(frozen=True)
class Item:
    """A key point or misconception ready for matching."""

    id: str
    weight: int
    text: dict[str, str]
    correction: dict[str, str]
    variants: tuple[tuple[tuple[Alt, ...], ...], ...]  # each variant: groups of alternatives
    # Per variant, group and alternative: whether a student's sentence should
    # negate it. False: affirmed ("reshape copies"), negating it denies the point;
    # True: negated ("view never copies"); None: no expectation.
    polarity: tuple[tuple[tuple[bool | None, ...], ...], ...]
    scope: str = "sentence"  # "sentence" | "claim" | "clause" | "code"
    ordered: bool = False
    relation: int = 0  # +1 "same", -1 "inverse", 0 none
    misconception: bool = False  # a belief: never read inside a contrast
    central: bool = False
    contradicts: str = ""


@dataclass(frozen=True)
class Rubric:
    """Everything the grader needs about one question."""

    qid: str
    key_points: tuple[Item, ...]
    misconceptions: tuple[Item, ...]
    vocab: dict[str, frozenset[str]]  # stems of every match term, per language
    topic_vocab: dict[str, frozenset[str]]  # content stems of the model answers and terms
    # Italian words by their form without the final vowel ("derivat" -> the stem of
    # "derivate"): Snowball stems "derivata" and "derivate" differently.
    inflections: dict[str, frozenset[str]]
    total_weight: int


def inflection_key(word: str) -> str | None:
    """An Italian word without its gender/number vowel, or None when too short."""
    if len(word) >= 5 and word[-1] in "aeio" and word.isalpha():
        return word[:-1]
    return None


def content_stems(text: str, lang: str) -> set[str]:
    """Stems of the words that carry meaning (no function words, no 1–2 letter tokens)."""
    return {t.stem for t in tokens(text, lang) if len(t.word) > 2 and t.word not in FUNCTION_WORDS}


def _alt(text: str, lang: str) -> Alt:
    """An alternative; a trailing " +" or " -" gives its direction ("noisier +").

    A term with a negation in it ("doesn't saturate", "no effect", "non serve a nulla")
    is matched as the words it negates, under any negation of the sentence: "never
    saturates", "has no effect at all", "non serve a nulla" all state it.
    """
    text, direction = split_direction(text)
    words = [w for w in TOKEN_RE.findall(normalize(text)) if w not in PUNCT]
    core = strip_negation(words)
    if core is not None:
        stems = tuple(stem(w, lang) for w in core)
        return Alt(lang, stems, text, direction, negative=True)
    return Alt(lang, phrase_stems(text, lang), text, direction)


def _groups(terms: dict[str, list[list[str]]], lang: str) -> list[tuple[Alt, ...]]:
    out = []
    for group in terms.get(lang) or []:
        alts = tuple(_alt(str(a), lang) for a in group if str(a).strip())
        alts = tuple(replace(a, cue=_cue_term(a)) for a in alts if a.stems)
        if alts:
            out.append(alts)
    return out


def _variants(terms: dict[str, list[list[str]]]) -> tuple[tuple[tuple[Alt, ...], ...], ...]:
    per_lang = [g for g in (_groups(terms, lang) for lang in LANGS) if g]
    if len(per_lang) == 2 and len(per_lang[0]) == len(per_lang[1]):
        # Aligned groups: group i of English and of Italian name the same concept.
        return (tuple(a + b for a, b in zip(per_lang[0], per_lang[1], strict=True)),)
    return tuple(tuple(g) for g in per_lang)


def _variant_states(
    variant: tuple[tuple[Alt, ...], ...], text: dict[str, str]
) -> list[list[bool | None]]:
    """For each alternative, whether the item's own text names it only under a negation
    (None: the text does not use it). A cue that is one of the item's own words ("the
    stop-gradient blocks the gradient", "without activations") denies nothing of it."""
    out: list[list[bool | None]] = [[None] * len(g) for g in variant]
    for lang in LANGS:
        alts = [(g, k, alt) for g, grp in enumerate(variant) for k, alt in enumerate(grp)]
        alts = [(g, k, alt) for g, k, alt in alts if alt.lang == lang]
        if not alts:
            continue
        toks = TOKEN_RE.findall(normalize(text.get(lang, "")))
        stems = [t if t in PUNCT else stem(t, lang) for t in toks]
        sources = negation_sources(toks)
        found = {(g, k): phrase_spans(alt.stems, stems) for g, k, alt in alts}
        spans = [sp for v in found.values() for sp in v]
        negative = [(a, b, g) for (g, k, alt) in alts if alt.negative for a, b in found[(g, k)]]
        owned = owned_cues(toks, sources, spans, negative, verbs=False)
        for g, k, alt in alts:
            if alt.negative:
                out[g][k] = True
            elif found[(g, k)]:
                out[g][k] = all(governed(sources, a, b, owned, g) for a, b in found[(g, k)])
    return out


def _group_polarity(
    group: tuple[Alt, ...], states: list[bool | None], text: dict[str, str], misconception: bool
) -> tuple[bool | None, ...]:
    """Expected negation of each alternative when a student uses it.

    An alternative the item's text uses keeps that text's polarity, and a term that
    states its own negation must be negated. Another one of an affirmed group must be
    affirmed too; of a negated group it may be a paraphrase of either polarity ("no boxes
    left" / "the remaining boxes", "does not matter" / "is irrelevant"), so anything goes.
    A belief is a claim: in a group its text does not use, a term must be affirmed. Each
    language is read from its own text. A term that is itself a negation or a contrast
    ("no", "without", "unlike") has no polarity of its own.
    """
    out: list[bool | None] = list(states)
    for lang in LANGS:
        members = [k for k, alt in enumerate(group) if alt.lang == lang]
        if not members:
            continue
        known = [
            states[k]
            for k in members
            if states[k] is not None and not group[k].negative and not _cue_term(group[k])
        ]
        group_negated = all(known) if known else None
        if group_negated is None and (misconception or _plainly_affirmative(text, lang)):
            # the text uses none of the group's words but negates nothing: "the gradient
            # does not reach the encoder" must not earn "the gradient flows to the encoder"
            group_negated = False
        fallback = False if group_negated is False else None
        for k in members:
            if _cue_term(group[k]):
                out[k] = None
            elif out[k] is None:
                out[k] = fallback
    return tuple(out)


def _cue_term(alt: Alt) -> bool:
    """A term that is nothing but a negation or a contrast: "no", "does not", "unlike"."""
    words = TOKEN_RE.findall(normalize(alt.phrase))
    return (
        not alt.negative
        and any(w in CUES or w in CONTRAST_WORDS for w in words)
        and all(w in NEGATION_WORDS or w in CONTRAST_WORDS for w in words)
    )


def _plainly_affirmative(text: dict[str, str], lang: str) -> bool:
    toks = TOKEN_RE.findall(normalize(text.get(lang, "")))
    return bool(toks) and not any(negated_positions(toks))


_RELATION = {"same": 1, "inverse": -1}


def _item(obj, weight: int, misconception: bool) -> Item:
    text = dict(getattr(obj, "text", {}) or {})
    variants = _variants(obj.terms or {})
    return Item(
        id=obj.id,
        weight=weight,
        text=text,
        correction=dict(getattr(obj, "correction", {}) or {}),
        variants=variants,
        polarity=tuple(
            tuple(
                _group_polarity(g, st, text, misconception)
                for g, st in zip(v, _variant_states(v, text), strict=True)
            )
            for v in variants
        ),
        scope=getattr(obj, "scope", "") or ("claim" if misconception else "sentence"),
        ordered=bool(getattr(obj, "ordered", False)),
        relation=_RELATION.get(getattr(obj, "relation", "") or "", 0),
        misconception=misconception,
        central=bool(getattr(obj, "central", False)),
        contradicts=getattr(obj, "contradicts", "") or "",
    )


def question_words(question) -> set[str]:
    """Every normalised word a question's texts use: words of the bank, not typos."""
    texts = [question.question, *(question.answer or {}).values()]
    for item in (*question.key_points, *question.misconceptions):
        texts += (item.text or {}).values()
        texts += (getattr(item, "correction", None) or {}).values()
        for groups in (item.terms or {}).values():
            texts += [split_direction(str(a))[0] for g in groups or () for a in g]
    return set(TOKEN_RE.findall(normalize("\n".join(texts))))


def compile_rubric(question) -> Rubric:
    """Compile a ``quizbank.Question`` (or anything shaped like it)."""
    kps = tuple(_item(kp, max(1, int(kp.weight)), False) for kp in question.key_points)
    mcs = tuple(_item(mc, 1, True) for mc in question.misconceptions)
    vocab: dict[str, set[str]] = {lang: set() for lang in LANGS}
    topic: dict[str, set[str]] = {lang: set() for lang in LANGS}
    inflections: dict[str, set[str]] = {}
    for item in kps + mcs:
        for variant in item.variants:
            for group in variant:
                for alt in group:
                    vocab[alt.lang].update(alt.stems)
                    if alt.lang != "it":
                        continue
                    for word in TOKEN_RE.findall(normalize(alt.phrase)):  # marker already gone
                        key = inflection_key(word)
                        if key:
                            inflections.setdefault(key, set()).add(stem(word, "it"))
    for lang in LANGS:
        for text in (question.answer or {}).values():
            topic[lang] |= content_stems(text, lang)
        topic[lang] |= content_stems(question.question, lang)
        for kp in question.key_points:
            for t in (kp.text or {}).values():
                topic[lang] |= content_stems(t, lang)
        topic[lang] |= {s for s in vocab[lang] if len(s) > 2}
    return Rubric(
        qid=question.id,
        key_points=kps,
        misconceptions=mcs,
        vocab={k: frozenset(v) for k, v in vocab.items()},
        topic_vocab={k: frozenset(v) for k, v in topic.items()},
        inflections={k: frozenset(v) for k, v in inflections.items()},
        total_weight=sum(kp.weight for kp in kps) or 1,
    )
