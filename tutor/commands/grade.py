"""``tutor grade``: grade a typed answer, a JSON-lines batch of them, or list disagreements.

Imports nothing heavy at module level; grading is pure Python and instant. Input is
bounded before it is read (an answer file of 1 MB at most, a batch line of 1 MB at
most), so ``/dev/zero`` or a runaway pipe cannot eat the memory, and every problem
with the input is one line that names it, never a traceback.
"""

from __future__ import annotations

import argparse
import io
import json
import stat
import sys
from pathlib import Path
from types import SimpleNamespace
from typing import Any, BinaryIO

from tutor.errors import TutorError

MAX_ANSWER_BYTES = 1024 * 1024  # an exam answer is a few kB; a file beyond this is not one
DISAGREEMENTS = "disagreements"


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "grade",
        help="grade a typed answer against a question's key points",
        description="Grade an answer (English, Italian or a mix) against the key points and "
        "misconceptions of a question; offline and instant. 'tutor grade disagreements' lists "
        "the answers where you overrode the grader.",
    )
    p.add_argument(
        "id", nargs="?", help=f"question id, e.g. a.01 (or '{DISAGREEMENTS}')", metavar="ID"
    )
    src = p.add_mutually_exclusive_group()
    src.add_argument("--answer", metavar="TEXT", help="the answer text")
    src.add_argument(
        "--answer-file",
        type=Path,
        metavar="PATH",
        help="read the answer from PATH ('-': stdin), at most 1 MB",
    )
    src.add_argument(
        "--batch",
        type=Path,
        metavar="FILE",
        help='grade a JSON-lines file of {"id": ..., "answer": ...}; prints JSON lines',
    )
    p.add_argument("--lang", choices=("en", "it"), help="the answer's language (default: detect)")
    p.add_argument("--json", action="store_true", help="print the result as JSON")
    p.set_defaults(func=cmd_grade)


def _grader(args: argparse.Namespace):
    from tutor.bankload import load
    from tutor.grading import Grader

    return Grader(load(getattr(args, "bank_dirs", []) or []))


def _read_text(path: Path) -> str:
    """The answer in PATH ('-': standard input), at most 1 MB, decoded by
    ``tutor.cli.read_text_input`` so that every command words a bad file the same way
    ("… is not UTF-8 text (byte 0xff at position 0); save it as UTF-8")."""
    from tutor.cli import read_text_input

    if str(path) != "-":
        try:
            info = path.stat()
        except OSError as exc:
            raise TutorError(f"cannot read {path}: {exc.strerror or exc}") from None
        if stat.S_ISREG(info.st_mode):
            if info.st_size > MAX_ANSWER_BYTES:
                raise TutorError(f"{path} is larger than 1 MB; an answer must be shorter")
            return read_text_input(path)
        try:  # a device or a named pipe: read no more than the limit
            with path.open("rb") as f:
                data = f.read(MAX_ANSWER_BYTES + 1)
        except OSError as exc:
            raise TutorError(f"cannot read {path}: {exc.strerror or exc}") from None
        name = str(path)
    else:
        stdin = getattr(sys.stdin, "buffer", None)
        if stdin is None:  # a text stream with no bytes underneath
            text = sys.stdin.read(MAX_ANSWER_BYTES + 1)
            if len(text) > MAX_ANSWER_BYTES:
                raise TutorError("standard input is larger than 1 MB; an answer must be shorter")
            return text
        data = stdin.read(MAX_ANSWER_BYTES + 1)
        name = "standard input"
    if len(data) > MAX_ANSWER_BYTES:
        raise TutorError(f"{name} is larger than 1 MB; an answer must be shorter")
    return _decode(data, name, read_text_input)


def _decode(data: bytes, name: str, read_text_input) -> str:
    """``read_text_input`` on bytes already read (a bounded pipe or device)."""
    saved = sys.stdin
    sys.stdin = SimpleNamespace(buffer=io.BytesIO(data))
    try:
        return read_text_input("-", name)
    finally:
        sys.stdin = saved


def cmd_grade(args: argparse.Namespace) -> int:
    if args.id == DISAGREEMENTS and args.answer is None and args.answer_file is None:
        if args.batch is not None:
            raise TutorError(f"'{DISAGREEMENTS}' takes no --batch", exit_code=2)
        return cmd_disagreements(args)
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
    result = grader.grade(question, text, args.lang)
    if args.json:
        print(json.dumps(result.to_dict(), ensure_ascii=False, indent=2))
    else:
        print(render(result))
    return 0


def _lines(f: BinaryIO):
    """(line number, bytes or None when longer than the limit) without reading a line whole."""
    n = 0
    while True:
        line = f.readline(MAX_ANSWER_BYTES + 1)
        if not line:
            return
        n += 1
        if len(line) > MAX_ANSWER_BYTES and not line.endswith(b"\n"):
            while True:  # skip the rest of this line, a chunk at a time
                rest = f.readline(MAX_ANSWER_BYTES)
                if not rest or rest.endswith(b"\n"):
                    break
            yield n, None
            continue
        yield n, line


