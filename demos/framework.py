"""The demo platform: parameters, frames, checks, the Demo base class and the run loop.

A demo teaches one concept by training a real model and streaming what happens. It
declares its parameters, yields frames while it trains, runs checks against a PyTorch
reference and states a learning criterion. This module and the demo metadata import
neither torch nor matplotlib at module level, so listing demos stays cheap; torch is
imported when a demo runs.

Event contract (one JSON object per line, the only thing ``python -m demos.run`` writes
to stdout; the CLI and the UI both consume it):

``{"type": "start", "demo", "title", "device", "params", "total_steps", "quick", "seed",
"plots": {title: [metric names]}}``
    Once, before anything else; ``plots`` groups metrics that share a chart.
``{"type": "check", "name", "passed", "detail"}``
    One per runtime check (before training) and one for the learning criterion
    (``name == "learning"``, after training).
``{"type": "frame", "step", "total_steps", "metrics": {name: float}, ...}``
    While training, throttled (see :class:`Throttle`). Optional picture lists, each
    entry small enough for a terminal:
    ``"images": [{"title", "data": [[float in 0..1]] (H×W)}]``,
    ``"heatmaps": [{"title", "data": [[float]] (rows×cols), "xlabel", "ylabel"}]``,
    ``"histograms": [{"title", "counts": [float], "labels": [str] | null}]``.
    The first and the last training step always produce a frame.
``{"type": "end", "demo", "steps", "seconds", "train_seconds", "steps_per_second",
"train_cpu_seconds", "frames", "frame_seconds", "device", "metrics", "checks": [{"name", "passed",
"detail"}], "passed", "outputs"}``
    Once, last; ``outputs`` lists the files written (PNG figures, metrics.json);
    ``frame_seconds`` is the time spent building and writing frames during training.
``{"type": "error", "message"}``
    Instead of ``end`` when the run fails; nothing follows it.

Floats are rounded to 4 significant digits; NaN and infinities become ``null``.
"""

from __future__ import annotations

import json
import math
import os
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

DEVICES = ("auto", "cpu", "cuda", "mps")


class DemoError(Exception):
    """A run cannot start: bad parameter, unknown demo, unavailable device."""


class ParamError(DemoError):
    """A parameter value is malformed or out of range; the message names both."""


class DeviceError(DemoError):
    """The requested device is not available in this torch build or on this machine."""


# --- parameters ---------------------------------------------------------------------


@dataclass(frozen=True)
class Param:
    """A declared demo parameter.

    ``kind`` is ``int``, ``float``, ``bool`` or ``str``. Numbers may have an inclusive
    range ``[low, high]``; strings may list ``choices``, where a choice written
    ``prefix:NAME`` accepts any value that starts with ``prefix:`` (e.g. ``mnist:PATH``).
    """

    name: str
    kind: str
    default: Any
    help: str
    low: float | None = None
    high: float | None = None
    choices: tuple[str, ...] = ()

    def allowed(self) -> str:
        """The allowed values, in words, for error messages and listings."""
        if self.kind == "bool":
            return "true or false"
        if self.kind == "str":
            return "one of " + ", ".join(self.choices) if self.choices else "any text"
        noun = "an integer" if self.kind == "int" else "a number"
        if self.low is not None and self.high is not None:
            return f"{noun} in [{_num(self.low)}, {_num(self.high)}]"
        if self.low is not None:
            return f"{noun} >= {_num(self.low)}"
        return noun

    def parse(self, raw: Any) -> Any:
        """Convert a command-line string (or an already typed value) and validate it."""
        value = self._convert(raw)
        if self.kind in ("int", "float"):
            if (self.low is not None and value < self.low) or (
                self.high is not None and value > self.high
            ):
                raise self._error(raw)
        elif (
            self.kind == "str"
            and self.choices
            and not any(
                value == c or (":" in c and value.startswith(c.split(":", 1)[0] + ":"))
                for c in self.choices
            )
        ):
            raise self._error(raw)
        return value

    def _convert(self, raw: Any) -> Any:
        if self.kind == "bool":
            if isinstance(raw, bool):
                return raw
            text = str(raw).strip().lower()
            if text in ("1", "true", "yes", "on"):
                return True
            if text in ("0", "false", "no", "off"):
                return False
            raise self._error(raw)
        if self.kind == "int":
            if isinstance(raw, bool):
                raise self._error(raw)
            try:
                number = float(raw)
            except (TypeError, ValueError):
                raise self._error(raw) from None
            if not number.is_integer():
                raise self._error(raw)
            return int(number)
        if self.kind == "float":
            try:
                number = float(raw)
            except (TypeError, ValueError):
                raise self._error(raw) from None
            if not math.isfinite(number):
                raise self._error(raw)
            return number
        return str(raw)

    def _error(self, raw: Any) -> ParamError:
        return ParamError(f"parameter '{self.name}' must be {self.allowed()}, got {raw!r}")

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "type": self.kind,
            "default": self.default,
            "low": self.low,
            "high": self.high,
            "choices": list(self.choices),
            "allowed": self.allowed(),
            "help": self.help,
        }


