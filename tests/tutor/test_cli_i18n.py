"""Every command in ``tutor --lang it``: Italian text from the catalogue, no English template.

"English template" means a piece of a catalogue text's English (the words between its
``{fields}``) that no Italian text of the catalogue contains: if one shows up in an Italian
run, some line was printed from English. The catalogue is read, not copied here, so a
new message is checked the day it is written.
"""

from __future__ import annotations

import json
import os
import re
import sqlite3
import string
import subprocess
import sys
from datetime import UTC, datetime

import pytest

from tutor.bankload import load
from tutor.cli import main
from tutor.drills import registry
from tutor.errors import TutorError
from tutor.i18n import Text, cli, commands, drills, errors, render
from tutor.i18n import demo as demo_texts
from tutor.scheduling import StudyScheduler
from tutor.store import Store, StoreError

MODULES = (cli, commands, drills, errors, render)
TUTOR = (sys.executable, "-m", "tutor")


def texts(*modules) -> list[Text]:
    found: list[Text] = []
    for module in modules:
        for value in vars(module).values():
            if isinstance(value, Text):
                found.append(value)
            elif isinstance(value, dict):
                found += [v for v in value.values() if isinstance(v, Text)]
    return found


def pieces(template: str) -> list[str]:
    """The literal text between the fields of a template, each piece stripped."""
    return [
        " ".join(literal.split())
        for literal, _, _, _ in string.Formatter().parse(template)
        if literal.strip()
    ]


_WORD = re.compile(r"[^\W\d_]{2,}")


def only_in(lang: str, catalogue: list[Text]) -> set[str]:
    """Pieces of ``lang``'s templates that no template of the other language contains.

    A piece needs two words: one word alone ("seed", "cards") is also a term of the
    Italian answers or a table name, not a sign of an English sentence.
    """
    other = "en" if lang == "it" else "it"
    others = " ".join(" ".join(getattr(t, other).split()) for t in catalogue)
    found = set()
    for t in catalogue:
        for piece in pieces(getattr(t, lang)):
            if len(_WORD.findall(piece)) > 1 and piece not in others:
                found.add(piece)
    return found


CATALOGUE = texts(*MODULES)
ENGLISH_ONLY = only_in("en", CATALOGUE)


def english_left(output: str, extra: list[Text] = ()) -> list[str]:
    """The English-only catalogue pieces found, as whole words, in ``output``."""
    pool = ENGLISH_ONLY | (only_in("en", [*CATALOGUE, *extra]) if extra else set())
    flat = " ".join(output.split())
    return sorted(p for p in pool if re.search(rf"(?<!\w){re.escape(p)}(?!\w)", flat))


def shows(output: str, text: Text) -> bool:
    """Every piece of ``text``'s Italian is in ``output`` (fields may hold anything)."""
    flat = " ".join(output.split())
    return all(piece in flat for piece in pieces(text.it))


def run(args: list[str], capsys, code: int = 0) -> tuple[str, str]:
    rc = main(args)
    out, err = capsys.readouterr()
    assert rc == code, (rc, out, err)
    return out, err


@pytest.fixture
def it(tmp_path, monkeypatch):
    """``tutor --lang it --data-dir TMP``; the locale says nothing, so only --lang speaks."""
    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        monkeypatch.delenv(name, raising=False)
    return ["--lang", "it", "--data-dir", str(tmp_path)]


def test_the_english_only_pieces_are_read_from_the_catalogue():
    assert "Model answer" in ENGLISH_ONLY and "Worked solution:" in ENGLISH_ONLY
    assert "(nothing)" not in ENGLISH_ONLY  # one word: too weak a sign of English
    assert english_left("la Risposta modello e i Punti chiave") == []
    assert english_left("## Model answer") == ["Model answer"]


# --- the bank --------------------------------------------------------------------------------


def test_bank_show_in_italian_has_the_italian_headings_and_answer(it, capsys):
    """`tutor --lang it bank show a.12` printed "Context" and "Model answer" (issue 13)."""
    q = load(()).get("a.12")
    out, _ = run([*it, "bank", "show", "a.12"], capsys)
    for heading in (render.ANSWER, render.POINTS, render.CONTEXT):
        assert shows(out, heading), heading
    assert q.answer["it"].split("\n")[0][:40] in out
    assert english_left(out.replace(q.question, "")) == []


def test_bank_show_keeps_its_own_lang_over_the_global_one(it, capsys):
    out, _ = run([*it, "bank", "show", "a.12", "--lang", "en"], capsys)
    assert f"## {render.ANSWER.en}" in out and render.ANSWER.it not in out


