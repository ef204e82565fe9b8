"""``tutor grade``: single answers, files, batches and their errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from quizbank.model import Bank, KeyPoint, Misconception, Question, Topic
from tutor.cli import main
from tutor.grading import Grader


def _question() -> Question:
    kp = KeyPoint(
        "opposite",
        2,
        {"en": "Step against the gradient.", "it": "Passo opposto al gradiente."},
        {
            "en": [["gradient"], ["against", "opposite"]],
            "it": [["gradiente"], ["opposto", "opposta"]],
        },
    )
    kp2 = KeyPoint(
        "minibatch",
        1,
        {"en": "Use a random minibatch.", "it": "Si usa un minibatch casuale."},
        {"en": [["minibatch"], ["random"]], "it": [["minibatch"], ["casuale"]]},
    )
    mc = Misconception(
        "follows",
        {"en": "SGD follows the gradient.", "it": "SGD segue il gradiente."},
        {"en": "It steps against it.", "it": "Va contro il gradiente."},
        {"en": [["follows"], ["gradient"]], "it": [["segue"], ["gradiente"]]},
    )
    return Question(
        "a.01", "a.01", "cidl", "a", "What is SGD?", "open",
        {"en": "Step against the gradient on a random minibatch.", "it": ""},
        (kp, kp2), (mc,), (), (), (),
    )  # fmt: skip


@pytest.fixture(autouse=True)
def fixture_bank(monkeypatch: pytest.MonkeyPatch) -> None:
    bank = Bank()
    q = _question()
    bank.add(Topic("a", "cidl", {"en": "a", "it": "a"}, (q.id,)), [q])
    monkeypatch.setattr("tutor.commands.grade._grader", lambda args: Grader(bank))


GOOD = "We step against the gradient, computed on a random minibatch."


def test_readable_report(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["grade", "a.01", "--answer", GOOD]) == 0
    out = capsys.readouterr().out
    assert out.startswith("a.01  score 1.00  correct")
    assert "✓ Step against the gradient." in out and "✗" not in out


def test_json_output(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["grade", "a.01", "--answer", "SGD follows the gradient.", "--json"]) == 0
    d = json.loads(capsys.readouterr().out)
    assert d["id"] == "a.01" and d["verdict"] != "correct" and d["score"] < 0.3
    assert [p["hit"] for p in d["points"]] == [False, False]
    assert d["misconceptions"][0]["id"] == "follows"
    assert d["suggested_rating"] in ("again", "hard")


def test_answer_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    f = tmp_path / "a.txt"
    f.write_text("Si va in direzione opposta al gradiente.\n", encoding="utf-8")
    assert main(["grade", "a.01", "--answer-file", str(f), "--json"]) == 0
    d = json.loads(capsys.readouterr().out)
    assert d["points"][0]["hit"] and d["lang"] == "it"
    assert "Manca" in d["feedback"]


def test_empty_answer(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["grade", "a.01", "--answer", "  ", "--json"]) == 0
    d = json.loads(capsys.readouterr().out)
    assert (d["score"], d["verdict"], d["feedback"]) == (0.0, "wrong", "no answer")


def test_unknown_id_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["grade", "z.99", "--answer", "x"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "unknown question id 'z.99'" in err


@pytest.mark.parametrize(
    "argv",
    [["grade"], ["grade", "a.01"], ["grade", "a.01", "--batch", "x.jsonl"]],
)
def test_usage_errors_exit_2(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    assert main(argv) == 2
    assert capsys.readouterr().err.startswith("tutor: error: ")


def test_missing_answer_file_is_an_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["grade", "a.01", "--answer-file", "/nonexistent/answer.txt"]) == 1
    assert "cannot read" in capsys.readouterr().err


def test_batch_keeps_order_and_reports_bad_lines(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    f = tmp_path / "b.jsonl"
    lines = [
        json.dumps({"id": "a.01", "answer": GOOD}),
        "{not json",
        json.dumps({"id": "a.01", "answer": ""}),
        json.dumps({"id": "q.77", "answer": "x"}),
        json.dumps({"answer": "no id"}),
        json.dumps({"id": "a.01", "answer": "SGD follows the gradient."}),
    ]
    f.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert main(["grade", "--batch", str(f)]) == 1
    cap = capsys.readouterr()
    rows = [json.loads(x) for x in cap.out.splitlines()]
    assert len(rows) == 6
    assert rows[0]["verdict"] == "correct" and rows[0]["score"] == 1.0
    assert (
        rows[1] == {"line": 2, "error": rows[1]["error"]} and "malformed JSON" in rows[1]["error"]
    )
    assert rows[2]["feedback"] == "no answer"
    assert rows[3]["line"] == 4 and "unknown question id" in rows[3]["error"]
    assert rows[4]["line"] == 5
    assert rows[5]["misconceptions"][0]["id"] == "follows"
    assert set(rows[0]) >= {"id", "score", "verdict", "points", "misconceptions"}
    assert set(rows[0]) >= {"suggested_rating", "feedback"}
    err = cap.err.splitlines()
    assert [e.split(":")[3] for e in err] == ["2", "4", "5"]


def test_batch_missing_file(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["grade", "--batch", "/nonexistent.jsonl"]) == 1
    assert "cannot read" in capsys.readouterr().err


def test_stdin_that_is_not_utf8_is_an_error(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import io

    raw = io.BytesIO(b"\xff\xfe not utf-8\n")
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(raw, encoding="utf-8", errors="strict"))
    assert main(["grade", "a.01", "--answer-file", "-"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("tutor: error: cannot read standard input") and err.count("\n") == 1


def test_batch_line_with_a_lone_surrogate_is_reported_and_the_rest_graded(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    f = tmp_path / "b.jsonl"
    bad = '{"id": "a.01", "answer": "against the gradient \\ud83d here"}'
    f.write_text(bad + "\n" + json.dumps({"id": "a.01", "answer": GOOD}) + "\n", encoding="utf-8")
    assert main(["grade", "--batch", str(f)]) == 1  # used to die with UnicodeEncodeError
    cap = capsys.readouterr()
    rows = [json.loads(line) for line in cap.out.splitlines()]
    assert rows[0] == {"line": 1, "error": rows[0]["error"]} and "Unicode" in rows[0]["error"]
    assert rows[1]["verdict"] == "correct"
    rows[0]["error"].encode("utf-8")  # printable in any locale
