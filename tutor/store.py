"""The student's progress in SQLite: cards, reviews, attempts, drafts, exams and drill results.

Design rules, because losing a student's history the night before the exam is
the worst thing this app could do:

- every write is its own short transaction, committed before the caller goes
  on (WAL mode, so a kill -9 loses at most the write in flight);
- a second app instance waits (busy timeout) and then gets a clear message;
- a corrupt, truncated or foreign database is reported, never silently
  replaced or changed; a new one is built aside and linked into place whole;
- every JSON column is decoded in one place (:func:`decode_json`), so one
  unreadable record is a located message, not a crash;
- the schema has a version (``PRAGMA user_version``), an owner
  (``PRAGMA application_id``) and forward migrations.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import secrets
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

from tutor.errors import Phrase, TutorError
from tutor.i18n import Text
from tutor.i18n import errors as E

DB_NAME = "progress.sqlite3"
SCHEMA_VERSION = 2
BUSY_TIMEOUT_S = 5.0
#: ``PRAGMA application_id`` of every cidl-tutor database: "CIDT" in ASCII.
APPLICATION_ID = 0x43494454
#: Half-built databases of a killed first start older than this are removed.
STALE_NEW_DB_S = 600.0

_V1 = """
CREATE TABLE cards (
    question_id   TEXT PRIMARY KEY,
    card_id       INTEGER NOT NULL UNIQUE,
    card_json     TEXT NOT NULL,
    due           TEXT NOT NULL,
    introduced_at TEXT NOT NULL
);
CREATE INDEX cards_due ON cards(due);
CREATE TABLE attempts (
    id               INTEGER PRIMARY KEY,
    question_id      TEXT NOT NULL,
    mode             TEXT NOT NULL,
    started_at       TEXT NOT NULL,
    submitted_at     TEXT NOT NULL,
    answer           TEXT NOT NULL,
    score            REAL,
    verdict          TEXT,
    grade_json       TEXT,
    suggested_rating TEXT,
    rating           TEXT,
    duration_s       REAL,
    exam_id          INTEGER
);
CREATE INDEX attempts_question ON attempts(question_id);
CREATE TABLE reviews (
    id          INTEGER PRIMARY KEY,
    question_id TEXT NOT NULL,
    card_id     INTEGER NOT NULL,
    rating      INTEGER NOT NULL,
    reviewed_at TEXT NOT NULL,
    state_before INTEGER,
    cram        INTEGER NOT NULL DEFAULT 0,
    attempt_id  INTEGER,
    log_json    TEXT NOT NULL
);
CREATE INDEX reviews_time ON reviews(reviewed_at);
CREATE TABLE exams (
    id           INTEGER PRIMARY KEY,
    started_at   TEXT NOT NULL,
    finished_at  TEXT,
    n_questions  INTEGER NOT NULL,
    time_limit_s INTEGER,
    mark         INTEGER,
    lode         INTEGER NOT NULL DEFAULT 0,
    details_json TEXT
);
CREATE TABLE drill_results (
    id          INTEGER PRIMARY KEY,
    drill       TEXT NOT NULL,
    seed        INTEGER NOT NULL,
    difficulty  INTEGER NOT NULL,
    correct     INTEGER NOT NULL,
    total       INTEGER NOT NULL,
    at          TEXT NOT NULL
);
CREATE TABLE settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
"""

_V2 = """
ALTER TABLE attempts ADD COLUMN student_json TEXT;
CREATE TABLE drafts (
    question_id TEXT NOT NULL,
    mode        TEXT NOT NULL,
    text        TEXT NOT NULL,
    saved_at    TEXT NOT NULL,
    PRIMARY KEY (question_id, mode)
);
CREATE TABLE quarantine (
    id             INTEGER PRIMARY KEY,
    source_table   TEXT NOT NULL,
    record_key     TEXT NOT NULL,
    column_name    TEXT NOT NULL,
    bad_value,
    row_json       TEXT NOT NULL,
    action         TEXT NOT NULL,
    reason         TEXT NOT NULL,
    quarantined_at TEXT NOT NULL
);
"""

#: Tables of every schema version: a file with others is not ours.
OUR_TABLES = frozenset(
    {"cards", "attempts", "reviews", "exams", "drill_results", "settings", "drafts", "quarantine"}
)
_V1_TABLES = frozenset({"cards", "attempts", "reviews", "exams", "drill_results", "settings"})
_DRAFT_PREFIX = "draft:"


class StoreError(TutorError):
    """The progress database cannot be used as it is; the message says why."""


class UnreadableRecord(StoreError):
    """One record cannot be decoded; it names the record so the student can act on it."""

    def __init__(
        self,
        what: str,
        key: object,
        path: Path,
        reason: str | Phrase,
        *,
        table: str,
        column: str,
        rowid: int | None = None,
    ) -> None:
        super().__init__(
            E.UNREADABLE, what=E.RECORDS.get(table, what), key=key, path=path, reason=reason
        )
        self.what = what
        self.key = str(key)
        #: Why, in English (``tutor doctor --json``); ``reason_phrase`` has it in both languages.
        self.reason = str(reason)
        self.reason_phrase = reason
        self.table = table
        self.column = column
        self.rowid = rowid  # set by Store.find_unreadable, for the repair


def utcnow() -> datetime:
    """Timezone-aware now; FSRS and the store never see naive datetimes."""
    return datetime.now(UTC)


def iso(dt: datetime) -> str:
    """The one way datetimes are written: ISO 8601 in UTC (sorts as text)."""
    if dt.tzinfo is None:
        raise ValueError("naive datetime")
    return dt.astimezone(UTC).isoformat()


def card_id_for(question_id: str) -> int:
    """A stable positive 63-bit id: editing a question keeps its history."""
    digest = hashlib.sha256(question_id.encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big") & 0x7FFF_FFFF_FFFF_FFFF


# -- records --------------------------------------------------------------------------------


def decode_json(
    raw: object,
    *,
    what: str,
    key: object,
    path: Path,
    table: str,
    column: str,
    expect: type | None = dict,
    nullable: bool = False,
) -> Any:
    """Decode one JSON column value, or raise :class:`UnreadableRecord` saying which and why.

    Every JSON value read from the database goes through here: a flipped byte
    must become a message naming the record, never a ``JSONDecodeError``
    somewhere in the UI.
    """

    def bad(reason: Text, **fields: object) -> UnreadableRecord:
        return UnreadableRecord(what, key, path, Phrase(reason, fields), table=table, column=column)

    if raw is None:
        if nullable:
            return None
        raise bad(E.REASON_MISSING)
    if isinstance(raw, bytes):
        try:
            raw = raw.decode("utf-8")
        except UnicodeDecodeError:
            raise bad(E.REASON_NOT_UTF8) from None
    if not isinstance(raw, str):
        raise bad(E.REASON_NOT_TEXT, found=type(raw).__name__)
    try:
        value = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise bad(E.REASON_BAD_JSON, detail=exc.msg, pos=exc.pos) from None
    except (ValueError, RecursionError) as exc:  # huge integers, deep nesting
        raise bad(E.REASON_UNUSABLE_JSON, kind=type(exc).__name__) from None
    if expect is not None and not isinstance(value, expect):
        name = _JSON_NAMES.get(expect, expect.__name__)
        raise bad(E.REASON_WRONG_JSON, kind=E.JSON_KINDS.get(name, name))
    return value


_JSON_NAMES = {dict: "object", list: "array", str: "string"}


@dataclass(frozen=True)
class Attempt:
    """One submitted answer with its grade and, once given, the student's own judgement."""

    id: int
    question_id: str
    mode: str
    started_at: datetime
    submitted_at: datetime
    answer: str
    score: float | None
    verdict: str | None
    suggested_rating: str | None
    rating: str | None
    duration_s: float | None
    exam_id: int | None
    grade: dict
    student: dict | None


