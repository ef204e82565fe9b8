"""One unreadable record: a located message; the CLI stops on it, the app skips it once.

Also the one-pass queue the study screen reads (``StudyScheduler.queue``).
"""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta

import pytest

from tutor.scheduling import StudyScheduler
from tutor.store import DB_NAME, Store, UnreadableRecord, decode_json

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


@pytest.fixture
def store(tmp_path):
    s = Store.open_in(tmp_path)
    yield s
    s.close()


def corrupt(store: Store, sql: str, *params) -> None:
    """Damage a record behind the store's back, the way a flipped byte would."""
    conn = sqlite3.connect(store.path, isolation_level=None)
    conn.execute(sql, params)
    conn.close()


def studied(bank, store, ids, now=NOW) -> StudyScheduler:
    sched = StudyScheduler(bank, store, fuzz=False, new_per_day=20)
    for qid in ids:
        sched.review(qid, "again", now=now)
    return sched


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ('{"card_id": 1, "due": "2026-1', "not valid JSON (Unterminated string"),
        ("[1, 2]", "expected a JSON object"),
        (b"\xff\xfe{}", "not UTF-8 text"),
        ("[" * 100_000, "not"),  # RecursionError, not a crash
        ("1" * 5000, "not usable JSON (ValueError)"),  # int digit limit
        (None, "the value is missing"),
    ],
)
def test_decode_json_names_the_record_and_why(tmp_path, raw, reason):
    with pytest.raises(UnreadableRecord) as err:
        decode_json(
            raw, what="card", key="a.03", path=tmp_path / DB_NAME, table="cards", column="card_json"
        )
    msg = err.value.message
    assert msg.startswith(f"card a.03 in {tmp_path / DB_NAME} is unreadable: ")
    assert reason in msg and msg.endswith("; move the file away or run `tutor doctor`")
    assert "\n" not in msg and (err.value.table, err.value.key) == ("cards", "a.03")


def test_strict_scheduler_raises_the_located_error(mini_bank, store):
    studied(mini_bank, store, ["a.01", "a.03"])
    corrupt(store, "UPDATE cards SET card_json = '{\"card_id\": 1, x' WHERE question_id = 'a.03'")
    strict = StudyScheduler(mini_bank, store, fuzz=False)
    with pytest.raises(UnreadableRecord, match=r"^card a\.03 in .* is unreadable: not valid JSON"):
        strict.next_id(NOW + timedelta(days=1))
    with pytest.raises(UnreadableRecord, match=r"card a\.03"):
        strict.stats(now=NOW)


def test_lenient_scheduler_skips_an_unreadable_card_and_reports_it_once(mini_bank, store):
    studied(mini_bank, store, ["a.01", "a.02", "a.03"])
    corrupt(store, "UPDATE cards SET card_json = 'garbage' WHERE question_id = 'a.02'")
    reported: list[UnreadableRecord] = []
    sched = StudyScheduler(
        mini_bank, store, fuzz=False, new_per_day=20, on_unreadable=reported.append
    )
    later = NOW + timedelta(days=1)
    queue = sched.queue(later)
    assert queue.due == ["a.01", "a.03"] and queue.next_id == "a.01"
    assert "a.02" not in queue.new  # unreadable is not new: it must never be re-introduced
    sched.stats(now=later)
    sched.next_id(later)
    assert [r.key for r in reported] == ["a.02"]
    assert "card a.02" in reported[0].message and "tutor doctor" in reported[0].message
    # rating it would overwrite the damaged record with a fresh card: refused, record kept
    with pytest.raises(UnreadableRecord, match=r"card a\.02"):
        sched.review("a.02", "good", now=later)
    conn = sqlite3.connect(store.path)
    assert conn.execute("SELECT card_json FROM cards WHERE question_id = 'a.02'").fetchone() == (
        "garbage",
    )
    conn.close()


def test_a_card_fsrs_rejects_is_unreadable_too(mini_bank, store):
    studied(mini_bank, store, ["b.01", "b.02"])
    corrupt(store, "UPDATE cards SET card_json = '{\"card_id\": 5}' WHERE question_id = 'b.01'")
    reported: list[UnreadableRecord] = []
    sched = StudyScheduler(mini_bank, store, fuzz=False, on_unreadable=reported.append)
    assert sched.due_ids(NOW + timedelta(days=1)) == ["b.02"]
    assert [r.key for r in reported] == ["b.01"]
    assert "not an FSRS card (missing 'state')" in reported[0].message
    with pytest.raises(UnreadableRecord, match="not an FSRS card"):
        StudyScheduler(mini_bank, store).due_ids(NOW)