def test_bank_list_puts_the_italian_rendering_beneath_each_official_question(it, capsys):
    bank = load(())
    out, _ = run([*it, "bank", "list", "--topic", "b"], capsys)
    lines = out.splitlines()
    for q in bank.in_topic("b"):
        at = next(i for i, line in enumerate(lines) if line.startswith(f"{q.id}  "))
        assert q.question in lines[at] and lines[at + 1].strip() == q.question_it


def test_bank_validate_summary_in_italian(it, capsys):
    _, err = run([*it, "bank", "validate"], capsys)
    summary = err.strip().splitlines()[-1]
    assert summary.startswith("banca valida (") and english_left(summary) == []


def test_unknown_id_and_bad_usage_are_italian_one_liners(it, capsys):
    _, err = run([*it, "bank", "show", "z.99"], capsys, code=2)
    assert err.startswith("tutor: errore: ") and shows(err, errors.UNKNOWN_QUESTION)
    _, err = run([*it, "bank", "list", "--topic", "q"], capsys, code=2)
    assert shows(err, errors.UNKNOWN_TOPIC) and err.count("\n") == 1
    _, err = run([*it, "bank", "show", "a.01", "--lang", "fr"], capsys, code=2)
    assert shows(err, cli.USAGE) and err.count("\n") == 1


# --- statistics and the database -------------------------------------------------------------


def test_stats_in_italian(it, capsys, tmp_path):
    with Store.open_in(tmp_path) as store:
        StudyScheduler(load(()), store).review("a.01", "good", now=datetime.now(UTC))
    out, _ = run([*it, "stats"], capsys)
    header = next(line for line in out.splitlines() if line.startswith("argomento"))
    assert header.split() == [t.it for t in commands.STATS_COLUMNS.values()]
    for text in (commands.STATS_PER_DAY, commands.STATS_FORECAST, commands.STATS_TODAY):
        assert shows(out, text), text
    assert english_left(out) == []
    row = next(line for line in out.splitlines() if line.startswith("a "))
    assert row.split()[1:3] == ["14", "13"]  # the columns still line up under the wider header


def test_the_locale_chooses_italian_when_no_lang_is_given(tmp_path, capsys, monkeypatch):
    monkeypatch.delenv("LC_ALL", raising=False)
    monkeypatch.delenv("LC_MESSAGES", raising=False)
    monkeypatch.setenv("LANG", "it_IT.UTF-8")
    out, _ = run(["--data-dir", str(tmp_path), "stats"], capsys)
    assert shows(out, commands.STATS_PER_DAY)
    out, _ = run(["--lang", "en", "--data-dir", str(tmp_path), "stats"], capsys)
    assert commands.STATS_PER_DAY.en in out  # --lang wins over the locale


def _damage(tmp_path) -> None:
    with Store.open_in(tmp_path) as store:
        StudyScheduler(load(()), store).review("a.03", "good", now=datetime.now(UTC))
    conn = sqlite3.connect(tmp_path / "progress.sqlite3", isolation_level=None)
    conn.execute("UPDATE cards SET card_json = '{broken'")
    conn.close()


def test_an_unreadable_record_is_italian_down_to_its_reason(it, capsys, tmp_path):
    _damage(tmp_path)
    _, err = run([*it, "stats"], capsys, code=1)
    assert shows(err, errors.UNREADABLE) and shows(err, errors.REASON_BAD_JSON)
    assert errors.RECORDS["cards"].it in err and english_left(err) == []


def test_doctor_finds_and_repairs_in_italian(it, capsys, tmp_path):
    _damage(tmp_path)
    out, _ = run([*it, "doctor"], capsys, code=1)
    for text in (
        commands.DOCTOR_LABEL_DATABASE,
        commands.DOCTOR_LABEL_INTEGRITY,
        commands.DOCTOR_LABEL_RECORDS,
        commands.DOCTOR_LABEL_QUARANTINE,
        commands.DOCTOR_QUARANTINE_EMPTY,
        commands.DOCTOR_RECORDS_BAD,
        commands.DOCTOR_FOUND,
    ):
        assert shows(out, text), text
    assert shows(out, errors.REASON_BAD_JSON) and english_left(out) == []
    out, _ = run([*it, "doctor", "--repair"], capsys)
    assert shows(out, commands.DOCTOR_REPAIRED) and shows(
        out, commands.DOCTOR_MEANING["cards/moved"]
    )
    assert english_left(out.replace(str(tmp_path), "")) == []
    labels = [line[: line.index("/")] for line in out.splitlines() if "/" in line[:40]]
    assert len({len(label) for label in labels}) == 1  # the Italian labels share one column


def test_doctor_json_stays_english_for_programs(it, capsys, tmp_path):
    _damage(tmp_path)
    out, _ = run([*it, "doctor", "--json"], capsys, code=1)
    report = json.loads(out)
    assert report["unreadable"][0]["reason"].startswith("not valid JSON")


