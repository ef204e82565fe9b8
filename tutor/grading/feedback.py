"""Short feedback in the answer's language: what is wrong first, then what is missing."""

from __future__ import annotations

__all__ = ["NO_ANSWER", "feedback_text"]

NO_ANSWER = "no answer"
_MAX_MISSING = 3

_PHRASES = {
    "en": {
        "offtopic": "The answer does not address this question.",
        "list": "Write full sentences: a list of keywords does not show how the ideas connect.",
        "wrong": "Wrong: {text} {correction}",
        "denied": "Contradicts a key point: {text}",
        "missing": "Missing: {items}",
        "all": "All key points covered.",
        "covered": "Covered {hit} of {total} key points.",
    },
    "it": {
        "offtopic": "La risposta non riguarda questa domanda.",
        "list": "Scrivi frasi complete: un elenco di parole chiave non mostra come si "
        "collegano i concetti.",
        "wrong": "Errato: {text} {correction}",
        "denied": "Contraddice un punto chiave: {text}",
        "missing": "Manca: {items}",
        "all": "Tutti i punti chiave sono coperti.",
        "covered": "Punti chiave coperti: {hit} su {total}.",
    },
}


def _pick(d: dict[str, str], lang: str) -> str:
    return (d.get(lang) or d.get("en") or d.get("it") or "").strip()


def _sentence(text: str) -> str:
    text = text.strip()
    return text if not text or text[-1] in ".!?" else text + "."


def feedback_text(
    lang: str,
    *,
    hit: int,
    total: int,
    missing: list[dict[str, str]],
    wrong: list[tuple[dict[str, str], dict[str, str]]],
    denied: list[dict[str, str]],
    off_topic: bool,
    keyword_list: bool,
) -> str:
    """One short paragraph; ``missing`` is ordered most important first."""
    p = _PHRASES["it" if lang == "it" else "en"]
    lang = "it" if lang == "it" else "en"
    parts: list[str] = []
    if off_topic:
        parts.append(p["offtopic"])
    for text, correction in wrong:
        parts.append(
            p["wrong"].format(
                text=_sentence(_pick(text, lang)), correction=_sentence(_pick(correction, lang))
            )
        )
    for text in denied:
        parts.append(p["denied"].format(text=_sentence(_pick(text, lang))))
    if keyword_list:
        parts.append(p["list"])
    if missing:
        items = " ".join(_sentence(_pick(t, lang)) for t in missing[:_MAX_MISSING])
        parts.append(p["covered"].format(hit=hit, total=total))
        parts.append(p["missing"].format(items=items))
    elif not off_topic:
        parts.append(p["all"])
    return " ".join(parts)
