"""``tutor drill list|NAME``: generated exercises, asked in the terminal or printed as JSON.

- ``tutor drill list [--json]``: the drills, their titles and the questions they serve.
- ``tutor drill NAME [--seed N] [--difficulty 1-3]``: asks every field on stdin (a pipe works
  too), then prints ✓/✗ per field and, on a miss, the worked solution. The result is recorded in
  the study history. Exit 0 when everything is right, 1 otherwise (also on end of input).
- ``tutor drill NAME --seed N --json``: the exercise with its solution, in the JSON form that
  ``tutor.drills.base`` documents.
- ``tutor drill NAME --seed N --check ANSWERS.json``: checks a JSON object field-key → answer;
  with ``--json`` the verdict is printed as JSON (``{"correct", "total", "results": [...]}``).

Unknown drills and bad difficulties are usage errors (exit 2).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any, TextIO

from tutor.errors import TutorError


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "drill",
        help="practise generated exercises (computational graphs, SGD, shapes, ...)",
        description="'tutor drill list' shows the drills; 'tutor drill NAME' asks one exercise.",
    )
    p.add_argument("name", metavar="NAME", help="a drill name, or 'list'")
    p.add_argument("--seed", type=int, default=None, help="exercise seed (default: random)")
    p.add_argument(
        "--difficulty", type=int, default=1, metavar="1-3", help="difficulty level (default 1)"
    )
    p.add_argument("--json", action="store_true", help="print JSON instead of asking")
    p.add_argument(
        "--check", type=Path, default=None, metavar="ANSWERS.json", help="check a JSON answer file"
    )
    p.set_defaults(func=cmd_drill)


def cmd_drill(args: argparse.Namespace) -> int:
    if args.name == "list":
        return cmd_list(args)
    from tutor.drills import registry

    try:
        drill = registry.get(args.name)
    except KeyError:
        known = ", ".join(registry.names())
        raise TutorError(f"unknown drill {args.name!r} (known: {known})", exit_code=2) from None
    difficulty = getattr(args, "difficulty", 1)
    if difficulty not in (1, 2, 3):
        raise TutorError(f"--difficulty must be 1, 2 or 3, not {difficulty}", exit_code=2)
    seed = args.seed
    if seed is None:
        import secrets  # hmac/hashlib: ~5 ms that `tutor --help` should not pay

        seed = secrets.randbelow(1_000_000)
    exercise = drill.generate(seed, difficulty)
    if args.check is not None:
        return _check_file(exercise, args.check, as_json=args.json)
    if args.json:
        print(json.dumps(exercise.to_json(), ensure_ascii=False, indent=2))
        return 0
    return ask(exercise, sys.stdin, sys.stdout, data_dir=getattr(args, "data_dir", None))


def cmd_list(args: argparse.Namespace) -> int:
    from tutor.drills import registry

    drills = registry.all_drills()
    if args.json:
        rows = [{"name": d.name, "title": d.title, "questions": list(d.questions)} for d in drills]
        print(json.dumps(rows, ensure_ascii=False, indent=2))
        return 0
    width = max(len(d.name) for d in drills)
    for d in drills:
        print(f"{d.name:<{width}}  {d.title}  [{', '.join(d.questions)}]")
    return 0


def _load_answers(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise TutorError(f"cannot read {path}: {exc.strerror or exc}", exit_code=2) from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise TutorError(f"{path} is not valid JSON: {exc}", exit_code=2) from None
    if not isinstance(data, dict):
        raise TutorError(f"{path} must hold a JSON object: field key -> answer", exit_code=2)
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
            print(f"note: ignored keys not in this exercise: {', '.join(unknown)}")
        _report(exercise, result, sys.stdout)
    return 0 if result.all_correct else 1


def _report(exercise: Any, result: Any, out: TextIO) -> None:
    for r in result.results:
        mark = "✓" if r.ok else "✗"
        line = f"{mark} {r.key}: {r.label}"
        if not r.ok:
            line += f" — you gave {r.given or '(nothing)'}, expected {r.expected}"
            if r.hint and r.hint != "no answer":
                line += f" ({r.hint})"
        print(line, file=out)
    print(f"{result.correct}/{result.total} correct", file=out)
    if not result.all_correct:
        print("\nWorked solution:", file=out)
        for step in exercise.solution:
            print(step, file=out)


def ask(exercise: Any, inp: TextIO, out: TextIO, data_dir: Path | None = None) -> int:
    """Ask every field in turn; a malformed answer gets its hint and the field is asked again."""
    print(f"{exercise.drill} (seed {exercise.seed}, difficulty {exercise.difficulty})\n", file=out)
    print(exercise.statement, file=out)
    if exercise.diagram:
        print("\n" + exercise.diagram, file=out)
    print(file=out)
    answers: dict[str, str] = {}
    try:
        for f in exercise.fields:
            while True:
                print(f"{f.label}: ", end="", file=out, flush=True)
                line = inp.readline()
                if not line:
                    raise EOFError
                hint = f.check(line).hint
                if hint is None or hint == "no answer":
                    answers[f.key] = line.strip()
                    break
                print(f"  {hint}", file=out)
    except (EOFError, KeyboardInterrupt):
        print("\ndrill stopped; nothing recorded.", file=out)
        return 1
    except UnicodeDecodeError as exc:  # stdin in a UTF-8 locale decodes strictly
        print(file=out)
        raise TutorError(f"cannot read standard input: {exc}; nothing recorded") from None
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
        print(f"tutor: warning: result not recorded: {exc}", file=sys.stderr)
