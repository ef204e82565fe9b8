"""What every export format shares: picking the questions, languages, math, safe writing.

Kept free of genanki and markdown-it so the CLI can validate options before
paying for the heavy imports.
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from quizbank import Bank, Question
from tutor.errors import TutorError
from tutor.i18n import errors as E

FORMATS: tuple[str, ...] = ("apkg", "csv", "tsv", "md", "json")
LANG_CHOICES: tuple[str, ...] = ("en", "it", "both")
SUFFIXES: dict[str, str] = {
    ".apkg": "apkg",
    ".csv": "csv",
    ".tsv": "tsv",
    ".txt": "tsv",
    ".md": "md",
    ".markdown": "md",
    ".json": "json",
}


@dataclass(frozen=True)
class ExportResult:
    """What an export produced, for the CLI summary and the dialog."""

    path: Path
    format: str
    questions: int
    topics: int
    bytes: int


def languages(lang: str) -> tuple[str, ...]:
    """``both`` means English first, then Italian, on the same card."""
    if lang == "both":
        return ("en", "it")
    if lang in ("en", "it"):
        return (lang,)
    raise TutorError(E.UNKNOWN_EXPORT_LANG, exit_code=2, lang=lang)


def format_for(path: Path, fmt: str | None) -> str:
    """The explicit format, else the one the file name implies."""
    if fmt:
        if fmt not in FORMATS:
            raise TutorError(E.UNKNOWN_FORMAT, exit_code=2, format=fmt, formats=", ".join(FORMATS))
        return fmt
    guessed = SUFFIXES.get(path.suffix.lower())
    if guessed is None:
        raise TutorError(
            E.FORMAT_FROM_NAME, exit_code=2, name=path.name, formats=", ".join(FORMATS)
        )
    return guessed


def split_list(value: str | Iterable[str] | None) -> list[str]:
    """``"a, b,,c"`` → ``["a", "b", "c"]``; lists pass through cleaned."""
    if value is None:
        return []
    items = value.split(",") if isinstance(value, str) else list(value)
    return [s.strip() for s in items if s and s.strip()]


def select_questions(
    bank: Bank, topics: Sequence[str] = (), ids: Sequence[str] = ()
) -> list[Question]:
    """Questions of the named topics plus the named ids, in bank order; all when none named.

    Unknown names are usage errors (exit 2) so a typo never exports a silently
    smaller deck.
    """
    if not topics and not ids:
        return list(bank.questions)
    wanted: set[str] = set()
    known_topics = [t.id for t in bank.topics]
    for key in topics:
        try:
            wanted.update(bank.topic(key).question_ids)
        except KeyError:
            raise TutorError(
                E.UNKNOWN_TOPIC, exit_code=2, topic=key, known=", ".join(known_topics)
            ) from None
    for qid in ids:
        if qid not in bank:
            raise TutorError(E.UNKNOWN_QUESTION, exit_code=2, qid=qid)
        wanted.add(qid)
    return [q for q in bank.questions if q.id in wanted]


def topic_title(bank: Bank, topic_id: str, lang: str) -> str:
    title = bank.topic(topic_id).title
    return title.get(lang) or title.get("en") or topic_id


def tag_slug(text: str) -> str:
    """A tag fragment Anki accepts: no spaces, no ``::`` surprises."""
    slug = re.sub(r"[^\w.-]+", "-", text.strip().lower()).strip("-")
    return slug or "x"


# --- math ---------------------------------------------------------------------------------

# Fenced code blocks and inline code are copied untouched; the rest may hold math.
_FENCE_RE = re.compile(r"^(```|~~~)[^\n]*\n.*?^\1[ \t]*$", re.S | re.M)
_SPAN_RE = re.compile(
    r"(?P<code>(?P<ticks>`+)(?!`).+?(?<!`)(?P=ticks)(?!`))"
    r"|\$\$(?P<display>.+?)\$\$"
    r"|(?<![\\$\w])\$(?!\s)(?P<inline>[^$\n]+?)(?<![\s\\])\$(?!\d)",
    re.S,
)


def map_math(markdown: str, replace: Callable[[str, bool], str]) -> str:
    """Apply ``replace(tex, display)`` to every ``$…$`` / ``$$…$$`` outside code."""

    def sub(m: re.Match[str]) -> str:
        if m.group("code"):
            return m.group(0)
        if m.group("display") is not None:
            return replace(m.group("display").strip(), True)
        return replace(m.group("inline"), False)

    out: list[str] = []
    pos = 0
    for fence in _FENCE_RE.finditer(markdown):
        out.append(_SPAN_RE.sub(sub, markdown[pos : fence.start()]))
        out.append(fence.group(0))
        pos = fence.end()
    out.append(_SPAN_RE.sub(sub, markdown[pos:]))
    return "".join(out)


def mathjax(tex: str, display: bool) -> str:
    """Anki typesets ``\\(…\\)`` and ``\\[…\\]``, never ``$…$``."""
    return f"\\[{tex}\\]" if display else f"\\({tex}\\)"


# --- writing ------------------------------------------------------------------------------


def check_target(path: Path, force: bool) -> Path:
    """Fail early, with one line, on a path that cannot be written."""
    if str(path) == "-":
        raise TutorError(E.EXPORT_TO_STDOUT)
    path = Path(path).expanduser()
    parent = path.parent if str(path.parent) else Path(".")
    if path.is_dir():
        raise TutorError(E.EXPORT_IS_DIR, path=path)
    if path.exists() and not path.is_file():
        # the rename below would put a regular file in place of /dev/null, a FIFO, a socket
        raise TutorError(E.EXPORT_NOT_REGULAR, path=path)
    if not parent.exists():
        raise TutorError(E.EXPORT_NO_DIR, path=parent)
    if not parent.is_dir():
        raise TutorError(E.EXPORT_PARENT_NOT_DIR, path=parent)
    if (path.exists() or path.is_symlink()) and not force:
        raise TutorError(E.EXPORT_EXISTS, path=path)
    if not os.access(parent, os.W_OK | os.X_OK):
        raise TutorError(E.EXPORT_DENIED, path=parent)
    return path


#: Temporary files of an export in progress: ``.NAME.tutor-XXXXXXXX.tmp`` next to the target.
_TEMP_RE = re.compile(r"^\..+\.tutor-[0-9a-f]{8}\.tmp$")
#: A temporary file this old and not locked was left by a killed export.
STALE_TEMP_S = 300.0


def _temp_for(path: Path) -> Path:
    return path.with_name(f".{path.name}.tutor-{secrets.token_hex(4)}.tmp")


def _lock(fd: int, *, wait: bool) -> bool:
    """An exclusive lock on the open temporary file: held for as long as an export writes it."""
    try:
        import fcntl
    except ImportError:  # no flock (Windows): the age alone tells a leftover
        return True
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
    except OSError:
        return False
    return True


def clean_stale_temps(
    directory: Path, *, target: Path | None = None, older_than: float = STALE_TEMP_S
) -> list[Path]:
    """Remove temporary files that killed exports left in ``directory``.

    Only our own names, only regular files, only when older than ``older_than`` seconds
    and not locked by an export still writing them. ``target``'s own leftovers from
    before the ``tutor-`` marker (``.NAME.XXXXXXXX.tmp``) go too.
    """
    legacy = re.compile(rf"^\.{re.escape(target.name)}\.[0-9a-f]{{8}}\.tmp$") if target else None
    cutoff = time.time() - older_than
    removed: list[Path] = []
    try:
        entries = list(os.scandir(directory))
    except OSError:
        return removed
    for entry in entries:
        if not (_TEMP_RE.match(entry.name) or (legacy and legacy.match(entry.name))):
            continue
        try:
            if not entry.is_file(follow_symlinks=False):
                continue
            if entry.stat(follow_symlinks=False).st_mtime > cutoff:
                continue
            fd = os.open(entry.path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
        except OSError:
            continue
        try:
            if _lock(fd, wait=False):
                os.unlink(entry.path)
                removed.append(Path(entry.path))
        except OSError:
            pass
        finally:
            os.close(fd)
    return removed


def atomic_write(path: Path, write: Callable[[Path], None], *, force: bool = False) -> int:
    """Let ``write`` fill a temporary file next to ``path``, then rename it into place.

    A crash or an error leaves no half-written export behind; the temporary
    file is created with the usual permissions (umask applies) and locked while
    it is written, so that the next export can tell (and remove) what a killed
    one left. Returns the size.
    """
    path = check_target(path, force)
    clean_stale_temps(path.parent, target=path)
    tmp = _temp_for(path)
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    except OSError as exc:
        raise TutorError(
            E.EXPORT_CANNOT_WRITE_IN, path=path.parent, reason=exc.strerror or exc
        ) from None
    try:
        _lock(fd, wait=True)
        write(tmp)
        if not force and path.exists():  # appeared while we were writing
            raise TutorError(E.EXPORT_EXISTS, path=path)
        os.close(fd)  # a fresh file is never taken for a leftover: the lock can go first
        fd = -1
        os.replace(tmp, path)
    except OSError as exc:
        raise TutorError(E.EXPORT_CANNOT_WRITE, path=path, reason=exc.strerror or exc) from None
    finally:
        if fd >= 0:
            os.close(fd)
        with contextlib.suppress(OSError):
            if tmp.exists():
                tmp.unlink()
    return path.stat().st_size
