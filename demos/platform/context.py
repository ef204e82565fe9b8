"""What a running demo sees (:class:`RunContext`) and what it implements (:class:`Demo`).

A demo's training loop asks two questions at every step:

* ``ctx.should_record(step)``: is this one of the steps fixed in advance at which the
  history is recorded (the PNG curves, ``metrics.json``, the learning criterion)?
* ``ctx.due(step)``: has enough time passed for a live frame (the terminal view)?

``ctx.wants(step)`` is their union; a demo that builds one :class:`Frame` for both yields
it when ``wants`` says so, and the platform records its metrics on the record steps and
streams it on the live ones. Building a frame must not change training (no draws from
a generator training uses, no training-mode forward passes), or the history would
depend on when frames happened; ``tests/demos`` checks that for every demo.

Nothing here imports torch; numpy only for :meth:`RunContext.rng`.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from demos.platform.protocol import Check, Frame, Record, round_metrics
from demos.platform.spec import Bilingual

if TYPE_CHECKING:
    import numpy as np

    from demos.platform.spec import DemoSpec


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
    throttle: Throttle = field(default_factory=Throttle)
    total_steps: int = 0
    record_steps: frozenset[int] = frozenset()
    history: list[Record] = field(default_factory=list)
    _live: int = -1

    @property
    def final(self) -> dict[str, float]:
        """The last recorded metrics (without ``step``): what the run ended on."""
        if not self.history:
            return {}
        return {k: v for k, v in self.history[-1].items() if k != "step"}  # type: ignore[misc]

    def should_record(self, step: int) -> bool:
        """True on the steps fixed in advance at which the history is recorded."""
        return step in self.record_steps

    def record(self, step: int, metrics: Mapping[str, Any]) -> None:
        """Add the metrics of ``step`` to the history (merged if that step has a record)."""
        values = round_metrics(metrics)
        if self.history and self.history[-1]["step"] == step:
            self.history[-1].update(values)
        else:
            self.history.append({"step": step, **values})

    def due(self, step: int) -> bool:
        """True when a live frame should be built at this step (cheap; call every step)."""
        live = self.throttle.due(step, self.total_steps)
        if live:
            self._live = step
        return live

    def wants(self, step: int) -> bool:
        """True when this step is recorded, streamed, or both: build its frame."""
        live = self.due(step)
        return live or self.should_record(step)

    def is_live(self, step: int) -> bool:
        """Whether the frame of ``step`` will be streamed (skip costly pictures otherwise)."""
        return self._live == step

    def rng(self, offset: int = 0) -> np.random.Generator:
        """A NumPy generator seeded from the run's seed (one per purpose: use ``offset``)."""
        import numpy as np

        return np.random.default_rng(self.seed + offset)

    @property
    def cuda(self) -> bool:
        return getattr(self.device, "type", "cpu") == "cuda"


class Demo:
    """What a demo implements; its metadata lives in its :class:`DemoSpec`.

    ``run`` is a generator: it trains, yields a :class:`Frame` whenever
    ``ctx.wants(step)``, and may ``return`` a :class:`Bilingual` caption for the figure
    ("what to look for"). ``learned`` judges the run from ``ctx.history`` and
    ``ctx.final``; ``figures`` draws from the same history.
    """

    spec: ClassVar[DemoSpec]  # set by the registry when the implementation is loaded

    @property
    def name(self) -> str:
        return self.spec.name

    def steps(self, params: Mapping[str, Any]) -> int:
        """Total training steps for these parameters (for progress bars)."""
        return int(params["steps"])

    def setup(self, ctx: RunContext) -> None:
        """Load data and build models; a ``DemoError`` here is reported before start."""

    def checks(self, ctx: RunContext) -> Iterator[Check]:
        """Runtime checks against a PyTorch reference, run before training."""
        return iter(())

    def run(self, ctx: RunContext) -> Iterator[Frame]:  # Generator[Frame, None, Bilingual]
        """Train, yielding a frame whenever ``ctx.wants(step)``."""
        raise NotImplementedError

    def learned(self, ctx: RunContext) -> Check:
        """The learning criterion, judged after training from ``ctx.history``/``ctx.final``."""
        raise NotImplementedError

    def figures(self, ctx: RunContext, out_dir: Path) -> list[Path]:
        """Write figures (PNG, optionally GIF) summarising the run; return their paths."""
        return []


NO_CAPTION = Bilingual("", "")
