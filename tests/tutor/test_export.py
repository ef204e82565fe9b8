"""Export formats without Anki itself: selection, math, escaping, CSV/TSV, Markdown, JSON, files."""

from __future__ import annotations

import csv
import json
import os
import re
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
from test_export_support import load, write_bank

from tutor.cli import main
from tutor.errors import TutorError
from tutor.export import export
from tutor.export.common import atomic_write, format_for, map_math, select_questions
from tutor.export.fields import card_fields, md_to_html
from tutor.export.markdown import render_sheet
from tutor.export.tabular import COLUMNS, read_table


@pytest.fixture(scope="module")
def bank(tmp_path_factory):
    return load(write_bank(tmp_path_factory.mktemp("exbank")))


# --- selection ------------------------------------------------------------------------------


def test_selection_all_topics_ids_union_in_bank_order(mini_bank):
    assert [q.id for q in select_questions(mini_bank)] == [q.id for q in mini_bank.questions]
    picked = select_questions(mini_bank, topics=["c"], ids=["a.03", "d.01"])
    assert [q.id for q in picked] == ["a.03", "c.01", "c.02", "c.03", "c.04", "c.05", "d.01"]


@pytest.mark.parametrize(("topics", "ids"), [(["z"], []), ([], ["a.99"])])
def test_unknown_topic_or_id_is_a_usage_error(mini_bank, topics, ids):
    with pytest.raises(TutorError) as err:
        select_questions(mini_bank, topics, ids)
    assert err.value.exit_code == 2 and "\n" not in err.value.message


def test_format_from_suffix_and_unknown():
    assert format_for(Path("deck.APKG"), None) == "apkg"
    assert format_for(Path("x.md"), "json") == "json"
    with pytest.raises(TutorError) as err:
        format_for(Path("x.docx"), None)
    assert err.value.exit_code == 2


# --- math and HTML --------------------------------------------------------------------------


def test_math_spans_found_outside_code_only():
    seen = []
    map_math(
        "a $x_1$ b $$y = 2$$ `c $z$` costs $5 and $10\n```\n$q$\n```\n$w$",
        lambda tex, display: seen.append((tex, display)) or "",
    )
    assert seen == [("x_1", False), ("y = 2", True), ("w", False)]


def test_answer_html_has_mathjax_and_escapes_raw_html(bank):
    f = card_fields(bank.get("x.01"), ("en",), "Topic x")
    answer = f["Answer"]
    assert "\\(\\nabla_\\theta L\\)" in answer
    assert "\\[\\theta_{t+1} = \\theta_t - \\eta \\nabla L\\]" in answer
    assert "\\(a_i * b_j &lt; c\\)" in answer  # not emphasis, and escaped inside math
    assert "<script>" not in answer and "&lt;script&gt;" in answer
    assert "<code>echo $HOME</code>" in answer  # code is left alone
    assert "$not math$" in answer and "<pre><code>" in answer
    assert "$\\" not in answer and "$$" not in answer
    assert f["Question"].startswith("Why &lt;b&gt;step&lt;/b&gt;")
    assert "\\(\\nabla L\\)" in f["Question"] and "\\(\\nabla L\\)" in f["KeyPoints"]
    assert f["KeyPoints"].count("<li") == 3 and "★★★" in f["KeyPoints"]
    assert "<code>sgd-descent</code>" in f["Demos"]


def test_both_languages_on_one_card(bank):
    f = card_fields(bank.get("x.01"), ("en", "it"), "Topic x")
    en, it = f["Answer"].index('lang="en"'), f["Answer"].index('lang="it"')
    assert en < f["Answer"].index('class="lang-sep"') < it
    assert "Il gradiente" in f["Answer"][it:] and "Punti chiave" in f["KeyPoints"]
    only_it = card_fields(bank.get("x.01"), ("it",), "Argomento x")
    assert "Il gradiente" in only_it["Answer"] and "uphill" not in only_it["Answer"]


def test_markdown_tables_render():
    assert "<table>" in md_to_html("| a | b |\n|---|---|\n| $x$ | 2 |")