def _num(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else str(x)


def resolve_params(
    declared: Sequence[Param], given: Mapping[str, Any], quick_overrides: Mapping[str, Any]
) -> dict[str, Any]:
    """Defaults, then quick-mode overrides, then the user's values (validated)."""
    by_name = {p.name: p for p in declared}
    unknown = sorted(set(given) - set(by_name))
    if unknown:
        names = ", ".join(by_name)
        raise ParamError(f"unknown parameter '{unknown[0]}' (this demo takes: {names})")
    values = {p.name: p.default for p in declared}
    values.update(quick_overrides)
    for name, raw in given.items():
        values[name] = by_name[name].parse(raw)
    return values


def parse_assignments(items: Sequence[str]) -> dict[str, str]:
    """``["steps=200", "beta=0.5"]`` → ``{"steps": "200", "beta": "0.5"}``."""
    out: dict[str, str] = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise ParamError(f"parameter {item!r} is not of the form name=value")
        out[key.strip()] = value.strip()
    return out


# --- checks and frames --------------------------------------------------------------


@dataclass(frozen=True)
class Check:
    """The outcome of one runtime check or of the learning criterion."""

    name: str
    passed: bool
    detail: str

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "passed": bool(self.passed), "detail": self.detail}


def _round(x: float) -> float | None:
    x = float(x)
    if not math.isfinite(x):
        return None
    return float(f"{x:.4g}")


def _grid(array: Any) -> list:
    """A tensor/array (any device) as nested lists of rounded floats."""
    if hasattr(array, "detach"):
        array = array.detach().float().cpu().numpy()
    import numpy as np

    values = np.asarray(array, dtype=np.float64)
    rounded = np.round(values, 4)
    rounded[~np.isfinite(rounded)] = 0.0
    return rounded.tolist()


def image(title: str, data: Any) -> dict[str, Any]:
    """A greyscale picture, values in [0, 1], shape (H, W)."""
    return {"title": title, "data": _grid(data)}


def heatmap(title: str, data: Any, xlabel: str = "", ylabel: str = "") -> dict[str, Any]:
    """A matrix to draw with a colour scale, shape (rows, cols)."""
    return {"title": title, "data": _grid(data), "xlabel": xlabel, "ylabel": ylabel}


def histogram(title: str, counts: Any, labels: Sequence[str] | None = None) -> dict[str, Any]:
    """Bar heights (already counted), optionally labelled."""
    return {"title": title, "counts": _grid(counts), "labels": list(labels) if labels else None}


@dataclass
class Frame:
    """What one training step shows; built only when :meth:`RunContext.due` says so."""

    step: int
    metrics: dict[str, float]
    images: list[dict[str, Any]] = field(default_factory=list)
    heatmaps: list[dict[str, Any]] = field(default_factory=list)
    histograms: list[dict[str, Any]] = field(default_factory=list)

    def to_event(self, total_steps: int) -> dict[str, Any]:
        event: dict[str, Any] = {
            "type": "frame",
            "step": self.step,
            "total_steps": total_steps,
            "metrics": {k: _round(v) for k, v in self.metrics.items()},
        }
        for key in ("images", "heatmaps", "histograms"):
            if getattr(self, key):
                event[key] = getattr(self, key)
        return event


