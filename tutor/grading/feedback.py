"""Short feedback in the answer's language: what is wrong first, then what is missing.

Built from the result alone (the card's points, statements and penalties), so the
feedback after a student's override says the same as the card.
"""

from __future__ import annotations

from typing import Any

from .nonanswer import NOT_AN_ANSWER

__all__ = ["NO_ANSWER", "feedback_for"]

NO_ANSWER = "no answer"
_MAX_MISSING = 3

_PHRASES = {
    "en": {
        "wrong": "Wrong: {text} {correction}",
        "denied": "Contradicts a key point: {text}",
        "missing": "Missing: {items}",
        "partly": "Only partly: {items}",
        "all": "All key points covered.",
        "covered": "Covered {hit} of {total} key points.",
        "truncated": "Only the first {chars} characters were graded.",
        "dismissed": "You dismissed {n} flagged statement(s).",
    },
    "it": {
        "wrong": "Errato: {text} {correction}",
        "denied": "Contraddice un punto chiave: {text}",
        "missing": "Manca: {items}",
        "partly": "Solo in parte: {items}",
        "all": "Tutti i punti chiave sono coperti.",
        "covered": "Punti chiave coperti: {hit} su {total}.",
        "truncated": "Sono stati valutati solo i primi {chars} caratteri.",
        "dismissed": "Hai respinto {n} affermazione/i segnalata/e.",
    },
}


def _sentence(text: str) -> str:
    text = text.strip()
    return text if not text or text[-1] in ".!?" else text + "."


def feedback_for(result: Any, truncated_at: int = 40_000) -> str:
    """One short paragraph for ``result`` (a ``GradeResult``), most important first."""
    lang = "it" if result.lang == "it" else "en"
    p = _PHRASES[lang]
    parts: list[str] = []
    not_answer = None if result.not_answer_dismissed else result.not_answer
    if not_answer:
        parts.append(NOT_AN_ANSWER[not_answer][lang])
    elif result.keyword_factor < 1.0:
        parts.append(NOT_AN_ANSWER["keyword-list"][lang])
    if result.truncated:
        parts.append(p["truncated"].format(chars=f"{truncated_at:,}"))
    if not_answer and not_answer != "keyword-list":
        return " ".join(parts)
    for m in result.misconceptions:
        if not m.dismissed:
            parts.append(
                p["wrong"].format(text=_sentence(m.text), correction=_sentence(m.correction))
            )
    for pt in result.points:
        if pt.contradicts:
            parts.append(p["denied"].format(text=_sentence(pt.text)))
    hit = sum(1 for pt in result.points if pt.hit)
    ordered = sorted(result.points, key=lambda pt: (-pt.central, -pt.weight))
    partly = [pt for pt in ordered if pt.status == "partial"]
    missing = [pt for pt in ordered if pt.status == "missed" and not pt.contradicts]
    if partly or missing:
        parts.append(p["covered"].format(hit=hit, total=len(result.points)))
        if missing:
            items = " ".join(_sentence(pt.text) for pt in missing[:_MAX_MISSING])
            parts.append(p["missing"].format(items=items))
        if partly:
            items = " ".join(_sentence(pt.text) for pt in partly[:_MAX_MISSING])
            parts.append(p["partly"].format(items=items))
    elif result.points and hit == len(result.points):
        parts.append(p["all"])
    n_dismissed = sum(1 for m in result.misconceptions if m.dismissed)
    if n_dismissed:
        parts.append(p["dismissed"].format(n=n_dismissed))
    return " ".join(parts)
