"""``tutor export``: the bank as Anki .apkg, CSV/TSV, a Markdown study sheet, or JSON.

Importing is cheap (no genanki, no markdown-it) until the command runs.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from tutor.commands.bank import count
from tutor.i18n import LANGS
from tutor.i18n import cli as C
from tutor.i18n import commands as T

if TYPE_CHECKING:
    from tutor.cli import Subcommands

FORMATS = ("apkg", "csv", "tsv", "md", "json")


def register(sub: Subcommands) -> None:
    lang = getattr(sub, "lang", "en")
    p = sub.add_parser(
        "export", help=C.COMMAND_HELP["export"](lang), description=T.EXPORT_DESCRIPTION(lang)
    )
    p.add_argument(
        "--format",
        "-f",
        dest="format",
        choices=FORMATS,
        help=T.EXPORT_HELP_FORMAT(lang),
    )
    p.add_argument(
        "-o", "--output", required=True, type=Path, metavar="PATH", help=T.EXPORT_HELP_OUTPUT(lang)
    )
    p.add_argument("--lang", choices=(*LANGS, "both"), default=None, help=T.EXPORT_HELP_LANG(lang))
    p.add_argument("--topic", default=None, metavar="A,B", help=T.EXPORT_HELP_TOPIC(lang))
    p.add_argument("--ids", default=None, metavar="ID,ID", help=T.EXPORT_HELP_IDS(lang))
    p.add_argument("--force", action="store_true", help=T.EXPORT_HELP_FORCE(lang))
    p.add_argument("--json", action="store_true", help=T.EXPORT_HELP_JSON(lang))
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
    lang = getattr(args, "run_lang", None) or "en"
    print(
        T.EXPORT_DONE(
            lang,
            questions=count(T.QUESTIONS_ONE, T.QUESTIONS_MANY, result.questions, lang),
            topics=count(T.TOPICS_ONE, T.TOPICS_MANY, result.topics, lang),
            path=result.path,
            format=result.format,
            kib=result.bytes / 1024,
            seconds=seconds,
        )
    )
    if result.format == "apkg":
        print(T.EXPORT_ANKI(lang))
    return 0
