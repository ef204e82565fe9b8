"""Question and answer as terminal-friendly Markdown (math already in Unicode).

Shared by ``tutor bank show`` and the UI so both show the same text.
"""

from __future__ import annotations

from quizbank import Question
from tutor.mathtext import render_markdown_math

LABELS: dict[str, dict[str, str]] = {
    "en": {
        "answer": "Model answer",
        "points": "Key points",
        "mistakes": "Common mistakes",
        "demos": "Demos",
        "drills": "Drills",
        "see": "See also",
        "title": "CIDL — study sheet",
        "contents": "Contents",
        "count": "questions",
        "lang": "English",
    },
    "it": {
        "answer": "Risposta modello",
        "points": "Punti chiave",
        "mistakes": "Errori comuni",
        "demos": "Demo",
        "drills": "Esercizi",
        "see": "Vedi anche",
        "title": "CIDL — scheda di studio",
        "contents": "Indice",
        "count": "domande",
        "lang": "Italiano",
    },
}


def bar(fraction: float, width: int = 20) -> str:
    """A text progress bar (█ filled, ░ empty), shared by the CLI and the UI."""
    filled = round(max(0.0, min(1.0, fraction)) * width)
    return "█" * filled + "░" * (width - filled)


def answer_markdown(q: Question, lang: str = "en") -> str:
    """The model answer with its math rendered."""
    return render_markdown_math(q.answer.get(lang) or q.answer.get("en", ""))


def question_markdown(q: Question, lang: str = "en", *, with_answer: bool = True) -> str:
    """Everything a student reads about one question, as Markdown."""
    lab = LABELS.get(lang, LABELS["en"])
    parts = [f"# {q.id} — {q.question}"]
    if with_answer:
        parts.append(f"## {lab['answer']}\n\n{answer_markdown(q, lang)}")
        points = "\n".join(
            f"- {'★' * kp.weight} {render_markdown_math(kp.text.get(lang, ''))}"
            for kp in q.key_points
        )
        parts.append(f"## {lab['points']}\n\n{points}")
        if q.misconceptions:
            mis = "\n".join(
                f"- ✗ {render_markdown_math(m.text.get(lang, ''))}  \n  ✓ "
                f"{render_markdown_math(m.correction.get(lang, ''))}"
                for m in q.misconceptions
            )
            parts.append(f"## {lab['mistakes']}\n\n{mis}")
    extras = []
    if q.demos:
        extras.append(f"**{lab['demos']}:** " + ", ".join(f"`{d}`" for d in q.demos))
    if q.drills:
        extras.append(f"**{lab['drills']}:** " + ", ".join(f"`{d}`" for d in q.drills))
    if q.see_also:
        extras.append(f"**{lab['see']}:** " + ", ".join(q.see_also))
    if extras:
        parts.append("  \n".join(extras))
    return "\n\n".join(parts) + "\n"
