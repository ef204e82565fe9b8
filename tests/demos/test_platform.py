"""The platform: parameters, specs, the event protocol, records, throttling, devices, runs."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from demos.platform import (
    Bilingual,
    Demo,
    DemoError,
    DeviceError,
    Frame,
    Kind,
    Param,
    ParamError,
    ProtocolError,
    Throttle,
    UnknownDemo,
    heatmap,
    histogram,
    picture,
    record_schedule,
    registry,
)
from demos.platform.devices import select_device
from demos.platform.execute import execute
from demos.platform.params import parse_assignments, resolve_params
from demos.platform.protocol import validate_event

STEPS = Param("steps", Kind.INT, 100, "training steps", 10, 1000)
LR = Param("lr", Kind.FLOAT, 0.1, "learning rate", 1e-5, 1.0)
EMA = Param("ema", Kind.BOOL, False, "use EMA")
DATA = Param("data", Kind.STR, "digits", "source", choices=("digits", "mnist:PATH"))


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


def test_registry_loads_each_implementation_with_its_spec():
    for name, spec in registry.specs().items():
        cls = registry.load(name)
        assert cls.spec is spec and cls.__module__ == spec.module
        assert cls.__module__.startswith("demos.") and cls().name == name
    with pytest.raises(UnknownDemo, match="unknown demo 'nope'"):
        registry.spec("nope")


def test_param_kind_is_an_enum_and_defaults_are_validated():
    assert STEPS.kind is Kind.INT and Param("b", "bool", True, "").kind is Kind.BOOL
    assert STEPS.to_json()["type"] == "int"
    with pytest.raises(ParamError, match="'steps'"):
        Param("steps", Kind.INT, 5, "training steps", 10, 1000)  # default out of range
    with pytest.raises(ValueError):
        Kind("complex")


def test_spec_validates_keys_quick_overrides_and_names():
    from demos.platform import Bilingual, DemoSpec, Plot

    base = {
        "name": "toy-demo",
        "title": Bilingual("Toy", "Giocattolo"),
        "questions": ("a.01",),
        "summary": "",
        "params": (STEPS,),
        "impl": "demos.x.toy:Toy",
    }
    assert DemoSpec(**base, quick={"steps": 20}).quick == {"steps": 20}
    for bad, match in (
        ({"quick": {"steps": 5}}, "'steps'"),
        ({"quick": {"lr": 0.1}}, "not a parameter"),
        ({"quick": {"steps": "20"}}, "not typed"),
        ({"name": "Toy Demo"}, "slug"),
        ({"impl": "toy.py"}, "impl"),
        ({"questions": ("1.2",)}, "questions"),
        ({"plots": (Plot("a", "A", ("x",)), Plot("a", "B", ("y",)))}, "not unique"),
    ):
        with pytest.raises((ValueError, ParamError), match=match):
            DemoSpec(**{**base, **bad})
    with pytest.raises(ValueError, match="key"):
        Plot("Loss curve", "loss", ("loss",))


def test_record_schedule_is_fixed_by_the_step_count():
    quick, full = record_schedule(300, quick=True), record_schedule(1500, quick=False)
    assert len(quick) == 25 and len(full) == 100
    assert quick[0] == 0 and quick[-1] == 299 and full[-1] == 1499
    assert list(quick) == sorted(set(quick))
    assert record_schedule(12, quick=True) == tuple(range(12))  # short runs: every step
    assert record_schedule(1, quick=False) == (0,)


def test_throttle_bounds_streaming_cost(monkeypatch):
    clock = [0.0]
    monkeypatch.setattr("demos.platform.context.time.perf_counter", lambda: clock[0])
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
    monkeypatch.setattr("demos.platform.context.time.perf_counter", lambda: clock[0])
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
    lines = [validate_event(json.loads(json.dumps(e))) for e in events]  # plain, valid JSON
    kinds = [e["type"] for e in lines]
    assert kinds[0] == "start" and kinds[-1] == "end" and end is events[-1]
    assert lines[0]["params"]["steps"] == 12 and lines[0]["total_steps"] == 12
    assert lines[0]["title"] == registry.spec("gru-gates").title.to_json()
    assert [p["key"] for p in lines[0]["plots"]] == ["accuracy", "loss", "memory"]
    frames = [e for e in lines if e["type"] == "frame"]
    assert frames[0]["step"] == 0 and frames[-1]["step"] == 11
    for f in frames:
        assert all(isinstance(v, float) for v in f["metrics"].values())
        maps = [i for i in f["items"] if i["kind"] == "heatmap" and i["key"].startswith("gate-")]
        assert [m["key"] for m in maps] == ["gate-r", "gate-z", "gate-n", "gate-h"]
        assert all(len(m["data"]) == 4 and len(m["data"][0]) == 6 for m in maps)  # (H, T)
    records = [r for f in frames for r in f["records"]]
    assert [r["step"] for r in records] == list(range(12))  # 12 steps: every one recorded
    checks = [e for e in lines if e["type"] == "check"]
    assert checks[-1]["name"] == "learning" and len(end["checks"]) == len(checks)
    assert end["passed"] == all(c["passed"] for c in checks)
    assert (
        end["steps"] == 12
        and end["device"] == "cpu"
        and {"step": 11, **end["metrics"]} == records[-1]
    )
    saved = json.loads((tmp_path / "metrics.json").read_text())
    assert saved["history"] == records and saved["caption"] == end["caption"]
    assert all(end["caption"][lang] for lang in ("en", "it"))  # what to look for, filled in
    names = sorted(p.rsplit("/", 1)[-1] for p in end["outputs"])
    assert names == ["gru-gates.gif", "gru-gates.png", "metrics.json"]


def test_frame_items_get_stable_keys_and_bad_keys_are_refused():
    frame = Frame(0, {"loss": 1.0}, heatmaps=[heatmap("A (step 3)", [[0.0]]), heatmap("B", [[1]])])
    assert [i["key"] for i in frame.items()] == ["heatmap-0", "heatmap-1"]
    for bad in ("Loss", "θ-map", "a b", ""):
        with pytest.raises(ProtocolError):
            Frame(0, heatmaps=[heatmap("t", [[0.0]], key=bad or "X")]).items()
    twice = Frame(0, histograms=[histogram("a", [1], key="h"), histogram("b", [2], key="h")])
    with pytest.raises(ProtocolError, match="share the key"):
        twice.items()
    event = Frame(3, {"x": 1.0}, pictures=[picture("p", [[0.5, 1.0]])]).to_event(10, [], {})
    assert validate_event(event)["items"][0] == {
        "kind": "picture",
        "key": "picture-0",
        "title": "p",
        "data": [[0.5, 1.0]],
    }


@pytest.mark.parametrize(
    "event,message",
    [
        ({"type": "frame", "step": 1}, "total_steps"),
        ({"type": "nope"}, "event type"),
        ({"type": "check", "name": "x", "passed": "yes", "detail": ""}, "passed"),
        (
            {
                "type": "frame",
                "step": 1,
                "total_steps": 2,
                "metrics": {},
                "records": [],
                "items": [{"kind": "heatmap", "key": "Bad Key", "title": "", "data": []}],
            },
            "key",
        ),
        (
            {
                "type": "frame",
                "step": 1,
                "total_steps": 2,
                "metrics": {},
                "records": [],
                "items": [{"kind": "picture", "key": "p", "title": "", "data": [[0], [0, 1]]}],
            },
            "rows of different lengths",
        ),
    ],
)
def test_validate_event_refuses_malformed_events(event, message):
    with pytest.raises(ProtocolError, match=message):
        validate_event(event)


class _Failing:
    """Wraps a real demo and raises in training, after the first frame."""

    def __init__(self, inner: Demo, caption: Bilingual | None = None) -> None:
        self.inner, self.caption = inner, caption

    def __getattr__(self, name):
        return getattr(self.inner, name)

    def run(self, ctx):
        for frame in self.inner.run(ctx):
            yield frame
            if self.caption is None:
                raise RuntimeError("boom in training")
        return self.caption


def _wrapped(monkeypatch, caption: Bilingual | None = None) -> None:
    real = registry.load

    def load(name):
        cls = real(name)
        return lambda: _Failing(cls(), caption)

    monkeypatch.setattr(registry, "load", load)


def test_a_failed_run_leaves_no_output_folder(tmp_path, monkeypatch):
    _wrapped(monkeypatch)
    out = tmp_path / "runs" / "stamp"
    with pytest.raises(RuntimeError, match="boom"):
        execute("gru-gates", {"steps": "12"}, device="cpu", out_dir=out, emit=lambda e: None)
    assert not out.exists()


def test_a_caption_returned_by_run_reaches_the_end_event_and_metrics(tmp_path, monkeypatch):
    _wrapped(monkeypatch, Bilingual("look at f", "guarda f"))
    end = execute("gru-gates", {"steps": "12"}, device="cpu", out_dir=tmp_path, emit=lambda e: 0)
    assert end["caption"] == {"en": "look at f", "it": "guarda f"}
    assert json.loads((tmp_path / "metrics.json").read_text())["caption"] == end["caption"]


def test_animation_helper_writes_a_small_gif_or_refuses(tmp_path):
    from demos.platform.figures import animation, subplots

    fig, ax = subplots(1, 1, (2, 2))
    (line,) = ax.plot([0, 1], [0, 0])
    path = animation(tmp_path, "wave", fig, lambda i: line.set_ydata([0, i]), frames=6)
    assert path.suffix == ".gif" and 0 < path.stat().st_size <= 3_000_000
    fig, ax = subplots(1, 1, (2, 2))
    with pytest.raises(ValueError, match="more than 10"):
        animation(tmp_path, "huge", fig, lambda i: ax.plot([0, i]), frames=4, max_bytes=10)
    assert not (tmp_path / "huge.gif").exists()


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
