"""``tutor bank list|show|validate``: read and check the question bank.

None of this imports torch or textual, so it answers instantly.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from tutor.errors import TutorError


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("bank", help="list, show and validate the question bank")
    bsub = p.add_subparsers(dest="bank_command", metavar="ACTION", required=True)

    ls = bsub.add_parser("list", help="list the questions")
    ls.add_argument("--topic", help="only this topic (a–h, or NS:KEY for an extra bank)")
    ls.add_argument("--json", action="store_true", help="print a JSON array")
    ls.set_defaults(func=cmd_list)

    show = bsub.add_parser("show", help="show a question and its model answer")
    show.add_argument("id", help="question id, e.g. a.01")
    show.add_argument("--lang", choices=("en", "it"), default="en", help="answer language")
    show.add_argument("--raw", action="store_true", help="print the Markdown/LaTeX source")
    show.set_defaults(func=cmd_show)

    val = bsub.add_parser("validate", help="check bank directories (default: the built-in bank)")
    val.add_argument("dirs", nargs="*", type=Path, metavar="DIR", help="bank directories to check")
    val.add_argument("--strict", action="store_true", help="treat warnings as errors")
    val.set_defaults(func=cmd_validate)


def cmd_list(args: argparse.Namespace) -> int:
    from tutor.bankload import load

    bank = load(args.bank_dirs)
    questions = bank.questions
    if args.topic is not None:
        try:
            questions = bank.in_topic(args.topic)
        except KeyError:
            known = ", ".join(t.id for t in bank.topics)
            raise TutorError(
                f"unknown topic {args.topic!r} (known: {known})", exit_code=2
            ) from None
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
    width = max((len(q.id) for q in questions), default=4)
    for q in questions:
        tag = "" if q.kind == "open" else f" [{q.kind}]"
        print(f"{q.id:<{width}}  {q.question}{tag}")
    return 0


def cmd_show(args: argparse.Namespace) -> int:
    from tutor.bankload import load, question

    bank = load(args.bank_dirs)
    q = question(bank, args.id)
    if args.raw:
        print(f"# {q.id} {q.question}\n\n{q.answer[args.lang]}")
        return 0
    from tutor.render import question_markdown

    text = question_markdown(q, args.lang)
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
            raise TutorError(f"no such directory: {d}")
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
    if errors:
        print(f"tutor: {errors} error(s), {warnings} warning(s)", file=sys.stderr)
        return 1
    print(f"bank valid ({warnings} warning(s))", file=sys.stderr)
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
