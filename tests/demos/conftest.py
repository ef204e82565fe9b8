"""One quick CPU run per demo, shared by the catalogue contract and the group files."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from demos.framework import execute

RUNNER = Path(__file__).with_name("quick_runner.py")


@dataclass
class QuickRun:
    """What ``execute(name, quick=True)`` on the CPU emitted and wrote."""

    events: list[dict[str, Any]]
    out_dir: Path

    @property
    def end(self) -> dict[str, Any]:
        return self.events[-1]

    @property
    def frames(self) -> list[dict[str, Any]]:
        return [e for e in self.events if e["type"] == "frame"]


def _wanted(session: pytest.Session) -> list[str]:
    """The demos whose quick run the collected tests ask for, in test order."""
    names: dict[str, None] = {}
    for item in session.items:
        callspec = getattr(item, "callspec", None)
        uses = "quick_run" in getattr(item, "fixturenames", ())
        if uses and callspec is not None and "name" in callspec.params:
            names[callspec.params["name"]] = None
    return list(names)


@pytest.fixture(scope="session")
def quick_run(request, tmp_path_factory) -> Iterator[Callable[[str], QuickRun]]:
    """The quick run of a demo, done once a session: each one costs seconds.

    Every other demo goes to a helper process (quick_runner.py), so both cores of a CI
    machine work; while this process waits for the helper it runs its own share.
    """
    root = tmp_path_factory.mktemp("quick")
    wanted = _wanted(request.session)
    mine, theirs = wanted[::2], wanted[1::2]
    helper = None
    if theirs and (os.cpu_count() or 1) > 1:
        with open(root / "helper.log", "w") as log:  # a file: a full pipe would block it
            helper = subprocess.Popen(
                [sys.executable, str(RUNNER), str(root), *theirs],
                stdout=log,
                stderr=subprocess.STDOUT,
                cwd=RUNNER.parents[2],
            )
    else:
        mine, theirs = wanted, []
    runs: dict[str, QuickRun] = {}

    def run_here(name: str) -> None:
        events: list[dict[str, Any]] = []
        out = root / name
        execute(name, device="cpu", quick=True, out_dir=out, emit=events.append)
        runs[name] = QuickRun(events, out)

    def collect(name: str) -> bool:
        done = root / f"{name}.json"
        if not done.exists():
            return False
        record = json.loads(done.read_text())
        if "error" in record:
            raise AssertionError(f"quick run of {name} failed in the helper:\n{record['error']}")
        runs[name] = QuickRun(record["events"], root / name)
        return True

    def get(name: str) -> QuickRun:
        while name not in runs:
            if name not in theirs:
                if name in mine:
                    mine.remove(name)
                run_here(name)
            elif not collect(name):
                if mine:  # keep this core busy meanwhile
                    run_here(mine.pop(0))
                elif helper is not None and helper.poll() is not None and not collect(name):
                    log = (root / "helper.log").read_text()
                    raise AssertionError(f"the quick-run helper exited early:\n{log}")
                else:
                    time.sleep(0.05)
        return runs[name]

    yield get
    if helper is not None and helper.poll() is None:
        helper.kill()
        helper.wait()
