"""``tutor bank list|show|validate``: read and check the question bank.

None of this imports torch or textual, so it answers instantly.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from tutor.errors import TutorError
from tutor.i18n import LANGS, Text
from tutor.i18n import cli as C
from tutor.i18n import commands as T
from tutor.i18n import errors as E

if TYPE_CHECKING:
    from tutor.cli import Subcommands


def register(sub: Subcommands) -> None:
    lang = getattr(sub, "lang", "en")
    p = sub.add_parser("bank", help=C.COMMAND_HELP["bank"](lang))
    bsub = p.add_subparsers(dest="bank_command", metavar=T.METAVAR_ACTION(lang), required=True)

    ls = bsub.add_parser("list", help=T.BANK_HELP_LIST(lang))
    ls.add_argument("--topic", help=T.BANK_HELP_TOPIC(lang))
    ls.add_argument("--json", action="store_true", help=T.BANK_HELP_JSON_LIST(lang))
    ls.set_defaults(func=cmd_list)

    show = bsub.add_parser("show", help=T.BANK_HELP_SHOW(lang))
    show.add_argument("id", help=T.BANK_HELP_ID(lang))
    show.add_argument("--lang", choices=LANGS, default=None, help=T.BANK_HELP_LANG(lang))
    show.add_argument("--raw", action="store_true", help=T.BANK_HELP_RAW(lang))
    show.set_defaults(func=cmd_show)

    val = bsub.add_parser("validate", help=T.BANK_HELP_VALIDATE(lang))
    val.add_argument("dirs", nargs="*", type=Path, metavar="DIR", help=T.BANK_HELP_DIRS(lang))
    val.add_argument("--strict", action="store_true", help=T.BANK_HELP_STRICT(lang))
    val.set_defaults(func=cmd_validate)


def count(one: Text, many: Text, n: int, lang: str) -> str:
    """``n`` things, in the singular or the plural form of ``lang``."""
    return (one if n == 1 else many)(lang, n=n)


def run_lang(args: argparse.Namespace) -> str:
    """The language of this run's messages (set by ``tutor.cli``; English when called bare)."""
    return getattr(args, "run_lang", None) or "en"


def cmd_list(args: argparse.Namespace) -> int:
    from tutor.bankload import load

    bank = load(args.bank_dirs)
    questions = bank.questions
    if args.topic is not None:
        try:
            questions = bank.in_topic(args.topic)
        except KeyError:
            known = ", ".join(t.id for t in bank.topics)
            raise TutorError(E.UNKNOWN_TOPIC, exit_code=2, topic=args.topic, known=known) from None
    if args.json:
        rows = [
            {
                "id": q.id,
                "topic": q.topic_id,
                "question": q.question,
                "kind": q.kind,
                "demos": list(q.demos),
                "drills": list(q.drills),
                "see_also": list(q.see_also),
                "key_points": len(q.key_points),
            }
            for q in questions
        ]
        json.dump(rows, sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
        return 0
    lang = run_lang(args)
    width = max((len(q.id) for q in questions), default=4)
    for q in questions:
        tag = "" if q.kind == "open" else f" [{q.kind}]"
        print(f"{q.id:<{width}}  {q.question}{tag}")
        if lang == "it" and q.question_it:  # the official text, its rendering beneath
            print(f"{'':<{width}}  {q.question_it}")
    return 0


def cmd_show(args: argparse.Namespace) -> int:
    from tutor.bankload import load, question
    from tutor.render import localized

    lang = getattr(args, "lang", None) or run_lang(args)
    bank = load(args.bank_dirs)
    q = question(bank, args.id)
    if args.raw:
        print(f"# {q.id} {q.question}\n\n{localized(q.answer, lang)}")
        return 0
    from tutor.render import question_markdown

    text = question_markdown(q, lang)
    if sys.stdout.isatty():
        from rich.console import Console
        from rich.markdown import Markdown

        Console().print(Markdown(text))
    else:
        print(text)
    return 0


def implemented_names() -> tuple[set[str] | None, set[str] | None]:
    """Demo and drill names this install provides (None when a registry is absent)."""
    demos: set[str] | None
    drills: set[str] | None
    try:
        from demos.platform.registry import names as demo_names

        demos = set(demo_names())
    except ImportError:
        demos = None
    try:
        from tutor.drills.registry import names as drill_names

        drills = set(drill_names())
    except ImportError:
        drills = None
    return demos, drills


def cmd_validate(args: argparse.Namespace) -> int:
    from quizbank import validate

    dirs = list(args.dirs) + list(args.bank_dirs)
    for d in dirs:
        if not d.exists():
            raise TutorError(T.NO_SUCH_DIR, path=d)
    demos, drills = implemented_names()
    problems = validate(
        dirs,
        include_builtin=not args.dirs,
        known_demos=demos,
        known_drills=drills,
        strict=args.strict,
    )
    for p in problems:
        print(p)
    errors = sum(p.severity == "error" for p in problems)
    warnings = len(problems) - errors
    if not errors:
        e, w = _check_examples(dirs, include_builtin=not args.dirs, strict=args.strict)
        errors, warnings = errors + e, warnings + w
    lang = run_lang(args)
    warned = count(T.WARNINGS_ONE, T.WARNINGS_MANY, warnings, lang)
    if errors:
        erred = count(T.ERRORS_ONE, T.ERRORS_MANY, errors, lang)
        print(T.BANK_INVALID(lang, errors=erred, warnings=warned), file=sys.stderr)
        return 1
    print(T.BANK_VALID(lang, warnings=warned), file=sys.stderr)
    return 0


def _check_examples(dirs: list, *, include_builtin: bool, strict: bool) -> tuple[int, int]:
    """Grade the rubric's labelled example sentences; each one that comes out wrong is a
    warning (an error with ``--strict``). Returns (errors, warnings)."""
    from quizbank import load_bank
    from tutor.grading import Grader
    from tutor.grading.examples import check_examples, summary

    bank = load_bank(dirs, include_builtin=include_builtin)
    wanted = {d.resolve() for d in dirs}
    questions = [
        q
        for q in bank.questions
        if include_builtin
        or (q.source_file is not None and q.source_file.parent.resolve() in wanted)
    ]
    outcomes = check_examples(Grader(bank), questions)
    tag = "" if strict else "warning: "
    bad = 0
    for o in outcomes:
        if not o.ok:
            bad += 1
            where = o.question.source_file or ""
            print(f"{where}:{o.example.line}:{o.example.column}: {tag}{o.message()}")
    print(summary(outcomes), file=sys.stderr)
    return (bad, 0) if strict else (0, bad)
