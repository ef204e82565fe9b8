"""`tutor bank …` through the real entry point: output and errors (imports: test_import_hygiene)."""

from __future__ import annotations

import json
import subprocess
import sys

from tutor.cli import main


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "tutor", *args], capture_output=True, text=True)


def test_list_json(capsys):
    assert main(["bank", "list", "--json", "--topic", "f"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [r["id"] for r in rows] == [f"f.{i:02d}" for i in range(1, 11)]
    assert all(r["topic"] == "f" and "vq-vae" in r["demos"] for r in rows)


def test_show_renders_math_as_unicode(capsys):
    assert main(["bank", "show", "e.11", "--lang", "it"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("# e.11")
    assert "\\frac" not in out and "$" not in out.replace("$ ", "")


def test_unknown_id_is_one_line_exit_2():
    res = run("bank", "show", "z.99")
    assert res.returncode == 2
    assert res.stderr.count("\n") == 1 and "unknown question id 'z.99'" in res.stderr
    assert "Traceback" not in res.stderr


def test_unknown_topic_and_bad_option():
    res = run("bank", "list", "--topic", "q")
    assert res.returncode == 2 and "unknown topic" in res.stderr
    res = run("bank", "show", "a.01", "--lang", "fr")
    assert res.returncode == 2 and res.stderr.count("\n") == 1


def test_validate_builtin_ok():
    res = run("bank", "validate")
    assert res.returncode == 0, res.stdout + res.stderr


def test_validate_reports_file_line(tmp_path):
    d = tmp_path / "b"
    d.mkdir()
    (d / "x.yaml").write_text(
        "topic: x\ntitle: {en: X, it: X}\nquestions:\n  - id: x.01\n    kind: wat\n"
    )
    res = run("bank", "validate", str(d))
    assert res.returncode == 1
    lines = res.stdout.splitlines()
    assert any(
        line.startswith(f"{d / 'x.yaml'}:5:11: ") and "kind must be" in line for line in lines
    )


def test_validate_missing_dir():
    res = run("bank", "validate", "/nonexistent/dir")
    assert res.returncode == 1 and "no such directory" in res.stderr


def test_extra_bank_is_namespaced(tmp_path):
    d = tmp_path / "mine"
    d.mkdir()
    (d / "t.yaml").write_text(
        "bank: ml\ntopic: a\ntitle: {en: A, it: A}\nquestions:\n"
        "  - id: a.01\n    question: Q?\n    kind: exercise\n"
        "    answer: {en: Alpha beta gamma., it: Alfa beta gamma.}\n"
        "    key_points:\n"
        + "".join(
            f"      - {{id: k{i}, weight: 1, text: {{en: t, it: t}}, terms: {{en: [[beta]], it: [[beta]]}}}}\n"
            for i in range(3)
        )
    )
    res = run("--bank", str(d), "bank", "list", "--json")
    assert res.returncode == 0, res.stderr
    ids = [r["id"] for r in json.loads(res.stdout)]
    assert ids.count("a.01") == 1 and "ml:a.01" in ids and len(ids) == 98
