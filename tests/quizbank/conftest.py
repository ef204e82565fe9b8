"""Helpers to write small bank directories for loader tests."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

GOOD_QUESTION = """\
  - id: "1.01"
    question: What is overfitting?
    kind: open
    answer:
      en: |
        Overfitting is fitting the noise of the training set.
      it: |
        L'overfitting è adattarsi al rumore del training set.
    key_points:
      - id: noise
        weight: 3
        text: {en: Fits noise., it: Adatta il rumore.}
        terms:
          en: [[noise], [training]]
          it: [[rumore], [training]]
      - id: fit
        weight: 1
        text: {en: It fits., it: Si adatta.}
        terms:
          en: [[fitting]]
          it: [[adattarsi]]
      - id: set
        weight: 1
        text: {en: Training set., it: Training set.}
        terms:
          en: [[set]]
          it: [[set]]
    misconceptions:
      - id: longer
        text: {en: Longer is better., it: Più a lungo è meglio.}
        correction: {en: No., it: No.}
        terms:
          en: [[longer], [better]]
          it: [[lungo], [meglio]]
    demos: []
    drills: []
    see_also: []
"""

HEADER = """\
bank: ml
topic: "1"
title: {en: Generalisation, it: Generalizzazione}
questions:
"""


def write_bank(tmp_path: Path, body: str, name: str = "t.yaml") -> Path:
    """A bank directory holding one topic file with ``body`` (dedented)."""
    d = tmp_path / "mybank"
    d.mkdir(exist_ok=True)
    (d / name).write_text(textwrap.dedent(body), encoding="utf-8")
    return d


@pytest.fixture
def good_file_text() -> str:
    return HEADER + GOOD_QUESTION


@pytest.fixture
def good_question() -> str:
    return GOOD_QUESTION


@pytest.fixture
def bank_writer():
    return write_bank
