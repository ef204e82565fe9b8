"""``tutor doctor``: integrity check with indexes, every record decoded, a backup-first repair."""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tutor.cli import main
from tutor.scheduling import StudyScheduler
from tutor.store import DB_NAME, Store

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


def doctor(data: Path, capsys, *extra: str) -> tuple[int, str, str]:
    rc = main(["--data-dir", str(data), "doctor", *extra])
    out = capsys.readouterr()
    return rc, out.out, out.err


def populate(data: Path, mini_bank) -> None:
    with Store.open_in(data) as store:
        sched = StudyScheduler(mini_bank, store, fuzz=False)
        for qid in ("a.01", "a.02", "a.03"):
            aid = store.add_attempt(
                qid,
                f"my answer to {qid}",
                mode="study",
                started_at=NOW,
                submitted_at=NOW + timedelta(seconds=20),
                grade={"score": 0.5, "verdict": "partial"},
            )
            sched.review(qid, "good", now=NOW, attempt_id=aid)
        store.set_setting("new_per_day", 12)


def raw(data: Path) -> sqlite3.Connection:
    """A connection that rolls the WAL into the file, so page bytes can be edited directly."""
    conn = sqlite3.connect(data / DB_NAME, isolation_level=None)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.execute("PRAGMA journal_mode = DELETE")
    return conn


def dump(data: Path) -> list[str]:
    conn = sqlite3.connect(data / DB_NAME)
    try:
        return list(conn.iterdump())
    finally:
        conn.close()


def break_index(data: Path) -> None:
    """Flip one byte of a due date inside the ``cards_due`` index page (a real bit rot:
    the table row and its index entry disagree; quick_check does not notice)."""
    conn = raw(data)
    page_size = conn.execute("PRAGMA page_size").fetchone()[0]
    root = conn.execute("SELECT rootpage FROM sqlite_master WHERE name = 'cards_due'").fetchone()[0]
    due = conn.execute("SELECT due FROM cards WHERE question_id = 'a.02'").fetchone()[0]
    conn.close()
    db = data / DB_NAME
    blob = bytearray(db.read_bytes())
    start = (root - 1) * page_size
    at = blob.index(due.encode(), start, start + page_size)
    blob[at + 3] = ord("0") if blob[at + 3] != ord("0") else ord("1")  # 2026 → 2020
    db.write_bytes(bytes(blob))


def test_a_healthy_database_is_fine(tmp_path, capsys, mini_bank):
    populate(tmp_path, mini_bank)
    rc, out, err = doctor(tmp_path, capsys)
    assert rc == 0 and err == ""
    assert "integrity check    ok (tables and indexes)" in out
    assert "3 cards, 3 reviews, 3 attempts, 0 exams, 0 drill results, 1 setting, 0 drafts" in out
    assert out.rstrip().endswith("everything is fine")
    assert not list(tmp_path.glob("*.bak-*"))


def test_no_database_yet_is_not_created(tmp_path, capsys):
    rc, out, _ = doctor(tmp_path, capsys)
    assert rc == 0 and "nothing to check" in out
    assert not (tmp_path / DB_NAME).exists()


def test_problems_are_reported_with_their_place_and_exit_1(tmp_path, capsys, mini_bank):
    populate(tmp_path, mini_bank)
    break_index(tmp_path)
    conn = raw(tmp_path)
    conn.execute("UPDATE cards SET card_json = '{\"card_id\": 1,' WHERE question_id = 'a.03'")
    conn.execute("UPDATE attempts SET grade_json = x'ff00' WHERE question_id = 'a.01'")
    conn.execute("UPDATE settings SET value = '{' WHERE key = 'new_per_day'")
    conn.close()
    before = dump(tmp_path)
    rc, out, _ = doctor(tmp_path, capsys)
    assert rc == 1
    assert "integrity check    1 problem (tables and indexes):" in out
    assert "row 3 missing from index cards_due" in out
    assert "card a.03 (cards.card_json): not valid JSON" in out
    assert "attempt 1 (attempts.grade_json): it is not UTF-8 text" in out
    assert "setting new_per_day (settings.value): not valid JSON" in out
    assert "4 problems found; `tutor doctor --repair`" in out
    assert dump(tmp_path) == before  # a check changes nothing
    assert not list(tmp_path.glob("*.bak-*"))
    rc, out, _ = doctor(tmp_path, capsys, "--json")
    report = json.loads(out)
    assert rc == 1 and report["ok"] is False and len(report["integrity"]) == 1
    assert {(p["table"], p["key"]) for p in report["unreadable"]} == {
        ("cards", "a.03"),
        ("attempts", "1"),
        ("settings", "new_per_day"),
    }


