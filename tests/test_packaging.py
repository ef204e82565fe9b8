"""A wheel built from the repo carries the bank and data, and lists 97 questions."""

from __future__ import annotations

import json
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(out),
            str(ROOT),
        ],
        check=True,
        capture_output=True,
        cwd=out,
    )
    (whl,) = out.glob("cidl_tutor-*.whl")
    return whl


def test_wheel_contains_bank_and_data(wheel):
    names = zipfile.ZipFile(wheel).namelist()
    yamls = [n for n in names if n.startswith("quizbank/") and n.endswith(".yaml")]
    assert len(yamls) == 8
    assert "quizbank/README.md" in names
    assert any(n.startswith("demos/data/") and n.endswith(".csv.gz") for n in names)
    assert not any(n.startswith("tests/") for n in names)


def test_installed_wheel_lists_97_questions(wheel, tmp_path):
    target = tmp_path / "site"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--no-deps",
            "-q",
            "--target",
            str(target),
            str(wheel),
        ],
        check=True,
        capture_output=True,
    )
    code = (
        "import sys; sys.path.insert(0, sys.argv[1]);"
        "import quizbank, tutor.cli;"
        "assert quizbank.__file__.startswith(sys.argv[1]), quizbank.__file__;"
        "sys.exit(tutor.cli.main(['bank', 'list', '--json']))"
    )
    res = subprocess.run(
        [sys.executable, "-c", code, str(target)], capture_output=True, text=True, cwd=tmp_path
    )
    assert res.returncode == 0, res.stderr
    rows = json.loads(res.stdout)
    assert len(rows) == 97
    assert {"id", "topic", "question", "kind", "demos", "drills"} <= set(rows[0])
