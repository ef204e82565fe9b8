"""The contract every registered demo keeps: a quick CPU run that passes, learns and draws."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from demos import registry
from demos.framework import execute

NAMES = registry.names()


@pytest.fixture(scope="module")
def torch_after_import() -> dict[str, bool]:
    """Whether torch was loaded once each demo's module was imported and described.

    One interpreter for all of them, importing in catalogue order: the first demo that
    pulls torch in is the one reported (the ones after it fail too).
    """
    code = (
        "import json, sys\n"
        "from demos import registry\n"
        "seen = {}\n"
        "for name in registry.names():\n"
        "    registry.get(name).describe()\n"
        "    seen[name] = 'torch' in sys.modules\n"
        "print(json.dumps(seen))\n"
    )
    root = Path(__file__).resolve().parents[2]
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=root
    )
    return json.loads(out.stdout)


@pytest.mark.parametrize("name", NAMES)
def test_demo_keeps_the_contract(name, quick_run, torch_after_import):
    run = quick_run(name)
    end, frames = run.end, run.frames
    failed = [c for c in end["checks"] if not c["passed"]]
    assert not failed, failed
    assert end["checks"][-1]["name"] == "learning" and len(end["checks"]) >= 3
    assert len(frames) >= 2 and frames[-1]["step"] == end["steps"] - 1
    assert any(f.get(k) for f in frames for k in ("images", "heatmaps", "histograms"))
    assert (run.out_dir / f"{name}.png").stat().st_size > 10_000

    cls = registry.get(name)
    meta = cls.describe()
    assert meta["name"] == name and meta["questions"] and meta["params"] and meta["plots"]
    assert sys.modules[cls.__module__].__doc__.strip()
    json.dumps(meta)
    assert set(cls.quick) <= {p.name for p in cls.params}
    for key, value in cls.quick.items():  # quick overrides are themselves valid values
        assert next(p for p in cls.params if p.name == key).parse(value) == value
    shown = set(frames[-1]["metrics"])  # every plotted metric reaches the last frame
    assert all(set(metrics) <= shown for metrics in meta["plots"].values()), meta["plots"]
    assert torch_after_import[name] is False, "importing the demo module imported torch"


@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
@pytest.mark.parametrize("name", NAMES)
def test_quick_run_on_cuda(name, tmp_path):
    end = execute(name, device="cuda", quick=True, out_dir=tmp_path, emit=lambda e: None)
    assert end["device"].startswith("cuda")
    assert all(c["passed"] for c in end["checks"]), end["checks"]
