"""`tutor drill …` through the real entry point: list, JSON, --check, interactive, errors."""

from __future__ import annotations

import io
import json
import subprocess
import sys

import pytest

from tutor.cli import main
from tutor.commands.drill import ask
from tutor.drills import registry
from tutor.errors import TutorError


def run(*args: str, stdin: str = "") -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "tutor", *args], input=stdin, capture_output=True, text=True
    )


def answers_for(name: str, seed: int, difficulty: int = 1) -> dict[str, object]:
    ex = registry.get(name).generate(seed, difficulty)
    return {f.key: f.to_json()["expected"] for f in ex.fields}


def test_list_json(capsys):
    assert main(["drill", "list", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [r["name"] for r in rows] == registry.names()
    assert rows[0]["questions"][-2:] == ["a.11", "a.12"]


def test_json_output_is_the_exercise(capsys):
    assert main(["drill", "vq-assign", "--seed", "9", "--difficulty", "2", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data == json.loads(json.dumps(registry.get("vq-assign").generate(9, 2).to_json()))


def test_check_all_right_exits_0(tmp_path, capsys):
    path = tmp_path / "a.json"
    path.write_text(json.dumps(answers_for("cg-reverse", 4)))
    assert main(["drill", "cg-reverse", "--seed", "4", "--check", str(path)]) == 0
    out = capsys.readouterr().out
    assert "✗" not in out and out.count("✓") == len(answers_for("cg-reverse", 4))
    assert "Worked solution" not in out


def test_check_a_miss_shows_expected_and_solution(tmp_path, capsys):
    answers = answers_for("conv-shape", 2)
    key = next(iter(answers))
    answers[key] = "1x1x1"
    answers["not-a-field"] = 3
    path = tmp_path / "a.json"
    path.write_text(json.dumps(answers))
    assert main(["drill", "conv-shape", "--seed", "2", "--check", str(path)]) == 1
    out = capsys.readouterr().out
    assert f"✗ {key}" in out and "expected (" in out
    assert "Worked solution" in out and "floor(" in out and "not-a-field" in out


def test_check_json_verdict_and_malformed_answer(tmp_path, capsys):
    path = tmp_path / "a.json"
    path.write_text(json.dumps({"iou_ab": "one half"}))
    assert main(["drill", "iou-nms", "--seed", "1", "--check", str(path), "--json"]) == 1
    verdict = json.loads(capsys.readouterr().out)
    first = verdict["results"][0]
    assert first["ok"] is False and "number" in first["hint"]
    assert verdict["correct"] == 0 and verdict["total"] == 1


def test_usage_errors_are_one_line_exit_2(tmp_path):
    for args in (
        ("drill", "no-such-drill"),
        ("drill", "sgd-step", "--difficulty", "4"),
        ("drill", "sgd-step", "--difficulty", "x"),
        ("drill", "sgd-step", "--check", str(tmp_path / "missing.json")),
    ):
        res = run(*args)
        assert res.returncode == 2, args
        assert res.stderr.count("\n") == 1 and res.stderr.startswith("tutor: error:")
    bad = tmp_path / "list.json"
    bad.write_text("[1, 2]")
    res = run("drill", "sgd-step", "--seed", "1", "--check", str(bad))
    assert res.returncode == 2 and "JSON object" in res.stderr


def test_interactive_through_a_pipe_records_the_result(tmp_path):
    ex = registry.get("iou-nms").generate(3, 1)
    right = ex.fields[0].to_json()["expected"]
    res = run(
        "--data-dir",
        str(tmp_path),
        "drill",
        "iou-nms",
        "--seed",
        "3",
        stdin=f"not a number\n{right}\n",
    )
    assert res.returncode == 0, res.stderr
    assert "could not read 'not a number'" in res.stdout and "✓ iou_ab" in res.stdout
    from tutor.store import Store

    with Store.open_in(tmp_path) as store:
        rows = store.drill_results()
    assert [(r.drill, r.seed, r.correct, r.total) for r in rows] == [("iou-nms", 3, 1, 1)]


def test_interactive_eof_stops_cleanly(tmp_path):
    res = run("--data-dir", str(tmp_path), "drill", "cg-reverse", "--seed", "1", stdin="3\n")
    assert res.returncode == 1 and "Traceback" not in res.stderr
    assert "drill stopped" in res.stdout


def test_ask_wrong_answer_shows_solution(tmp_path):
    ex = registry.get("sgd-step").generate(8, 1)
    out = io.StringIO()
    lines = "\n".join("12345" for _ in ex.fields) + "\n"
    assert ask(ex, io.StringIO(lines), out, data_dir=tmp_path) == 1
    text = out.getvalue()
    assert text.count("✗") == len(ex.fields) and "Worked solution" in text and "w1 = w0" in text


def test_interactive_input_that_is_not_utf8_is_one_line_error(tmp_path):
    ex = registry.get("sgd-step").generate(8, 1)
    inp = io.TextIOWrapper(io.BytesIO(b"\xff\xfe\n"), encoding="utf-8", errors="strict")
    with pytest.raises(TutorError, match="cannot read standard input"):
        ask(ex, inp, io.StringIO(), data_dir=tmp_path)
    assert not (tmp_path / "progress.sqlite3").exists()  # nothing recorded


def test_huge_answer_in_check_file_is_not_an_internal_error(tmp_path, capsys):
    path = tmp_path / "a.json"
    path.write_text(json.dumps({"loss0": "9" * 5000, "grad_w": "1e999999999"}))
    assert main(["drill", "sgd-step", "--seed", "1", "--check", str(path)]) == 1
    out = capsys.readouterr().out
    assert "answer too long" in out and "out of range" in out
