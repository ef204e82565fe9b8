"""``tutor grade``: single answers, files, batches and their errors."""

from __future__ import annotations

import json
from datetime import UTC
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
    assert err == (
        "tutor: error: standard input is not UTF-8 text (byte 0xff at position 0); "
        "save it as UTF-8\n"
    )


def test_answer_file_that_is_not_utf8_names_the_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    f = tmp_path / "risposta.txt"
    f.write_bytes("Si va contro il gradiente, perché è la discesa.".encode("latin-1"))
    assert main(["grade", "a.01", "--answer-file", str(f)]) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"tutor: error: {f} is not UTF-8 text (byte 0xe9 at position ")
    assert err.count("\n") == 1 and "Traceback" not in err


def test_batch_line_that_is_not_utf8_is_reported_and_the_rest_graded(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    f = tmp_path / "b.jsonl"
    good = json.dumps({"id": "a.01", "answer": GOOD})
    f.write_bytes('{"id": "a.01", "answer": "caffè"}\n'.encode("latin-1") + good.encode() + b"\n")
    assert main(["grade", "--batch", str(f)]) == 1
    out, err = capsys.readouterr()
    rows = [json.loads(line) for line in out.splitlines()]
    assert rows[0] == {"line": 1, "error": "not UTF-8 text (byte 0xe8 at position 30)"}
    assert rows[1]["id"] == "a.01" and "score" in rows[1]
    assert err.count("\n") == 1


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


# -- bounded and hostile input (issue 10) ------------------------------------------------


def test_deeply_nested_batch_line_is_reported_and_the_rest_graded(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    f = tmp_path / "b.jsonl"
    good = json.dumps({"id": "a.01", "answer": GOOD})
    f.write_text(good + "\n" + "[" * 100_000 + "\n" + good + "\n", encoding="utf-8")
    assert main(["grade", "--batch", str(f)]) == 1
    cap = capsys.readouterr()
    rows = [json.loads(x) for x in cap.out.splitlines()]
    assert [r.get("verdict") for r in (rows[0], rows[2])] == ["correct", "correct"]
    assert rows[1]["line"] == 2 and "nested too deeply" in rows[1]["error"]
    assert cap.err.count("\n") == 1 and ":2: " in cap.err
    assert "Recursion" not in cap.err and "recursion" not in cap.err


def test_a_number_of_5000_digits_is_reported_without_interpreter_hints(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    f = tmp_path / "b.jsonl"
    f.write_text('{"id": "a.01", "answer": "x", "n": ' + "9" * 5000 + "}\n", encoding="utf-8")
    assert main(["grade", "--batch", str(f)]) == 1
    cap = capsys.readouterr()
    assert "number too long" in cap.err
    for internal in ("sys.", "set_int_max_str_digits", "4300", "Traceback"):
        assert internal not in cap.err and internal not in cap.out


def test_answer_file_over_1_mb_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    f = tmp_path / "big.txt"
    f.write_bytes(b"gradient " * 120_000)  # 1.08 MB
    assert main(["grade", "a.01", "--answer-file", str(f)]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "larger than 1 MB" in err


def test_answer_file_from_dev_zero_stops_at_the_limit(capsys: pytest.CaptureFixture[str]) -> None:
    if not Path("/dev/zero").exists():
        pytest.skip("no /dev/zero here")
    assert main(["grade", "a.01", "--answer-file", "/dev/zero"]) == 1
    assert "larger than 1 MB" in capsys.readouterr().err


def test_stdin_over_1_mb_is_refused(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import io

    raw = io.BytesIO(b"a" * (1024 * 1024 + 1))
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(raw, encoding="utf-8"))
    assert main(["grade", "a.01", "--answer-file", "-"]) == 1
    assert "standard input is larger than 1 MB" in capsys.readouterr().err


def test_a_batch_line_over_1_mb_is_reported_and_the_rest_graded(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    f = tmp_path / "b.jsonl"
    huge = json.dumps({"id": "a.01", "answer": "x" * (1024 * 1024 + 10)})
    f.write_text(huge + "\n" + json.dumps({"id": "a.01", "answer": GOOD}) + "\n", encoding="utf-8")
    assert main(["grade", "--batch", str(f)]) == 1
    rows = [json.loads(x) for x in capsys.readouterr().out.splitlines()]
    assert rows[0] == {"line": 1, "error": "line longer than 1 MB"}
    assert rows[1]["verdict"] == "correct"


def test_an_answer_cut_for_grading_says_so(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    f = tmp_path / "long.txt"
    filler = " ".join(
        f"Remark {i} on day {i % 7} was noted by student {i * 13}." for i in range(4000)
    )
    f.write_text(GOOD + " " + filler, encoding="utf-8")
    assert main(["grade", "a.01", "--answer-file", str(f), "--json"]) == 0
    d = json.loads(capsys.readouterr().out)
    assert d["truncated"] is True and "first 40,000 characters" in d["feedback"]
    assert main(["grade", "a.01", "--answer-file", str(f)]) == 0
    assert "first 40,000 characters" in capsys.readouterr().out


def test_json_lists_penalties_and_probes(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["grade", "a.01", "--answer", GOOD + " SGD follows the gradient.", "--json"]) == 0
    d = json.loads(capsys.readouterr().out)
    assert [(p["kind"], p["ref"]) for p in d["penalties"]] == [("misconception", "follows")]
    assert d["verdict"] == "partial"  # one wrong statement caps a complete answer
    assert all({"probe", "status", "credit", "weight"} <= set(p) for p in d["points"])


def test_lang_option_fixes_the_answer_language(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["grade", "a.01", "--answer", "minibatch random", "--lang", "it", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["lang"] == "it"


# -- tutor grade disagreements --------------------------------------------------------------


def test_disagreements_lists_the_students_overrides(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from datetime import datetime

    from tutor.grading import apply_overrides
    from tutor.store import Store

    bank = Bank()
    q = _question()
    bank.add(Topic("a", "cidl", {"en": "a", "it": "a"}, (q.id,)), [q])
    answer = "We step against the gradient. SGD follows the gradient."
    result = Grader(bank).grade(q, answer)
    now = datetime(2026, 3, 1, 10, 0, tzinfo=UTC)
    with Store.open_in(tmp_path) as store:
        quiet = store.add_attempt("a.01", "untouched", mode="study", started_at=now,
                                  submitted_at=now, grade=result.to_dict())  # fmt: skip
        att = store.add_attempt("a.01", answer, mode="study", started_at=now, submitted_at=now,
                                grade=result.to_dict())  # fmt: skip
        mine = apply_overrides(result, covered={"minibatch"}, dismissed={"follows"})
        store.set_student_judgement(att, mine.student_judgement())
    assert quiet != att
    assert main(["--data-dir", str(tmp_path), "grade", "disagreements", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert {(r["attempt"], r["question"], r["kind"], r["id"], r["student"]) for r in rows} == {
        (att, "a.01", "point", "minibatch", "covered"),
        (att, "a.01", "misconception", "follows", "not said"),
    }
    assert all(r["answer"] == answer for r in rows)
    assert main(["--data-dir", str(tmp_path), "grade", "disagreements"]) == 0
    out = capsys.readouterr().out
    assert "a.01" in out and "minibatch" in out and "you: covered" in out


def test_disagreements_with_none_says_so(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--data-dir", str(tmp_path), "grade", "disagreements"]) == 0
    assert "No disagreements" in capsys.readouterr().out
    assert main(["--data-dir", str(tmp_path), "grade", "disagreements", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == []


def test_the_report_prints_the_banks_math_as_unicode(capsys):
    """The rubric's texts write math as $…$ (rendered in the app); the CLI report too."""
    from quizbank import load_bank
    from tutor.commands.grade import render
    from tutor.grading import Grader

    bank = load_bank()
    with_math = [q for q in bank.questions if any("$" in p.text["en"] for p in q.key_points)]
    assert with_math, "the bank has key points with math"
    grader = Grader(bank)
    for q in with_math:
        report = render(grader.grade(q, "I do not know the answer to this one."))
        assert "$" not in report and "_{" not in report, q.id


def test_the_report_says_whether_a_partly_stated_heaviest_point_is_enough():
    """A correct beside a ◐ ★★★ point: the report says that what was said of it counts."""
    from quizbank import load_bank
    from tests.ui.test_card import F02_ARGMIN_PARTLY
    from tutor.commands.grade import render
    from tutor.grading import Grader

    text = F02_ARGMIN_PARTLY
    result = Grader(load_bank()).grade("f.02", text)
    assert str(result.verdict) == "correct"
    assert "enough of it for a CORRECT" in render(result)


def test_a_short_answer_held_at_partial_says_why(capsys: pytest.CaptureFixture[str]) -> None:
    from tutor.grading.result import Params, correct_threshold
    from tutor.i18n.grade import SHORT_HELD

    p = Params()
    assert main(["grade", "a.01", "--answer", "We step against the gradient.", "--json"]) == 0
    d = json.loads(capsys.readouterr().out)
    assert d["verdict"] == "partial" and 0 < d["n_words"] < p.short_words
    assert main(["grade", "a.01", "--answer", "We step against the gradient."]) == 0
    out = capsys.readouterr().out
    assert out.startswith("a.01  score 0.67  partial")
    share = f"{correct_threshold(d['n_words']):.0%}"
    assert share == f"{p.short_correct_at:.0%}"
    assert SHORT_HELD("en", words=d["n_words"], share=share) in out
