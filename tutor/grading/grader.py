"""Grade a typed answer against a question's rubric.

Each key point earns its weight when one sentence states it (its term groups
together, with the right polarity, direction and order), a fixed share of it when
its parts are there but not stated together, nothing otherwise. Wrong statements
and contradicted points are listed penalties; texts that are not answers are
recognised first. ``result.judge`` turns that into the score, the verdict and the
suggested rating, the same way for the grader and for the student's overrides.
Every feature is generic: nothing here knows about any particular question.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import Any

from quizbank.textnorm import stem
from tutor.domain import Rating, Verdict

from .feedback import NO_ANSWER, feedback_for
from .lang import FUNCTION_WORDS
from .matcher import MAX_CHARS, Analysis, Match, analyse, match_item
from .nonanswer import (
    SyntaxModel,
    list_layout,
    pasted_question,
    prose_ratio,
    repetition,
    restated,
    word_salad,
)
from .result import (
    GradeResult,
    MisconceptionResult,
    Params,
    PointResult,
    judge,
    point_credit,
)
from .roles import Swap, swapped_id, swapped_text, swaps_for
from .rubric import LANGS, Rubric, compile_rubric, question_words

__all__ = [
    "Features",
    "GradeResult",
    "Grader",
    "ItemJudgement",
    "MisconceptionResult",
    "Params",
    "PointResult",
    "grade",
    "grade_point",
    "verdict_for",
]


def verdict_for(score: float, params: Params | None = None) -> str:
    """The verdict a bare score would get (no wrong statements, every central point):
    for blends of the score with other signals in the benchmarks."""
    params = params or Params()
    if score >= params.correct_at:
        return "correct"
    if score >= params.partial_at:
        return "partial"
    return "wrong"


def _clip(x: float, lo: float = 0.0, hi: float = 1.0) -> float:
    return lo if x < lo else hi if x > hi else x


def _snippet(text: str, span: tuple[int, int] | None) -> str | None:
    if span is None:
        return None
    return " ".join(text[span[0] : span[1]].split())


@dataclass(frozen=True)
class Features:
    """What a score is made of, kept so tuning needs no re-matching."""

    weights: tuple[int, ...]  # per key point
    hits: tuple[bool, ...]
    fractions: tuple[float, ...]  # best share of groups found together
    spreads: tuple[float, ...]  # share of groups found anywhere
    denied: tuple[bool, ...]
    contradicted: tuple[bool, ...]  # a misconception found denies the point
    mis_central: tuple[bool, ...]  # per misconception found
    fw_ratio: float  # share of function words in the prose (code and formulas left out)
    formula: bool  # written as equations or arrows: terse, but not a keyword list
    n_words: int
    on_topic: float  # share of content words that belong to the question's vocabulary
    n_content: int
    not_answer: str | None  # decided before matching (pasted, repetition, salad)
    listed: bool = False  # laid out as a list of short items
    sentences: bool = False  # ... whose words are mostly in full sentences

    def keyword_factor(self, p: Params) -> float:
        if self.formula:
            return 1.0
        prose = _clip((self.fw_ratio - p.prose_low) / (p.prose_high - p.prose_low))
        return p.list_floor + (1 - p.list_floor) * prose

    def points(self, p: Params) -> list[PointResult]:
        out = []
        for i, w in enumerate(self.weights):
            credit = point_credit(self.hits[i], self.fractions[i], self.spreads[i], p)
            if self.not_answer:
                credit = 0.0
            shown = 0.0 if self.contradicted[i] else credit
            out.append(
                PointResult(
                    str(i),
                    "",
                    w,
                    shown >= 1.0,
                    None,
                    denied=self.denied[i],
                    credit=shown,
                    match_credit=credit,
                    contradicted_by="x" if self.contradicted[i] else "",
                    part=1.0 if self.hits[i] else max(self.fractions[i], self.spreads[i]),
                )
            )
        return out

    def outcome(self, p: Params) -> tuple[float, str]:
        """(score, verdict) under parameters ``p``."""
        points = self.points(p)
        mcs = [
            MisconceptionResult(str(i), "", "", None, central=c)
            for i, c in enumerate(self.mis_central)
        ]
        not_answer, factor = self.decide(points, p)
        score, _, _, verdict, _ = judge(
            points,
            [] if not_answer and not_answer != "keyword-list" else mcs,
            keyword_factor=factor,
            not_answer=not_answer,
            lang="en",
            params=p,
            n_words=self.n_words,
        )
        return score, str(verdict)

    def decide(self, points: list[PointResult], p: Params) -> tuple[str | None, float]:
        """(why it is not an answer or None, keyword factor) once the points are known."""
        if self.not_answer:
            return self.not_answer, 1.0
        covered = any(pt.hit for pt in points)
        if self.on_topic < p.off_topic_ratio:
            if not covered and self.n_content >= 4:
                return "off-topic", 1.0
            if self.n_words >= p.page_words:
                return "elsewhere", 1.0
        factor = self.keyword_factor(p)
        if self.listed and not self.formula and not (self.sentences and covered):
            # a list after sentences that state a point is the end of an answer
            return "keyword-list", p.list_floor
        if factor <= p.list_floor + 1e-9 and self.n_words >= 3:
            return "keyword-list", factor
        return None, factor


_SWAP_MAX_WORDS = 400
# the roles that act: a sentence can say what each of the two does, one after the other
_AGENTS = frozenset({"encoder-decoder", "generator-discriminator"})
# the space before "while": cut there, a sentence keeps its offsets
_WHILE_RE = re.compile(r"(?<=\S)\s(?=(?:while|whereas|mentre)\b)", re.IGNORECASE)


@dataclass
class ItemJudgement:
    """How each rubric item fared against one text, before the whole-answer rules."""

    points: list[tuple[Any, Match]]  # (rubric item, match)
    misconceptions: list[tuple[Any, Match]]  # only those found
    analysis: Analysis


class Grader:
    """Grades answers; compiles each question's rubric once and keeps it.

    Construction is free: the bank is loaded (and the bank-wide vocabulary that
    stops real words being read as typos is built) on first use.
    """

    def __init__(
        self, bank=None, *, bank_dirs: Iterable = (), params: Params | None = None
    ) -> None:
        self._bank = bank
        self._bank_dirs = tuple(bank_dirs)
        self.params = params or Params()
        self._rubrics: dict[str, Rubric] = {}
        self._known: dict[str, frozenset[str]] | None = None
        self._syntax: SyntaxModel | None = None
        self._swaps: dict[str, tuple[Swap, ...]] = {}

    @property
    def bank(self):
        if self._bank is None:
            from quizbank import load_bank

            self._bank = load_bank(self._bank_dirs)
        return self._bank

    def question(self, qid: str):
        """The question with this id; KeyError when unknown."""
        return self.bank.get(qid)

    def rubric(self, question) -> Rubric:
        r = self._rubrics.get(question.id)
        if r is None:
            r = self._rubrics[question.id] = compile_rubric(question)
        return r

    def _known_vocab(self, question) -> dict[str, frozenset[str]]:
        if self._known is None:
            words: set[str] = set()
            for q in self.bank.questions:
                words |= question_words(q)
            self._known = {
                lang: frozenset(stem(w, lang) for w in words if w.isalpha()) for lang in LANGS
            }
        if question.id in self.bank:
            return self._known
        # A question from outside the bank: its own words are real words too.
        own = self.rubric(question).topic_vocab
        return {lang: self._known[lang] | own[lang] for lang in LANGS}

    def syntax(self) -> SyntaxModel:
        """Function-word statistics of well-formed prose: the course's model answers (about
        60,000 words in each language), whatever bank this grader grades."""
        if self._syntax is None:
            self._syntax = _course_syntax()
        return self._syntax

    # -- matching -------------------------------------------------------------
    def judge_items(self, question, text: str, lang: str | None = None) -> ItemJudgement:
        """Match every key point and misconception of ``question`` against ``text``."""
        if isinstance(question, str):
            question = self.question(question)
        rubric = self.rubric(question)
        a = analyse(text or "", rubric, self._known_vocab(question))
        if lang in LANGS:
            a.lang = a.feedback_lang = lang
        kps = [(kp, match_item(kp, a)) for kp in rubric.key_points]
        mcs = [(mc, m) for mc in rubric.misconceptions if (m := match_item(mc, a)).hit]
        whole = a
        split = self._split_roles(question, text or "", a, kps)
        if split is not None:
            # each role's claim read on its own: a point found only across "while" is not
            # stated, and is looked for with the roles exchanged
            text, a = split
            kps = [(kp, match_item(kp, a) if m.hit else m) for kp, m in kps]
        mcs += self._swapped(question, rubric, text, a, kps, mcs, whole)
        return ItemJudgement(kps, mcs, a)

    def _split_roles(
        self, question, text: str, a: Analysis, kps: list
    ) -> tuple[str, Analysis] | None:
        """The answer with each sentence that says what two roles do, one after the other
        ("G takes the real images, while D maps the noise to an image"), cut in two at
        "while", when a point about one role is found in it: the text (same length, same
        offsets) and its analysis, or None when no such sentence holds a point."""
        if a.n_words > _SWAP_MAX_WORDS:
            return None
        swaps = [sw for sw in self._question_swaps(question) if sw.family in _AGENTS]
        if not swaps:
            return None
        chars = list(text)
        cut = False
        for kp, m in kps:
            if not (m.hit and m.evidence and kp.scope == "sentence"):
                continue
            start, end = m.evidence
            here = text[start:end]
            if not any(sw.both_sides(here) and _one_side(kp, sw) for sw in swaps):
                continue
            for w in _WHILE_RE.finditer(here):
                k = start + w.start()
                if chars[k - 1] == ",":
                    chars[k - 1] = "."  # "…, while D …" -> "…. while D …"
                else:
                    chars[k] = "\n"
                cut = True
        if not cut:
            return None
        split = "".join(chars)
        b = analyse(split, self.rubric(question), self._known_vocab(question))
        b.lang, b.feedback_lang = a.lang, a.feedback_lang
        b.text = text  # quoted as the student wrote it
        return split, b

    def _question_swaps(self, question) -> tuple[Swap, ...]:
        swaps = self._swaps.get(question.id)
        if swaps is None:
            swaps = self._swaps[question.id] = swaps_for(dict(question.answer or {}))
        return swaps

    def _swapped(
        self, question, rubric: Rubric, text: str, a: Analysis, kps, mcs, whole: Analysis
    ) -> list:
        """Key points the answer states only with two roles exchanged (see ``roles``): the
        swapped claim counts as a misconception that contradicts the point. A pasted page
        is not read this way (it is not an answer, and it would double the time)."""
        if a.n_words > _SWAP_MAX_WORDS:
            return []
        swaps = self._question_swaps(question)
        contradicted = {mc.contradicts for mc, _ in mcs}
        todo = [kp for kp, m in kps if not m.hit and kp.id not in contradicted]
        out = []
        for swap in swaps:
            if not todo or not swap.forms(text):
                continue
            b = analyse(swap.apply(text), rubric, self._known_vocab(question))
            b.lang, b.feedback_lang = a.lang, a.feedback_lang
            if len(b.sentences) != len(a.sentences):
                continue
            for kp in list(todo):
                m = match_item(kp, b)
                if not m.hit or m.evidence is None:
                    continue
                i = next(
                    (k for k, s in enumerate(b.sentences) if s.start <= m.evidence[0] < s.end),
                    None,
                )
                if i is None:
                    continue
                span = (a.sentences[i].start, a.sentences[i].end)
                # the sentence as written names both roles (cut at "while", each part names one)
                around = next(
                    ((s.start, s.end) for s in whole.sentences if s.start <= span[0] < s.end),
                    span,
                )
                if not swap.both_sides(text[around[0] : around[1]]):
                    continue
                todo.remove(kp)
                item = replace(
                    kp,
                    id=swapped_id(kp.id),
                    misconception=True,
                    contradicts=kp.id,
                    correction=kp.text,
                    text={lang: swapped_text(lang) for lang in LANGS},
                )
                out.append((item, Match(True, False, 1.0, 1.0, span)))
        return out

    def grade_point(
        self, question, point_id: str, text: str, lang: str | None = None
    ) -> PointResult:
        """A follow-up answer judged against one key point alone."""
        if isinstance(question, str):
            question = self.question(question)
        rubric = self.rubric(question)
        index = next((i for i, kp in enumerate(rubric.key_points) if kp.id == point_id), None)
        if index is None:
            raise KeyError(f"question {question.id} has no key point {point_id!r}")
        item = rubric.key_points[index]
        kp = question.key_points[index]
        a = analyse(text or "", rubric, self._known_vocab(question))
        if lang in LANGS:
            a.lang = a.feedback_lang = lang
        flang = a.feedback_lang
        m = match_item(item, a) if a.sentences else Match(False, False, 0.0, 0.0, None)
        whole, reply = a, text or ""
        split = self._split_roles(question, reply, a, [(item, m)])
        if split is not None:
            reply, a = split
            m = match_item(item, a)
        # read as written, before the examiner's question lends the reply its subject
        swapped = bool(self._swapped(question, rubric, reply, a, [(item, m)], [], whole))
        if not m.hit and not m.negated and m.spread > 0:
            m = self._in_reply(item, rubric, question, _probe(kp, flang), text, flang) or m
        wrong = swapped or any(
            match_item(mc, a).hit for mc in rubric.misconceptions if mc.contradicts == point_id
        )
        credit = 0.0 if wrong else point_credit(m.hit, m.fraction, m.spread, self.params)
        return PointResult(
            item.id,
            item.text.get(flang) or item.text.get("en", ""),
            item.weight,
            m.hit and not wrong,
            _snippet(a.text, m.evidence),
            m.evidence,
            denied=m.negated and not m.hit,
            credit=credit,
            central=item.central,
            probe=_probe(kp, flang),
            match_credit=credit,
        )

    def _in_reply(
        self, item, rubric: Rubric, question, probe: str, text: str, lang: str
    ) -> Match | None:
        """The follow-up answer read as the reply to the examiner's question: "if it is
        too large, training diverges" answers "what if the learning rate is chosen
        badly?", whose learning rate the examiner named. None unless the reply states
        the point that way and the question alone does not."""
        question_text = " ".join(probe.split()).rstrip(" ?")
        if not question_text or not text.strip():
            return None
        known = self._known_vocab(question)
        alone = analyse(question_text, rubric, known)
        alone.lang = alone.feedback_lang = lang
        if match_item(item, alone).hit:
            return None  # the question gives the point away
        prefix = question_text + ": "
        joined = analyse(prefix + " ".join(text.split()), rubric, known)
        joined.lang = joined.feedback_lang = lang
        m = match_item(item, joined)
        if not m.hit or m.evidence is None:
            return None
        _, end = m.evidence
        if end <= len(prefix):
            return None
        first = text.strip().split("\n")[0]
        return Match(True, False, 1.0, 1.0, (0, min(len(text), len(first))))

    # -- grading --------------------------------------------------------------
    def grade(self, question, answer_text: str, lang: str | None = None) -> GradeResult:
        """Grade ``answer_text`` for ``question`` (a Question or an id).

        ``lang`` ("en"/"it") fixes the answer's language instead of detecting it.
        """
        if isinstance(question, str):
            question = self.question(question)
        rubric = self.rubric(question)
        text = answer_text or ""
        if not text.strip():
            return self._empty(question, rubric, lang or "en")
        truncated = len(text) > MAX_CHARS
        text = text[:MAX_CHARS]
        j = self.judge_items(question, text, lang)
        a = j.analysis
        if not a.sentences:
            return self._empty(question, rubric, lang or "en")
        flang = a.lang if a.lang in LANGS else a.feedback_lang
        not_answer = self._not_an_answer(question, text, a)
        features = self._features(j, rubric, not_answer)
        p = self.params
        credits = [
            point_credit(m.hit, m.fraction, m.spread, p) if not not_answer else 0.0
            for _, m in j.points
        ]
        contradicted = {mc.contradicts: mc.id for mc, _ in j.misconceptions if mc.contradicts}
        points = []
        for (item, m), kp, credit in zip(j.points, question.key_points, credits, strict=True):
            by = contradicted.get(item.id, "")
            shown = 0.0 if by else credit
            points.append(
                PointResult(
                    item.id,
                    item.text.get(flang) or item.text.get("en", ""),
                    item.weight,
                    shown >= 1.0,
                    _snippet(a.text, m.evidence) if not not_answer else None,
                    m.evidence if not not_answer else None,
                    denied=m.negated and not m.hit and not not_answer,
                    credit=shown,
                    central=item.central,
                    probe=_probe(kp, flang),
                    contradicted_by=by,
                    match_credit=credit,
                    part=1.0 if m.hit else max(m.fraction, m.spread),
                )
            )
        _one_word_once(points, j.points, a)
        _question_echo(points, j.points, a, question)
        mistakes = (
            []
            if not_answer
            else [
                MisconceptionResult(
                    mc.id,
                    mc.text.get(flang) or mc.text.get("en", ""),
                    mc.correction.get(flang) or mc.correction.get("en", ""),
                    _snippet(a.text, m.evidence),
                    m.evidence,
                    central=mc.central,
                )
                for mc, m in j.misconceptions
            ]
        )
        not_answer, factor = features.decide(points, p)
        if not_answer == "off-topic":
            mistakes = []
            # the card shows no point as partly there: a word shared with the question is
            # not evidence (``match_credit`` keeps it, should the student dispute the verdict)
            for pt in points:
                pt.credit, pt.evidence, pt.span = 0.0, None, None
        score, coverage, penalties, verdict, rating = judge(
            points,
            mistakes,
            keyword_factor=factor,
            not_answer=not_answer,
            lang=flang,
            params=p,
            n_words=a.n_words,
        )
        result = GradeResult(
            question.id,
            score,
            verdict,
            points,
            mistakes,
            rating,
            "",
            a.lang,
            penalties,
            not_answer,
            factor,
            truncated,
            coverage,
            n_words=a.n_words,
            features=features,
        )
        result.feedback = feedback_for(result, MAX_CHARS)
        return result

    def _not_an_answer(self, question, text: str, a: Analysis) -> str | None:
        """The reasons decided from the text's shape, before any point is credited."""
        questions = [(question.question, "en")]
        if getattr(question, "question_it", ""):
            questions.append((question.question_it, "it"))
        if pasted_question(text, questions):
            return "pasted-question"
        words = [s.words for s in a.sentences]
        if repetition(words):
            return "repetition"
        if word_salad(words, self.syntax(), text):
            return "word-salad"
        if restated(text, questions):
            return "pasted-question"  # the question's own words, in any order
        return None

    def _features(self, j: ItemJudgement, rubric: Rubric, not_answer: str | None) -> Features:
        a = j.analysis
        contradicted = {mc.contradicts for mc, _ in j.misconceptions if mc.contradicts}
        ratio = prose_ratio(a.text)  # code and formulas are prose for this purpose
        listed, sentences = list_layout(a.text)
        return Features(
            weights=tuple(kp.weight for kp, _ in j.points),
            hits=tuple(m.hit for _, m in j.points),
            fractions=tuple(m.fraction for _, m in j.points),
            spreads=tuple(m.spread for _, m in j.points),
            denied=tuple(m.negated and not m.hit for _, m in j.points),
            contradicted=tuple(kp.id in contradicted for kp, _ in j.points),
            mis_central=tuple(mc.central for mc, _ in j.misconceptions),
            fw_ratio=1.0 if ratio is None else ratio,
            formula=ratio is None or _formula(a.text),
            n_words=a.n_words,
            on_topic=max(
                len(a.content[lang] & rubric.topic_vocab[lang]) / max(1, len(a.content[lang]))
                for lang in LANGS
            ),
            n_content=max(len(a.content[lang]) for lang in LANGS),
            not_answer=not_answer,
            listed=listed,
            sentences=sentences,
        )

    def _empty(self, question, rubric: Rubric, lang: str) -> GradeResult:
        flang = "it" if lang == "it" else "en"
        points = [
            PointResult(
                kp.id,
                kp.text.get(flang) or kp.text.get("en", ""),
                kp.weight,
                False,
                None,
                central=kp.central,
                probe=_probe(qkp, flang),
            )
            for kp, qkp in zip(rubric.key_points, question.key_points, strict=True)
        ]
        return GradeResult(
            question.id, 0.0, Verdict.WRONG, points, [], Rating.AGAIN, NO_ANSWER, flang
        )


