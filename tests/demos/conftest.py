"""One quick CPU run per demo, shared by every test of a session that asks for it.

Tests that need a demo's quick run take the ``quick_run`` fixture and a ``name``
parameter; collection puts all of one demo's tests in one xdist group, so with
``pytest -n auto`` (``--dist loadgroup`` is set in pyproject) each quick run happens once,
on one worker; without xdist everything runs here, each run once.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

import pytest

from demos.platform.execute import execute


@dataclass
class QuickRun:
    """What ``execute(name, quick=True)`` on the CPU emitted and wrote."""

    events: list[dict[str, Any]]
    out_dir: Path

    @property
    def end(self) -> dict[str, Any]:
        return self.events[-1]

    @property
    def start(self) -> dict[str, Any]:
        return self.events[0]

    @property
    def frames(self) -> list[dict[str, Any]]:
        return [e for e in self.events if e["type"] == "frame"]

    @cached_property
    def saved(self) -> dict[str, Any]:
        """metrics.json as written by the run."""
        return json.loads((self.out_dir / "metrics.json").read_text())


@pytest.hookimpl(tryfirst=True)  # before xdist reads the groups
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Keep every test of one demo's quick run on one xdist worker."""
    for item in items:
        callspec = getattr(item, "callspec", None)
        if callspec is not None and "quick_run" in getattr(item, "fixturenames", ()):
            name = callspec.params.get("name")
            if name is not None:
                item.add_marker(pytest.mark.xdist_group(f"demo-{name}"))


@pytest.fixture(scope="session")
def quick_run(tmp_path_factory) -> Callable[[str], QuickRun]:
    """The quick run of a demo, done at most once a session: each one costs seconds."""
    root = tmp_path_factory.mktemp("quick")
    runs: dict[str, QuickRun] = {}

    def get(name: str) -> QuickRun:
        if name not in runs:
            events: list[dict[str, Any]] = []
            out = root / name
            execute(name, device="cpu", quick=True, out_dir=out, emit=events.append)
            runs[name] = QuickRun(events, out)
        return runs[name]

    return get
