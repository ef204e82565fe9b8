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
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from tutor import __version__
from tutor.errors import TutorError
from tutor.i18n import LANGS, locale_lang
from tutor.i18n import cli as T
from tutor.i18n import demo as D

COMMANDS = ("bank", "grade", "demo", "drill", "export", "stats", "doctor")
#: Commands whose own ``--lang`` is the language of the content (the answer to grade, the
#: cards to export), not of the messages: only an explicit ``tutor --lang`` sets it, the
#: locale does not (a student with an Italian desktop may well answer in English).
CONTENT_LANG = frozenset({"grade", "export"})


def _path_type(lang: str) -> Any:
    """A non-empty path: an empty --data-dir must not mean "the current directory"."""

    def path(value: str) -> Path:
        if not value.strip():
            raise argparse.ArgumentTypeError(T.EMPTY_PATH(lang))
        return Path(value)

    return path


class _Parser(argparse.ArgumentParser):
    """argparse that reports usage errors on one line with exit code 2."""

    def error(self, message: str) -> None:  # type: ignore[override]
        raise TutorError(T.USAGE, exit_code=2, message=message, prog=self.prog)


class Subcommands:
    """What a command module's ``register`` receives: argparse's subparsers action, with
    the run's language as ``lang`` (for the help of its options) and the one-line help of
    every command, as ``tutor --help`` lists it, taken from the catalogue in that language."""

    def __init__(self, action: argparse._SubParsersAction, lang: str) -> None:
        self._action = action
        self.lang = lang

    def add_parser(self, name: str, **kwargs: Any) -> argparse.ArgumentParser:
        text = _COMMAND_HELP.get(name)
        if text is not None:
            kwargs["help"] = text(self.lang)
        return self._action.add_parser(name, **kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._action, name)


_COMMAND_HELP = {**T.COMMAND_HELP, "demo": D.HELP_DEMO}


def build_parser(lang: str = "en") -> argparse.ArgumentParser:
    """The full parser, its help in ``lang``; command modules add their own subparsers."""
    parser = _Parser(prog="tutor", description=T.DESCRIPTION(lang))
    path = _path_type(lang)
    parser.add_argument("--version", action="version", version=f"cidl-tutor {__version__}")
    parser.add_argument(
        "--bank",
        dest="bank_dirs",
        action="append",
        type=path,
        default=[],
        metavar="DIR",
        help=T.HELP_BANK_DIR(lang),
    )
    parser.add_argument(
        "--data-dir",
        type=path,
        default=None,
        metavar="DIR",
        help=T.HELP_DATA_DIR(lang),
    )
    parser.add_argument(
        "--lang",
        dest="app_lang",
        choices=LANGS,
        default=None,
        help=T.HELP_LANG(lang),
    )
    sub = parser.add_subparsers(
        dest="command", metavar=T.METAVAR_COMMAND(lang), parser_class=_Parser
    )
    commands = Subcommands(sub, lang)
    for name in COMMANDS:
        module = importlib.import_module(f"tutor.commands.{name}")
        module.register(commands)
    return parser


def argv_lang(argv: Sequence[str], environ: Mapping[str, str]) -> str:
    """The language of a run before its arguments are parsed (for ``--help`` and usage
    errors): the first ``--lang`` given, global or a command's, else the locale's."""
    for i, token in enumerate(argv):
        if token == "--":
            break
        value = None
        if token == "--lang" and i + 1 < len(argv):
            value = argv[i + 1]
        elif token.startswith("--lang="):
            value = token.partition("=")[2]
        if value in LANGS:
            return value
    return locale_lang(environ)


def run_lang(args: argparse.Namespace, environ: Mapping[str, str]) -> str:
    """The language of a command's messages: ``tutor --lang``, else the locale's. It also
    becomes the default of a command's own ``--lang`` (see ``CONTENT_LANG``)."""
    lang = args.app_lang or locale_lang(environ)
    args.run_lang = lang
    if getattr(args, "lang", "") is None:
        args.lang = args.app_lang if args.command in CONTENT_LANG else lang
    return lang


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
    name: Any = what or (T.STDIN if str(path) == "-" else str(path))
    try:
        if str(path) == "-":
            data = sys.stdin.buffer.read() if hasattr(sys.stdin, "buffer") else sys.stdin.read()
        else:
            data = Path(path).read_bytes()
    except OSError as exc:
        raise TutorError(T.CANNOT_READ, name=name, reason=exc.strerror or exc) from None
    if isinstance(data, str):
        return data
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise TutorError(
            T.NOT_UTF8, name=name, byte=f"{data[exc.start]:#04x}", position=exc.start
        ) from None


def _run_app(args: argparse.Namespace) -> int:
    from tutor.ui.app import run_app

    return run_app(bank_dirs=args.bank_dirs, data_dir=args.data_dir, lang=args.app_lang)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``tutor`` console script."""
    configure_console()
    argv = list(sys.argv[1:] if argv is None else argv)
    lang = argv_lang(argv, os.environ)
    try:
        parser = build_parser(lang)
        args = parser.parse_args(argv)
        _fix_text_arguments(args)
        func = getattr(args, "func", None)
        if func is None:
            return _run_app(args)
        lang = run_lang(args, os.environ)
        return int(func(args) or 0)
    except TutorError as exc:
        print(T.ERROR(lang, message=exc.render(lang)), file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print(T.INTERRUPTED(lang), file=sys.stderr)
        return 130
    except BrokenPipeError:
        # `tutor bank list | head`: the reader went away; that is not an error.
        with contextlib.suppress(OSError):
            sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - silence the final flush
        return 0
    except Exception as exc:  # never a traceback for the student
        if os.environ.get("TUTOR_DEBUG"):
            raise
        print(T.INTERNAL(lang, kind=type(exc).__name__, detail=exc), file=sys.stderr)
        return 70
