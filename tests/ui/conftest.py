"""Fixtures for app tests: a small bank, a fresh data directory, a fixed clock."""

from __future__ import annotations

import os
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from textual.widgets import Input, TextArea

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


async def _settle(pilot) -> None:
    """Wait for workers, animations and call_after_refresh work, then stop the cursors
    blinking: a busy machine can pass the 0.5 s blink between the last key and the picture."""
    await pilot.pause()
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()
    await pilot.wait_for_scheduled_animations()
    for widget in pilot.app.screen.query("Input, TextArea"):
        if isinstance(widget, Input | TextArea):
            widget.cursor_blink = False
    await pilot.pause(0.2)  # let call_after_refresh work (e.g. scrolling to the grade) land


@pytest.fixture
def settle():
    """The wait before a snapshot, shared by every snapshot test."""
    return _settle


@pytest.fixture
def with_history():
    """Three reviews on three days, so that home and stats have history to show."""

    def add(app: TutorApp) -> TutorApp:
        now = app.clock()
        reviews = [("a.01", "good"), ("a.02", "again"), ("b.01", "easy")]
        for i, (qid, rating) in enumerate(reviews):
            app.scheduler.review(qid, rating, now=now - timedelta(days=3 - i))
        return app

    return add