@dataclass(frozen=True)
class ReviewLog:
    """One rating of a card (cram reviews included when asked for)."""

    id: int
    question_id: str
    card_id: int
    rating: int
    reviewed_at: datetime
    state_before: int | None
    cram: bool
    attempt_id: int | None
    log: dict


@dataclass(frozen=True)
class ExamRecord:
    """A finished (or abandoned, if ``finished_at`` is None) exam simulation."""

    id: int
    started_at: datetime
    finished_at: datetime | None
    n_questions: int
    time_limit_s: int | None
    mark: int | None
    lode: bool
    details: dict | None


@dataclass(frozen=True)
class DrillResult:
    """One checked drill exercise."""

    id: int
    drill: str
    seed: int
    difficulty: int
    correct: int
    total: int
    at: datetime


@dataclass(frozen=True)
class Draft:
    """A half-typed answer, kept so that leaving a question never loses it."""

    question_id: str
    mode: str
    text: str
    saved_at: datetime


#: Called with each unreadable record when a reader should skip it instead of failing.
OnUnreadable = Callable[[UnreadableRecord], None]
T = TypeVar("T")

#: table → JSON columns → (nullable, expected type); decoded only through :func:`decode_json`.
JSON_COLUMNS: dict[str, dict[str, tuple[bool, type | None]]] = {
    "cards": {"card_json": (False, dict)},
    "reviews": {"log_json": (False, dict)},
    "attempts": {"grade_json": (True, dict), "student_json": (True, dict)},
    "exams": {"details_json": (True, dict)},
    "settings": {"value": (False, None)},
}
#: table → timestamp columns → nullable.
TIME_COLUMNS: dict[str, dict[str, bool]] = {
    "reviews": {"reviewed_at": False},
    "attempts": {"started_at": False, "submitted_at": False},
    "exams": {"started_at": False, "finished_at": True},
    "drill_results": {"at": False},
    "drafts": {"saved_at": False},
}
#: table → the column that names a record in messages.
KEY_COLUMNS: dict[str, str] = {
    "cards": "question_id",
    "reviews": "id",
    "attempts": "id",
    "exams": "id",
    "drill_results": "id",
    "settings": "key",
    "drafts": "question_id",
}
#: How a record of each table is named in messages.
WHAT: dict[str, str] = {
    "cards": "card",
    "reviews": "review",
    "attempts": "attempt",
    "exams": "exam",
    "settings": "setting",
    "drill_results": "drill result",
    "drafts": "draft",
}
#: What ``tutor doctor --repair`` does with a bad value, after copying the row aside:
#: clear a column that may be empty (the rest of the record, e.g. an answer, stays), or
#: move the whole record (a card then starts afresh, a setting takes its default).
_REPAIR_VALUE: dict[tuple[str, str], str | None] = {
    ("attempts", "grade_json"): None,
    ("attempts", "student_json"): None,
    ("exams", "details_json"): None,
    ("reviews", "log_json"): "{}",  # what cram reviews store: a rating without an FSRS log
}


