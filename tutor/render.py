"""Question and answer as terminal-friendly Markdown (math already in Unicode).

Shared by ``tutor bank show`` and the UI so both show the same text.
"""

from __future__ import annotations

from quizbank import Question
from tutor.i18n import LANGS
from tutor.i18n import render as T
from tutor.mathtext import render_markdown_math

#: Sheet headings by language, as the exports use them; the texts live in ``tutor.i18n.render``.
LABELS: dict[str, dict[str, str]] = {
    lang: {
        "answer": T.ANSWER(lang),
        "points": T.POINTS(lang),
        "mistakes": T.MISTAKES(lang),
        "demos": T.DEMOS(lang),
        "drills": T.DRILLS(lang),
        "see": T.SEE_ALSO(lang),
        "context": T.CONTEXT(lang),
        "title": T.SHEET_TITLE(lang),
        "contents": T.CONTENTS(lang),
        "count": T.COUNT(lang),
        "lang": T.LANGUAGE(lang),
    }
    for lang in LANGS
}


def localized(texts: dict[str, str], lang: str) -> str:
    """A bank text in ``lang``, else in English (a bank may leave a language out)."""
    return texts.get(lang) or texts.get("en", "")


def bar(fraction: float, width: int = 20) -> str:
    """A text progress bar (█ filled, ░ empty), shared by the CLI and the UI."""
    filled = round(max(0.0, min(1.0, fraction)) * width)
    return "█" * filled + "░" * (width - filled)


def answer_markdown(q: Question, lang: str = "en") -> str:
    """The model answer with its math rendered."""
    return render_markdown_math(localized(q.answer, lang))


def question_heading(q: Question, lang: str = "en") -> str:
    """The official question as a heading; in Italian, its Italian rendering beneath it
    and, for a question that refers to another, the context it leaves unsaid."""
    parts = [f"# {q.id} — {render_markdown_math(q.question)}"]
    if lang == "it" and q.question_it:
        parts.append(f"*{render_markdown_math(q.question_it)}*")
    context = localized(q.context, lang)
    if context:
        parts.append(f"> **{T.CONTEXT(lang)}:** {render_markdown_math(context)}")
    return "\n\n".join(parts)


def question_markdown(q: Question, lang: str = "en", *, with_answer: bool = True) -> str:
    """Everything a student reads about one question, as Markdown."""
    lab = LABELS.get(lang, LABELS["en"])
    parts = [question_heading(q, lang)]
    if with_answer:
        parts.append(f"## {lab['answer']}\n\n{answer_markdown(q, lang)}")
        points = "\n".join(
            f"- {'★' * kp.weight} {render_markdown_math(localized(kp.text, lang))}"
            for kp in q.key_points
        )
        parts.append(f"## {lab['points']}\n\n{points}")
        if q.misconceptions:
            mis = "\n".join(
                f"- ✗ {render_markdown_math(localized(m.text, lang))}  \n  ✓ "
                f"{render_markdown_math(localized(m.correction, lang))}"
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
