"""Loader and validator: each class of error is reported at its exact file:line."""

from __future__ import annotations

from pathlib import Path

import pytest

from quizbank import BankError, load_bank, validate

QID_LINE = 'id: "1.01"'


def write_bank(tmp_path: Path, body: str, name: str = "t.yaml") -> Path:
    d = tmp_path / "mybank"
    d.mkdir(exist_ok=True)
    (d / name).write_text(body, encoding="utf-8")
    return d


def problems_for(tmp_path: Path, text: str, **kw) -> list[str]:
    d = write_bank(tmp_path, text)
    return [str(p) for p in validate([d], include_builtin=False, **kw)]


def line_of(text: str, needle: str, nth: int = 1) -> int:
    """1-based line of the nth line containing ``needle``."""
    count = 0
    for i, line in enumerate(text.splitlines(), 1):
        if needle in line:
            count += 1
            if count == nth:
                return i
    raise AssertionError(needle)


def test_good_bank_loads_with_namespace(tmp_path, good_file_text):
    d = write_bank(tmp_path, good_file_text)
    assert validate([d], include_builtin=False) == []
    bank = load_bank([d], include_builtin=False)
    q = bank.get("ml:1.01")
    assert q.local_id == "1.01" and q.namespace == "ml"
    assert [kp.id for kp in q.key_points] == ["noise", "fit", "set"]
    assert q.key_points[0].terms["en"] == [["noise"], ["training"]]
    assert bank.topics[0].id == "ml:1"


def test_default_namespace_is_directory_name(tmp_path, good_file_text):
    d = write_bank(tmp_path, good_file_text.replace("bank: ml\n", ""))
    bank = load_bank([d], include_builtin=False)
    assert "mybank:1.01" in bank


def test_yaml_syntax_error_reports_line(tmp_path, good_file_text):
    text = good_file_text.replace("    kind: open", "    kind: [open")
    out = problems_for(tmp_path, text)
    assert len(out) == 1
    assert "YAML syntax error" in out[0]
    path, line, _col, _ = out[0].split(":", 3)
    assert path.endswith("t.yaml")
    # libyaml reports the flow sequence problem on the line after the opening bracket
    assert int(line) in (line_of(text, "kind: [open"), line_of(text, "kind: [open") + 1)


def test_unsafe_tag_is_rejected_without_constructing(tmp_path, good_file_text):
    text = good_file_text.replace(
        "    kind: open", "    kind: !!python/object/apply:os.system ['echo pwned']"
    )
    out = problems_for(tmp_path, text)
    assert len(out) == 1 and "unsafe or unknown YAML tag" in out[0]
    assert f":{line_of(text, 'python/object')}:" in out[0]


def test_duplicate_ids(tmp_path, good_file_text, good_question):
    text = good_file_text + good_question
    out = problems_for(tmp_path, text)
    assert len(out) == 1 and "duplicate question id '1.01'" in out[0]
    assert f"t.yaml:{line_of(text, QID_LINE, 2)}:" in out[0]


def test_duplicate_ids_across_files(tmp_path, good_file_text):
    d = write_bank(tmp_path, good_file_text, "a.yaml")
    write_bank(tmp_path, good_file_text.replace('topic: "1"', 'topic: "1"'), "b.yaml")
    out = [str(p) for p in validate([d], include_builtin=False)]
    assert any("b.yaml" in o and "duplicate question id" in o for o in out)


def test_unknown_and_missing_fields(tmp_path, good_file_text):
    text = good_file_text.replace("    kind: open\n", "    knid: open\n").replace(
        "    question: What is overfitting?\n", ""
    )
    out = problems_for(tmp_path, text)
    assert any(f":{line_of(text, 'knid')}:" in o and "unknown field 'knid'" in o for o in out)
    assert any("missing field 'question'" in o for o in out)


EMPTY_IT = "it: ''"


def test_empty_and_missing_language(tmp_path, good_file_text):
    text = good_file_text.replace(
        "      it: |\n        L'overfitting è adattarsi al rumore del training set.\n",
        "      it: ''\n",
    )
    out = problems_for(tmp_path, text)
    assert any("'answer.it' is empty" in o and f":{line_of(text, EMPTY_IT)}:" in o for o in out)
    text2 = good_file_text.replace(
        "text: {en: Fits noise., it: Adatta il rumore.}", "text: {en: Fits noise.}"
    )
    out2 = problems_for(tmp_path, text2)
    assert any(
        "missing language 'it'" in o and f":{line_of(text2, 'Fits noise')}:" in o for o in out2
    )


