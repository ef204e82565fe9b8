"""Export the bank as flashcards and study material: Anki .apkg, CSV/TSV, Markdown, JSON.

``export()`` is the one entry point for the CLI and the app's dialog; each
format lives in its own module and is imported only when used.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from quizbank import Bank
from tutor.export.common import (
    FORMATS,
    LANG_CHOICES,
    ExportResult,
    atomic_write,
    check_target,
    format_for,
    languages,
    select_questions,
)

__all__ = ["FORMATS", "LANG_CHOICES", "ExportResult", "default_lang", "export"]


def default_lang(fmt: str) -> str:
    """Cards default to English; the JSON bank keeps both languages."""
    return "both" if fmt == "json" else "en"


def export(
    bank: Bank,
    path: Path | str,
    fmt: str | None = None,
    *,
    lang: str | None = None,
    topics: Sequence[str] = (),
    ids: Sequence[str] = (),
    force: bool = False,
    timestamp: float | None = None,
) -> ExportResult:
    """Write the selected questions to ``path``; raises TutorError with a one-line message.

    Options are checked (format, language, selection, target path) before any
    work, and the file appears only once it is complete.
    """
    path = Path(path).expanduser()
    fmt = format_for(path, fmt)
    langs = languages(lang or default_lang(fmt))
    questions = select_questions(bank, topics, ids)
    check_target(path, force)

    def write(tmp: Path) -> None:
        if fmt == "apkg":
            from tutor.export.anki import write_apkg

            write_apkg(bank, questions, langs, tmp, timestamp=timestamp)
        elif fmt in ("csv", "tsv"):
            from tutor.export.tabular import write_table

            write_table(bank, questions, langs, tmp, "," if fmt == "csv" else "\t")
        elif fmt == "md":
            from tutor.export.markdown import write_markdown

            write_markdown(bank, questions, langs, tmp)
        else:
            from tutor.export.jsonout import write_json

            write_json(bank, questions, langs, tmp)

    size = atomic_write(path, write, force=force)
    return ExportResult(
        path=path,
        format=fmt,
        questions=len(questions),
        topics=len({q.topic_id for q in questions}),
        bytes=size,
    )
