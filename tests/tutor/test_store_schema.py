"""Store schema 2: drafts, the student's judgement, dataclass records, and refusing what is
not ours (another program's file, a truncated file), a full disk at first start."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

import tutor.store as store_mod
from tutor.store import (
    APPLICATION_ID,
    DB_NAME,
    SCHEMA_VERSION,
    Attempt,
    Draft,
    DrillResult,
    ExamRecord,
    ReviewLog,
    Store,
    StoreError,
)

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def make_v1(db: Path, settings: dict[str, str]) -> None:
    """A database as cidl-tutor 0.1 left it: schema 1, no application id."""
    conn = sqlite3.connect(db, isolation_level=None)
    store_mod._run_script(conn, store_mod._V1)
    conn.execute("PRAGMA user_version = 1")
    conn.executemany("INSERT INTO settings(key, value) VALUES(?, ?)", settings.items())
    conn.execute(
        "INSERT INTO attempts(question_id, mode, started_at, submitted_at, answer, grade_json) "
        "VALUES('a.01', 'study', ?, ?, 'old answer', NULL)",
        (NOW.isoformat(), NOW.isoformat()),
    )
    conn.close()


def test_version_1_database_is_migrated_and_its_drafts_moved(tmp_path):
    db = tmp_path / DB_NAME
    make_v1(
        db,
        {
            "draft:a.01": json.dumps("half an answer"),
            "draft:exam:b.02": json.dumps("exam answer"),
            "draft:a.03": json.dumps(""),
            "draft:a.04": "{not json",  # kept where it is, never dropped
            "new_per_day": "12",
        },
    )
    with Store(db) as s:
        conn = sqlite3.connect(db)
        assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION == 2
        assert conn.execute("PRAGMA application_id").fetchone()[0] == APPLICATION_ID
        keys = [r[0] for r in conn.execute("SELECT key FROM settings ORDER BY key")]
        conn.close()
        assert keys == ["draft:a.04", "new_per_day"]
        assert s.draft("a.01") == "half an answer"
        assert s.draft("b.02", mode="exam") == "exam answer"
        assert s.draft("b.02") == "" and s.draft("a.03") == ""
        assert {(d.question_id, d.mode) for d in s.drafts()} == {
            ("a.01", "study"),
            ("b.02", "exam"),
        }
        assert s.get_setting("new_per_day") == 12
        (old,) = s.attempts()
        assert old.answer == "old answer" and old.grade == {} and old.student is None


def test_drafts_round_trip_per_mode(tmp_path):
    with Store.open_in(tmp_path) as s:
        assert s.draft("a.01") == "" and s.drafts() == []
        s.save_draft("a.01", "first")
        s.save_draft("a.01", "first words, more")
        s.save_draft("a.01", "exam text", mode="exam")
        assert s.draft("a.01") == "first words, more"
        assert s.draft("a.01", mode="exam") == "exam text"
        drafts = s.drafts()
        assert all(isinstance(d, Draft) and d.saved_at.tzinfo for d in drafts)
        assert sorted((d.mode, d.text) for d in drafts) == [
            ("exam", "exam text"),
            ("study", "first words, more"),
        ]
        s.clear_draft("a.01")
        assert s.draft("a.01") == "" and s.draft("a.01", mode="exam") == "exam text"
        s.save_draft("a.01", "", mode="exam")  # an emptied box is no draft
        assert s.drafts() == []
    with Store.open_in(tmp_path) as s:
        assert s.drafts() == []


def test_saving_a_draft_is_one_small_committed_transaction(tmp_path):
    with Store.open_in(tmp_path) as s:
        statements: list[str] = []
        s._conn.set_trace_callback(statements.append)
        s.save_draft("a.01", "typing…")
        s._conn.set_trace_callback(None)
        assert [st.split()[0] for st in statements] == ["BEGIN", "INSERT", "COMMIT"]
        other = sqlite3.connect(tmp_path / DB_NAME)  # committed: another reader sees it
        assert other.execute("SELECT text FROM drafts").fetchall() == [("typing…",)]
        other.close()


def test_student_judgement_and_overrides_newest_first(tmp_path):
    with Store.open_in(tmp_path) as s:
        ids = [
            s.add_attempt(
                qid,
                f"answer {qid}",
                mode="study",
                started_at=NOW + timedelta(minutes=i),
                submitted_at=NOW + timedelta(minutes=i, seconds=40),
                grade={"score": 0.5, "verdict": "partial", "points": [{"id": "p1", "hit": False}]},
            )
            for i, qid in enumerate(["a.01", "a.02", "a.03"])
        ]
        assert s.student_overrides() == []
        s.set_student_judgement(ids[0], {"points": {"p1": True}, "note": "it was there"})
        s.set_student_judgement(ids[2], {"verdict": "correct"})
        over = s.student_overrides()
        assert [a.id for a in over] == [ids[2], ids[0]]
        first = over[1]
        assert isinstance(first, Attempt)
        assert first.student == {"points": {"p1": True}, "note": "it was there"}
        assert first.grade["points"][0]["id"] == "p1" and first.verdict == "partial"
        assert first.started_at == NOW and first.submitted_at == NOW + timedelta(seconds=40)
        assert first.duration_s == 40 and first.mode == "study"
        assert s.attempts("a.02")[0].student is None
        with pytest.raises(StoreError, match="no attempt 999"):
            s.set_student_judgement(999, {"verdict": "wrong"})


def test_records_are_dataclasses(tmp_path):
    with Store.open_in(tmp_path) as s:
        card = {"card_id": 7, "due": NOW.isoformat()}
        s.save_review(
            "a.01",
            card,
            {"rating": 3},
            rating=3,
            reviewed_at=NOW,
            state_before=1,
            attempt_id=None,
            attempt_rating=None,
        )
        s.save_cram_review("a.02", rating=1, reviewed_at=NOW, attempt_id=None, attempt_rating=None)
        exam_id = s.start_exam(3, 600, NOW)
        s.finish_exam(exam_id, 27, False, {"breakdown": []}, NOW + timedelta(minutes=5))
        s.add_drill_result("conv-shape", 4, 2, 3, 4, NOW)
        (review,) = s.reviews()
        assert isinstance(review, ReviewLog)
        assert (review.question_id, review.rating, review.reviewed_at, review.cram) == (
            "a.01",
            3,
            NOW,
            False,
        )
        assert review.log == {"rating": 3} and review.state_before == 1
        assert [r.cram for r in s.reviews(include_cram=True)] == [False, True]
        (exam,) = s.exams()
        assert isinstance(exam, ExamRecord)
        assert (exam.mark, exam.lode, exam.details) == (27, False, {"breakdown": []})
        assert exam.finished_at == NOW + timedelta(minutes=5) and exam.time_limit_s == 600
        (drill,) = s.drill_results()
        assert isinstance(drill, DrillResult)
        assert (drill.drill, drill.seed, drill.difficulty, drill.correct, drill.total) == (
            "conv-shape",
            4,
            2,
            3,
            4,
        )
        assert drill.at == NOW


def test_new_database_carries_the_application_id(tmp_path):
    Store.open_in(tmp_path).close()
    conn = sqlite3.connect(tmp_path / DB_NAME)
    assert conn.execute("PRAGMA application_id").fetchone()[0] == APPLICATION_ID
    conn.close()
    assert [p.name for p in tmp_path.iterdir() if ".new-" in p.name] == []


def foreign_db(path: Path, *, app_id: int = 0, table: str = "contacts") -> str:
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute(f"CREATE TABLE {table} (id INTEGER PRIMARY KEY, name TEXT)")
    conn.execute(f"INSERT INTO {table}(name) VALUES('Ada')")
    if app_id:
        conn.execute(f"PRAGMA application_id = {app_id}")
    conn.close()
    return sha(path)


@pytest.mark.parametrize(
    ("app_id", "table", "needle"),
    [
        (0x0F055112, "contacts", "application id is 0x0f055112"),  # e.g. Fossil's
        (0, "contacts", "it has tables contacts"),
        (0, "cards", "it has tables cards"),  # a name we use, but not our schema
    ],
)
def test_another_programs_database_is_refused_and_left_byte_identical(
    tmp_path, app_id, table, needle
):
    db = tmp_path / DB_NAME
    before = foreign_db(db, app_id=app_id, table=table)
    with pytest.raises(StoreError, match="not a cidl-tutor progress database") as err:
        Store.open_in(tmp_path)
    assert needle in str(err.value) and "left untouched" in str(err.value)
    assert sha(db) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == [DB_NAME]


def test_an_empty_sqlite_file_is_initialised(tmp_path):
    db = tmp_path / DB_NAME
    conn = sqlite3.connect(db)
    conn.execute("CREATE TABLE t(x)")
    conn.execute("DROP TABLE t")  # a valid SQLite file with no tables and no ids
    conn.commit()
    conn.close()
    with Store(db) as s:
        s.save_draft("a.01", "x")
        assert s.draft("a.01") == "x"


def test_zero_byte_database_is_reported_as_truncated_not_reinitialised(tmp_path):
    db = tmp_path / DB_NAME
    db.touch()
    with pytest.raises(StoreError, match=r"is empty \(0 bytes\), as if it had been truncated"):
        Store.open_in(tmp_path)
    assert db.stat().st_size == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == [DB_NAME]


def test_full_disk_at_first_start_says_disk_is_full(tmp_path, monkeypatch):
    """SQLite rolls back by itself on SQLITE_FULL; our ROLLBACK then fails and used to
    replace the real error with "cannot rollback - no transaction is active"."""
    real_connect = Store._connect

    def tiny(path):
        conn = real_connect(path)
        conn.execute("PRAGMA max_page_count = 3")  # room for 3 pages: the schema needs more
        return conn

    monkeypatch.setattr(Store, "_connect", staticmethod(tiny))
    with pytest.raises(StoreError, match="disk is full") as err:
        Store.open_in(tmp_path)
    assert "rollback" not in str(err.value)
    assert list(tmp_path.iterdir()) == []  # nothing half-made that would look truncated later


def _can_mount() -> bool:
    return os.geteuid() == 0 and shutil.which("mount") is not None


@pytest.fixture
def small_tmpfs(tmp_path):
    """Mount a tmpfs of a given size (root only); unmounted afterwards."""
    mounted: list[Path] = []

    def mount(size: str) -> Path:
        mnt = tmp_path / f"tmpfs-{size}"
        mnt.mkdir()
        res = subprocess.run(
            ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(mnt)], capture_output=True
        )
        if res.returncode != 0:
            pytest.skip(f"cannot mount tmpfs: {res.stderr.decode(errors='replace').strip()}")
        mounted.append(mnt)
        return mnt

    yield mount
    for mnt in mounted:
        subprocess.run(["umount", str(mnt)], check=False)


@pytest.mark.skipif(not _can_mount(), reason="needs root to mount a small tmpfs")
def test_full_disk_at_first_start_on_a_64k_tmpfs(small_tmpfs):
    """The review's case: the old code said "cannot rollback - no transaction is active"
    and left a 4 KB file behind."""
    mnt = small_tmpfs("64k")
    with pytest.raises(StoreError, match="the disk is full") as err:
        Store.open_in(mnt)
    assert "rollback" not in str(err.value)
    assert list(mnt.iterdir()) == []


@pytest.mark.skipif(not _can_mount(), reason="needs root to mount a small tmpfs")
def test_first_start_works_once_space_is_freed(small_tmpfs):
    mnt = small_tmpfs("512k")
    (mnt / "filler").write_bytes(b"x" * 480 * 1024)  # 32 KiB left: a schema needs ~60
    with pytest.raises(StoreError, match="the disk is full"):
        Store.open_in(mnt)
    assert sorted(p.name for p in mnt.iterdir()) == ["filler"]
    (mnt / "filler").unlink()
    with Store.open_in(mnt) as s:
        s.save_draft("a.01", "saved")
        assert s.draft("a.01") == "saved"


def test_stale_half_built_database_is_removed_on_the_next_first_start(tmp_path):
    stale = tmp_path / f".{DB_NAME}.new-deadbeef"
    fresh = tmp_path / f".{DB_NAME}.new-cafef00d"  # another instance may be building it now
    stale.write_bytes(b"half")
    fresh.write_bytes(b"half")
    old = datetime.now().timestamp() - 2 * store_mod.STALE_NEW_DB_S
    os.utime(stale, (old, old))
    Store.open_in(tmp_path).close()
    assert not stale.exists() and fresh.exists()


def test_two_first_starts_share_one_database(tmp_path):
    """The second instance to link its new database in must not replace the first's."""
    with Store.open_in(tmp_path) as a:
        a.save_draft("a.01", "kept")
        late = Store.__new__(Store)
        late.path = tmp_path / DB_NAME
        late._create()  # as if it had found no database a moment ago
        with Store.open_in(tmp_path) as c:
            assert c.draft("a.01") == "kept"
    assert [p.name for p in tmp_path.iterdir() if ".new-" in p.name] == []
