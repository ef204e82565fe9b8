"""The ``tutor`` command: argument parsing and error handling for every subcommand.

Each subcommand lives in ``tutor/commands/<name>.py`` and registers itself;
this module only wires them and turns every failure into one line on stderr.
"""

from __future__ import annotations

import argparse
import codecs
import contextlib
import importlib
import os
import sys
import unicodedata
from collections.abc import Sequence
from pathlib import Path
from typing import Any

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
    parser.add_argument(
        "--lang",
        dest="app_lang",
        choices=("en", "it"),
        default=None,
        help="language of the study app (default: the one chosen last in the app, else the "
        "locale's)",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for name in COMMANDS:
        module = importlib.import_module(f"tutor.commands.{name}")
        module.register(sub)
    return parser


# -- the console in an ASCII-only locale -------------------------------------------------

#: What an ASCII terminal shows for the characters the tutor prints most.
_ASCII_LOOKALIKES = {
    "—": "-",
    "–": "-",
    "·": ".",
    "…": "...",
    "‘": "'",
    "’": "'",
    "“": '"',
    "”": '"',
    "→": "->",
    "←": "<-",
    "✓": "+",
    "✗": "x",
    "×": "x",
    "≤": "<=",
    "≥": ">=",
    "≠": "!=",
    "≈": "~",
    "•": "*",
    "▇": "#",
    "█": "#",
    "▒": ":",
    "░": ".",
    "−": "-",
    "∇": "nabla ",
    "∂": "d",
    "∑": "sum ",
    "∏": "prod ",
    "√": "sqrt ",
    "∞": "inf",
    "∈": " in ",
    "⊙": "(.)",
    "⊗": "(x)",
    "≡": "==",
    "∼": "~",
    "⌊": "floor(",
    "⌋": ")",
    "⌈": "ceil(",
    "⌉": ")",
    "‖": "||",
    "⟨": "<",
    "⟩": ">",
    "⁄": "/",
}


def _plain(ch: str) -> str:
    """ASCII for one character: a look-alike, a Greek letter's name, the letter without its
    accent (NFKD, so "½" is "1/2"), or "?"."""
    if ch < "\x80":
        return ch
    if ch in _ASCII_LOOKALIKES:
        return _ASCII_LOOKALIKES[ch]
    name = unicodedata.name(ch, "")
    if name.startswith(("GREEK SMALL LETTER ", "GREEK CAPITAL LETTER ")):
        letter = name.rsplit(" ", 1)[1].lower()  # θ → theta, Σ → Sigma
        return letter.capitalize() if "CAPITAL" in name else letter
    decomposed = unicodedata.normalize("NFKD", ch)
    if decomposed != ch:
        return "".join(_plain(c) for c in decomposed)
    return "" if unicodedata.combining(ch) else "?"


def _printable_fallback(exc: UnicodeError) -> tuple[str, int]:
    """Error handler for output that the console's encoding cannot show."""
    if not isinstance(exc, UnicodeEncodeError):
        raise exc
    return "".join(_plain(ch) for ch in exc.object[exc.start : exc.end]), exc.end


codecs.register_error("tutor-printable", _printable_fallback)


def _can_encode_unicode(encoding: str | None) -> bool:
    try:
        "—è✓".encode(encoding or "ascii")
    except (UnicodeEncodeError, LookupError):
        return False
    return True


def configure_console() -> None:
    """In an ASCII-only locale (``LC_ALL=C PYTHONUTF8=0``) printing "—" must not crash:
    replace what cannot be shown; read standard input as UTF-8, the tutor's own format."""
    for stream in (sys.stdout, sys.stderr):
        if stream is None or not hasattr(stream, "reconfigure"):
            continue
        if not _can_encode_unicode(getattr(stream, "encoding", None)):
            with contextlib.suppress(ValueError, OSError):
                stream.reconfigure(errors="tutor-printable")
    stdin = sys.stdin
    if (
        stdin is not None
        and hasattr(stdin, "reconfigure")
        and not _can_encode_unicode(getattr(stdin, "encoding", None))
    ):
        with contextlib.suppress(ValueError, OSError):
            stdin.reconfigure(encoding="utf-8", errors="strict")


def _utf8_text(value: Any) -> Any:
    """An argument decoded in an ASCII locale keeps its UTF-8 bytes as surrogates
    (an "è" arrives as two lone surrogates); decode them as UTF-8 when they are UTF-8."""
    if isinstance(value, str) and any("\udc80" <= ch <= "\udcff" for ch in value):
        try:
            return os.fsencode(value).decode("utf-8")
        except (UnicodeError, ValueError):
            return value
    if isinstance(value, list):
        return [_utf8_text(v) for v in value]
    return value


def _fix_text_arguments(args: argparse.Namespace) -> None:
    """Text options (an answer, a parameter) are text, unlike paths, which stay as the OS
    gave them (so a non-UTF-8 file name still opens)."""
    for name, value in vars(args).items():
        if not isinstance(value, Path):
            setattr(args, name, _utf8_text(value))


def read_text_input(path: Path | str, what: str | None = None) -> str:
    """A file's text, or standard input's for '-'; one clear error when it is not UTF-8."""
    name = what or ("standard input" if str(path) == "-" else str(path))
    try:
        if str(path) == "-":
            data = sys.stdin.buffer.read() if hasattr(sys.stdin, "buffer") else sys.stdin.read()
        else:
            data = Path(path).read_bytes()
    except OSError as exc:
        raise TutorError(f"cannot read {name}: {exc.strerror or exc}") from None
    if isinstance(data, str):
        return data
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise TutorError(
            f"{name} is not UTF-8 text (byte {data[exc.start]:#04x} at position {exc.start}); "
            "save it as UTF-8"
        ) from None


def _run_app(args: argparse.Namespace) -> int:
    from tutor.ui.app import run_app

    return run_app(bank_dirs=args.bank_dirs, data_dir=args.data_dir, lang=args.app_lang)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``tutor`` console script."""
    configure_console()
    try:
        parser = build_parser()
        args = parser.parse_args(argv)
        _fix_text_arguments(args)
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