@pytest.mark.parametrize(
    ("content", "text"),
    [(b"", errors.DB_EMPTY), (b"not a database at all", errors.DB_CORRUPT_NOT_SQLITE)],
    ids=["empty", "not-sqlite"],
)
def test_a_broken_database_file_is_reported_in_italian(it, capsys, tmp_path, content, text):
    (tmp_path / "progress.sqlite3").write_bytes(content)
    _, err = run([*it, "stats"], capsys, code=1)
    assert shows(err, text) and english_left(err) == []


def test_a_newer_schema_is_reported_in_italian(it, capsys, tmp_path):
    Store.open_in(tmp_path).close()
    conn = sqlite3.connect(tmp_path / "progress.sqlite3", isolation_level=None)
    conn.execute("PRAGMA user_version = 99")
    conn.close()
    _, err = run([*it, "stats"], capsys, code=1)
    assert shows(err, errors.DB_NEWER) and "99" in err and english_left(err) == []


def test_a_locked_database_is_reported_in_italian(it, capsys, tmp_path, monkeypatch):
    """A drill answered while another instance holds the database: the warning says why."""
    import io

    import tutor.store as store_mod

    Store.open_in(tmp_path).close()
    ex = registry.get("iou-nms").generate(3, 1)
    monkeypatch.setattr(sys, "stdin", io.StringIO(f"{ex.fields[0].expected_json()}\n"))
    monkeypatch.setattr(store_mod, "BUSY_TIMEOUT_S", 0.2)
    blocker = sqlite3.connect(tmp_path / "progress.sqlite3", isolation_level=None)
    blocker.execute("BEGIN EXCLUSIVE")
    try:
        _, err = run([*it, "drill", "iou-nms", "--seed", "3"], capsys)
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()
    assert shows(err, commands.DRILL_NOT_RECORDED) and shows(err, errors.DB_LOCKED)
    assert english_left(err) == []


def test_a_read_only_database_says_so_in_both_languages(tmp_path):
    bank = load(())
    with Store.open_in(tmp_path) as store:
        StudyScheduler(bank, store).review("a.01", "good", now=datetime.now(UTC))
    store = Store(tmp_path / "progress.sqlite3")
    store._conn.close()
    store._conn = sqlite3.connect(
        f"file:{store.path}?mode=ro", uri=True, isolation_level=None, check_same_thread=False
    )
    store._conn.row_factory = sqlite3.Row
    with pytest.raises(StoreError) as caught:
        StudyScheduler(bank, store).review("a.02", "good", now=datetime.now(UTC))
    store.close()
    assert "read-only" in caught.value.message  # the English message is unchanged
    assert shows(caught.value.render("it"), errors.DB_READ_ONLY)


def test_a_data_dir_that_is_a_file_is_reported_in_italian(capsys, tmp_path, monkeypatch):
    monkeypatch.delenv("LC_ALL", raising=False)
    not_a_dir = tmp_path / "file"
    not_a_dir.write_text("x")
    _, err = run(["--lang", "it", "--data-dir", str(not_a_dir), "stats"], capsys, code=1)
    assert shows(err, errors.DATA_DIR_NOT_DIR)


def test_an_error_keeps_its_english_message_and_renders_italian():
    exc = TutorError(errors.EXPORT_EXISTS, path="/tmp/x.apkg")
    assert exc.message == str(exc) == "/tmp/x.apkg already exists (use --force to overwrite)"
    assert exc.render("it") == errors.EXPORT_EXISTS.it.format(path="/tmp/x.apkg")
    assert TutorError("plain").render("it") == "plain"


# --- export ---------------------------------------------------------------------------------


def test_export_in_italian(it, capsys, tmp_path):
    target = tmp_path / "sheet.md"
    out, _ = run([*it, "export", "-o", str(target), "--topic", "a"], capsys)
    assert shows(out, commands.EXPORT_DONE) and shows(out, commands.QUESTIONS_MANY)
    assert english_left(out.replace(str(target), "")) == []
    _, err = run([*it, "export", "-o", str(target)], capsys, code=1)
    assert shows(err, errors.EXPORT_EXISTS)
    out, _ = run([*it, "export", "-o", str(tmp_path / "deck.apkg"), "--ids", "a.01"], capsys)
    assert shows(out, commands.EXPORT_ANKI) and shows(out, commands.QUESTIONS_ONE)


def test_export_takes_the_cards_language_from_an_explicit_lang_only(it, capsys, tmp_path):
    run([*it, "export", "-o", str(tmp_path / "it.md"), "--ids", "a.01"], capsys)
    assert render.ANSWER.it in (tmp_path / "it.md").read_text(encoding="utf-8")
    run(
        ["--data-dir", str(tmp_path), "export", "-o", str(tmp_path / "en.md"), "--ids", "a.01"],
        capsys,
    )
    assert render.ANSWER.en in (tmp_path / "en.md").read_text(encoding="utf-8")