def _probe(kp, lang: str) -> str:
    """The point's follow-up question in ``lang`` (English when only that is written)."""
    probe = getattr(kp, "probe", None) or {}
    return probe.get(lang) or probe.get("en") or ""


_APPLY_RE = re.compile(r"\w\(\w")  # "D_B(E(x_A))", "f(g(x))": a function applied


def _formula(text: str) -> bool:
    """Written as equations (``=`` or ``≈`` with an operator or a function applied:
    "swap = D_B(E(x_A))") or as a chain of arrows."""
    if ("=" in text or "≈" in text) and (
        any(op in text for op in "+-*/^−·×÷") or _APPLY_RE.search(text)
    ):
        return True
    return text.count("->") + text.count("→") >= 2


_SYNTAX: SyntaxModel | None = None


def _course_syntax() -> SyntaxModel:
    global _SYNTAX
    if _SYNTAX is None:
        from quizbank import load_bank

        texts = [t for q in load_bank().questions for t in (q.answer or {}).values()]
        _SYNTAX = SyntaxModel.from_texts(texts)
    return _SYNTAX


_DEFAULT: Grader | None = None


def _default() -> Grader:
    global _DEFAULT
    if _DEFAULT is None:
        _DEFAULT = Grader()
    return _DEFAULT


def grade(question, answer_text: str, lang: str | None = None) -> GradeResult:
    """Grade with a process-wide default grader over the built-in bank."""
    return _default().grade(question, answer_text, lang)


