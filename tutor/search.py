"""Find questions by id or by words, best match first: shared by browse and the command palette.

A student searching "straight-through" wants the question *about* it before the ten
answers that mention it in passing, so a hit is ranked by where the words are found: the
id, then the question text (official or Italian, with its context), then the key points,
then the model answers. Within a tier, more occurrences in all of the question's texts
rank higher; ties keep bank order.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum

from quizbank import Bank, Question
from quizbank.textnorm import normalize

__all__ = ["Found", "Where", "search"]


class Where(IntEnum):
    """Where the words were found, best first."""

    ID = 0
    ID_PREFIX = 1
    QUESTION = 2
    KEY_POINTS = 3
    ANSWER = 4


@dataclass(frozen=True)
class Found:
    """One matching question and why it matched."""

    qid: str
    where: Where
    count: int  # occurrences of the words in all the question's texts


_CACHE: dict[tuple[str, int], list[tuple[Where, str]]] = {}


def _haystacks(q: Question) -> list[tuple[Where, str]]:
    """The normalised texts of ``q``, once per question object (a search runs per keystroke)."""
    key = (q.id, id(q))
    if key not in _CACHE:
        _CACHE[key] = _texts(q)
    return _CACHE[key]


def _texts(q: Question) -> list[tuple[Where, str]]:
    question = " ".join([q.question, q.question_it, *q.context.values()])
    points = " ".join(t for kp in q.key_points for t in kp.text.values())
    answers = " ".join(q.answer.values())
    return [
        (Where.QUESTION, normalize(question)),
        (Where.KEY_POINTS, normalize(points)),
        (Where.ANSWER, normalize(answers)),
    ]


def _match(q: Question, query: str, words: list[str]) -> Found | None:
    wanted = query.strip().lower()
    if wanted and q.id.lower() == wanted:
        return Found(q.id, Where.ID, 1)
    if wanted and q.id.lower().startswith(wanted):
        return Found(q.id, Where.ID_PREFIX, 1)
    texts = _haystacks(q)
    for where, hay in texts:
        if all(w in hay for w in words):
            # ties within a tier go to the question that says it most, anywhere
            return Found(q.id, where, sum(h.count(w) for _, h in texts for w in words))
    return None


def search(bank: Bank, query: str, topic: str | None = None) -> list[Found]:
    """Questions matching every word of ``query``, best first (every question for no words)."""
    words = normalize(query).split()
    found = []
    for position, q in enumerate(bank.questions):
        if topic and q.topic_id != topic:
            continue
        hit = Found(q.id, Where.QUESTION, 0) if not words else _match(q, query, words)
        if hit is not None:
            found.append((hit.where, -hit.count, position, hit))
    found.sort(key=lambda item: item[:3])
    return [item[3] for item in found]