def test_repair_backs_up_then_reindexes_and_quarantines_without_deleting(
    tmp_path, capsys, mini_bank
):
    populate(tmp_path, mini_bank)
    break_index(tmp_path)
    conn = raw(tmp_path)
    conn.execute("UPDATE cards SET card_json = 'garbage' WHERE question_id = 'a.03'")
    conn.execute("UPDATE attempts SET grade_json = '[1' WHERE question_id = 'a.01'")
    conn.execute("UPDATE reviews SET log_json = '{' WHERE question_id = 'a.02'")
    conn.close()
    rc, out, _ = doctor(tmp_path, capsys, "--repair")
    assert rc == 0, out
    (backup,) = tmp_path.glob(f"{DB_NAME}.bak-*")
    assert f"backup             {backup}" in out
    assert "rebuilt indexes    integrity check now ok" in out
    assert "card a.03 (card_json, moved: the question starts afresh" in out
    assert "attempt 1 (grade_json, cleared: the answer is kept)" in out
    assert out.rstrip().endswith("(the quarantine table keeps the old values)")
    # the backup is the database as it was, damage included
    b = sqlite3.connect(backup)
    assert b.execute("SELECT card_json FROM cards WHERE question_id = 'a.03'").fetchone() == (
        "garbage",
    )
    assert b.execute("PRAGMA integrity_check").fetchone()[0] != "ok"
    b.close()
    with Store.open_in(tmp_path) as store:
        assert store.integrity_check() == []
        assert set(store.all_cards()) == {"a.01", "a.02"}  # a.03 starts afresh
        answers = {a.question_id: (a.answer, a.grade) for a in store.attempts()}
        assert answers["a.01"] == ("my answer to a.01", {})  # grade cleared, answer kept
        assert len(store.reviews()) == 3 and store.reviews()[1].log == {}
        aside = store._query(
            "SELECT source_table, record_key, column_name, bad_value, row_json, action "
            "FROM quarantine ORDER BY id"
        )
        assert [(r[0], r[1], r[2], r[3], r[5]) for r in aside] == [
            ("cards", "a.03", "card_json", "garbage", "moved"),
            ("reviews", "2", "log_json", "{", "cleared"),
            ("attempts", "1", "grade_json", "[1", "cleared"),
        ]
        assert json.loads(aside[0][4])["question_id"] == "a.03"
        assert StudyScheduler(mini_bank, store).new_ids(NOW)[0] == "a.03"
    rc, out, _ = doctor(tmp_path, capsys)
    assert rc == 0 and "quarantine         3 values set aside by earlier repairs" in out
    assert main(["--data-dir", str(tmp_path), "stats"]) == 0


def test_a_database_that_will_not_open_is_reported(tmp_path, capsys):
    (tmp_path / DB_NAME).write_bytes(b"")
    rc, out, _ = doctor(tmp_path, capsys, "--repair")
    assert rc == 1 and "cannot open it:" in out and "0 bytes" in out
    assert (tmp_path / DB_NAME).stat().st_size == 0
    assert not list(tmp_path.glob("*.bak-*"))


@pytest.mark.parametrize("n", [1, 2])
def test_backup_names_never_collide(tmp_path, n):
    from tutor.commands.doctor import backup_path

    db = tmp_path / DB_NAME
    when = datetime(2026, 12, 1, 7, 15, 0)
    first = backup_path(db, when)
    assert first.name == f"{DB_NAME}.bak-20261201-071500"
    for _ in range(n):
        backup_path(db, when).touch()
    assert not backup_path(db, when).exists()
