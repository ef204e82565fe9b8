"""Grade a typed answer against a question's rubric.

The score blends the weighted share of key points stated in one sentence each
(with part credit for points half-stated) and the weighted share of their term
groups found anywhere in the answer, then subtracts penalties for
misconceptions and for key points the answer contradicts; bare keyword lists
are scaled down and off-topic answers score zero. Every feature is generic:
nothing here knows about any particular question.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from quizbank.textnorm import stem

from .feedback import NO_ANSWER, feedback_text
from .matcher import Analysis, Match, analyse, match_item
from .rubric import LANGS, Rubric, compile_rubric, question_words

__all__ = [
    "GradeResult",
    "Grader",
    "MisconceptionResult",
    "Params",
    "PointResult",
    "grade",
    "verdict_for",
]


@dataclass(frozen=True)
class Params:
    """The few numbers of the scoring model.

    Chosen on the training split of ``tests/data/grading_calibration.jsonl``
    (questions where ``calibration.is_held_out`` is false); the held-out third
    only measures them.
    """

    partial_credit: float = 0.7  # share of a point's weight for a half-stated point
    partial_min: float = 0.34  # least share of groups found together to earn it
    spread_weight: float = 0.6  # weight of "the right terms occur somewhere" in the score
    misconception_penalty: float = 0.15
    denial_penalty: float = 0.1
    prose_low: float = 0.08  # function-word ratio of a bare keyword list
    prose_high: float = 0.22  # ... and of ordinary prose
    list_floor: float = 0.2  # multiplier for a pure keyword list
    off_topic_ratio: float = 0.15  # share of on-topic content words below which it is off topic
    correct_at: float = 0.45
    partial_at: float = 0.12


@dataclass
class PointResult:
    id: str
    text: str
    weight: int
    hit: bool
    evidence: str | None
    span: tuple[int, int] | None = None
    denied: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "text": self.text, "hit": self.hit, "evidence": self.evidence}


@dataclass
class MisconceptionResult:
    id: str
    text: str
    correction: str
    evidence: str | None
    span: tuple[int, int] | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "text": self.text,
            "correction": self.correction,
            "evidence": self.evidence,
        }


@dataclass
class GradeResult:
    """What the CLI prints and the UI shows."""

    id: str
    score: float
    verdict: str  # "correct" | "partial" | "wrong"
    points: list[PointResult]
    misconceptions: list[MisconceptionResult]
    suggested_rating: str  # "again" | "hard" | "good" | "easy"
    feedback: str
    lang: str = "en"
    off_topic: bool = False
    keyword_list: bool = False
    features: Features | None = field(default=None, repr=False)

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "score": round(self.score, 4),
            "verdict": self.verdict,
            "points": [p.to_dict() for p in self.points],
            "misconceptions": [m.to_dict() for m in self.misconceptions],
            "suggested_rating": self.suggested_rating,
            "feedback": self.feedback,
            "lang": self.lang,
        }


@dataclass(frozen=True)
class Features:
    """The generic signals a score is made of; kept so tuning needs no re-matching."""

    weights: tuple[int, ...]  # per key point
    hits: tuple[bool, ...]
    fractions: tuple[float, ...]  # best share of groups together in one sentence
    spreads: tuple[float, ...]  # share of groups found anywhere
    n_denied: int
    n_mis: int
    n_words: int
    fw_ratio: float  # share of function words: low for keyword lists and formulas
    on_topic: float  # share of content words that belong to the question's vocabulary
    n_content: int
    formula: bool  # written as equations: terse, but not a keyword list

    @classmethod
    def collect(cls, rubric: Rubric, kp_matches, mc_matches, a: Analysis) -> Features:
        return cls(
            weights=tuple(kp.weight for kp in rubric.key_points),
            hits=tuple(m.hit for m in kp_matches),
            fractions=tuple(m.fraction for m in kp_matches),
            spreads=tuple(m.spread for m in kp_matches),
            n_denied=sum(1 for m in kp_matches if m.negated and not m.hit),
            n_mis=sum(1 for m in mc_matches if m.hit),
            n_words=a.n_words,
            fw_ratio=a.n_function / a.n_words if a.n_words else 0.0,
            on_topic=max(
                len(a.content[lang] & rubric.topic_vocab[lang]) / max(1, len(a.content[lang]))
                for lang in LANGS
            ),
            n_content=max(len(a.content[lang]) for lang in LANGS),
            formula="=" in a.text and any(op in a.text for op in "+-*/^"),
        )

    @property
    def coverage(self) -> float:
        return sum(w for w, h in zip(self.weights, self.hits, strict=True) if h) / max(
            1, sum(self.weights)
        )

    def score(self, p: Params) -> tuple[float, bool, bool]:
        """(score, off topic, keyword list) under parameters ``p``."""
        total = max(1, sum(self.weights))
        covered = half = spread = 0.0
        for w, hit, frac, spr in zip(
            self.weights, self.hits, self.fractions, self.spreads, strict=True
        ):
            spread += w * spr
            if hit:
                covered += w
            elif frac >= p.partial_min:
                half += w * frac
        raw = (covered + p.partial_credit * half) / total
        raw = (1 - p.spread_weight) * raw + p.spread_weight * spread / total
        prose = _clip((self.fw_ratio - p.prose_low) / (p.prose_high - p.prose_low))
        if self.formula:
            prose = 1.0
        score = raw * (p.list_floor + (1 - p.list_floor) * prose)
        score -= p.misconception_penalty * self.n_mis + p.denial_penalty * self.n_denied
        off_topic = covered == 0 and self.n_content >= 4 and self.on_topic < p.off_topic_ratio
        if off_topic:
            score = 0.0
        return _clip(score), off_topic, prose < 0.5 and self.n_words >= 3


def verdict_for(score: float, params: Params = Params()) -> str:
    if score >= params.correct_at:
        return "correct"
    if score >= params.partial_at:
        return "partial"
    return "wrong"


def _rating(verdict: str, score: float, clean: bool) -> str:
    if verdict == "wrong":
        return "again"
    if verdict == "partial":
        return "hard"
    return "easy" if score >= 0.8 and clean else "good"


def _clip(x: float, lo: float = 0.0, hi: float = 1.0) -> float:
    return lo if x < lo else hi if x > hi else x


def _snippet(text: str, span: tuple[int, int] | None) -> str | None:
    if span is None:
        return None
    return " ".join(text[span[0] : span[1]].split())


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

    def grade(self, question, answer_text: str) -> GradeResult:
        """Grade ``answer_text`` for ``question`` (a Question or an id)."""
        if isinstance(question, str):
            question = self.question(question)
        rubric = self.rubric(question)
        text = answer_text or ""
        if not text.strip():
            return self._empty(question, rubric)
        analysis = analyse(text, rubric, self._known_vocab(question))
        if not analysis.sentences:
            return self._empty(question, rubric)
        return self._score(question, rubric, analysis)

    def _empty(self, question, rubric: Rubric) -> GradeResult:
        points = [
            PointResult(kp.id, kp.text.get("en", ""), kp.weight, False, None)
            for kp in rubric.key_points
        ]
        return GradeResult(question.id, 0.0, "wrong", points, [], "again", NO_ANSWER, "en")

    def _score(self, question, rubric: Rubric, a: Analysis) -> GradeResult:
        p = self.params
        flang = a.lang if a.lang in LANGS else a.feedback_lang
        kp_matches: list[Match] = [match_item(kp, a) for kp in rubric.key_points]
        mc_matches: list[Match] = [match_item(mc, a) for mc in rubric.misconceptions]
        kps = list(zip(rubric.key_points, kp_matches, strict=True))
        mcs = list(zip(rubric.misconceptions, mc_matches, strict=True))
        f = Features.collect(rubric, kp_matches, mc_matches, a)
        score, off_topic, keyword_list = f.score(p)
        verdict = verdict_for(score, p)

        points = [
            PointResult(
                kp.id,
                kp.text.get(flang) or kp.text.get("en", ""),
                kp.weight,
                m.hit,
                _snippet(a.text, m.evidence),
                m.evidence,
                denied=m.negated and not m.hit,
            )
            for kp, m in kps
        ]
        mistakes = [
            MisconceptionResult(
                mc.id,
                mc.text.get(flang) or mc.text.get("en", ""),
                mc.correction.get(flang) or mc.correction.get("en", ""),
                _snippet(a.text, m.evidence),
                m.evidence,
            )
            for mc, m in mcs
            if m.hit
        ]
        missing = sorted(
            (kp for kp, m in kps if not m.hit and not m.negated),
            key=lambda kp: -kp.weight,
        )
        fb = feedback_text(
            flang,
            hit=sum(1 for m in kp_matches if m.hit),
            total=len(kp_matches),
            missing=[kp.text for kp in missing],
            wrong=[(mc.text, mc.correction) for mc, m in mcs if m.hit],
            denied=[kp.text for kp, m in kps if m.negated and not m.hit],
            off_topic=off_topic,
            keyword_list=keyword_list,
        )
        return GradeResult(
            question.id,
            score,
            verdict,
            points,
            mistakes,
            # "easy" only for a complete answer: every key point, nothing wrong
            _rating(verdict, score, not mistakes and not f.n_denied and not missing),
            fb,
            a.lang,
            off_topic,
            keyword_list,
            f,
        )


_DEFAULT: Grader | None = None


def grade(question, answer_text: str) -> GradeResult:
    """Grade with a process-wide default grader over the built-in bank."""
    global _DEFAULT
    if _DEFAULT is None:
        _DEFAULT = Grader()
    return _DEFAULT.grade(question, answer_text)
