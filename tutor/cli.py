"""The ``tutor`` command: argument parsing and error handling for every subcommand.

Each subcommand lives in ``tutor/commands/<name>.py`` and registers itself;
this module only wires them and turns every failure into one line on stderr.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from tutor import __version__
from tutor.errors import TutorError

COMMANDS = ("bank", "grade", "demo", "drill", "export", "stats", "doctor")


def _path(value: str) -> Path:
    """A non-empty path: an empty --data-dir must not mean "the current directory"."""
    if not value.strip():
        raise argparse.ArgumentTypeError("a path cannot be empty")
    return Path(value)


class _Parser(argparse.ArgumentParser):
    """argparse that reports usage errors on one line with exit code 2."""

    def error(self, message: str) -> None:  # type: ignore[override]
        raise TutorError(f"{message} (see '{self.prog} --help')", exit_code=2)


def build_parser() -> argparse.ArgumentParser:
    """The full parser; command modules add their own subparsers."""
    parser = _Parser(
        prog="tutor",
        description="Exam-prep tutor for Computational Intelligence and Deep Learning. "
        "Without a command it opens the study app.",
    )
    parser.add_argument("--version", action="version", version=f"cidl-tutor {__version__}")
    parser.add_argument(
        "--bank",
        dest="bank_dirs",
        action="append",
        type=_path,
        default=[],
        metavar="DIR",
        help="also load the question bank in DIR (repeatable)",
    )
    parser.add_argument(
        "--data-dir",
        type=_path,
        default=None,
        metavar="DIR",
        help="where progress is stored (default: $TUTOR_DATA_DIR or the user data directory)",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for name in COMMANDS:
        module = importlib.import_module(f"tutor.commands.{name}")
        module.register(sub)
    return parser


def _run_app(args: argparse.Namespace) -> int:
    from tutor.ui.app import run_app

    return run_app(bank_dirs=args.bank_dirs, data_dir=args.data_dir)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``tutor`` console script."""
    try:
        parser = build_parser()
        args = parser.parse_args(argv)
        func = getattr(args, "func", None)
        if func is None:
            return _run_app(args)
        return int(func(args) or 0)
    except TutorError as exc:
        print(f"tutor: error: {exc.message}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("tutor: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # `tutor bank list | head`: the reader went away; that is not an error.
        with contextlib.suppress(OSError):
            sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - silence the final flush
        return 0
    except Exception as exc:  # never a traceback for the student
        if os.environ.get("TUTOR_DEBUG"):
            raise
        print(
            f"tutor: internal error: {type(exc).__name__}: {exc} (set TUTOR_DEBUG=1 for details)",
            file=sys.stderr,
        )
        return 70
