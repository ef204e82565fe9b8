"""Shared fixtures: a small synthetic bank so core tests do not depend on the real content."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pytest

from quizbank import Bank, load_bank

_SCRATCH: list[Path] = []


def pytest_configure(config) -> None:
    """Tests never touch the user's real cache or progress database."""
    scratch = Path(tempfile.mkdtemp(prefix="cidl-tutor-tests-"))
    _SCRATCH.append(scratch)
    os.environ["TUTOR_CACHE_DIR"] = str(scratch / "cache")
    os.environ["TUTOR_DATA_DIR"] = str(scratch / "data")


def pytest_unconfigure(config) -> None:
    """One scratch directory per run used to be left in the temp directory for good."""
    while _SCRATCH:
        shutil.rmtree(_SCRATCH.pop(), ignore_errors=True)


def write_mini_bank(directory: Path, topics: str = "abcd", per_topic: int = 5) -> Path:
    """A valid bank (namespace cidl, bare ids) with simple rubric terms."""
    directory.mkdir(parents=True, exist_ok=True)
    for t in topics:
        lines = [
            f"bank: cidl\ntopic: {t}\ntitle: {{en: Topic {t}, it: Argomento {t}}}\nquestions:\n"
        ]
        for i in range(1, per_topic + 1):
            lines.append(
                f"""  - id: {t}.{i:02d}
    question: Question {t}.{i:02d} about gradients?
    kind: open
    answer:
      en: |
        The gradient points uphill so we step against it.
        The learning rate scales the step.
        Minibatches give a noisy estimate.
      it: |
        Il gradiente punta in salita quindi si va contro di esso.
        Il learning rate scala il passo.
        I minibatch danno una stima rumorosa.
    key_points:
      - {{id: dir, weight: 3, text: {{en: Step against the gradient., it: Contro il gradiente.}},
          terms: {{en: [[gradient], [against, opposite]], it: [[gradiente], [contro, opposto]]}}}}
      - {{id: lr, weight: 2, text: {{en: Learning rate scales the step., it: Il learning rate scala.}},
          terms: {{en: [[learning rate], [step]], it: [[learning rate], [passo]]}}}}
      - {{id: noise, weight: 1, text: {{en: Minibatch noise., it: Rumore del minibatch.}},
          terms: {{en: [[minibatch], [noisy, noise]], it: [[minibatch], [rumorosa, rumore]]}}}}
    misconceptions:
      - {{id: uphill, text: {{en: We follow the gradient uphill., it: Si segue il gradiente in salita.}},
          correction: {{en: Against it., it: Contro.}},
          terms: {{en: [[follow], [uphill]], it: [[segue], [salita]]}}}}
    demos: [sgd-descent]
    drills: [sgd-step]
    see_also: []
"""
            )
        (directory / f"{t}.yaml").write_text("".join(lines), encoding="utf-8")
    return directory


@pytest.fixture(scope="session")
def mini_bank(tmp_path_factory) -> Bank:
    d = write_mini_bank(tmp_path_factory.mktemp("minibank"))
    return load_bank([d], include_builtin=False)


def _terminal_module():
    import importlib.util

    spec = importlib.util.spec_from_file_location(
        "cidl_tests_terminal", Path(__file__).with_name("terminal.py")
    )
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


@pytest.fixture
def tmux():
    """A factory of real-terminal sessions (tests/terminal.py), all closed after the test.

    Skips when tmux is not installed.
    """
    terminal = _terminal_module()
    if not terminal.have_tmux():
        pytest.skip("tmux is not installed")
    sessions = []

    def start(command, **kw):
        s = terminal.TmuxSession(command, **kw)
        sessions.append(s)
        return s

    yield start
    for s in sessions:
        s.close()
