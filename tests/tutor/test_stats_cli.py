"""``tutor stats``: the per-topic table has every column the README promises."""

from __future__ import annotations

import json

from tutor.cli import main


def test_text_table_has_retention_and_json_agrees(tmp_path, capsys):
    assert main(["--data-dir", str(tmp_path), "stats"]) == 0
    lines = capsys.readouterr().out.splitlines()
    header = next(line for line in lines if line.startswith("topic"))
    assert header.split() == ["topic", "total", "new", "due", "learned", "retention", "mastery"]
    row_a = next(line for line in lines if line.startswith("a "))
    assert row_a.split()[5] == "—"  # nothing reviewed yet: no retention to show
    assert main(["--data-dir", str(tmp_path), "stats", "--json"]) == 0
    topics = json.loads(capsys.readouterr().out)["topics"]
    assert topics[0]["topic"] == "a" and topics[0]["retention"] is None


def test_an_unreadable_card_is_one_located_line_and_exit_1(tmp_path, capsys):
    """It used to be "internal error: JSONDecodeError…" with exit 70."""
    import sqlite3
    from datetime import UTC, datetime

    from tutor.bankload import load
    from tutor.scheduling import StudyScheduler
    from tutor.store import Store

    with Store.open_in(tmp_path) as store:
        StudyScheduler(load([]), store).review("a.03", "good", now=datetime.now(UTC))
        db = store.path
    conn = sqlite3.connect(db, isolation_level=None)
    conn.execute(
        "UPDATE cards SET card_json = substr(card_json, 1, 20) || '\x01' || substr(card_json, 22)"
    )
    conn.close()
    assert main(["--data-dir", str(tmp_path), "stats"]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert err.startswith(f"tutor: error: card a.03 in {db} is unreadable: not valid JSON")
    assert err.rstrip().endswith("move the file away or run `tutor doctor`")
    assert main(["--data-dir", str(tmp_path), "stats", "--json"]) == 1
