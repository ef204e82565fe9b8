"""``tutor export``: the bank as Anki .apkg, CSV/TSV, a Markdown study sheet, or JSON.

Importing is cheap (no genanki, no markdown-it) until the command runs.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

FORMATS = ("apkg", "csv", "tsv", "md", "json")


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "export",
        help="export flashcards: Anki .apkg, CSV/TSV, Markdown study sheet, JSON",
        description="Export the question bank. Re-importing a newer .apkg (or CSV/TSV, which "
        "carries the same GUIDs) into Anki updates the existing notes instead of adding copies.",
    )
    p.add_argument(
        "--format",
        "-f",
        dest="format",
        choices=FORMATS,
        help="output format (default: from the file name's extension)",
    )
    p.add_argument("-o", "--output", required=True, type=Path, metavar="PATH", help="file to write")
    p.add_argument(
        "--lang",
        choices=("en", "it", "both"),
        default=None,
        help="answer language; 'both' puts English then Italian on each card "
        "(default: en; json: both)",
    )
    p.add_argument("--topic", default=None, metavar="A,B", help="only these topics (e.g. a,c)")
    p.add_argument(
        "--ids", default=None, metavar="ID,ID", help="also/only these questions (e.g. a.01,b.03)"
    )
    p.add_argument("--force", action="store_true", help="overwrite PATH if it exists")
    p.add_argument("--json", action="store_true", help="print a JSON summary on stdout")
    p.set_defaults(func=cmd_export)


def cmd_export(args: argparse.Namespace) -> int:
    import time

    from tutor.bankload import load
    from tutor.export import export
    from tutor.export.common import split_list

    bank = load(args.bank_dirs)
    start = time.perf_counter()
    result = export(
        bank,
        args.output,
        args.format,
        lang=args.lang,
        topics=split_list(args.topic),
        ids=split_list(args.ids),
        force=args.force,
    )
    seconds = time.perf_counter() - start
    if args.json:
        summary = {
            "path": str(result.path),
            "format": result.format,
            "questions": result.questions,
            "topics": result.topics,
            "bytes": result.bytes,
            "seconds": round(seconds, 3),
        }
        json.dump(summary, sys.stdout)
        sys.stdout.write("\n")
        return 0
    print(
        f"exported {result.questions} question(s) from {result.topics} topic(s) "
        f"to {result.path} ({result.format}, {result.bytes / 1024:.0f} KiB, {seconds:.2f} s)"
    )
    if result.format == "apkg":
        print("import it in Anki (File → Import); re-importing a newer export updates the notes")
    return 0
