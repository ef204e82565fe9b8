"""CSV and TSV for Anki's text import (and spreadsheets): a header Anki reads, HTML fields.

The ``#`` lines at the top are Anki's file headers: separator, HTML allowed,
which columns hold the GUID, the deck and the tags. The GUID is the same as in
the .apkg export, so importing either format updates the same notes.
"""

from __future__ import annotations

import csv
import re
from pathlib import Path

from quizbank import Bank, Question
from tutor.export.anki import deck_name, note_guid, note_tags
from tutor.export.common import topic_title
from tutor.export.fields import card_fields

# The id comes first: Anki skips data lines that start with "#", and a GUID may.
COLUMNS: tuple[str, ...] = (
    "id",
    "guid",
    "deck",
    "tags",
    "topic",
    "question",
    "answer",
    "key_points",
    "mistakes",
    "demos",
    "drills",
    "see_also",
)

_PRE_RE = re.compile(r"(<pre>.*?</pre>)", re.S)


def one_line(html: str) -> str:
    """HTML on one line: spreadsheets and line-based tools choke on embedded newlines.

    Newlines between tags carry no meaning; inside ``<pre>`` they become ``<br>``.
    """
    parts = _PRE_RE.split(html)
    return "".join(
        p.replace("\n</code>", "</code>").replace("\n", "<br>")
        if p.startswith("<pre>")
        else p.replace("\n", " ")
        for p in parts
    ).strip()


def rows(bank: Bank, questions: list[Question], langs: tuple[str, ...]) -> list[list[str]]:
    out = []
    for q in questions:
        title = topic_title(bank, q.topic_id, langs[0])
        f = card_fields(q, langs, title)
        out.append(
            [
                q.id,
                note_guid(q.id),
                deck_name(bank, q.topic_id, langs[0]),
                " ".join(note_tags(q)),
                f["Topic"],
                f["Question"],
                f["Answer"],
                f["KeyPoints"],
                f["Mistakes"],
                f["Demos"],
                f["Drills"],
                f["SeeAlso"],
            ]
        )
    return [[one_line(cell) for cell in row] for row in out]


def header_lines(delimiter: str) -> list[str]:
    """Anki's file headers; column numbers are 1-based."""
    sep = {"\t": "tab", ",": "comma"}[delimiter]
    return [
        f"#separator:{sep}",
        "#html:true",
        f"#columns:{delimiter.join(COLUMNS)}",
        f"#guid column:{COLUMNS.index('guid') + 1}",
        f"#deck column:{COLUMNS.index('deck') + 1}",
        f"#tags column:{COLUMNS.index('tags') + 1}",
    ]


def write_table(
    bank: Bank, questions: list[Question], langs: tuple[str, ...], path: Path, delimiter: str
) -> None:
    with open(path, "w", encoding="utf-8", newline="") as fh:
        for line in header_lines(delimiter):
            fh.write(line + "\n")
        writer = csv.writer(fh, delimiter=delimiter, lineterminator="\n")
        writer.writerows(rows(bank, questions, langs))


def read_table(path: Path, delimiter: str) -> list[dict[str, str]]:
    """Read an export back (tests, other tools): header lines skipped, columns named."""
    with open(path, encoding="utf-8", newline="") as fh:
        lines = fh.readlines()
    while lines and lines[0].startswith("#"):
        lines.pop(0)
    return [dict(zip(COLUMNS, row, strict=True)) for row in csv.reader(lines, delimiter=delimiter)]