def grade_point(question, point_id: str, text: str, lang: str | None = None) -> PointResult:
    """A follow-up answer judged against one key point, with the default grader."""
    return _default().grade_point(question, point_id, text, lang)


def _one_side(item, swap: Swap) -> bool:
    """Whether the item's terms name one of the two roles of ``swap`` and not the other."""
    sides = {
        swap.side[f] for v in item.variants for g in v for alt in g for f in swap.forms(alt.phrase)
    }
    return len(sides) == 1


def _support(item, a: Analysis) -> set[str]:
    """The answer's words (first stems, either language) that a term of ``item`` starts with."""
    return {
        alt.stems[0]
        for v in item.variants
        for g in v
        for alt in g
        if not alt.cue and (alt.lang, alt.stems[0]) in a.where
    }


def _question_echo(points: list[PointResult], judged: list, a: Analysis, question) -> None:
    """The question's own words are no evidence: when no point is stated and every content
    word the partly-there points rest on is a word of the question, the text echoes the
    question ("forward and backward are the two directions" to the forward/backward-path
    question) and no point is partly there."""
    if any(pt.hit for pt in points):
        return
    asked = {
        stem(w, lang)
        for lang in LANGS
        for w in re.findall(
            r"\w+", (question.question_it if lang == "it" else question.question).lower()
        )
    }
    partly = [(pt, item) for pt, (item, _) in zip(points, judged, strict=True) if pt.credit > 0]
    said = set().union(*(_support(item, a) for _, item in partly)) if partly else set()
    if partly and {w for w in said if len(w) > 1 and w not in FUNCTION_WORDS} <= asked:
        for pt, _ in partly:
            pt.credit = pt.match_credit = 0.0


def _one_word_once(points: list[PointResult], judged: list, a: Analysis) -> None:
    """One word shared by several points partly credits only the first of them: "SGD uses
    the Gradient" is not two points partly there (zero_grad and backward)."""
    partly = [
        (pt, item)
        for pt, (item, _) in zip(points, judged, strict=True)
        if pt.credit > 0 and not pt.hit
    ]
    if len(partly) < 2 or any(pt.hit for pt in points):
        return
    words = [_support(item, a) for _, item in partly]
    if len(set().union(*words)) > 1:
        return
    for pt, _ in partly[1:]:
        pt.credit = pt.match_credit = 0.0
