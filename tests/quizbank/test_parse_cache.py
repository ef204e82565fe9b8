"""The parse cache speeds loading up and can never change what is loaded."""

from __future__ import annotations

import os
import pickle
import subprocess
import sys
import time

from quizbank import load_bank, parse_cache, validate


def _write(d, text):
    d.mkdir(exist_ok=True)
    (d / "t.yaml").write_text(text, encoding="utf-8")


def test_cache_hit_equals_fresh_parse_and_edits_invalidate(tmp_path, monkeypatch, good_file_text):
    monkeypatch.setenv("TUTOR_CACHE_DIR", str(tmp_path / "cache"))
    d = tmp_path / "bank"
    _write(d, good_file_text)
    first = load_bank([d], include_builtin=False)
    assert list((tmp_path / "cache").glob("*.pickle"))
    second = load_bank([d], include_builtin=False)  # from the cache
    assert second.questions == first.questions
    monkeypatch.setenv("TUTOR_NO_CACHE", "1")
    assert load_bank([d], include_builtin=False).questions == first.questions
    monkeypatch.delenv("TUTOR_NO_CACHE")
    # an edit (new size and mtime) is seen at once, errors included
    time.sleep(0.01)
    _write(d, good_file_text.replace("What is overfitting?", "What is overfitting, really?"))
    assert load_bank([d], include_builtin=False).get("ml:1.01").question.endswith("really?")
    _write(d, good_file_text.replace("kind: open", "kind: [open"))
    assert any("YAML syntax error" in str(p) for p in validate([d], include_builtin=False))


def test_no_cache_switch_values(monkeypatch, tmp_path):
    monkeypatch.setenv("TUTOR_CACHE_DIR", str(tmp_path))
    for off in ("1", "yes", "true"):
        monkeypatch.setenv("TUTOR_NO_CACHE", off)
        assert parse_cache.cache_dir() is None
    for on in ("0", "", "false"):
        monkeypatch.setenv("TUTOR_NO_CACHE", on)
        assert parse_cache.cache_dir() == tmp_path


def test_unwritable_or_corrupt_cache_is_ignored(tmp_path, monkeypatch, good_file_text):
    d = tmp_path / "bank"
    _write(d, good_file_text)
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("x")
    monkeypatch.setenv("TUTOR_CACHE_DIR", str(blocker / "cache"))
    assert len(load_bank([d], include_builtin=False)) == 1
    cache = tmp_path / "cache"
    monkeypatch.setenv("TUTOR_CACHE_DIR", str(cache))
    load_bank([d], include_builtin=False)
    for p in cache.glob("*.pickle"):
        p.write_bytes(b"garbage")
    assert len(load_bank([d], include_builtin=False)) == 1
    assert not [p for p in os.listdir(cache) if p.endswith(".tmp")]


_EXAMPLES = """\
          it: [[rumore], [training]]
        examples:
          en: {hit: [It learns the noise of the training data.], miss: [It ignores noise.]}
          it: {hit: [Impara il rumore dei dati di training.]}
"""


def _with_examples(text: str) -> str:
    return text.replace("          it: [[rumore], [training]]\n", _EXAMPLES, 1)


def _examples(bank):
    return {
        (q.id, item.id): {lang: dict(by_label) for lang, by_label in item.examples.items()}
        for q in bank.questions
        for item in (*q.key_points, *q.misconceptions)
    }


def test_examples_are_read_from_the_cache_only_when_asked_for(
    tmp_path, monkeypatch, good_file_text
):
    """Start-up does not unpickle the rubric's examples; the first reader gets them whole."""
    monkeypatch.setenv("TUTOR_CACHE_DIR", str(tmp_path / "cache"))
    d = tmp_path / "bank"
    _write(d, _with_examples(good_file_text))
    load_bank([d], include_builtin=False)  # parses and writes the cache
    calls = []
    real_loads = parse_cache.pickle.loads
    monkeypatch.setattr(
        parse_cache.pickle, "loads", lambda data: calls.append(len(data)) or real_loads(data)
    )
    cached_bank = load_bank([d], include_builtin=False)
    assert calls == []
    examples = _examples(cached_bank)
    assert len(calls) == 1  # one file, one deferred part
    monkeypatch.setenv("TUTOR_NO_CACHE", "1")
    fresh = load_bank([d], include_builtin=False)
    assert examples == _examples(fresh)
    hit = examples[("ml:1.01", "noise")]["en"]["hit"][0]
    assert hit.text == "It learns the noise of the training data." and hit.line > 0
    assert cached_bank.questions == fresh.questions


def test_a_damaged_examples_part_is_parsed_again(tmp_path, monkeypatch, good_file_text):
    monkeypatch.setenv("TUTOR_CACHE_DIR", str(tmp_path / "cache"))
    d = tmp_path / "bank"
    _write(d, _with_examples(good_file_text))
    fresh = _examples(load_bank([d], include_builtin=False))
    (entry,) = (tmp_path / "cache").glob("*.pickle")
    data = bytearray(entry.read_bytes())
    start = data.rindex(b"It learns the noise")  # inside the second (deferred) pickle
    data[start - 40 : start] = b"\xff" * 40
    entry.write_bytes(bytes(data))
    assert _examples(load_bank([d], include_builtin=False)) == fresh


def test_a_cached_question_pickles_whole(tmp_path, monkeypatch, good_file_text):
    """Outside the cache (a copy, another process) a question carries its examples."""
    monkeypatch.setenv("TUTOR_CACHE_DIR", str(tmp_path / "cache"))
    d = tmp_path / "bank"
    _write(d, _with_examples(good_file_text))
    load_bank([d], include_builtin=False)
    q = load_bank([d], include_builtin=False).get("ml:1.01")
    copy = pickle.loads(pickle.dumps(q))
    assert copy == q
    assert copy.key_points[0].examples["it"]["hit"][0].text.startswith("Impara")


def test_the_key_follows_the_stemmer_without_reading_package_metadata(tmp_path, monkeypatch):
    """A new stemmer (another install writes new files) gives new keys; finding that out
    must not import importlib.metadata (~20 ms of every start)."""
    stemmer = tmp_path / "Stemmer.so"
    stemmer.write_bytes(b"v1")
    monkeypatch.setattr(
        parse_cache, "_module_file", lambda name: stemmer if name == "Stemmer" else None
    )
    parse_cache._code_fingerprint.cache_clear()
    first = parse_cache._code_fingerprint()
    stemmer.write_bytes(b"v2 with more bytes")
    parse_cache._code_fingerprint.cache_clear()
    second = parse_cache._code_fingerprint()
    stemmer.unlink()
    parse_cache._code_fingerprint.cache_clear()
    third = parse_cache._code_fingerprint()
    parse_cache._code_fingerprint.cache_clear()
    assert len({first, second, third}) == 3
    code = (
        "import sys; from quizbank import load_bank; load_bank(); "
        "print('importlib.metadata' in sys.modules)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    assert out.stdout.strip() == "False"