class Throttle:
    """Decides when a frame is due so that streaming costs at most ``budget`` of the time.

    After each frame it measures what building and writing the frame cost and waits
    ``cost / budget``, at least ``min_interval`` and at most ``max_interval``, before the
    next one. The first frame's cost is not used: it carries one-off warm-up (CUDA
    context, cuDNN autotuning) that would otherwise silence a whole run. With
    ``enabled=False`` only the first and last steps produce frames (benchmark baseline).
    """

    def __init__(
        self,
        enabled: bool = True,
        min_interval: float = 0.25,
        budget: float = 0.04,
        max_interval: float = 5.0,
    ):
        self.enabled = enabled
        self.min_interval = min_interval
        self.max_interval = max_interval
        self.budget = budget
        self._next = 0.0
        self._started: float | None = None
        self.frames = 0
        self.cost = 0.0

    def due(self, step: int, total: int) -> bool:
        now = time.perf_counter()
        last = step >= total - 1
        if step == 0 or last or (self.enabled and now >= self._next):
            self._started = now
            return True
        return False

    def done(self) -> None:
        if self._started is None:
            return
        now = time.perf_counter()
        cost = now - self._started
        self.cost += cost
        self.frames += 1
        wait = self.min_interval if self.frames == 1 else cost / self.budget
        self._next = now + min(self.max_interval, max(self.min_interval, wait))
        self._started = None


@dataclass
class RunContext:
    """Everything a running demo may use; one per run."""

    params: dict[str, Any]
    device: Any  # torch.device
    quick: bool
    seed: int
    throttle: Throttle
    total_steps: int = 0
    history: list[dict[str, float]] = field(default_factory=list)
    final: dict[str, float] = field(default_factory=dict)

    def due(self, step: int) -> bool:
        """True when this step should build a frame (cheap; call every step)."""
        return self.throttle.due(step, self.total_steps)

    def rng(self, offset: int = 0):
        import numpy as np

        return np.random.default_rng(self.seed + offset)

    @property
    def cuda(self) -> bool:
        return getattr(self.device, "type", "cpu") == "cuda"


# --- the demo base class ------------------------------------------------------------


class Demo:
    """Base class: metadata as class attributes (no torch needed), behaviour in methods.

    Subclasses set ``name``, ``title``, ``questions``, ``summary``, ``params`` and
    ``quick`` (overrides applied by ``--quick``), optionally ``plots`` (metric groups
    that share a chart), and implement ``steps``, ``setup``,
    ``checks``, ``run``, ``learned`` and ``figures``. Methods import torch themselves.
    """

    name: ClassVar[str]
    title: ClassVar[str]
    questions: ClassVar[tuple[str, ...]]
    summary: ClassVar[str]
    params: ClassVar[tuple[Param, ...]]
    quick: ClassVar[Mapping[str, Any]] = {}
    plots: ClassVar[Mapping[str, tuple[str, ...]]] = {}

    @classmethod
    def describe(cls) -> dict[str, Any]:
        return {
            "name": cls.name,
            "title": cls.title,
            "questions": list(cls.questions),
            "summary": cls.summary,
            "params": [p.to_json() for p in cls.params],
            "quick": dict(cls.quick),
            "plots": {k: list(v) for k, v in cls.plots.items()},
        }

    def steps(self, params: Mapping[str, Any]) -> int:
        """Total training steps for these parameters (for progress bars)."""
        return int(params["steps"])

    def setup(self, ctx: RunContext) -> None:
        """Load data and build models; a :class:`DemoError` here is reported before start."""

    def checks(self, ctx: RunContext) -> Iterator[Check]:
        """Runtime checks against a PyTorch reference, run before training."""
        return iter(())

    def run(self, ctx: RunContext) -> Iterator[Frame]:
        """Train, yielding a frame whenever ``ctx.due(step)``."""
        raise NotImplementedError

    def learned(self, ctx: RunContext) -> Check:
        """The learning criterion, judged after training from ``ctx.history``/``ctx.final``."""
        raise NotImplementedError

    def figures(self, ctx: RunContext, out_dir: Path) -> list[Path]:
        """Write matplotlib figures (PNG) summarising the run; return their paths."""
        return []


# --- devices ------------------------------------------------------------------------


def select_device(name: str = "auto"):
    """``auto``: CUDA, then Apple MPS, then CPU. A forced device must exist."""
    import torch

    if name not in DEVICES:
        raise DeviceError(f"unknown device {name!r} (use one of {', '.join(DEVICES)})")
    cuda = torch.cuda.is_available()
    mps = bool(getattr(torch.backends, "mps", None) and torch.backends.mps.is_available())
    if name == "auto":
        name = "cuda" if cuda else "mps" if mps else "cpu"
    if name == "cuda" and not cuda:
        why = "built without CUDA" if torch.version.cuda is None else "found no usable GPU"
        raise DeviceError(f"device 'cuda' is not available: torch {torch.__version__} {why}")
    if name == "mps" and not mps:
        raise DeviceError(
            f"device 'mps' is not available: torch {torch.__version__} found no Apple GPU"
        )
    return torch.device(name)


