"""A missing, unusable or read-only data directory gives one clear line, never a traceback.

Tests run as root here, and root ignores permission bits; /proc and /sys are
read-only for everybody, so they stand in for a read-only directory.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tutor.errors import TutorError
from tutor.paths import data_dir


def tutor(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "tutor", *args],
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        timeout=60,
    )


def one_line_error(res: subprocess.CompletedProcess, needle: str) -> None:
    assert res.returncode == 1, res.stderr
    assert "Traceback" not in res.stderr
    assert res.stderr.count("\n") == 1 and needle in res.stderr, res.stderr


@pytest.mark.skipif(not Path("/sys").is_dir(), reason="needs a read-only /sys")
def test_uncreatable_data_dir_for_stats_and_the_app():
    one_line_error(
        tutor("--data-dir", "/sys/cidl-tutor-test", "stats"), "cannot create data directory"
    )
    # the app itself fails the same way before it takes over the terminal
    one_line_error(tutor("--data-dir", "/sys/cidl-tutor-test"), "cannot create data directory")


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="needs /proc")
def test_read_only_existing_directory():
    one_line_error(tutor("--data-dir", "/proc", "stats"), "read-only")


def test_data_dir_that_is_a_file(tmp_path):
    f = tmp_path / "file"
    f.write_text("x")
    one_line_error(tutor("--data-dir", str(f), "stats"), "is not a directory")
    with pytest.raises(TutorError, match="is not a directory"):
        data_dir(f)


def test_env_variable_and_option_precedence(tmp_path, monkeypatch):
    monkeypatch.setenv("TUTOR_DATA_DIR", str(tmp_path / "env"))
    assert data_dir() == tmp_path / "env" and (tmp_path / "env").is_dir()
    assert data_dir(tmp_path / "opt") == tmp_path / "opt"


def test_missing_directory_is_created(tmp_path):
    res = tutor("--data-dir", str(tmp_path / "new" / "deeper"), "stats", "--json")
    assert res.returncode == 0, res.stderr
    assert (tmp_path / "new" / "deeper" / "progress.sqlite3").is_file()


def test_an_empty_database_file_is_reported_not_reinitialised(tmp_path):
    (tmp_path / "progress.sqlite3").touch()
    one_line_error(tutor("--data-dir", str(tmp_path), "stats"), "is empty (0 bytes)")
    one_line_error(tutor("--data-dir", str(tmp_path)), "is empty (0 bytes)")  # the app too
    assert (tmp_path / "progress.sqlite3").stat().st_size == 0


def test_another_programs_database_is_refused_byte_identical(tmp_path):
    import hashlib
    import sqlite3

    db = tmp_path / "progress.sqlite3"
    conn = sqlite3.connect(db)
    conn.execute("CREATE TABLE cards (front TEXT, back TEXT)")  # e.g. some other flashcard app
    conn.commit()
    conn.close()
    before = hashlib.sha256(db.read_bytes()).hexdigest()
    one_line_error(
        tutor("--data-dir", str(tmp_path), "stats"), "is not a cidl-tutor progress database"
    )
    assert hashlib.sha256(db.read_bytes()).hexdigest() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["progress.sqlite3"]
