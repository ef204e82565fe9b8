"""``tutor grade``: grade a typed answer, or a JSON-lines batch of them.

Imports nothing heavy at module level; grading is pure Python and instant.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from tutor.errors import TutorError


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "grade",
        help="grade a typed answer against a question's key points",
        description="Grade an answer (English, Italian or a mix) against the key points and "
        "misconceptions of a question; offline and instant.",
    )
    p.add_argument("id", nargs="?", help="question id, e.g. a.01")
    src = p.add_mutually_exclusive_group()
    src.add_argument("--answer", metavar="TEXT", help="the answer text")
    src.add_argument(
        "--answer-file", type=Path, metavar="PATH", help="read the answer from PATH ('-': stdin)"
    )
    src.add_argument(
        "--batch",
        type=Path,
        metavar="FILE",
        help='grade a JSON-lines file of {"id": ..., "answer": ...}; prints JSON lines',
    )
    p.add_argument("--json", action="store_true", help="print the result as JSON")
    p.set_defaults(func=cmd_grade)


def _grader(args: argparse.Namespace):
    from tutor.bankload import load
    from tutor.grading import Grader

    return Grader(load(getattr(args, "bank_dirs", []) or []))


def _read_text(path: Path) -> str:
    if str(path) == "-":
        try:
            return sys.stdin.read()
        except UnicodeDecodeError as exc:  # stdin in a UTF-8 locale decodes strictly
            raise TutorError(f"cannot read standard input: {exc}") from None
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise TutorError(f"cannot read {path}: {exc}") from None


def cmd_grade(args: argparse.Namespace) -> int:
    if args.batch is not None:
        if args.id:
            raise TutorError("--batch takes no question id", exit_code=2)
        return _batch(args)
    if not args.id:
        raise TutorError("give a question id (or --batch FILE)", exit_code=2)
    if args.answer is None and args.answer_file is None:
        raise TutorError("give the answer with --answer TEXT or --answer-file PATH", exit_code=2)
    text = args.answer if args.answer is not None else _read_text(args.answer_file)
    try:
        _check_unicode(text)
    except ValueError as exc:
        raise TutorError(str(exc), exit_code=2) from None
    grader = _grader(args)
    try:
        question = grader.question(args.id)
    except KeyError:
        raise TutorError(
            f"unknown question id {args.id!r} (see 'tutor bank list')", exit_code=2
        ) from None
    result = grader.grade(question, text)
    if args.json:
        print(json.dumps(result.to_dict(), ensure_ascii=False, indent=2))
    else:
        print(render(result))
    return 0


def _batch(args: argparse.Namespace) -> int:
    try:
        lines = args.batch.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise TutorError(f"cannot read {args.batch}: {exc}") from None
    grader = _grader(args)
    failed = 0
    out = sys.stdout
    for n, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        row: dict[str, Any]
        try:
            row = _grade_line(grader, line)
        except ValueError as exc:
            failed += 1
            print(f"tutor: error: {args.batch}:{n}: {exc}", file=sys.stderr)
            row = {"line": n, "error": str(exc)}
        out.write(json.dumps(row, ensure_ascii=False) + "\n")
    out.flush()
    return 1 if failed else 0


def _grade_line(grader, line: str) -> dict[str, Any]:
    try:
        obj = json.loads(line)
    except json.JSONDecodeError as exc:
        raise ValueError(f"malformed JSON ({exc.msg})") from None
    if not isinstance(obj, dict):
        raise ValueError('expected an object {"id": ..., "answer": ...}')
    qid, answer = obj.get("id"), obj.get("answer")
    if not isinstance(qid, str):
        raise ValueError('missing "id" (a string)')
    if not isinstance(answer, str):
        raise ValueError('missing "answer" (a string)')
    _check_unicode(answer)
    try:
        question = grader.question(qid)
    except KeyError:
        raise ValueError(f"unknown question id {qid!r}") from None
    return grader.grade(question, answer).to_dict()


def _check_unicode(text: str) -> None:
    """A lone surrogate ("\\ud83d" in JSON, a stray byte in argv) cannot be printed back."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        bad = text[exc.start : exc.end].encode("unicode_escape").decode("ascii")
        raise ValueError(f"the answer is not valid Unicode text (unpaired {bad})") from None


def render(result) -> str:
    """A readable report: one line per key point, ✓ or ✗, then the feedback."""
    lines = [
        f"{result.id}  score {result.score:.2f}  {result.verdict}  "
        f"(suggested rating: {result.suggested_rating})",
    ]
    for p in result.points:
        mark = "✓" if p.hit else "✗"
        lines.append(f"  {mark} {p.text}")
        if p.hit and p.evidence:
            ev = p.evidence if len(p.evidence) <= 100 else p.evidence[:97] + "..."
            lines.append(f"      « {ev} »")
    for m in result.misconceptions:
        lines.append(f"  ! {m.text}")
        if m.evidence:
            lines.append(f"      « {m.evidence} »")
    lines.append("")
    lines.append(result.feedback)
    return "\n".join(lines)