def _prepare_torch(device, seed: int, quick: bool) -> None:
    import torch

    torch.manual_seed(seed)
    # The quick models are so small that extra CPU threads only add synchronisation.
    # Half the cores (at most 4) otherwise: on a busy 2-core laptop one thread is faster.
    torch.set_num_threads(1 if quick else max(1, min(4, (os.cpu_count() or 1) // 2)))
    if device.type == "cuda":
        torch.cuda.manual_seed_all(seed)
        torch.backends.cudnn.benchmark = True  # fixed shapes: let cuDNN pick its kernels


# --- running ------------------------------------------------------------------------


Emit = Callable[[dict[str, Any]], None]


def execute(
    name: str,
    params: Mapping[str, Any] | None = None,
    *,
    device: str = "auto",
    quick: bool = False,
    out_dir: str | Path | None = None,
    seed: int = 0,
    stream: bool = True,
    emit: Emit,
) -> dict[str, Any]:
    """Run one demo, sending every event to ``emit``; return the ``end`` event.

    Raises :class:`DemoError` subclasses before the ``start`` event when the request is
    invalid; exceptions raised later by the demo propagate to the caller.
    """
    from demos.registry import get

    cls = get(name)
    demo = cls()
    values = resolve_params(cls.params, params or {}, cls.quick if quick else {})
    dev = select_device(device)
    if out_dir is not None:  # a bad --out must fail now, not after minutes of training
        try:
            Path(out_dir).mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise DemoError(f"cannot write figures to {out_dir}: {exc.strerror or exc}") from None
    started = time.perf_counter()
    _prepare_torch(dev, seed, quick)
    ctx = RunContext(
        params=values, device=dev, quick=quick, seed=seed, throttle=Throttle(enabled=stream)
    )
    ctx.total_steps = demo.steps(values)
    demo.setup(ctx)
    emit(
        {
            "type": "start",
            "demo": cls.name,
            "title": cls.title,
            "device": str(dev),
            "params": values,
            "total_steps": ctx.total_steps,
            "quick": quick,
            "seed": seed,
            "plots": {k: list(v) for k, v in cls.plots.items()},
        }
    )
    results: list[Check] = []
    for check in demo.checks(ctx):
        results.append(check)
        emit({"type": "check", **check.to_json()})

    train_start, train_cpu = time.perf_counter(), time.process_time()
    last_step = -1
    for frame in demo.run(ctx):
        event = frame.to_event(ctx.total_steps)
        emit(event)
        ctx.throttle.done()
        ctx.history.append({"step": frame.step, **event["metrics"]})
        ctx.final = dict(event["metrics"])
        last_step = frame.step
    train_seconds = time.perf_counter() - train_start
    train_cpu = time.process_time() - train_cpu

    learning = demo.learned(ctx)
    results.append(learning)
    emit({"type": "check", **learning.to_json()})

    outputs: list[str] = []
    if out_dir is not None:
        out = Path(out_dir)
        out.mkdir(parents=True, exist_ok=True)
        outputs = [str(p) for p in demo.figures(ctx, out)]
    steps = last_step + 1
    end = {
        "type": "end",
        "demo": cls.name,
        "steps": steps,
        "seconds": round(time.perf_counter() - started, 3),
        "train_seconds": round(train_seconds, 3),
        "steps_per_second": _round(steps / train_seconds) if train_seconds > 0 else None,
        "train_cpu_seconds": round(train_cpu, 3),
        "frames": ctx.throttle.frames,
        "frame_seconds": round(ctx.throttle.cost, 4),
        "device": str(dev),
        "metrics": ctx.final,
        "checks": [c.to_json() for c in results],
        "passed": all(c.passed for c in results),
        "outputs": outputs,
    }
    if out_dir is not None:
        metrics_file = Path(out_dir) / "metrics.json"
        record = {**end, "params": values, "quick": quick, "seed": seed, "history": ctx.history}
        record["outputs"] = [*outputs, str(metrics_file)]
        metrics_file.write_text(json.dumps(record, indent=1, default=str) + "\n")
        end["outputs"] = record["outputs"]
    emit(end)
    return end
