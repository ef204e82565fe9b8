"""Bank files over the size limit are refused before parsing, at ``file:1:1``.

The review's 50 MB file of small values took 35 s and 3.9 GB before "document
too large"; a sparse file of that size now costs a ``stat``.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from quizbank import BankError, load_bank, validate
from quizbank.yamlsrc import MAX_FILE_BYTES, YamlError, read_source


def test_a_sparse_50mb_file_is_refused_unread(tmp_path, monkeypatch):
    d = tmp_path / "big"
    d.mkdir()
    f = d / "huge.yaml"
    with open(f, "wb") as fh:
        fh.truncate(50 * 1024 * 1024)  # sparse: no disk used, 50 MB to read
    reads: list[int] = []
    real_open = open

    def spy_open(path, mode="r", *args, **kwargs):
        if str(path) == str(f):
            reads.append(1)
        return real_open(path, mode, *args, **kwargs)

    monkeypatch.setattr("builtins.open", spy_open)
    (problem,) = validate([d], include_builtin=False)
    assert (problem.file, problem.line, problem.column) == (f, 1, 1)
    assert "file is too large (50.0 MB; a bank file may be at most 4.0 MB)" in str(problem)
    assert str(problem).startswith(f"{f}:1:1: ")
    assert reads == []  # refused from its size alone
    with pytest.raises(BankError, match="too large"):
        load_bank([d], include_builtin=False)


def test_the_limit_itself_is_allowed_and_one_byte_more_is_not(tmp_path):
    f = tmp_path / "t.yaml"
    f.write_bytes(b"#" * MAX_FILE_BYTES)
    assert len(read_source(f)) == MAX_FILE_BYTES
    f.write_bytes(b"#" * (MAX_FILE_BYTES + 1))
    with pytest.raises(YamlError, match="too large") as err:
        read_source(f)
    assert (err.value.mark.line, err.value.mark.column) == (1, 1)


def test_a_file_that_lies_about_its_size_is_read_only_up_to_the_limit(tmp_path):
    """/proc-style files report size 0 and may go on for ever: the read stops at the limit."""
    if not os.path.exists("/dev/zero"):
        pytest.skip("needs /dev/zero")
    with pytest.raises(YamlError, match="too large"):
        read_source(Path("/dev/zero"), limit=1024)


def test_a_real_50mb_bank_file_fails_fast_and_small(tmp_path):
    """The review's case, end to end in a fresh process: seconds and memory stay small."""
    d = tmp_path / "big"
    d.mkdir()
    line = b"- 1\n"
    (d / "huge.yaml").write_bytes(line * (50 * 1024 * 1024 // len(line)))
    code = (
        "import sys\n"
        "from quizbank import validate\n"
        "ps = validate([sys.argv[1]], include_builtin=False)\n"
        "print(ps[0])\n"
        # VmHWM is this process's own peak: ru_maxrss keeps the peak of the process
        # that forked it across exec, so a big pytest parent would be counted.
        "hwm = [l for l in open('/proc/self/status') if l.startswith('VmHWM')]\n"
        "print(hwm[0].split()[1] if hwm else 0)\n"
    )
    res = subprocess.run(
        [sys.executable, "-c", code, str(d)],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "TUTOR_NO_CACHE": "1"},
    )
    assert res.returncode == 0, res.stderr
    first, max_rss_kb = res.stdout.splitlines()
    assert first == (
        f"{d / 'huge.yaml'}:1:1: file is too large (50.0 MB; a bank file may be at most "
        "4.0 MB): split it into topics"
    )
    assert int(max_rss_kb) < 300 * 1024, max_rss_kb  # the old parse peaked at 3.9 GB