@dataclass(frozen=True)
class Quarantined:
    """One record (or value) ``tutor doctor --repair`` set aside, and what that meant."""

    table: str
    key: str
    column: str
    action: str  # "cleared" | "moved"
    reason: str


# -- migrations -------------------------------------------------------------------------------


def _run_script(conn: sqlite3.Connection, script: str) -> None:
    for statement in script.split(";"):
        if statement.strip():
            conn.execute(statement)


def _migrate_v1(conn: sqlite3.Connection) -> None:
    _run_script(conn, _V1)


def _migrate_v2(conn: sqlite3.Connection) -> None:
    """Drafts get their own table; ``settings["draft:ID"]`` rows move into it."""
    _run_script(conn, _V2)
    now = iso(utcnow())
    rows = conn.execute(
        "SELECT key, value FROM settings WHERE substr(key, 1, ?) = ?",
        (len(_DRAFT_PREFIX), _DRAFT_PREFIX),
    ).fetchall()
    for key, value in rows:
        try:
            text = json.loads(value)
        except (TypeError, ValueError, RecursionError):
            continue  # left where it is: `tutor doctor` reports it, nothing is dropped
        if not isinstance(text, str):
            continue
        question_id, mode = key[len(_DRAFT_PREFIX) :], "study"
        if question_id.startswith("exam:"):  # the exam screen's "draft:exam:ID"
            question_id, mode = question_id[len("exam:") :], "exam"
        if text:
            conn.execute(
                "INSERT OR REPLACE INTO drafts(question_id, mode, text, saved_at) "
                "VALUES(?, ?, ?, ?)",
                (question_id, mode, text, now),
            )
        conn.execute("DELETE FROM settings WHERE key = ?", (key,))


_MIGRATIONS: dict[int, Callable[[sqlite3.Connection], None]] = {1: _migrate_v1, 2: _migrate_v2}


# -- the store --------------------------------------------------------------------------------