# --- CSV / TSV ------------------------------------------------------------------------------


@pytest.mark.parametrize(("fmt", "delim"), [("csv", ","), ("tsv", "\t")])
def test_table_round_trips_through_csv_module(bank, tmp_path, fmt, delim):
    path = tmp_path / f"cards.{fmt}"
    result = export(bank, path, lang="both")
    head = path.read_text(encoding="utf-8").splitlines()[:6]
    assert head[0] == f"#separator:{'comma' if fmt == 'csv' else 'tab'}" and "#html:true" in head
    assert f"#tags column:{COLUMNS.index('tags') + 1}" in head
    rows = read_table(path, delim)
    assert len(rows) == result.questions == len(bank)
    by_id = {r["id"]: r for r in rows}
    q = bank.get("y.02")
    expected = card_fields(q, ("en", "it"), "Topic y title")
    row = by_id["y.02"]
    assert "\n" not in "".join(row.values())
    assert row["question"] == expected["Question"]
    assert "\\(\\nabla_\\theta L\\)" in row["answer"] and "Il gradiente" in row["answer"]
    assert set(row["tags"].split()) == {"cidl-tutor", "cidl::topic::y", "cidl::kind::exercise"}
    assert row["deck"] == "CIDL::y Topic y title"
    # the raw file parses with the csv module alone once Anki's '#' header lines are skipped
    lines = [ln for ln in path.read_text(encoding="utf-8").splitlines() if not ln.startswith("#")]
    assert [r[0] for r in csv.reader(lines, delimiter=delim)] == [q.id for q in bank.questions]


# --- Markdown and JSON ----------------------------------------------------------------------


def test_markdown_sheet_has_contents_and_every_question_once(bank):
    from markdown_it import MarkdownIt

    text = render_sheet(bank, bank.questions, ("en",))
    html = MarkdownIt("commonmark").render(text)
    for q in bank.questions:
        assert len(re.findall(rf"<h3>{re.escape(q.id)} — ", html)) == 1
        assert f"](#q-{q.id.replace('.', '-')})" in text  # contents link
        assert f'<a id="q-{q.id.replace(".", "-")}"></a>' in text  # its target
    assert "$\\nabla_\\theta L$" in text  # math kept for Markdown viewers
    assert text.index("## Contents") < text.index("### x.01")


def test_markdown_selection_and_both_languages(mini_bank):
    picked = select_questions(mini_bank, ids=["b.02"])
    text = render_sheet(mini_bank, picked, ("en", "it"))
    assert text.count("### ") == 1 and "### b.02" in text
    assert "(English)" in text and "(Italiano)" in text and "Il gradiente" in text


def test_json_is_the_full_bank(bank, tmp_path):
    export(bank, tmp_path / "bank.json")
    doc = json.loads((tmp_path / "bank.json").read_text(encoding="utf-8"))
    assert doc["format"] == "cidl-tutor-bank" and doc["languages"] == ["en", "it"]
    assert [q["id"] for q in doc["questions"]] == [q.id for q in bank.questions]
    q = doc["questions"][0]
    assert q["answer"]["en"] == bank.questions[0].answer["en"]
    assert q["key_points"][0]["terms"]["it"] == [["gradiente"], ["contro", "opposto"]]
    assert [t["id"] for t in doc["topics"]] == ["x", "y"]
    export(bank, tmp_path / "en.json", lang="en", topics=["y"])
    doc = json.loads((tmp_path / "en.json").read_text(encoding="utf-8"))
    assert set(doc["questions"][0]["answer"]) == {"en"} and len(doc["questions"]) == 2


# --- files ----------------------------------------------------------------------------------


def test_existing_file_needs_force(mini_bank, tmp_path):
    path = tmp_path / "out.md"
    path.write_text("keep me")
    with pytest.raises(TutorError, match="already exists"):
        export(mini_bank, path)
    assert path.read_text() == "keep me"
    export(mini_bank, path, force=True)
    assert path.read_text().startswith("# CIDL")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.md"]


