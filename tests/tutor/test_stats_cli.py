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
