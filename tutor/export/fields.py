"""A question as flashcard fields in HTML, with MathJax math: shared by .apkg and CSV/TSV.

The bank is Markdown with ``$…$`` math. Math is cut out before Markdown sees
it (so ``a_i * b_j`` never turns into emphasis), the Markdown is rendered with
raw HTML disabled (anything that looks like a tag in the bank is escaped),
and the math comes back HTML-escaped inside ``\\(…\\)`` / ``\\[…\\]``.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from functools import lru_cache

from quizbank import Question
from tutor.export.common import map_math, mathjax
from tutor.render import LABELS

FIELD_NAMES: tuple[str, ...] = (
    "Id",
    "Topic",
    "Question",
    "Answer",
    "KeyPoints",
    "Mistakes",
    "Demos",
    "Drills",
    "SeeAlso",
)

_PLACEHOLDER = "MJXPH{}XHPJM"
_PLACEHOLDER_RE = re.compile(r"MJXPH(\d+)XHPJM")


@lru_cache(maxsize=1)
def _md():
    from markdown_it import MarkdownIt

    return MarkdownIt("commonmark", {"html": False, "breaks": True}).enable("table")


def _protect(markdown: str) -> tuple[str, list[str]]:
    spans: list[str] = []

    def keep(tex: str, display: bool) -> str:
        spans.append(mathjax(html.escape(tex, quote=False), display))
        return _PLACEHOLDER.format(len(spans) - 1)

    return map_math(markdown, keep), spans


def _restore(rendered: str, spans: list[str]) -> str:
    return _PLACEHOLDER_RE.sub(lambda m: spans[int(m.group(1))], rendered)


def md_to_html(markdown: str) -> str:
    """Block Markdown (an answer) → HTML with MathJax delimiters."""
    text, spans = _protect(markdown)
    return _restore(_md().render(text), spans).strip()


def md_inline_html(markdown: str) -> str:
    """One line of Markdown (a key point, a question) → inline HTML."""
    text, spans = _protect(markdown.strip())
    return _restore(_md().renderInline(text), spans)


@dataclass(frozen=True)
class CardFields:
    """The note fields, in ``FIELD_NAMES`` order."""

    values: tuple[str, ...]

    def __getitem__(self, name: str) -> str:
        return self.values[FIELD_NAMES.index(name)]

    def as_dict(self) -> dict[str, str]:
        return dict(zip(FIELD_NAMES, self.values, strict=True))


def _per_lang(langs: tuple[str, ...], parts: dict[str, str], cls: str) -> str:
    """One block per language; with two languages a separator and a label each."""
    if len(langs) == 1:
        return parts[langs[0]]
    blocks = [
        f'<div class="{cls} lang-{lang}" lang="{lang}">'
        f'<div class="lang-label">{LABELS[lang]["lang"]}</div>{parts[lang]}</div>'
        for lang in langs
    ]
    return '<hr class="lang-sep">'.join(blocks)


def _names(names: tuple[str, ...]) -> str:
    return ", ".join(f"<code>{html.escape(n)}</code>" for n in names)


def card_fields(q: Question, langs: tuple[str, ...], topic_title: str) -> CardFields:
    """Every field of one note; empty optional fields stay empty (Anki hides them)."""
    answers = {lang: md_to_html(q.answer.get(lang) or q.answer.get("en", "")) for lang in langs}
    points = {}
    mistakes = {}
    for lang in langs:
        lab = LABELS[lang]
        items = "".join(
            f'<li class="w{kp.weight}"><span class="stars">{"★" * kp.weight}</span> '
            f"{md_inline_html(kp.text.get(lang) or kp.text.get('en', ''))}</li>"
            for kp in q.key_points
        )
        points[lang] = (
            f'<div class="label">{lab["points"]}</div><ul class="key-points">{items}</ul>'
        )
        if q.misconceptions:
            rows = "".join(
                f'<li><span class="wrong">✗ {md_inline_html(m.text.get(lang, ""))}</span>'
                f'<br><span class="right">✓ {md_inline_html(m.correction.get(lang, ""))}'
                "</span></li>"
                for m in q.misconceptions
            )
            mistakes[lang] = (
                f'<div class="label">{lab["mistakes"]}</div><ul class="mistakes">{rows}</ul>'
            )
    return CardFields(
        (
            html.escape(q.id),
            html.escape(f"{q.topic_id} {topic_title}"),
            md_inline_html(q.question),
            _per_lang(langs, answers, "answer-lang"),
            _per_lang(langs, points, "points-lang"),
            _per_lang(langs, mistakes, "mistakes-lang") if mistakes else "",
            _names(q.demos),
            _names(q.drills),
            html.escape(", ".join(q.see_also)),
        )
    )
