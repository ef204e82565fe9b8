"""Store and scheduler: durability, locking, corruption, migrations, queues, stats."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tutor.exam import mark_exam, pick_questions
from tutor.scheduling import StudyScheduler, parse_rating, start_of_day
from tutor.store import APPLICATION_ID, SCHEMA_VERSION, Store, StoreError, card_id_for

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


def write_bank_dir(path):
    import importlib.util
    from pathlib import Path

    spec = importlib.util.spec_from_file_location(
        "tests_conftest", Path(__file__).resolve().parents[1] / "conftest.py"
    )
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod.write_mini_bank(path)


@pytest.fixture
def bank(mini_bank):
    return mini_bank


@pytest.fixture
def store(tmp_path):
    s = Store.open_in(tmp_path)
    yield s
    s.close()


def test_card_id_is_stable_and_positive():
    assert card_id_for("a.01") == card_id_for("a.01")
    assert card_id_for("a.01") != card_id_for("a.02")
    assert 0 < card_id_for("ml:1.01") < 2**63


def test_schema_version_and_wal(store):
    conn = sqlite3.connect(store.path)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_review_flow_and_attempt_kept(bank, store):
    sched = StudyScheduler(bank, store, new_per_day=3, fuzz=False)
    assert sched.next_id(NOW) == "a.01"
    aid = store.add_attempt(
        "a.01",
        "SGD follows the gradient",
        mode="study",
        started_at=NOW,
        submitted_at=NOW + timedelta(seconds=30),
        grade={"score": 0.5, "verdict": "partial", "suggested_rating": "hard"},
    )
    card = sched.review("a.01", "good", now=NOW, attempt_id=aid)
    assert card.due > NOW
    (att,) = store.attempts("a.01")
    assert att.rating == "good" and att.verdict == "partial" and att.duration_s == 30
    assert store.card_json("a.01")["card_id"] == card_id_for("a.01")
    # the new-card allowance counts today's introductions
    assert sched.new_ids(NOW) == ["a.02", "a.03"]
    assert sched.next_id(NOW) == "a.02"
    # once due, the reviewed card comes before new ones
    later = card.due + timedelta(minutes=1)
    assert sched.next_id(later) == "a.01"


def test_cram_does_not_touch_schedule(bank, store):
    sched = StudyScheduler(bank, store, fuzz=False)
    sched.review("b.01", 3, now=NOW)
    before = store.card_json("b.01")
    sched.review("b.01", "again", now=NOW + timedelta(hours=1), cram=True)
    assert store.card_json("b.01") == before
    assert len(store.reviews(include_cram=True)) == 2 and len(store.reviews()) == 1


def test_parse_rating():
    assert int(parse_rating("3")) == 3 and int(parse_rating("Easy")) == 4
    with pytest.raises(ValueError):
        parse_rating(5)
    with pytest.raises(ValueError):
        parse_rating("great")


def test_stats(bank, store):
    sched = StudyScheduler(bank, store, fuzz=False)
    sched.review("c.01", "good", now=NOW)
    sched.review("c.02", "again", now=NOW)
    st = sched.stats(now=NOW + timedelta(hours=1))
    c = next(t for t in st.topics if t.topic == "c")
    assert c.total == 5 and c.new == 3 and c.due >= 1
    assert 0 < c.mastery < 1
    assert st.reviews_today == 2 and sum(st.reviews_per_day.values()) == 2
    assert len(st.forecast) == 14 and sum(st.forecast.values()) <= 2
    d = st.to_dict()
    assert d["topics"][0]["topic"] == "a"


@pytest.mark.skipif(
    not hasattr(time, "tzset") or not Path("/usr/share/zoneinfo/Europe/Rome").exists(),
    reason="needs time.tzset and the tz database",
)
def test_stats_days_are_calendar_days_across_dst(bank, store, monkeypatch):
    monkeypatch.setenv("TZ", "Europe/Rome")
    time.tzset()
    try:
        sched = StudyScheduler(bank, store, fuzz=False)
        spring = datetime(2026, 4, 2, 12, 0, tzinfo=UTC)  # clocks went forward on 29 March
        sched.review("a.01", "good", now=spring)
        st = sched.stats(now=spring)
        assert list(st.reviews_per_day)[-1] == "2026-04-02"  # today was missing
        assert st.reviews_per_day["2026-04-02"] == 1
        autumn = datetime(2026, 10, 20, 12, 0, tzinfo=UTC)  # clocks go back on 25 October
        st = sched.stats(now=autumn)
        days = list(st.forecast)
        assert len(days) == 14 and days[0] == "2026-10-20" and days[-1] == "2026-11-02"
        assert st.forecast["2026-10-20"] == 1  # overdue since spring: due today
        # on the day the clocks go forward, local midnight was still at +1
        assert start_of_day(datetime(2026, 3, 29, 12, tzinfo=UTC)) == datetime(
            2026, 3, 28, 23, tzinfo=UTC
        )
    finally:
        monkeypatch.undo()  # the TZ this process had, then re-read it
        time.tzset()


def test_corrupt_database_is_reported_not_reset(tmp_path):
    db = tmp_path / "progress.sqlite3"
    db.write_bytes(b"this is not sqlite at all" * 10)
    with pytest.raises(StoreError, match="corrupt"):
        Store.open_in(tmp_path)
    assert db.read_bytes().startswith(b"this is not sqlite")


def test_truncated_database_is_reported(tmp_path, bank):
    with Store.open_in(tmp_path) as s:
        StudyScheduler(bank, s).review("a.01", "good", now=NOW)
    db = tmp_path / "progress.sqlite3"
    for extra in tmp_path.glob("progress.sqlite3-*"):
        extra.unlink()
    data = bytearray(db.read_bytes())
    data[100:4096] = b"\xff" * (4096 - 100)
    db.write_bytes(bytes(data))
    with pytest.raises(StoreError, match="corrupt"):
        Store.open_in(tmp_path)


def test_newer_schema_refused(tmp_path):
    db = tmp_path / "progress.sqlite3"
    conn = sqlite3.connect(db)
    conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    conn.close()
    with pytest.raises(StoreError, match="newer cidl-tutor"):
        Store.open_in(tmp_path)


def test_refused_database_does_not_leak_its_connection(tmp_path, monkeypatch):
    db = tmp_path / "progress.sqlite3"
    conn = sqlite3.connect(db)
    conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    conn.close()
    opened: list[sqlite3.Connection] = []
    real_connect = sqlite3.connect

    def spy(*args, **kwargs):
        opened.append(real_connect(*args, **kwargs))
        return opened[-1]

    monkeypatch.setattr(sqlite3, "connect", spy)
    with pytest.raises(StoreError, match="newer cidl-tutor"):
        Store.open_in(tmp_path)
    assert len(opened) == 1
    with pytest.raises(sqlite3.ProgrammingError, match="closed"):
        opened[0].execute("SELECT 1")


@pytest.mark.skipif(os.geteuid() == 0, reason="root ignores directory permissions")
def test_read_only_directory(tmp_path):
    ro = tmp_path / "ro"
    ro.mkdir()
    ro.chmod(0o500)
    try:
        with pytest.raises(StoreError, match="read-only"):
            Store.open_in(ro)
    finally:
        ro.chmod(0o700)


def test_missing_directory(tmp_path):
    with pytest.raises(StoreError, match="does not exist"):
        Store.open_in(tmp_path / "nope")


def test_read_only_database_file(tmp_path, bank):
    with Store.open_in(tmp_path) as s:
        StudyScheduler(bank, s).review("a.01", "good", now=NOW)
    # a database opened read-only (e.g. a read-only mount) fails with a clear message on write
    s = Store(tmp_path / "progress.sqlite3")
    s._conn.close()
    s._conn = sqlite3.connect(
        f"file:{s.path}?mode=ro", uri=True, isolation_level=None, check_same_thread=False
    )
    s._conn.row_factory = sqlite3.Row
    with pytest.raises(StoreError, match="read-only"):
        StudyScheduler(bank, s).review("a.02", "good", now=NOW)


def test_locked_database_gives_clear_message(tmp_path, bank, monkeypatch):
    import tutor.store as store_mod

    with Store.open_in(tmp_path) as s:
        StudyScheduler(bank, s).review("a.01", "good", now=NOW)
    blocker = sqlite3.connect(tmp_path / "progress.sqlite3", isolation_level=None)
    blocker.execute("BEGIN EXCLUSIVE")
    try:
        monkeypatch.setattr(store_mod, "BUSY_TIMEOUT_S", 0.2)
        with pytest.raises(StoreError, match="locked by another tutor instance"):
            s2 = Store.open_in(tmp_path)
            StudyScheduler(bank, s2).review("a.02", "good", now=NOW)
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()


def test_two_instances_interleave(tmp_path, bank):
    a, b = Store.open_in(tmp_path), Store.open_in(tmp_path)
    sa, sb = StudyScheduler(bank, a), StudyScheduler(bank, b)
    for i in range(10):
        (sa if i % 2 else sb).review(f"a.{i + 1:02d}", "good", now=NOW)
    assert len(a.reviews()) == 10 and len(b.all_cards()) == 10
    a.close()
    b.close()


def test_kill_minus_nine_keeps_committed_reviews(tmp_path):
    script = textwrap.dedent(
        """
        import os, signal, sys
        from datetime import datetime, UTC
        from quizbank import load_bank
        from tutor.store import Store
        from tutor.scheduling import StudyScheduler
        s = Store.open_in(sys.argv[1])
        sched = StudyScheduler(load_bank([sys.argv[2]], include_builtin=False), s)
        for i in range(1, 6):
            aid = s.add_attempt(f"d.0{i}", "answer", mode="study", started_at=datetime.now(UTC),
                                submitted_at=datetime.now(UTC), grade=None)
            sched.review(f"d.0{i}", "good", attempt_id=aid)
        print("done", flush=True)
        os.kill(os.getpid(), signal.SIGKILL)
        """
    )
    bank_dir = write_bank_dir(tmp_path / "bank")
    res = subprocess.run(
        [sys.executable, "-c", script, str(tmp_path), str(bank_dir)], capture_output=True, text=True
    )
    assert res.returncode == -signal.SIGKILL and "done" in res.stdout
    with Store.open_in(tmp_path) as s:
        assert len(s.reviews()) == 5
        assert [a.rating for a in s.attempts()] == ["good"] * 5


def test_exam_pick_and_mark(bank):
    ids = pick_questions(bank, 4, seed=1)
    assert len(ids) == 4 and len({i[0] for i in ids}) == 4
    assert pick_questions(bank, 4, seed=1) == ids
    more = pick_questions(bank, 12, seed=2)
    assert len(more) == 12 and len(set(more)) == 12
    res = mark_exam([{"id": i, "score": 1.0, "verdict": "correct"} for i in ids])
    assert res.mark == 30 and res.lode and res.label == "30 e lode"
    res = mark_exam(
        [{"id": i, "score": s, "verdict": "partial"} for i, s in zip(ids, [0.5] * 4, strict=True)]
    )
    assert res.mark == 15 and not res.passed and not res.lode
    res = mark_exam([{"id": i, "score": 0.8, "verdict": "correct"} for i in ids])
    assert res.mark == 24 and res.passed and res.label == "24/30"