def test_key_point_without_terms(tmp_path, good_file_text):
    text = good_file_text.replace(
        "          en: [[fitting]]\n          it: [[adattarsi]]\n",
        "          en: []\n          it: [[adattarsi]]\n",
    )
    out = problems_for(tmp_path, text)
    assert any("no match terms for 'en'" in o for o in out)


def test_key_point_terms_not_in_answer(tmp_path, good_file_text):
    text = good_file_text.replace("en: [[noise], [training]]", "en: [[noise], [validation]]")
    out = problems_for(tmp_path, text)
    assert len(out) == 1 and "key point noise: terms.en are not all found" in out[0]
    assert f":{line_of(text, '- id: noise')}:" in out[0]


def test_see_also_unknown(tmp_path, good_file_text):
    text = good_file_text.replace("    see_also: []", '    see_also: ["9.99"]')
    out = problems_for(tmp_path, text)
    assert len(out) == 1 and "see_also unknown question id '9.99'" in out[0]
    assert f":{line_of(text, 'see_also')}:" in out[0]


def test_demo_names_warning_and_strict(tmp_path, good_file_text):
    text = good_file_text.replace("    demos: []", "    demos: [vq-vae, no-such-demo]")
    d = write_bank(tmp_path, text)
    probs = validate([d], include_builtin=False, known_demos=set(), known_drills=set())
    sev = {p.message.split("'")[1]: p.severity for p in probs}
    assert sev == {"vq-vae": "warning", "no-such-demo": "error"}
    strict = validate(
        [d], include_builtin=False, known_demos=set(), known_drills=set(), strict=True
    )
    assert all(p.severity == "error" for p in strict)
    assert validate([d], include_builtin=False, known_demos={"vq-vae"}, known_drills=set())[
        0
    ].message.endswith("unknown demo 'no-such-demo'")


def test_key_point_count_and_weight(tmp_path, good_file_text):
    text = good_file_text.replace("        weight: 3", "        weight: 5")
    out = problems_for(tmp_path, text)
    assert any(
        "weight must be 1, 2 or 3" in o and f":{line_of(text, 'weight: 5')}:" in o for o in out
    )


def test_missing_misconceptions_for_open_question(tmp_path, good_file_text):
    start = good_file_text.index("    misconceptions:")
    end = good_file_text.index("    demos:")
    text = good_file_text[:start] + good_file_text[end:]
    out = problems_for(tmp_path, text)
    assert any("needs at least one misconception" in o for o in out)


def test_not_a_mapping_and_bad_utf8(tmp_path):
    d = write_bank(tmp_path, "- just\n- a list\n")
    assert "must be a mapping" in str(validate([d], include_builtin=False)[0])
    (d / "t.yaml").write_bytes(b"topic: \xff\xfe\n")
    assert "not valid UTF-8" in str(validate([d], include_builtin=False)[0])


def test_load_bank_raises_one_line(tmp_path, good_file_text, good_question):
    d = write_bank(tmp_path, good_file_text + good_question + good_question)
    with pytest.raises(BankError) as exc:
        load_bank([d], include_builtin=False)
    msg = str(exc.value)
    assert "\n" not in msg and "duplicate question id" in msg and "1 more" in msg


def test_bare_boolean_term_is_reported(tmp_path, good_file_text):
    text = good_file_text.replace("en: [[fitting]]", "en: [[fitting, no]]")
    out = problems_for(tmp_path, text)
    assert len(out) == 1 and "quote it" in out[0]
    assert f":{line_of(text, '[[fitting, no]]')}:" in out[0]


def test_alias_bomb_is_refused_quickly(tmp_path):
    import time

    lines = ['l0: &l0 ["x", "x", "x", "x", "x", "x", "x", "x", "x"]']
    for i in range(1, 9):  # nine levels of nine aliases: 387 million values once expanded
        lines.append(f"l{i}: &l{i} [" + ", ".join([f"*l{i - 1}"] * 9) + "]")
    start = time.perf_counter()
    out = problems_for(tmp_path, "\n".join(lines) + "\n")
    assert len(out) == 1 and "document too large" in out[0]
    assert time.perf_counter() - start < 20  # it used to run for minutes and take gigabytes
