"""Run one demo: start, checks, training, finish — each a function, events to ``emit``.

:func:`execute` is what ``python -m demos.run`` and ``tutor demo run`` call. A request
that cannot run (unknown demo, bad parameter, missing device, unwritable ``--out``)
raises a ``DemoError`` before the ``start`` event; exceptions raised later by the demo
propagate to the caller. The output folder is created only when there is something to
write, so a run that fails or is stopped leaves no empty folder behind.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from demos.platform import registry
from demos.platform.context import NO_CAPTION, Demo, RunContext, Throttle
from demos.platform.devices import prepare_torch, select_device
from demos.platform.errors import DemoError
from demos.platform.params import resolve_params
from demos.platform.protocol import (
    Check,
    EndEvent,
    Event,
    StartEvent,
    record_schedule,
    round_float,
)
from demos.platform.spec import Bilingual, DemoSpec

Emit = Callable[[Event], None]


@dataclass
class Run:
    """One run in progress: the demo, its context, where it writes and what it found."""

    spec: DemoSpec
    demo: Demo
    ctx: RunContext
    out_dir: Path | None
    started: float
    checks: list[Check] = field(default_factory=list)
    train_seconds: float = 0.0
    train_cpu: float = 0.0
    steps: int = 0
    caption: Bilingual = NO_CAPTION


def probe_out_dir(out_dir: str | Path) -> Path:
    """Fail now, not after minutes of training, if figures cannot be written there.

    The folder is created to prove it can be, then removed again if it was created
    here: it reappears when the run has figures to save.
    """
    out = Path(out_dir)
    existed = out.is_dir()
    try:
        out.mkdir(parents=True, exist_ok=True)
        if not existed:
            out.rmdir()
    except OSError as exc:
        raise DemoError(f"cannot write figures to {out_dir}: {exc.strerror or exc}") from None
    return out


def start(
    name: str,
    params: Mapping[str, Any] | None = None,
    *,
    device: str = "auto",
    quick: bool = False,
    out_dir: str | Path | None = None,
    seed: int = 0,
    stream: bool = True,
    throttle: Throttle | None = None,
) -> Run:
    """Resolve the request, seed torch and set the demo up (raises ``DemoError``)."""
    spec = registry.spec(name)
    values = resolve_params(spec.params, params or {}, spec.quick if quick else {})
    dev = select_device(device)
    out = probe_out_dir(out_dir) if out_dir is not None else None
    started = time.perf_counter()
    demo = registry.load(name)()
    prepare_torch(dev, seed, quick)
    ctx = RunContext(
        params=values,
        device=dev,
        quick=quick,
        seed=seed,
        throttle=throttle if throttle is not None else Throttle(enabled=stream),
    )
    ctx.total_steps = demo.steps(values)
    demo.setup(ctx)  # may change total_steps (e.g. from the size of the loaded image)
    ctx.record_steps = frozenset(record_schedule(ctx.total_steps, quick))
    return Run(spec=spec, demo=demo, ctx=ctx, out_dir=out, started=started)


def start_event(run: Run) -> StartEvent:
    ctx = run.ctx
    return {
        "type": "start",
        "demo": run.spec.name,
        "title": run.spec.title.to_json(),
        "device": str(ctx.device),
        "params": ctx.params,
        "total_steps": ctx.total_steps,
        "quick": ctx.quick,
        "seed": ctx.seed,
        "records": len(ctx.record_steps),
        "plots": [p.to_json() for p in run.spec.plots],  # type: ignore[misc]
    }


def run_checks(run: Run, emit: Emit) -> None:
    """The runtime checks against PyTorch references, before any training."""
    for check in run.demo.checks(run.ctx):
        run.checks.append(check)
        emit({"type": "check", **check.to_json()})  # type: ignore[typeddict-item]


def train(run: Run, emit: Emit) -> None:
    """Drive the demo's generator: record on the fixed steps, stream on the live ones."""
    ctx = run.ctx
    sent = 0  # history records already streamed
    last_step = -1
    gen = run.demo.run(ctx)
    began, cpu = time.perf_counter(), time.process_time()
    while True:
        try:
            frame = next(gen)
        except StopIteration as stop:
            if isinstance(stop.value, Bilingual):
                run.caption = stop.value
            break
        if frame.metrics and ctx.should_record(frame.step):
            ctx.record(frame.step, frame.metrics)
        if ctx.is_live(frame.step):
            emit(frame.to_event(ctx.total_steps, ctx.history[sent:], ctx.final))
            sent = len(ctx.history)
            ctx.throttle.done()
        last_step = frame.step
    run.train_seconds = time.perf_counter() - began
    run.train_cpu = time.process_time() - cpu
    run.steps = last_step + 1
    missing = sorted(ctx.record_steps - {int(r["step"] or 0) for r in ctx.history})
    if missing:
        raise DemoError(f"{run.spec.name} recorded no metrics at steps {missing[:5]}")


def finish(run: Run, emit: Emit) -> EndEvent:
    """The learning criterion, the figures, ``metrics.json`` and the ``end`` event."""
    ctx = run.ctx
    learning = run.demo.learned(ctx)
    run.checks.append(learning)
    emit({"type": "check", **learning.to_json()})  # type: ignore[typeddict-item]
    outputs: list[str] = []
    if run.out_dir is not None:
        run.out_dir.mkdir(parents=True, exist_ok=True)
        outputs = [str(p) for p in run.demo.figures(ctx, run.out_dir)]
    end: EndEvent = {
        "type": "end",
        "demo": run.spec.name,
        "steps": run.steps,
        "seconds": round(time.perf_counter() - run.started, 3),
        "train_seconds": round(run.train_seconds, 3),
        "steps_per_second": (
            round_float(run.steps / run.train_seconds) if run.train_seconds > 0 else None
        ),
        "train_cpu_seconds": round(run.train_cpu, 3),
        "frames": ctx.throttle.frames,
        "frame_seconds": round(ctx.throttle.cost, 4),
        "records": len(ctx.history),
        "device": str(ctx.device),
        "metrics": ctx.final,
        "checks": [c.to_json() for c in run.checks],
        "passed": all(c.passed for c in run.checks),
        "caption": run.caption.to_json(),
        "outputs": outputs,
    }
    if run.out_dir is not None:
        metrics_file = run.out_dir / "metrics.json"
        end["outputs"] = [*outputs, str(metrics_file)]
        record = {
            **end,
            "params": ctx.params,
            "quick": ctx.quick,
            "seed": ctx.seed,
            "history": ctx.history,
        }
        metrics_file.write_text(json.dumps(record, indent=1, default=str) + "\n")
    emit(end)
    return end


def execute(
    name: str,
    params: Mapping[str, Any] | None = None,
    *,
    device: str = "auto",
    quick: bool = False,
    out_dir: str | Path | None = None,
    seed: int = 0,
    stream: bool = True,
    throttle: Throttle | None = None,
    emit: Emit,
) -> EndEvent:
    """Run one demo, sending every event to ``emit``; return the ``end`` event."""
    run = start(
        name,
        params,
        device=device,
        quick=quick,
        out_dir=out_dir,
        seed=seed,
        stream=stream,
        throttle=throttle,
    )
    emit(start_event(run))
    run_checks(run, emit)
    train(run, emit)
    return finish(run, emit)
