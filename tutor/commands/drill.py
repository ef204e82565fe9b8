"""``tutor drill list|NAME``: generated exercises, asked in the terminal or printed as JSON.

- ``tutor drill list [--json]``: the drills, their titles and the questions they serve.
- ``tutor drill NAME [--seed N] [--difficulty 1-3]``: asks every field on stdin (a pipe works
  too), then prints ✓/✗ per field and, on a miss, the worked solution. The result is recorded in
  the study history. Exit 0 when everything is right, 1 otherwise (also on end of input).
- ``tutor drill NAME --seed N --json``: the exercise with its solution, in the JSON form that
  ``tutor.drills.base`` documents.
- ``tutor drill NAME --seed N --check ANSWERS.json``: checks a JSON object field-key → answer;
  with ``--json`` the verdict is printed as JSON (``{"correct", "total", "results": [...]}``).

Everything is worded in the run's language (``tutor --lang it drill …``): the exercise
itself, the prompts, hints and verdicts, the titles of ``list``; JSON keys and the
``expected`` values stay the same in both.

Unknown drills and bad difficulties are usage errors (exit 2).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from tutor.errors import TutorError
from tutor.i18n import cli as C
from tutor.i18n import commands as T

if TYPE_CHECKING:
    from tutor.cli import Subcommands


def register(sub: Subcommands) -> None:
    lang = getattr(sub, "lang", "en")
    p = sub.add_parser(
        "drill", help=C.COMMAND_HELP["drill"](lang), description=T.DRILL_DESCRIPTION(lang)
    )
    p.add_argument("name", metavar="NAME", help=T.DRILL_HELP_NAME(lang))
    p.add_argument("--seed", type=int, default=None, help=T.DRILL_HELP_SEED(lang))
    p.add_argument(
        "--difficulty", type=int, default=1, metavar="1-3", help=T.DRILL_HELP_DIFFICULTY(lang)
    )
    p.add_argument("--json", action="store_true", help=T.DRILL_HELP_JSON(lang))
    p.add_argument(
        "--check", type=Path, default=None, metavar="ANSWERS.json", help=T.DRILL_HELP_CHECK(lang)
    )
    p.set_defaults(func=cmd_drill)


def _lang(args: argparse.Namespace) -> str:
    return getattr(args, "run_lang", None) or "en"


def cmd_drill(args: argparse.Namespace) -> int:
    if args.name == "list":
        return cmd_list(args)
    from tutor.drills import registry

    lang = _lang(args)
    try:
        drill = registry.get(args.name)
    except KeyError:
        known = ", ".join(registry.names())
        raise TutorError(T.DRILL_UNKNOWN, exit_code=2, name=args.name, known=known) from None
    difficulty = getattr(args, "difficulty", 1)
    if difficulty not in (1, 2, 3):
        raise TutorError(T.DRILL_BAD_DIFFICULTY, exit_code=2, difficulty=difficulty)
    seed = args.seed
    if seed is None:
        import secrets  # hmac/hashlib: ~5 ms that `tutor --help` should not pay

        seed = secrets.randbelow(1_000_000)
    exercise = drill.generate(seed, difficulty, lang)
    if args.check is not None:
        return _check_file(exercise, args.check, as_json=args.json)
    if args.json:
        print(json.dumps(exercise.to_json(), ensure_ascii=False, indent=2))
        return 0
    return ask(exercise, sys.stdin, sys.stdout, data_dir=getattr(args, "data_dir", None))


def cmd_list(args: argparse.Namespace) -> int:
    from tutor.drills import registry

    lang = _lang(args)
    drills = registry.all_drills()
    if args.json:
        rows = [
            {"name": d.name, "title": d.title_in(lang), "questions": list(d.questions)}
            for d in drills
        ]
        print(json.dumps(rows, ensure_ascii=False, indent=2))
        return 0
    width = max(len(d.name) for d in drills)
    for d in drills:
        print(f"{d.name:<{width}}  {d.title_in(lang)}  [{', '.join(d.questions)}]")
    return 0


def _load_answers(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise TutorError(
            T.DRILL_CANNOT_READ, exit_code=2, path=path, reason=exc.strerror or exc
        ) from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise TutorError(T.DRILL_NOT_JSON, exit_code=2, path=path, detail=exc) from None
    if not isinstance(data, dict):
        raise TutorError(T.DRILL_NOT_OBJECT, exit_code=2, path=path)
    return data


def _check_file(exercise: Any, path: Path, *, as_json: bool) -> int:
    answers = _load_answers(path)
    unknown = sorted(set(answers) - {f.key for f in exercise.fields})
    result = exercise.check(answers)
    if as_json:
        out = {
            "drill": exercise.drill,
            "seed": exercise.seed,
            "difficulty": exercise.difficulty,
            "correct": result.correct,
            "total": result.total,
            "unknown_keys": unknown,
            "results": [
                {"key": r.key, "ok": r.ok, "given": r.given, "expected": r.expected, "hint": r.hint}
                for r in result.results
            ],
        }
        print(json.dumps(out, ensure_ascii=False, indent=2))
    else:
        if unknown:
            print(T.DRILL_IGNORED_KEYS(exercise.lang, keys=", ".join(unknown)))
        _report(exercise, result, sys.stdout)
    return 0 if result.all_correct else 1


def _report(exercise: Any, result: Any, out: TextIO) -> None:
    lang = exercise.lang
    for r in result.results:
        if r.ok:
            line = T.DRILL_RIGHT(lang, key=r.key, label=r.label)
        else:
            given = r.given or T.DRILL_NOTHING(lang)
            line = T.DRILL_WRONG(lang, key=r.key, label=r.label, given=given, expected=r.expected)
            if r.hint and r.given:  # no answer at all needs no hint
                line += T.DRILL_HINT(lang, hint=r.hint)
        print(line, file=out)
    print(T.DRILL_SCORE(lang, correct=result.correct, total=result.total), file=out)
    if not result.all_correct:
        print("\n" + T.DRILL_SOLUTION(lang), file=out)
        for step in exercise.solution:
            print(step, file=out)


def ask(exercise: Any, inp: TextIO, out: TextIO, data_dir: Path | None = None) -> int:
    """Ask every field in turn; a malformed answer gets its hint and the field is asked again.
    Everything is worded in the exercise's language."""
    from tutor.drills.registry import get

    lang = exercise.lang
    heading = T.DRILL_HEADING(
        lang,
        title=get(exercise.drill).title_in(lang),
        drill=exercise.drill,
        seed=exercise.seed,
        difficulty=exercise.difficulty,
    )
    print(heading + "\n", file=out)
    print(exercise.statement, file=out)
    if exercise.diagram:
        print("\n" + exercise.diagram, file=out)
    print(file=out)
    answers: dict[str, str] = {}
    try:
        for f in exercise.fields:
            while True:
                print(T.DRILL_PROMPT(lang, label=f.label), end="", file=out, flush=True)
                line = inp.readline()
                if not line:
                    raise EOFError
                checked = f.check(line, lang)
                if checked.hint is None or not checked.given:  # an empty answer is an answer
                    answers[f.key] = line.strip()
                    break
                print(f"  {checked.hint}", file=out)
    except (EOFError, KeyboardInterrupt):
        print("\n" + T.DRILL_STOPPED(lang), file=out)
        return 1
    except UnicodeDecodeError as exc:  # stdin in a UTF-8 locale decodes strictly
        print(file=out)
        raise TutorError(T.DRILL_STDIN, detail=exc) from None
    result = exercise.check(answers)
    print(file=out)
    _report(exercise, result, out)
    _record(exercise, result, data_dir)
    return 0 if result.all_correct else 1


def _record(exercise: Any, result: Any, data_dir: Path | None) -> None:
    """Store the result in the study history; a storage problem must not spoil the drill."""
    try:
        from tutor.paths import data_dir as resolve
        from tutor.store import Store, utcnow

        with Store.open_in(resolve(data_dir)) as store:
            store.add_drill_result(
                exercise.drill,
                exercise.seed,
                exercise.difficulty,
                result.correct,
                result.total,
                utcnow(),
            )
    except Exception as exc:
        error = exc.render(exercise.lang) if isinstance(exc, TutorError) else exc
        print(T.DRILL_NOT_RECORDED(exercise.lang, error=error), file=sys.stderr)