def _batch(args: argparse.Namespace) -> int:
    try:
        f = args.batch.open("rb")
    except OSError as exc:
        raise TutorError(f"cannot read {args.batch}: {exc.strerror or exc}") from None
    grader = None
    failed = 0
    out = sys.stdout
    with f:
        try:
            for n, raw in _lines(f):
                row: dict[str, Any]
                try:
                    if raw is None:
                        raise ValueError("line longer than 1 MB")
                    try:
                        line = raw.decode("utf-8")
                    except UnicodeDecodeError as exc:
                        raise ValueError(
                            f"not UTF-8 text (byte {raw[exc.start]:#04x} at position {exc.start})"
                        ) from None
                    if not line.strip():
                        continue
                    if grader is None:
                        grader = _grader(args)
                    row = _grade_line(grader, line, args.lang)
                except ValueError as exc:
                    failed += 1
                    print(f"tutor: error: {args.batch}:{n}: {exc}", file=sys.stderr)
                    row = {"line": n, "error": str(exc)}
                out.write(json.dumps(row, ensure_ascii=False) + "\n")
        except OSError as exc:
            raise TutorError(f"cannot read {args.batch}: {exc.strerror or exc}") from None
    out.flush()
    return 1 if failed else 0


def _parse_json(line: str) -> Any:
    """``json.loads`` with its failures as one readable line (no interpreter internals)."""
    try:
        return json.loads(line)
    except json.JSONDecodeError as exc:
        raise ValueError(f"malformed JSON ({exc.msg}, column {exc.colno})") from None
    except RecursionError:
        raise ValueError("malformed JSON (nested too deeply)") from None
    except ValueError:  # e.g. an integer of thousands of digits
        raise ValueError("malformed JSON (a number too long to read)") from None


def _grade_line(grader, line: str, lang: str | None = None) -> dict[str, Any]:
    obj = _parse_json(line)
    if not isinstance(obj, dict):
        raise ValueError('expected an object {"id": ..., "answer": ...}')
    qid, answer = obj.get("id"), obj.get("answer")
    if not isinstance(qid, str):
        raise ValueError('missing "id" (a string)')
    if not isinstance(answer, str):
        raise ValueError('missing "answer" (a string)')
    row_lang = obj.get("lang", lang)
    if row_lang not in (None, "en", "it"):
        raise ValueError('"lang" must be "en" or "it"')
    _check_unicode(answer)
    try:
        question = grader.question(qid)
    except KeyError:
        raise ValueError(f"unknown question id {qid!r}") from None
    return grader.grade(question, answer, row_lang).to_dict()


def _check_unicode(text: str) -> None:
    """A lone surrogate ("\\ud83d" in JSON, a stray byte in argv) cannot be printed back."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        bad = text[exc.start : exc.end].encode("unicode_escape").decode("ascii")
        raise ValueError(f"the answer is not valid Unicode text (unpaired {bad})") from None


def render(result) -> str:
    """A readable report: one line per key point (✓ covered, ◐ partly, ✗ missed), the wrong
    statements, each penalty with its amount, then the feedback; the bank's ``$…$`` math
    printed as Unicode, as the app shows it."""
    from tutor.grading.result import correct_threshold, counts_for_correct, held_short
    from tutor.i18n.grade import HEART_ENOUGH, HEART_SHORT, SHORT_HELD
    from tutor.mathtext import render_markdown_math as math

    lines = [
        f"{result.id}  score {result.score:.2f}  {result.verdict}  "
        f"(suggested rating: {result.suggested_rating})",
    ]
    if held_short(result):
        share = f"{correct_threshold(result.n_words):.0%}"
        lines.append(f"  {SHORT_HELD('en', words=result.n_words, share=share)}")
    for p in result.points:
        mark = {"hit": "✓", "partial": "◐"}.get(p.status, "✗")
        share = ""
        if p.status == "partial":
            heart = ""
            if p.weight >= 3:
                heart = (HEART_ENOUGH if counts_for_correct(p) else HEART_SHORT)("en")
            share = f" ({p.credit:.0%} of its weight{heart})"
        lines.append(f"  {mark} {math(p.text)}{share}")
        if p.hit and p.evidence:
            ev = p.evidence if len(p.evidence) <= 100 else p.evidence[:97] + "..."
            lines.append(f"      « {ev} »")
    for m in result.misconceptions:
        lines.append(f"  ! {math(m.text)}")
        if m.evidence:
            ev = m.evidence if len(m.evidence) <= 100 else m.evidence[:97] + "..."
            lines.append(f"      « {ev} »")
    for pen in result.penalties:
        lines.append(f"  − {pen.amount:.2f}  {pen.reason}")
    lines.append("")
    lines.append(math(result.feedback))
    return "\n".join(lines)


# -- disagreements ---------------------------------------------------------------------


def cmd_disagreements(args: argparse.Namespace) -> int:
    """Answers where the student overrode the grader: the material to improve rubrics with."""
    from tutor.grading.result import disagreements
    from tutor.paths import data_dir
    from tutor.store import Store

    with Store.open_in(data_dir(getattr(args, "data_dir", None))) as store:
        attempts = store.student_overrides()
    rows = []
    for att in attempts:
        for d in disagreements(att.grade or {}, att.student or {}):
            rows.append(
                {
                    "attempt": att.id,
                    "question": att.question_id,
                    "submitted_at": att.submitted_at.isoformat(timespec="seconds"),
                    **d,
                    "answer": att.answer,
                }
            )
    if args.json:
        json.dump(rows, sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
        return 0
    if not rows:
        print("No disagreements: you have not overridden the grader yet.")
        return 0
    for r in rows:
        answer = " ".join(r["answer"].split())
        answer = answer if len(answer) <= 160 else answer[:157] + "..."
        item = f"{r['kind']} {r['id']}" + (f" — {r['text']}" if r["text"] else "")
        print(f"{r['question']}  {r['submitted_at']}  {item}")
        print(f"    grader: {r['grader']}; you: {r['student']}")
        print(f"    « {answer} »")
    return 0
