"""An ASCII-only locale (``LC_ALL=C PYTHONUTF8=0 PYTHONCOERCECLOCALE=0``): no command
crashes on printing, a non-ASCII answer still reads, and bytes that are not UTF-8 say so."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tutor.cli import _printable_fallback, read_text_input
from tutor.errors import TutorError

ASCII_ENV = {"LC_ALL": "C", "PYTHONUTF8": "0", "PYTHONCOERCECLOCALE": "0"}


def ascii_env() -> dict[str, str]:
    keep = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("LC_", "LANG")) and k != "PYTHONIOENCODING"
    }
    return {**keep, **ASCII_ENV}


def tutor_ascii(*args: str, stdin: bytes = b"") -> subprocess.CompletedProcess:
    env = ascii_env()
    return subprocess.run(
        [sys.executable, "-m", "tutor", *args],
        input=stdin,
        capture_output=True,
        env=env,
        timeout=120,
    )


def test_the_environment_really_is_ascii():
    res = subprocess.run(
        [sys.executable, "-c", "import sys; print(sys.stdout.encoding, sys.flags.utf8_mode)"],
        capture_output=True,
        text=True,
        env=ascii_env(),
    )
    encoding, utf8_mode = res.stdout.split()
    assert utf8_mode == "0" and encoding.lower() in ("ascii", "ansi_x3.4-1968", "us-ascii")


@pytest.mark.parametrize(
    "args",
    [
        ("bank", "show", "a.01"),
        ("bank", "show", "a.01", "--lang", "it"),
        ("stats",),
        ("drill", "conv-shape", "--seed", "1", "--json"),
        ("grade", "a.01", "--answer", "Il gradiente è la direzione di massima salita; θ ← θ − η∇L"),
    ],
    ids=["bank-show", "bank-show-it", "stats", "drill", "grade"],
)
def test_commands_print_in_an_ascii_locale(tmp_path, args):
    """They used to end with "internal error: UnicodeEncodeError" (exit 70)."""
    res = tutor_ascii("--data-dir", str(tmp_path), *args)
    err = res.stderr.decode("ascii")
    assert res.returncode == 0, err
    assert "UnicodeEncodeError" not in err and "Traceback" not in err
    out = res.stdout.decode("ascii")  # every byte is printable ASCII
    assert out.strip()


def test_export_in_an_ascii_locale(tmp_path):
    res = tutor_ascii("export", "-o", str(tmp_path / "deck.md"), "--lang", "it")
    assert res.returncode == 0, res.stderr
    assert "UnicodeEncodeError" not in res.stderr.decode("ascii")
    assert b"exported" in res.stdout
    # the locale changes the console only: the file keeps its accents, in UTF-8
    assert "è" in (tmp_path / "deck.md").read_text(encoding="utf-8")


def test_a_non_ascii_answer_is_read_as_the_student_typed_it(tmp_path):
    """It used to be refused: "the answer is not valid Unicode text (unpaired \\udcc3…)"."""
    res = tutor_ascii(
        "grade", "a.01", "--json", "--answer", "perché il gradiente è la salita più ripida"
    )
    assert res.returncode == 0, res.stderr
    assert b"not valid Unicode" not in res.stderr


def test_a_non_utf8_data_dir_name_still_works(tmp_path):
    """Paths keep the bytes the OS gave: only text arguments are decoded as UTF-8."""
    weird = os.fsencode(str(tmp_path)) + b"/dati-\xe8"
    res = subprocess.run(
        [os.fsencode(sys.executable), b"-m", b"tutor", b"--data-dir", weird, b"stats", b"--json"],
        capture_output=True,
        env=ascii_env(),
        timeout=120,
    )
    assert res.returncode == 0, res.stderr
    assert (Path(os.fsdecode(weird)) / "progress.sqlite3").exists()


def test_binary_standard_input_is_not_a_crash(tmp_path):
    res = tutor_ascii("grade", "a.01", "--answer-file", "-", stdin=b"\xff\xfe\x00binary")
    err = res.stderr.decode("ascii")
    assert res.returncode in (1, 2), err
    assert "Traceback" not in err and err.count("\n") == 1
    assert "standard input" in err


def test_read_text_input_names_what_is_not_utf8(tmp_path, monkeypatch):
    f = tmp_path / "answer.txt"
    f.write_bytes("caffè".encode("latin-1"))
    with pytest.raises(
        TutorError, match=r"answer\.txt is not UTF-8 text \(byte 0xe8 at position 4\)"
    ):
        read_text_input(f)
    f.write_bytes("caffè ✓".encode())
    assert read_text_input(f) == "caffè ✓"

    class Stdin:
        buffer = io.BytesIO(b"ok \xc3(")

    monkeypatch.setattr(sys, "stdin", Stdin())
    with pytest.raises(TutorError, match=r"^standard input is not UTF-8 text \(byte 0xc3"):
        read_text_input("-")
    with pytest.raises(TutorError, match=r"cannot read .*missing"):
        read_text_input(tmp_path / "missing")


def test_printable_fallback_keeps_meaning():
    text = "Perché — θ ← θ − η·∇L ✓ ½ Σ"
    assert text.encode("ascii", "tutor-printable").decode() == (
        "Perche - theta <- theta - eta.nabla L + 1/2 Sigma"
    )
    with pytest.raises(UnicodeDecodeError):
        _printable_fallback(UnicodeDecodeError("ascii", b"\xff", 0, 1, "x"))