# --- drills ---------------------------------------------------------------------------------


def test_drill_list_in_italian(it, capsys):
    out, _ = run([*it, "drill", "list"], capsys)
    for drill in registry.all_drills():
        assert drill.title_in("it") in out
    rows = json.loads(run([*it, "drill", "list", "--json"], capsys)[0])
    assert [r["title"] for r in rows] == [d.title_in("it") for d in registry.all_drills()]


def test_drill_json_is_the_italian_exercise(it, capsys):
    out, _ = run([*it, "drill", "conv-shape", "--seed", "4", "--difficulty", "2", "--json"], capsys)
    data = json.loads(out)
    italian = registry.get("conv-shape").generate(4, 2, "it").to_json()
    assert data == json.loads(json.dumps(italian)) and data["lang"] == "it"


def test_drill_asked_in_the_terminal_in_italian(tmp_path):
    """Through a pipe, as a student would: prompts, hint, verdict and solution in Italian."""
    env = {k: v for k, v in os.environ.items() if k not in ("LC_ALL", "LC_MESSAGES", "LANG")}
    ex = registry.get("sgd-step").generate(8, 1, "it")
    answers = "abc\n" + "\n".join("12345" for _ in ex.fields) + "\n"
    res = subprocess.run(
        [*TUTOR, "--lang", "it", "--data-dir", str(tmp_path), "drill", "sgd-step", "--seed", "8"],
        input=answers,
        capture_output=True,
        text=True,
        env=env,
    )
    assert res.returncode == 1, res.stderr
    out = res.stdout
    assert ex.statement in out and ex.fields[0].label in out
    assert shows(out, drills.NOT_A_NUMBER) and shows(out, commands.DRILL_SOLUTION)
    assert shows(out, commands.DRILL_WRONG) and shows(out, commands.DRILL_SCORE)
    assert english_left(out) == [] and res.stderr == ""


def test_drill_check_and_errors_in_italian(it, capsys, tmp_path):
    answers = tmp_path / "a.json"
    answers.write_text(json.dumps({"iou_ab": "x", "extra": 1}))
    out, _ = run([*it, "drill", "iou-nms", "--seed", "1", "--check", str(answers)], capsys, code=1)
    assert shows(out, commands.DRILL_IGNORED_KEYS) and shows(out, drills.NOT_A_NUMBER)
    assert english_left(out) == []
    _, err = run([*it, "drill", "nope"], capsys, code=2)
    assert shows(err, commands.DRILL_UNKNOWN)
    _, err = run([*it, "drill", "sgd-step", "--difficulty", "7"], capsys, code=2)
    assert shows(err, commands.DRILL_BAD_DIFFICULTY)
    answers.write_text("[1]")
    _, err = run([*it, "drill", "sgd-step", "--check", str(answers)], capsys, code=2)
    assert shows(err, commands.DRILL_NOT_OBJECT)


# --- the other commands take the run's language too ------------------------------------------


def test_help_lists_the_commands_in_italian(capsys):
    with pytest.raises(SystemExit):
        main(["--lang", "it", "--help"])
    out = capsys.readouterr().out
    assert cli.DESCRIPTION.it.split(".")[0] in " ".join(out.split())
    for name, text in cli.COMMAND_HELP.items():
        assert text.it.split(",")[0].split("(")[0].strip() in " ".join(out.split()), name
    assert demo_texts.HELP_DEMO.it.split("(")[0].strip() in out
    with pytest.raises(SystemExit):
        main(["--lang", "it", "stats", "--help"])
    assert commands.STATS_HELP_DAYS.it.split("(")[0].strip() in capsys.readouterr().out


def test_demo_list_follows_the_global_lang(it, capsys):
    out, _ = run([*it, "demo", "list"], capsys)
    head = demo_texts.LIST_QUESTIONS.it.split("{")[0]
    assert head in out and demo_texts.LIST_QUESTIONS.en.split("{")[0] not in out


def test_grade_takes_the_explicit_global_lang_and_otherwise_detects(monkeypatch):
    """The answer's language is the student's: an Italian locale does not force it."""
    from tutor import cli as cli_module

    monkeypatch.setenv("LANG", "it_IT.UTF-8")
    monkeypatch.delenv("LC_ALL", raising=False)
    grade = ["grade", "a.01", "--answer", "x"]
    seen = []
    for argv in (["--lang", "it", *grade], grade, ["--lang", "it", *grade, "--lang", "en"]):
        args = cli_module.build_parser().parse_args(argv)
        assert cli_module.run_lang(args, os.environ) == "it"  # its messages: Italian
        seen.append(args.lang)
    assert seen == ["it", None, "en"]  # None: grade detects the answer's language
