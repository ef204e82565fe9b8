"""The examiner's follow-up questions: which missed points to ask about, and how.

An oral examiner who hears an answer that leaves out the heart of the matter asks
about it ("and how does the gradient get past the argmin?"). The points worth
asking are the ones not covered, the question's central point first, then the
heaviest; each is asked with its ``probe`` and graded alone (``grade_point``).
"""

from __future__ import annotations

from typing import Any

__all__ = ["followups", "probe_for"]

_GENERIC = {
    "en": "Can you say more about this part of the question?",
    "it": "Può dire di più su questa parte della domanda?",
}


def probe_for(point: Any, lang: str) -> str:
    """The follow-up question of a key point in ``lang`` (English, then a generic prompt
    when the bank has none)."""
    probe = getattr(point, "probe", None) or {}
    lang = "it" if lang == "it" else "en"
    return probe.get(lang) or probe.get("en") or _GENERIC[lang]


def followups(question: Any, result: Any, n: int = 2) -> list[Any]:
    """Up to ``n`` key points of ``question`` to ask back after ``result``.

    Only points the card does not show as covered; central points first, then by
    weight, then the ones with a written probe, then in the bank's order.
    """
    if n <= 0:
        return []
    shown = {p.id: p for p in result.points}
    candidates = []
    for i, kp in enumerate(question.key_points):
        p = shown.get(kp.id)
        if p is None or p.hit:
            continue
        has_probe = bool(getattr(kp, "probe", None))
        candidates.append(((not getattr(kp, "central", False), -kp.weight, not has_probe, i), kp))
    candidates.sort(key=lambda c: c[0])
    return [kp for _, kp in candidates[:n]]
