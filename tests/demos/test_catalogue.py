"""The contract every demo keeps, checked for each name of the catalogue.

One source of names: the specs. They must equal the names of ``shared/catalogue.md``
(the contract with the bank) and ``quizbank.catalogue.DEMOS`` (what the validator
knows), in order. Each demo's quick CPU run must pass its checks, learn, record its
history at the fixed steps, stream every record, and draw its figure; and the history
must not depend on when the live frames happened.
"""

from __future__ import annotations

import re
import sys
import time
from pathlib import Path

import pytest
import torch

from demos.platform import Throttle, record_schedule, registry
from demos.platform.execute import execute
from quizbank.catalogue import DEMOS

CATALOGUE = Path(__file__).resolve().parents[3] / "shared" / "catalogue.md"
NAMES = registry.names()


def catalogue_demo_names(text: str) -> list[str]:
    """The backquoted names of the table under '## Demos', in order."""
    section = text.split("## Demos", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"^\|\s*`([a-z0-9-]+)`\s*\|", section, flags=re.M)


def test_the_specs_name_exactly_the_catalogue_demos():
    assert CATALOGUE.is_file(), f"{CATALOGUE} is missing (CI and every checkout have it)"
    from_md = catalogue_demo_names(CATALOGUE.read_text(encoding="utf-8"))
    assert from_md, "no demo names parsed from the catalogue"
    assert NAMES == from_md == list(DEMOS)


@pytest.mark.parametrize("name", NAMES)
def test_demo_keeps_the_contract(name, quick_run):
    run = quick_run(name)
    spec = registry.spec(name)
    end, frames = run.end, run.frames
    failed = [c for c in end["checks"] if not c["passed"]]
    assert not failed, failed
    assert end["checks"][-1]["name"] == "learning" and len(end["checks"]) >= 3
    assert frames[0]["step"] == 0 and frames[-1]["step"] == end["steps"] - 1
    assert any(f["items"] for f in frames)
    assert (run.out_dir / f"{name}.png").stat().st_size > 10_000
    assert run.start["plots"] == [p.to_json() for p in spec.plots] and spec.plots

    history = run.saved["history"]
    schedule = record_schedule(run.start["total_steps"], quick=True)
    assert [h["step"] for h in history] == list(schedule) and len(history) >= 20
    assert end["records"] == run.start["records"] == len(history)
    assert [r for f in frames for r in f["records"]] == history  # the stream carries them all
    for plot in spec.plots:  # every charted metric is in every record
        missing = [m for m in plot.metrics if any(m not in h for h in history)]
        assert not missing, (plot.key, missing)
    assert set(end["caption"]) == {"en", "it"}

    cls = registry.load(name)
    assert sys.modules[cls.__module__].__doc__.strip()


class EveryThird(Throttle):
    """Frames on steps the timer would rarely pick: 1, 4, 7, … and the first and last."""

    def due(self, step: int, total: int) -> bool:
        if step % 3 == 1 or step in (0, total - 1):
            self._started = time.perf_counter()
            return True
        return False


def _timeless(history: list[dict]) -> list[dict]:
    return [{k: v for k, v in h.items() if not k.endswith("_ms")} for h in history]


@pytest.mark.slow
@pytest.mark.parametrize("name", NAMES)
def test_history_does_not_depend_on_when_frames_happen(name, quick_run):
    events: list[dict] = []
    execute(name, device="cpu", quick=True, throttle=EveryThird(), emit=events.append)
    history = [r for e in events if e["type"] == "frame" for r in e["records"]]
    assert _timeless(history) == _timeless(quick_run(name).saved["history"])


@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
@pytest.mark.parametrize("name", NAMES)
def test_quick_run_on_cuda(name, tmp_path):
    end = execute(name, device="cuda", quick=True, out_dir=tmp_path, emit=lambda e: None)
    assert end["device"].startswith("cuda")
    assert all(c["passed"] for c in end["checks"]), end["checks"]
