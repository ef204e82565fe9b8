"""The student's progress in SQLite: cards, reviews, attempts, exams and drill results.

Design rules, because losing a student's history the night before the exam is
the worst thing this app could do:

- every write is its own short transaction, committed before the caller goes
  on (WAL mode, so a kill -9 loses at most the write in flight);
- a second app instance waits (busy timeout) and then gets a clear message;
- a corrupt or unreadable database is reported, never silently replaced;
- the schema has a version (``PRAGMA user_version``) and forward migrations.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from tutor.errors import TutorError

DB_NAME = "progress.sqlite3"
SCHEMA_VERSION = 1
BUSY_TIMEOUT_S = 5.0

_MIGRATIONS: dict[int, str] = {
    1: """
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
    """,
}


class StoreError(TutorError):
    """The progress database cannot be used as it is; the message says why."""


def utcnow() -> datetime:
    """Timezone-aware now; FSRS and the store never see naive datetimes."""
    return datetime.now(UTC)


def iso(dt: datetime) -> str:
    if dt.tzinfo is None:
        raise ValueError("naive datetime")
    return dt.astimezone(UTC).isoformat()


def card_id_for(question_id: str) -> int:
    """A stable positive 63-bit id: editing a question keeps its history."""
    digest = hashlib.sha256(question_id.encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big") & 0x7FFF_FFFF_FFFF_FFFF


@dataclass(frozen=True)
class Attempt:
    id: int
    question_id: str
    mode: str
    submitted_at: datetime
    answer: str
    score: float | None
    verdict: str | None
    rating: str | None
    duration_s: float | None


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
            raise StoreError(f"data directory {parent} does not exist")
        existed = self.path.exists()
        if existed and self.path.stat().st_size and not self._looks_like_sqlite():
            raise StoreError(
                f"progress database {self.path} is corrupt (not an SQLite file); it was left "
                "untouched: move it away to start afresh, or restore a backup"
            )
        conn: sqlite3.Connection | None = None
        try:
            conn = sqlite3.connect(
                self.path, timeout=BUSY_TIMEOUT_S, isolation_level=None, check_same_thread=False
            )
            conn.row_factory = sqlite3.Row
            conn.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_S * 1000)}")
            mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
            if mode.lower() != "wal" and not existed:
                conn.execute("PRAGMA journal_mode = DELETE")
            conn.execute(
                "PRAGMA synchronous = NORMAL"
                if mode.lower() == "wal"
                else "PRAGMA synchronous = FULL"
            )
            conn.execute("PRAGMA foreign_keys = ON")
            check = conn.execute("PRAGMA quick_check").fetchone()[0]
            if check != "ok":
                raise StoreError(
                    f"progress database {self.path} is corrupt ({check}); it was left untouched: "
                    "move it away to start afresh, or restore a backup"
                )
            self._migrate(conn)
        except BaseException as exc:
            if conn is not None:  # locked, corrupt, newer schema: do not leak the connection
                conn.close()
            if isinstance(exc, sqlite3.DatabaseError):
                raise self._explain(exc) from None
            raise
        return conn

    def _looks_like_sqlite(self) -> bool:
        try:
            with open(self.path, "rb") as fh:
                return fh.read(16) == b"SQLite format 3\x00"
        except OSError as exc:
            raise StoreError(f"cannot read progress database {self.path}: {exc.strerror}") from None

    def _explain(self, exc: sqlite3.Error) -> StoreError:
        msg = str(exc)
        if "locked" in msg or "busy" in msg:
            return StoreError(
                f"progress database {self.path} is locked by another tutor instance; "
                "close it and try again"
            )
        if "readonly" in msg or "unable to open" in msg or "read-only" in msg:
            return StoreError(
                f"cannot write progress database {self.path}: the data directory is read-only "
                "or missing (use --data-dir or TUTOR_DATA_DIR to choose another)"
            )
        if "not a database" in msg or "malformed" in msg or "corrupt" in msg:
            return StoreError(
                f"progress database {self.path} is corrupt ({msg}); it was left untouched: "
                "move it away to start afresh, or restore a backup"
            )
        return StoreError(f"progress database {self.path}: {msg}")

    def _migrate(self, conn: sqlite3.Connection) -> None:
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            raise StoreError(
                f"progress database {self.path} was written by a newer cidl-tutor "
                f"(schema {version} > {SCHEMA_VERSION}); upgrade cidl-tutor"
            )
        for target in range(version + 1, SCHEMA_VERSION + 1):
            conn.execute("BEGIN IMMEDIATE")
            try:
                for statement in _MIGRATIONS[target].split(";"):
                    if statement.strip():
                        conn.execute(statement)
                conn.execute(f"PRAGMA user_version = {target}")
                conn.execute("COMMIT")
            except BaseException:
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

    # -- settings -------------------------------------------------------------
    def get_setting(self, key: str, default: Any = None) -> Any:
        rows = self._query("SELECT value FROM settings WHERE key = ?", (key,))
        return json.loads(rows[0]["value"]) if rows else default

    def set_setting(self, key: str, value: Any) -> None:
        with self._tx() as c:
            c.execute(
                "INSERT INTO settings(key, value) VALUES(?, ?) "
                "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                (key, json.dumps(value)),
            )

    # -- cards ----------------------------------------------------------------
    def card_json(self, question_id: str) -> dict | None:
        rows = self._query("SELECT card_json FROM cards WHERE question_id = ?", (question_id,))
        return json.loads(rows[0]["card_json"]) if rows else None

    def all_cards(self) -> dict[str, dict]:
        return {
            r["question_id"]: json.loads(r["card_json"])
            for r in self._query("SELECT question_id, card_json FROM cards")
        }

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

    def reviews(self, *, include_cram: bool = False) -> list[sqlite3.Row]:
        sql = "SELECT * FROM reviews" + ("" if include_cram else " WHERE cram = 0")
        return self._query(sql + " ORDER BY reviewed_at")

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

    def attempts(self, question_id: str | None = None) -> list[Attempt]:
        sql = "SELECT * FROM attempts"
        params: tuple = ()
        if question_id is not None:
            sql += " WHERE question_id = ?"
            params = (question_id,)
        rows = self._query(sql + " ORDER BY id", params)
        return [
            Attempt(
                r["id"],
                r["question_id"],
                r["mode"],
                datetime.fromisoformat(r["submitted_at"]),
                r["answer"],
                r["score"],
                r["verdict"],
                r["rating"],
                r["duration_s"],
            )
            for r in rows
        ]

    def attempt_grade(self, attempt_id: int) -> dict | None:
        rows = self._query("SELECT grade_json FROM attempts WHERE id = ?", (attempt_id,))
        return json.loads(rows[0]["grade_json"]) if rows and rows[0]["grade_json"] else None

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

    def exams(self) -> list[sqlite3.Row]:
        return self._query("SELECT * FROM exams WHERE finished_at IS NOT NULL ORDER BY id")

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

    def drill_results(self) -> list[sqlite3.Row]:
        return self._query("SELECT * FROM drill_results ORDER BY id")