def test_missing_directory_is_one_line_error(mini_bank, tmp_path):
    with pytest.raises(TutorError, match="does not exist"):
        export(mini_bank, tmp_path / "nope" / "out.apkg")
    with pytest.raises(TutorError, match="is a directory"):
        export(mini_bank, tmp_path, "md")


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_force_never_replaces_a_special_file(mini_bank, tmp_path):
    # `--force -o /dev/null` used to rename a regular file over the device node (as root)
    fifo = tmp_path / "pipe.md"
    os.mkfifo(fifo)
    with pytest.raises(TutorError, match="not a regular file"):
        export(mini_bank, fifo, force=True)
    assert fifo.is_fifo() and sorted(p.name for p in tmp_path.iterdir()) == ["pipe.md"]


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="root ignores permissions")
def test_unwritable_directory(mini_bank, tmp_path):
    ro = tmp_path / "ro"
    ro.mkdir()
    ro.chmod(0o500)
    try:
        with pytest.raises(TutorError, match=r"(?i)permission denied"):
            export(mini_bank, ro / "out.csv")
    finally:
        ro.chmod(0o700)
    assert list(ro.iterdir()) == []


def test_failure_mid_write_leaves_nothing_behind(tmp_path):
    target = tmp_path / "out.apkg"

    def half_then_fail(tmp: Path) -> None:
        tmp.write_bytes(b"PK half a zip")
        raise RuntimeError("disk full")

    with pytest.raises(RuntimeError):
        atomic_write(target, half_then_fail)
    assert list(tmp_path.iterdir()) == []


def test_written_file_respects_umask(mini_bank, tmp_path):
    old = os.umask(0o022)
    try:
        export(mini_bank, tmp_path / "a.tsv")
    finally:
        os.umask(old)
    assert (tmp_path / "a.tsv").stat().st_mode & 0o777 == 0o644


# --- CLI ------------------------------------------------------------------------------------


def run_cli(argv, capsys) -> tuple[int, str, str]:
    rc = main(argv)
    out, err = capsys.readouterr()
    return rc, out, err


def test_cli_exports_with_options(tmp_path, capsys):
    bank_dir = write_bank(tmp_path / "bank")
    out = tmp_path / "sheet.md"
    base = ["--bank", str(bank_dir)]
    rc, stdout, _ = run_cli(
        [*base, "export", "-o", str(out), "--lang", "it", "--topic", "y", "--json"], capsys
    )
    assert rc == 0
    summary = json.loads(stdout)
    assert summary["questions"] == 2 and summary["format"] == "md"
    assert "### y.01" in out.read_text() and "### x.01" not in out.read_text()
    assert "Risposta modello" in out.read_text()


@pytest.mark.parametrize(
    ("args", "code", "needle"),
    [
        (["--topic", "zz"], 2, "unknown topic 'zz'"),
        (["--ids", "a.01,a.99"], 2, "unknown question id 'a.99'"),
        (["--lang", "fr"], 2, "invalid choice"),
        (["--format", "docx"], 2, "invalid choice"),
    ],
)
def test_cli_usage_errors(tmp_path, capsys, args, code, needle):
    rc, _, err = run_cli(["export", "-o", str(tmp_path / "o.apkg"), *args], capsys)
    assert rc == code and needle in err
    assert err.count("\n") == 1 and err.startswith("tutor: error:")
    assert list(tmp_path.iterdir()) == []


def test_cli_bad_paths(tmp_path, capsys):
    rc, _, err = run_cli(["export", "-o", str(tmp_path / "no" / "o.apkg")], capsys)
    assert rc == 1 and "does not exist" in err and err.count("\n") == 1
    existing = tmp_path / "o.csv"
    existing.write_text("old")
    rc, _, err = run_cli(["export", "-o", str(existing)], capsys)
    assert rc == 1 and "--force" in err and existing.read_text() == "old"
    rc, out, _ = run_cli(["export", "-o", str(existing), "--force", "--ids", "a.01"], capsys)
    assert rc == 0 and "1 question(s)" in out and existing.read_text() != "old"