def test_stats_skip_unreadable_reviews_exams_and_drills(mini_bank, store):
    studied(mini_bank, store, ["c.01", "c.02"])
    exam = store.start_exam(2, None, NOW)
    store.finish_exam(exam, 20, False, {}, NOW)
    store.add_drill_result("conv-shape", 1, 1, 1, 1, NOW)
    corrupt(store, "UPDATE reviews SET log_json = '{' WHERE question_id = 'c.01'")
    corrupt(store, "UPDATE exams SET details_json = 'nope'")
    corrupt(store, "UPDATE drill_results SET at = 'yesterday'")
    reported: list[UnreadableRecord] = []
    sched = StudyScheduler(mini_bank, store, fuzz=False, on_unreadable=reported.append)
    st = sched.stats(now=NOW)
    assert st.reviews_today == 1 and st.exams == [] and st.drills == {}
    assert sorted((r.what, r.table) for r in reported) == [
        ("drill result", "drill_results"),
        ("exam", "exams"),
        ("review", "reviews"),
    ]
    assert "drill result 1 in" in next(r.message for r in reported if r.what == "drill result")


def test_unreadable_setting_falls_back_to_the_default(mini_bank, store):
    corrupt(store, "INSERT INTO settings(key, value) VALUES('new_per_day', '{oops')")
    reported: list[UnreadableRecord] = []
    sched = StudyScheduler(mini_bank, store, on_unreadable=reported.append)
    assert sched.new_per_day == 10 and [r.key for r in reported] == ["new_per_day"]
    with pytest.raises(UnreadableRecord, match="setting new_per_day"):
        StudyScheduler(mini_bank, store)
    corrupt(store, "UPDATE settings SET value = '\"many\"' WHERE key = 'new_per_day'")
    with pytest.raises(UnreadableRecord, match="non-negative whole number"):
        StudyScheduler(mini_bank, store)


def test_queue_decodes_each_card_once_and_agrees_with_the_old_calls(mini_bank, store, monkeypatch):
    import tutor.scheduling as scheduling

    sched = studied(mini_bank, store, ["a.01", "a.02", "b.01"])
    sched.new_per_day = 5
    later = NOW + timedelta(days=1)
    decoded: list[dict] = []
    real = scheduling.Card.from_dict
    monkeypatch.setattr(
        scheduling.Card, "from_dict", staticmethod(lambda d: decoded.append(d) or real(d))
    )
    queue = sched.queue(later, topics={"a", "b"}, skip={"a.01"})
    assert len(decoded) == 3  # one decode per stored card, not one per question or per call
    assert queue.due == ["a.01", "a.02", "b.01"]
    assert queue.new == ["a.03", "a.04", "a.05", "b.02", "b.03"]  # a new day: 5 again
    assert queue.next_id == "a.02" and queue.counts == (3, 5)
    assert sched.queue_counts(later, {"a"}) == (2, 3)
    assert sched.next_id(later, {"a", "b"}, skip={"a.01"}) == queue.next_id
    assert sched.due_ids(later) == queue.due


async def test_the_app_shows_an_unreadable_card_once_and_stays_usable(mini_bank, tmp_path):
    """Pressing `s` used to end the app with a JSONDecodeError traceback (and exit 0)."""
    from tutor.ui.app import TutorApp
    from tutor.ui.screens.home import HomeScreen
    from tutor.ui.screens.study import StudyScreen

    with Store.open_in(tmp_path) as store:
        studied(mini_bank, store, ["a.01", "a.02"], now=NOW - timedelta(days=30))
        corrupt(store, "UPDATE cards SET card_json = '{\"due\": ' WHERE question_id = 'a.01'")
        app = TutorApp(mini_bank, store, data_dir=tmp_path, clock=lambda: NOW, fuzz=False)
        async with app.run_test(size=(100, 30)) as pilot:
            await pilot.pause()
            await pilot.press("s")
            await pilot.pause()
            await app.workers.wait_for_complete()
            await pilot.pause()
            assert isinstance(app.screen, StudyScreen) and app.screen.qid == "a.02"
            await pilot.press("escape", "escape")
            await pilot.pause()
            assert isinstance(app.screen, HomeScreen)
            await pilot.press("t")  # the statistics screen works without the card
            await pilot.pause()
            await app.workers.wait_for_complete()
            await pilot.pause()
            messages = [n.message for n in app._notifications]
        assert app.return_code in (0, None)
    unreadable = [m for m in messages if "unreadable" in m]
    assert len(unreadable) == 1 and unreadable[0].startswith("card a.01 in ")


def test_preview_intervals_match_the_review_and_reuse_one_scheduler(mini_bank, store):
    sched = studied(mini_bank, store, ["d.01"])
    later = NOW + timedelta(days=3)
    first = sched.preview_intervals("d.01", later)
    preview = sched._preview
    assert sched.preview_intervals("d.01", later) == first and sched._preview is preview
    assert first["again"] < first["hard"] < first["good"] < first["easy"]
    card = sched.review("d.01", "good", now=later)  # fuzz is off: the preview was exact
    assert card.due - later == first["good"]
