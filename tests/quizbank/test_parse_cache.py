"""The parse cache speeds loading up and can never change what is loaded."""

from __future__ import annotations

import os
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
