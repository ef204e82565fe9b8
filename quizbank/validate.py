"""``python -m quizbank.validate [DIR…]``: check bank directories without the CLI.

Useful while writing a bank; ``tutor bank validate`` is the same check with the
list of implemented demos and drills added.
"""

from __future__ import annotations

import sys
from pathlib import Path

from .loader import validate


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    strict = "--strict" in args
    dirs = [Path(a) for a in args if not a.startswith("--")]
    problems = validate(dirs, include_builtin=not dirs, strict=strict)
    for p in problems:
        print(p)
    errors = sum(p.severity == "error" for p in problems)
    print(f"{errors} error(s), {len(problems) - errors} warning(s)", file=sys.stderr)
    return 1 if errors else 0


if __name__ == "__main__":
    raise SystemExit(main())
