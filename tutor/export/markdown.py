"""A printable study sheet in Markdown: contents, then every question with its answer.

Math stays as ``$…$`` / ``$$…$$``, which Markdown viewers with math support
(GitHub, Obsidian, pandoc, VS Code) typeset; a display formula gets lines of its
own, one per row of an ``aligned`` block, so the sheet also reads as plain text.
Explicit anchors keep the contents links working in every viewer.
"""

from __future__ import annotations

import re
from pathlib import Path

from quizbank import Bank, Question
from tutor.export.common import topic_title
from tutor.mathtext import display_math_blocks
from tutor.render import LABELS


def anchor(kind: str, ident: str) -> str:
    return f"{kind}-" + re.sub(r"[^a-z0-9]+", "-", ident.lower()).strip("-")


def _link_text(text: str) -> str:
    return text.replace("\\", "\\\\").replace("[", "\\[").replace("]", "\\]")


_BLOCKY = re.compile(r"^\s*([-*+]\s|\d+[.)]\s|\|)")


def _paragraphs(markdown: str) -> str:
    """One paragraph per line, as the bank writes them (a viewer would join the lines)."""
    out: list[str] = []
    in_fence = False
    prev = ""
    for line in markdown.strip().splitlines():
        if line.lstrip().startswith(("```", "~~~")):
            if not in_fence and prev.strip():
                out.append("")
            in_fence = not in_fence
        elif (
            not in_fence
            and prev.strip()
            and line.strip()
            and not (_BLOCKY.match(prev) and _BLOCKY.match(line))
        ):
            out.append("")
        out.append(line)
        prev = "" if in_fence else line
    return "\n".join(out)


def _question_block(q: Question, langs: tuple[str, ...], exported: set[str]) -> str:
    lab = LABELS[langs[0]]
    parts = [f'<a id="{anchor("q", q.id)}"></a>\n\n### {q.id} — {q.question}']
    for lang in langs:
        lab = LABELS[lang]
        heading = lab["answer"] + (f" ({lab['lang']})" if len(langs) > 1 else "")
        answer = display_math_blocks(_paragraphs(q.answer.get(lang) or q.answer.get("en", "")))
        parts.append(f"**{heading}**\n\n{answer}")
        points = "\n".join(
            f"- {'★' * kp.weight} {kp.text.get(lang) or kp.text.get('en', '')}"
            for kp in q.key_points
        )
        parts.append(f"**{lab['points']}**\n\n{points}")
        if q.misconceptions:
            mistakes = "\n".join(
                f"- ✗ {m.text.get(lang, '')}  \n  ✓ {m.correction.get(lang, '')}"
                for m in q.misconceptions
            )
            parts.append(f"**{lab['mistakes']}**\n\n{mistakes}")
    extras = []
    if q.demos:
        extras.append(f"{lab['demos']}: " + ", ".join(f"`{d}`" for d in q.demos))
    if q.drills:
        extras.append(f"{lab['drills']}: " + ", ".join(f"`{d}`" for d in q.drills))
    if q.see_also:
        refs = [f"[{s}](#{anchor('q', s)})" if s in exported else s for s in q.see_also]
        extras.append(f"{lab['see']}: " + ", ".join(refs))
    if extras:
        parts.append(" · ".join(extras))
    return "\n\n".join(parts)


def render_sheet(bank: Bank, questions: list[Question], langs: tuple[str, ...]) -> str:
    lab = LABELS[langs[0]]
    exported = {q.id for q in questions}
    by_topic: dict[str, list[Question]] = {}
    for q in questions:
        by_topic.setdefault(q.topic_id, []).append(q)
    titles = {t: topic_title(bank, t, langs[0]) for t in by_topic}
    out = [
        f"# {lab['title']}",
        f"_Computational Intelligence and Deep Learning — {len(questions)} {lab['count']}_",
        f"## {lab['contents']}",
    ]
    toc = []
    for t, qs in by_topic.items():
        toc.append(f"- [{t} — {_link_text(titles[t])}](#{anchor('topic', t)})")
        toc.extend(f"  - [{q.id} {_link_text(q.question)}](#{anchor('q', q.id)})" for q in qs)
    out.append("\n".join(toc))
    for t, qs in by_topic.items():
        out.append(f'<a id="{anchor("topic", t)}"></a>\n\n## {t} — {titles[t]}')
        out.extend(_question_block(q, langs, exported) + "\n\n---" for q in qs)
    return "\n\n".join(out) + "\n"


def write_markdown(bank: Bank, questions: list[Question], langs: tuple[str, ...], path: Path):
    Path(path).write_text(render_sheet(bank, questions, langs), encoding="utf-8")
