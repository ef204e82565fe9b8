"""Fixtures for app tests: a small bank, a fresh data directory, a fixed clock."""

from __future__ import annotations

import os
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from quizbank import Bank
from tutor.store import Store
from tutor.ui.app import TutorApp

NOW = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def utc_timezone(monkeypatch):
    """Dates on screen are local; pin them so snapshots are the same everywhere."""
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    yield
    time.tzset()


@pytest.fixture
def make_app(mini_bank: Bank, tmp_path: Path):
    stores: list[Store] = []

    def make(bank: Bank | None = None, clock=lambda: NOW, **kw) -> TutorApp:
        store = Store.open_in(tmp_path)
        stores.append(store)
        kw.setdefault("fuzz", False)  # FSRS interval fuzzing is random: keep screens reproducible
        return TutorApp(bank or mini_bank, store, data_dir=tmp_path, clock=clock, **kw)

    yield make
    for s in stores:
        s.close()


def pytest_collection_modifyitems(items):
    os.environ.setdefault("TEXTUAL_ANIMATIONS", "none")
