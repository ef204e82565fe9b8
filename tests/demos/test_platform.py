"""The platform: parameters, the event contract, throttling, devices, torch-free metadata."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from demos.framework import (
    DemoError,
    DeviceError,
    Param,
    ParamError,
    Throttle,
    execute,
    parse_assignments,
    resolve_params,
    select_device,
)
from demos.registry import UnknownDemo, all_demos, get, names

STEPS = Param("steps", "int", 100, "training steps", 10, 1000)
LR = Param("lr", "float", 0.1, "learning rate", 1e-5, 1.0)
EMA = Param("ema", "bool", False, "use EMA")
DATA = Param("data", "str", "digits", "source", choices=("digits", "mnist:PATH"))


def test_param_parsing_and_ranges():
    assert STEPS.parse("250") == 250 and STEPS.parse("1e2") == 100
    assert LR.parse("0.5") == 0.5
    assert EMA.parse("yes") is True and EMA.parse("0") is False
    assert DATA.parse("digits") == "digits" and DATA.parse("mnist:/x") == "mnist:/x"
    for param, bad in (
        (STEPS, "2.5"),
        (STEPS, "5"),
        (STEPS, "abc"),
        (LR, "2"),
        (LR, "nan"),
        (EMA, "maybe"),
        (DATA, "cifar"),
        (DATA, "mnist"),
    ):
        with pytest.raises(ParamError) as err:
            param.parse(bad)
        message = str(err.value)
        assert f"'{param.name}'" in message and repr(bad) in message and "\n" not in message
    with pytest.raises(ParamError, match=r"integer in \[10, 1000\]"):
        STEPS.parse("5000")


def test_resolve_params_order_and_unknown():
    declared = (STEPS, LR)
    assert resolve_params(declared, {}, {}) == {"steps": 100, "lr": 0.1}
    assert resolve_params(declared, {}, {"steps": 20}) == {"steps": 20, "lr": 0.1}
    assert resolve_params(declared, {"steps": "30"}, {"steps": 20})["steps"] == 30
    with pytest.raises(ParamError, match=r"unknown parameter 'beta'.*steps, lr"):
        resolve_params(declared, {"beta": "1"}, {})
    assert parse_assignments(["a=1", "b = x=y"]) == {"a": "1", "b": "x=y"}
    with pytest.raises(ParamError):
        parse_assignments(["novalue"])


def test_registry_matches_catalogue_names():
    from quizbank.catalogue import DEMOS

    # every registered demo is a catalogue name, listed in catalogue order
    assert set(names()) <= set(DEMOS)
    assert names() == [n for n in DEMOS if n in names()]
    assert {"lstm-gates", "gru-gates", "vq-vae"} <= set(names())
    assert [cls.name for cls in all_demos()] == names()  # each one's metadata: test_catalogue
    with pytest.raises(UnknownDemo):
        get("nope")


def test_metadata_does_not_import_torch():
    code = (
        "import sys, demos.registry as r; [c.describe() for c in r.all_demos()];"
        "import tutor.commands.demo;"
        "print('torch' in sys.modules, 'textual' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]


def test_throttle_bounds_streaming_cost(monkeypatch):
    clock = [0.0]
    monkeypatch.setattr("demos.framework.time.perf_counter", lambda: clock[0])
    th = Throttle(min_interval=0.1, budget=0.05)
    emitted = []
    for step in range(10_000):
        clock[0] += 0.001  # 1 ms of training per step
        if th.due(step, 10_000):
            clock[0] += 0.02  # 20 ms to build and write a frame
            th.done()
            emitted.append(step)
    assert emitted[0] == 0 and emitted[-1] == 9999
    assert th.cost / clock[0] <= 0.06  # within the budget (plus the forced last frame)
    off = Throttle(enabled=False)
    assert [s for s in range(50) if off.due(s, 50) or off.done()] == [0, 49]


def test_throttle_ignores_a_slow_first_frame(monkeypatch):
    """A one-off warm-up (CUDA init) in the first frame must not silence the run."""
    clock = [0.0]
    monkeypatch.setattr("demos.framework.time.perf_counter", lambda: clock[0])
    th = Throttle(min_interval=0.25, budget=0.04, max_interval=2.0)
    emitted = []
    for step in range(1500):
        clock[0] += 0.01  # 15 s of training in all
        if th.due(step, 1500):
            clock[0] += 1.5 if step == 0 else 0.005
            th.done()
            emitted.append(step)
    assert len(emitted) >= 30  # a frame at least every ~0.5 s, not just first and last


def test_device_selection():
    import torch

    assert select_device("cpu").type == "cpu"
    assert select_device("auto").type in ("cuda", "mps", "cpu")
    with pytest.raises(DeviceError, match="unknown device"):
        select_device("tpu")
    if not torch.cuda.is_available():
        with pytest.raises(DeviceError, match="'cuda' is not available"):
            select_device("cuda")


def test_event_contract(tmp_path):
    events: list[dict] = []
    end = execute(
        "gru-gates",
        {"steps": "12", "length": "6", "hidden": "4"},
        device="cpu",
        out_dir=tmp_path,
        emit=events.append,
    )
    lines = [json.loads(json.dumps(e)) for e in events]  # every event is plain JSON
    kinds = [e["type"] for e in lines]
    assert kinds[0] == "start" and kinds[-1] == "end" and end is events[-1]
    assert lines[0]["params"]["steps"] == 12 and lines[0]["total_steps"] == 12
    frames = [e for e in lines if e["type"] == "frame"]
    assert frames[0]["step"] == 0 and frames[-1]["step"] == 11
    for f in frames:
        assert all(isinstance(v, float) for v in f["metrics"].values())
        for h in f["heatmaps"]:
            assert {"title", "data", "xlabel", "ylabel"} <= set(h)
            assert len(h["data"]) == 4 and len(h["data"][0]) == 6  # (H, T)
    checks = [e for e in lines if e["type"] == "check"]
    assert checks[-1]["name"] == "learning" and len(end["checks"]) == len(checks)
    assert end["passed"] == all(c["passed"] for c in checks)
    assert end["steps"] == 12 and end["device"] == "cpu" and end["metrics"] == frames[-1]["metrics"]
    saved = json.loads((tmp_path / "metrics.json").read_text())
    assert saved["history"][-1]["step"] == 11
    assert sorted(p.rsplit("/", 1)[-1] for p in end["outputs"]) == ["gru-gates.png", "metrics.json"]


def test_bad_requests_fail_before_start():
    events: list[dict] = []
    with pytest.raises(ParamError, match="'hidden'"):
        execute("lstm-gates", {"hidden": "0"}, device="cpu", emit=events.append)
    with pytest.raises(UnknownDemo):
        execute("nope", device="cpu", emit=events.append)
    assert events == []


def test_unusable_out_dir_fails_before_training(tmp_path):
    events: list[dict] = []
    a_file = tmp_path / "file"
    a_file.write_text("")
    with pytest.raises(DemoError, match="cannot write figures"):  # used to train, then fail
        execute("lstm-gates", device="cpu", out_dir=a_file / "out", emit=events.append)
    assert events == []


def test_run_module_streams_json_lines_and_reports_errors():
    cmd = [sys.executable, "-m", "demos.run", "lstm-gates", "--device", "cpu"]
    ok = subprocess.run(
        [*cmd, "--param", "steps=10", "--param", "length=5"], capture_output=True, text=True
    )
    events = [json.loads(line) for line in ok.stdout.splitlines()]
    assert events[0]["type"] == "start" and events[-1]["type"] == "end"
    assert ok.returncode == (0 if events[-1]["passed"] else 1)
    bad = subprocess.run([*cmd, "--param", "steps=1"], capture_output=True, text=True)
    assert bad.returncode == 2
    (event,) = [json.loads(line) for line in bad.stdout.splitlines()]
    assert event["type"] == "error" and "'steps'" in event["message"]