class Store:
    """One open progress database. Thread-safe for the app's worker threads."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._lock = threading.RLock()
        self._conn = self._open()

    # -- opening --------------------------------------------------------------
    @classmethod
    def open_in(cls, data_dir: Path) -> Store:
        """Open (or create) the database in a data directory."""
        return cls(Path(data_dir) / DB_NAME)

    def _open(self) -> sqlite3.Connection:
        parent = self.path.parent
        if not parent.is_dir():
            raise StoreError(E.DATA_DIR_MISSING, path=parent)
        if not (self.path.exists() or self.path.is_symlink()):
            self._create()
        self._check_file()
        conn: sqlite3.Connection | None = None
        try:
            conn = self._connect(self.path)
            # Read-only questions first: a file that is not ours must stay byte-identical.
            self._check_owner(conn)
            mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
            conn.execute(
                "PRAGMA synchronous = NORMAL"
                if mode.lower() == "wal"
                else "PRAGMA synchronous = FULL"
            )
            conn.execute("PRAGMA foreign_keys = ON")
            check = conn.execute("PRAGMA quick_check").fetchone()[0]
            if check != "ok":
                raise StoreError(E.DB_CORRUPT_CHECK, path=self.path, detail=check)
            self._migrate(conn)
        except BaseException as exc:
            if conn is not None:  # locked, corrupt, newer schema: do not leak the connection
                conn.close()
            if isinstance(exc, sqlite3.Error):
                raise self._explain(exc) from None
            raise
        return conn

    @staticmethod
    def _connect(path: Path) -> sqlite3.Connection:
        conn = sqlite3.connect(
            path, timeout=BUSY_TIMEOUT_S, isolation_level=None, check_same_thread=False
        )
        conn.row_factory = sqlite3.Row
        conn.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_S * 1000)}")
        return conn

    def _check_file(self) -> None:
        """Refuse, before SQLite sees it, a file that is empty or not SQLite at all."""
        try:
            with open(self.path, "rb") as fh:
                head = fh.read(16)
        except OSError as exc:
            raise StoreError(E.DB_CANNOT_READ, path=self.path, reason=exc.strerror or exc) from None
        if not head:
            raise StoreError(E.DB_EMPTY, path=self.path)
        if head != b"SQLite format 3\x00":
            raise StoreError(E.DB_CORRUPT_NOT_SQLITE, path=self.path)

    def _check_owner(self, conn: sqlite3.Connection) -> None:
        """Only read here: another program's database must be left exactly as it was."""
        app_id = conn.execute("PRAGMA application_id").fetchone()[0]
        if app_id == APPLICATION_ID:
            return

        def refuse(why: Phrase) -> StoreError:
            return StoreError(E.DB_NOT_OURS, path=self.path, why=why)

        if app_id != 0:
            raise refuse(Phrase(E.WHY_APP_ID, {"app_id": f"{app_id:#010x}"}))
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        tables = {
            r[0]
            for r in conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            )
        }
        if not tables and version == 0:
            return  # an empty SQLite file: ours to initialise
        if version >= 1 and _V1_TABLES <= tables <= OUR_TABLES:
            return  # written by cidl-tutor before it set an application id
        foreign = sorted(tables - OUR_TABLES) or sorted(tables)
        raise refuse(
            Phrase(E.WHY_TABLES, {"tables": ", ".join(foreign[:5])})
            if foreign
            else Phrase(E.WHY_NO_TABLES)
        )

    def _create(self) -> None:
        """Build a new database aside and link it into place, so a failed first start
        (full disk, kill) never leaves a half-made file that later looks truncated."""
        parent = self.path.parent
        self._remove_stale_new(parent)
        tmp = parent / f".{self.path.name}.new-{secrets.token_hex(4)}"
        conn: sqlite3.Connection | None = None
        try:
            conn = self._connect(tmp)
            self._migrate(conn)
            conn.close()
            conn = None
            try:
                os.link(tmp, self.path)  # never replaces a database another instance just made
            except FileExistsError:
                pass
            except OSError:  # no hard links on this file system
                if not self.path.exists():
                    os.replace(tmp, self.path)
            with contextlib.suppress(OSError):
                dir_fd = os.open(parent, os.O_RDONLY)
                try:
                    os.fsync(dir_fd)
                finally:
                    os.close(dir_fd)
        except sqlite3.Error as exc:
            raise self._explain(exc) from None
        except OSError as exc:
            raise StoreError(
                E.DB_CANNOT_WRITE, path=self.path, reason=exc.strerror or exc
            ) from None
        finally:
            if conn is not None:
                conn.close()
            for leftover in (tmp, tmp.with_name(tmp.name + "-journal")):
                with contextlib.suppress(OSError):
                    leftover.unlink()

    def _remove_stale_new(self, parent: Path) -> None:
        cutoff = time.time() - STALE_NEW_DB_S
        for old in parent.glob(f".{self.path.name}.new-*"):
            with contextlib.suppress(OSError):
                if old.is_file() and old.stat().st_mtime < cutoff:
                    old.unlink()

    def _explain(self, exc: sqlite3.Error) -> StoreError:
        msg = str(exc)
        if "locked" in msg or "busy" in msg:
            return StoreError(E.DB_LOCKED, path=self.path)
        if "disk is full" in msg or "disk full" in msg:
            return StoreError(E.DB_DISK_FULL, path=self.path)
        if "disk I/O error" in msg:
            return StoreError(E.DB_IO_ERROR, path=self.path)
        if "readonly" in msg or "unable to open" in msg or "read-only" in msg:
            return StoreError(E.DB_READ_ONLY, path=self.path)
        if "not a database" in msg or "malformed" in msg or "corrupt" in msg:
            return StoreError(E.DB_CORRUPT, path=self.path, detail=msg)
        return StoreError(E.DB_OTHER, path=self.path, detail=msg)

    def _migrate(self, conn: sqlite3.Connection) -> None:
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            raise StoreError(E.DB_NEWER, path=self.path, version=version, supported=SCHEMA_VERSION)
        for target in range(version + 1, SCHEMA_VERSION + 1):
            conn.execute("BEGIN IMMEDIATE")
            try:
                _MIGRATIONS[target](conn)
                conn.execute(f"PRAGMA user_version = {target}")
                conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
                conn.execute("COMMIT")
            except BaseException:
                # SQLite may have rolled back already (a full disk does): a failing ROLLBACK
                # must not replace the error that says what went wrong.
                with contextlib.suppress(sqlite3.Error):
                    conn.execute("ROLLBACK")
                raise

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- transactions ---------------------------------------------------------
    @contextmanager
    def _tx(self) -> Iterator[sqlite3.Connection]:
        """A write transaction, committed (durably) before the caller goes on."""
        with self._lock:
            try:
                self._conn.execute("BEGIN IMMEDIATE")
            except sqlite3.Error as exc:
                raise self._explain(exc) from None
            try:
                yield self._conn
            except sqlite3.Error as exc:
                self._rollback()
                raise self._explain(exc) from None
            except BaseException:
                self._rollback()
                raise
            try:
                self._conn.execute("COMMIT")
            except sqlite3.Error as exc:
                self._rollback()  # else the next BEGIN fails: "transaction within a transaction"
                raise self._explain(exc) from None

    def _rollback(self) -> None:
        with contextlib.suppress(sqlite3.Error):  # the transaction may already be gone
            self._conn.execute("ROLLBACK")

    def _query(self, sql: str, params: tuple = ()) -> list[sqlite3.Row]:
        with self._lock:
            try:
                return self._conn.execute(sql, params).fetchall()
            except sqlite3.Error as exc:
                raise self._explain(exc) from None

    # -- decoding -------------------------------------------------------------
    def decode(self, table: str, column: str, key: object, raw: object) -> Any:
        """Decode a JSON column of ``table`` through :func:`decode_json`, located here."""
        nullable, expect = JSON_COLUMNS[table][column]
        return decode_json(
            raw,
            what=WHAT[table],
            key=key,
            path=self.path,
            table=table,
            column=column,
            expect=expect,
            nullable=nullable,
        )

    def unreadable(
        self, table: str, column: str, key: object, reason: str | Phrase
    ) -> UnreadableRecord:
        """The error for a record that decodes as JSON but still cannot be used (e.g. a card
        FSRS rejects), worded and located like every other unreadable record."""
        return UnreadableRecord(WHAT[table], key, self.path, reason, table=table, column=column)

    def _time(
        self, table: str, column: str, key: object, raw: object, *, nullable: bool = False
    ) -> Any:
        """Timestamps are text too, and a damaged one is an unreadable record like any other."""
        if raw is None and nullable:
            return None
        try:
            value = datetime.fromisoformat(raw)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            raise self.unreadable(
                table, column, key, Phrase(E.REASON_NOT_TIMESTAMP, {"column": column})
            ) from None
        if value.tzinfo is None:
            raise self.unreadable(
                table, column, key, Phrase(E.REASON_NO_TIMEZONE, {"column": column})
            )
        return value

    @staticmethod
    def _build_all(
        rows: list[sqlite3.Row],
        build: Callable[[sqlite3.Row], T],
        on_unreadable: OnUnreadable | None,
    ) -> list[T]:
        """Build each record; an unreadable one raises, or is skipped and handed over."""
        out: list[T] = []
        for row in rows:
            try:
                out.append(build(row))
            except UnreadableRecord as exc:
                if on_unreadable is None:
                    raise
                on_unreadable(exc)
        return out

    # -- settings -------------------------------------------------------------
    def get_setting(self, key: str, default: Any = None) -> Any:
        rows = self._query("SELECT value FROM settings WHERE key = ?", (key,))
        return self.decode("settings", "value", key, rows[0]["value"]) if rows else default

    def set_setting(self, key: str, value: Any) -> None:
        with self._tx() as c:
            c.execute(
                "INSERT INTO settings(key, value) VALUES(?, ?) "
                "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                (key, json.dumps(value)),
            )

    # -- drafts ---------------------------------------------------------------
    def save_draft(self, question_id: str, text: str, *, mode: str = "study") -> None:
        """Keep a half-typed answer; one small committed statement, cheap enough for every
        pause in typing. An empty text clears the draft."""
        if not text:
            self.clear_draft(question_id, mode=mode)
            return
        with self._tx() as c:
            c.execute(
                "INSERT INTO drafts(question_id, mode, text, saved_at) VALUES(?, ?, ?, ?) "
                "ON CONFLICT(question_id, mode) DO UPDATE SET "
                "text = excluded.text, saved_at = excluded.saved_at",
                (question_id, mode, text, iso(utcnow())),
            )

    def draft(self, question_id: str, *, mode: str = "study") -> str:
        """The saved half-typed answer, or "" when there is none."""
        rows = self._query(
            "SELECT text FROM drafts WHERE question_id = ? AND mode = ?", (question_id, mode)
        )
        return rows[0]["text"] if rows else ""

    def clear_draft(self, question_id: str, *, mode: str = "study") -> None:
        with self._tx() as c:
            c.execute("DELETE FROM drafts WHERE question_id = ? AND mode = ?", (question_id, mode))

    def drafts(self) -> list[Draft]:
        """Every saved draft, most recently saved first."""
        rows = self._query("SELECT * FROM drafts ORDER BY saved_at DESC, question_id")
        return [
            Draft(
                r["question_id"],
                r["mode"],
                r["text"],
                self._time("drafts", "saved_at", r["question_id"], r["saved_at"]),
            )
            for r in rows
        ]

    # -- cards ----------------------------------------------------------------
    def card_json(self, question_id: str) -> dict | None:
        rows = self._query("SELECT card_json FROM cards WHERE question_id = ?", (question_id,))
        if not rows:
            return None
        return self.decode("cards", "card_json", question_id, rows[0]["card_json"])

    def all_cards(self, *, on_unreadable: OnUnreadable | None = None) -> dict[str, dict]:
        """Every card's state by question id; see :meth:`_build_all` for ``on_unreadable``."""
        rows = self._query("SELECT question_id, card_json FROM cards ORDER BY question_id")
        pairs = self._build_all(
            rows,
            lambda r: (
                r["question_id"],
                self.decode("cards", "card_json", r["question_id"], r["card_json"]),
            ),
            on_unreadable,
        )
        return dict(pairs)

    def card_ids(self) -> set[str]:
        """Questions that have a card, readable or not: an unreadable card is not new."""
        return {r["question_id"] for r in self._query("SELECT question_id FROM cards")}

    def introduced_since(self, since: datetime) -> int:
        rows = self._query(
            "SELECT COUNT(*) AS n FROM cards WHERE introduced_at >= ?", (iso(since),)
        )
        return int(rows[0]["n"])

    def save_review(
        self,
        question_id: str,
        card: dict,
        log: dict,
        *,
        rating: int,
        reviewed_at: datetime,
        state_before: int | None,
        attempt_id: int | None,
        attempt_rating: str | None,
    ) -> int:
        """Store the new card state, its review log and the attempt's final rating at once."""
        with self._tx() as c:
            c.execute(
                "INSERT INTO cards(question_id, card_id, card_json, due, introduced_at) "
                "VALUES(?, ?, ?, ?, ?) ON CONFLICT(question_id) DO UPDATE SET "
                "card_json = excluded.card_json, due = excluded.due",
                (question_id, card["card_id"], json.dumps(card), card["due"], iso(reviewed_at)),
            )
            cur = c.execute(
                "INSERT INTO reviews(question_id, card_id, rating, reviewed_at, state_before, "
                "cram, attempt_id, log_json) VALUES(?, ?, ?, ?, ?, 0, ?, ?)",
                (
                    question_id,
                    card["card_id"],
                    rating,
                    iso(reviewed_at),
                    state_before,
                    attempt_id,
                    json.dumps(log),
                ),
            )
            if attempt_id is not None:
                c.execute(
                    "UPDATE attempts SET rating = ? WHERE id = ?", (attempt_rating, attempt_id)
                )
            return int(cur.lastrowid)

    def save_cram_review(
        self,
        question_id: str,
        *,
        rating: int,
        reviewed_at: datetime,
        attempt_id: int | None,
        attempt_rating: str | None,
    ) -> None:
        """Cram reviews are remembered but never touch the schedule."""
        with self._tx() as c:
            c.execute(
                "INSERT INTO reviews(question_id, card_id, rating, reviewed_at, state_before, "
                "cram, attempt_id, log_json) VALUES(?, ?, ?, ?, NULL, 1, ?, '{}')",
                (question_id, card_id_for(question_id), rating, iso(reviewed_at), attempt_id),
            )
            if attempt_id is not None:
                c.execute(
                    "UPDATE attempts SET rating = ? WHERE id = ?", (attempt_rating, attempt_id)
                )

    def reviews(
        self, *, include_cram: bool = False, on_unreadable: OnUnreadable | None = None
    ) -> list[ReviewLog]:
        """Reviews in time order; cram reviews only when asked for."""
        sql = "SELECT * FROM reviews" + ("" if include_cram else " WHERE cram = 0")
        rows = self._query(sql + " ORDER BY reviewed_at, id")
        return self._build_all(rows, self._review, on_unreadable)

    def _review(self, r: sqlite3.Row) -> ReviewLog:
        return ReviewLog(
            id=r["id"],
            question_id=r["question_id"],
            card_id=r["card_id"],
            rating=r["rating"],
            reviewed_at=self._time("reviews", "reviewed_at", r["id"], r["reviewed_at"]),
            state_before=r["state_before"],
            cram=bool(r["cram"]),
            attempt_id=r["attempt_id"],
            log=self.decode("reviews", "log_json", r["id"], r["log_json"]),
        )

    # -- attempts -------------------------------------------------------------
    def add_attempt(
        self,
        question_id: str,
        answer: str,
        *,
        mode: str,
        started_at: datetime,
        submitted_at: datetime,
        grade: dict | None,
        exam_id: int | None = None,
    ) -> int:
        """Keep every attempt, graded or not, before anything else happens."""
        grade = grade or {}
        with self._tx() as c:
            cur = c.execute(
                "INSERT INTO attempts(question_id, mode, started_at, submitted_at, answer, score, "
                "verdict, grade_json, suggested_rating, rating, duration_s, exam_id) "
                "VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, ?, ?)",
                (
                    question_id,
                    mode,
                    iso(started_at),
                    iso(submitted_at),
                    answer,
                    grade.get("score"),
                    grade.get("verdict"),
                    json.dumps(grade) if grade else None,
                    grade.get("suggested_rating"),
                    (submitted_at - started_at).total_seconds(),
                    exam_id,
                ),
            )
            return int(cur.lastrowid)

    def attempts(
        self, question_id: str | None = None, *, on_unreadable: OnUnreadable | None = None
    ) -> list[Attempt]:
        """Attempts in the order they were made, of one question or all."""
        sql = "SELECT * FROM attempts"
        params: tuple = ()
        if question_id is not None:
            sql += " WHERE question_id = ?"
            params = (question_id,)
        rows = self._query(sql + " ORDER BY id", params)
        return self._build_all(rows, self._attempt, on_unreadable)

    def _attempt(self, r: sqlite3.Row) -> Attempt:
        return Attempt(
            id=r["id"],
            question_id=r["question_id"],
            mode=r["mode"],
            started_at=self._time("attempts", "started_at", r["id"], r["started_at"]),
            submitted_at=self._time("attempts", "submitted_at", r["id"], r["submitted_at"]),
            answer=r["answer"],
            score=r["score"],
            verdict=r["verdict"],
            suggested_rating=r["suggested_rating"],
            rating=r["rating"],
            duration_s=r["duration_s"],
            exam_id=r["exam_id"],
            grade=self.decode("attempts", "grade_json", r["id"], r["grade_json"]) or {},
            student=self.decode("attempts", "student_json", r["id"], r["student_json"]),
        )

    def attempt_grade(self, attempt_id: int) -> dict | None:
        rows = self._query("SELECT grade_json FROM attempts WHERE id = ?", (attempt_id,))
        if not rows:
            return None
        return self.decode("attempts", "grade_json", attempt_id, rows[0]["grade_json"])

    def set_student_judgement(self, attempt_id: int, judgement: dict) -> None:
        """Record what the student says about the grade (e.g. "point 2 was there")."""
        if not isinstance(judgement, dict):
            raise TypeError("a judgement is a dict")
        with self._tx() as c:
            cur = c.execute(
                "UPDATE attempts SET student_json = ? WHERE id = ?",
                (json.dumps(judgement), attempt_id),
            )
            if cur.rowcount != 1:
                raise StoreError(E.NO_ATTEMPT, attempt=attempt_id, path=self.path)

    def student_overrides(self, *, on_unreadable: OnUnreadable | None = None) -> list[Attempt]:
        """Attempts the student has judged, newest first."""
        rows = self._query(
            "SELECT * FROM attempts WHERE student_json IS NOT NULL "
            "ORDER BY submitted_at DESC, id DESC"
        )
        return self._build_all(rows, self._attempt, on_unreadable)

    # -- exams ----------------------------------------------------------------
    def start_exam(self, n_questions: int, time_limit_s: int | None, started_at: datetime) -> int:
        with self._tx() as c:
            cur = c.execute(
                "INSERT INTO exams(started_at, n_questions, time_limit_s) VALUES(?, ?, ?)",
                (iso(started_at), n_questions, time_limit_s),
            )
            return int(cur.lastrowid)

    def finish_exam(self, exam_id: int, mark: int, lode: bool, details: dict, at: datetime) -> None:
        with self._tx() as c:
            c.execute(
                "UPDATE exams SET finished_at = ?, mark = ?, lode = ?, details_json = ? "
                "WHERE id = ?",
                (iso(at), mark, int(lode), json.dumps(details), exam_id),
            )

    def exams(self, *, on_unreadable: OnUnreadable | None = None) -> list[ExamRecord]:
        """Finished exam simulations, oldest first."""
        rows = self._query("SELECT * FROM exams WHERE finished_at IS NOT NULL ORDER BY id")
        return self._build_all(rows, self._exam, on_unreadable)

    def _exam(self, r: sqlite3.Row) -> ExamRecord:
        return ExamRecord(
            id=r["id"],
            started_at=self._time("exams", "started_at", r["id"], r["started_at"]),
            finished_at=self._time(
                "exams", "finished_at", r["id"], r["finished_at"], nullable=True
            ),
            n_questions=r["n_questions"],
            time_limit_s=r["time_limit_s"],
            mark=r["mark"],
            lode=bool(r["lode"]),
            details=self.decode("exams", "details_json", r["id"], r["details_json"]),
        )

    # -- drills ---------------------------------------------------------------
    def add_drill_result(
        self, drill: str, seed: int, difficulty: int, correct: int, total: int, at: datetime
    ) -> int:
        with self._tx() as c:
            cur = c.execute(
                "INSERT INTO drill_results(drill, seed, difficulty, correct, total, at) "
                "VALUES(?, ?, ?, ?, ?, ?)",
                (drill, seed, difficulty, correct, total, iso(at)),
            )
            return int(cur.lastrowid)

    def drill_results(self, *, on_unreadable: OnUnreadable | None = None) -> list[DrillResult]:
        """Checked drills, oldest first."""
        rows = self._query("SELECT * FROM drill_results ORDER BY id")
        return self._build_all(rows, self._drill, on_unreadable)

    def _drill(self, r: sqlite3.Row) -> DrillResult:
        return DrillResult(
            id=r["id"],
            drill=r["drill"],
            seed=r["seed"],
            difficulty=r["difficulty"],
            correct=r["correct"],
            total=r["total"],
            at=self._time("drill_results", "at", r["id"], r["at"]),
        )

    # -- checking and repair (tutor doctor) -----------------------------------
    def schema_version(self) -> int:
        return int(self._query("PRAGMA user_version")[0][0])

    def record_counts(self) -> dict[str, int]:
        """Rows per table, for the doctor's report."""
        return {
            table: int(self._query(f"SELECT COUNT(*) FROM {table}")[0][0])
            for table in (*KEY_COLUMNS, "quarantine")
        }

    def integrity_check(self) -> list[str]:
        """``PRAGMA integrity_check``'s complaints ([] when all is well); unlike the
        ``quick_check`` done at every start it also checks that indexes match their tables."""
        rows = [r[0] for r in self._query("PRAGMA integrity_check")]
        return [] if rows == ["ok"] else rows

    def find_unreadable(
        self, checks: dict[tuple[str, str], Callable[[str, Any], object]] | None = None
    ) -> list[UnreadableRecord]:
        """Decode every JSON and timestamp value of every record; return what fails.

        ``checks`` adds tests of decoded values, per (table, column), that raise
        :class:`UnreadableRecord` (the scheduler's "is this an FSRS card").
        """
        checks = checks or {}
        problems: list[UnreadableRecord] = []
        for table, key_column in KEY_COLUMNS.items():
            json_cols = JSON_COLUMNS.get(table, {})
            time_cols = TIME_COLUMNS.get(table, {})
            columns = [*json_cols, *time_cols]
            if not columns:
                continue
            rows = self._query(
                f"SELECT rowid AS _rowid, {key_column} AS _key, {', '.join(columns)} FROM {table} "
                "ORDER BY rowid"
            )
            for r in rows:
                for column in columns:
                    try:
                        if column in json_cols:
                            value = self.decode(table, column, r["_key"], r[column])
                            check = checks.get((table, column))
                            if check is not None and value is not None:
                                check(r["_key"], value)
                        else:
                            self._time(
                                table, column, r["_key"], r[column], nullable=time_cols[column]
                            )
                    except UnreadableRecord as exc:
                        exc.rowid = r["_rowid"]
                        problems.append(exc)
        return problems

    def quarantined_count(self) -> int:
        return int(self._query("SELECT COUNT(*) FROM quarantine")[0][0])

    def backup_to(self, target: Path) -> None:
        """A consistent copy through SQLite's backup API (safe while another instance runs)."""
        if target.exists():
            raise StoreError(E.BACKUP_EXISTS, path=target)
        dest: sqlite3.Connection | None = None
        try:
            dest = sqlite3.connect(target)
            with self._lock:
                self._conn.backup(dest)
            dest.close()
            dest = None
        except sqlite3.Error as exc:
            with contextlib.suppress(OSError):
                target.unlink()
            raise StoreError(E.BACKUP_FAILED, path=target, detail=exc) from None
        finally:
            if dest is not None:
                dest.close()

    def reindex(self) -> None:
        """Rebuild every index from its table (what a broken index needs)."""
        with self._tx() as c:
            c.execute("REINDEX")

    def quarantine(self, problems: list[UnreadableRecord]) -> list[Quarantined]:
        """Set bad values aside in the ``quarantine`` table, in one transaction.

        Nothing is deleted outright: every affected row is copied whole (as JSON, the
        bad value as it was) before its bad column is cleared or the row is moved out.
        """
        done: list[Quarantined] = []
        moved: set[tuple[str, int]] = set()
        now = iso(utcnow())
        with self._tx() as c:
            for p in problems:
                if p.rowid is None or (p.table, p.rowid) in moved:
                    continue
                row = c.execute(f"SELECT * FROM {p.table} WHERE rowid = ?", (p.rowid,)).fetchone()
                if row is None:
                    continue
                snapshot = {
                    name: (value.hex() if isinstance(value, bytes) else value)
                    for name, value in zip(row.keys(), tuple(row), strict=True)
                }
                clearing = (p.table, p.column) in _REPAIR_VALUE
                action = "cleared" if clearing else "moved"
                c.execute(
                    "INSERT INTO quarantine(source_table, record_key, column_name, bad_value, "
                    "row_json, action, reason, quarantined_at) VALUES(?, ?, ?, ?, ?, ?, ?, ?)",
                    (
                        p.table,
                        p.key,
                        p.column,
                        row[p.column],
                        json.dumps(snapshot, default=str),
                        action,
                        p.reason,
                        now,
                    ),
                )
                if clearing:
                    c.execute(
                        f"UPDATE {p.table} SET {p.column} = ? WHERE rowid = ?",
                        (_REPAIR_VALUE[(p.table, p.column)], p.rowid),
                    )
                else:
                    c.execute(f"DELETE FROM {p.table} WHERE rowid = ?", (p.rowid,))
                    moved.add((p.table, p.rowid))
                done.append(Quarantined(p.table, p.key, p.column, action, p.reason))
        return done
