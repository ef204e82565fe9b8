"""The event protocol between a running demo and whoever shows it (CLI, app, tests).

``python -m demos.run`` writes one JSON object per line to stdout and nothing else; the
CLI and the app's demo screen read the same objects. Every event has a ``type``:

``start``  once, first: ``demo``, ``title`` ({en, it}), ``device``, ``params``,
    ``total_steps``, ``quick``, ``seed``, ``records`` (how many history records the run
    will make) and ``plots``: the charts, each ``{"key", "title", "metrics", "ylim",
    "log", "chance"}`` (``chance``: the level of a model that learned nothing, drawn as a
    reference line, or null).
``check``  one per runtime check (before training) and one for the learning criterion
    (``name == "learning"``, after training): ``name``, ``passed``, ``detail``.
``frame``  while training, throttled by elapsed time: ``step``, ``total_steps``,
    ``metrics`` (live values at this step), ``records`` (the history records made since
    the previous frame) and ``items``: pictures to draw, each with a ``kind`` and a
    stable ``key``:

    - ``picture``: ``title``, ``data`` (H×W values in [0, 1]);
    - ``heatmap``: ``title``, ``data`` (rows×cols), ``xlabel``, ``ylabel``, ``vmin``,
      ``vmax`` (a fixed colour scale, or null to use the data's range);
    - ``histogram``: ``title``, ``counts``, ``labels`` (or null);
    - ``curve``: ``title``, ``x``, ``series`` ({name: [y]}), ``xlabel``, ``ylabel``.

    The first and the last training step always produce a frame.
``end``    once, last: ``demo``, ``steps``, ``seconds``, ``train_seconds``,
    ``steps_per_second``, ``train_cpu_seconds``, ``frames``, ``frame_seconds``,
    ``records``, ``device``, ``metrics`` (the last record), ``checks``, ``passed``,
    ``caption`` ({en, it}, empty strings when the demo has none) and ``outputs`` (the files
    written: PNG figures, GIF animations, ``metrics.json``).
``error``  instead of ``end`` when the run fails: ``message`` (and ``cancelled`` when the
    run was stopped on request); nothing follows it.

History is separate from the live stream: a demo records its metrics at step counts
fixed before training starts (:func:`record_schedule`), so two runs with one seed
record the same history on any machine, while frames depend on how fast the machine
is. Metrics measured in wall-clock time carry the suffix ``_ms`` (they are the only
ones that legitimately differ between such runs).

Keys match ``^[a-z0-9-]+$``; titles are free text and may change from frame to frame.
Floats are rounded to 4 significant digits; NaN and infinities become ``null``. Nothing
here imports torch, and numpy only when a builder is handed an array.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, NotRequired, TypedDict

KEY = re.compile(r"^[a-z0-9-]+$")
ITEM_KINDS = ("picture", "heatmap", "histogram", "curve")
EVENT_TYPES = ("start", "check", "frame", "end", "error")


class ProtocolError(ValueError):
    """An event or item that breaks the protocol; the message says which field and why."""


def validate_key(key: Any) -> str:
    """A stable key (``^[a-z0-9-]+$``) or :class:`ProtocolError`."""
    if not isinstance(key, str) or not KEY.match(key):
        raise ProtocolError(f"key {key!r} must match {KEY.pattern}")
    return key


# --- the typed shapes -------------------------------------------------------------------


class PlotGroup(TypedDict):
    key: str
    title: str
    metrics: list[str]
    ylim: list[float] | None
    log: bool
    chance: NotRequired[float | None]


class PictureItem(TypedDict):
    kind: Literal["picture"]
    key: str
    title: str
    data: list[list[float]]


class HeatmapItem(TypedDict):
    kind: Literal["heatmap"]
    key: str
    title: str
    data: list[list[float]]
    xlabel: str
    ylabel: str
    vmin: float | None
    vmax: float | None


class HistogramItem(TypedDict):
    kind: Literal["histogram"]
    key: str
    title: str
    counts: list[float]
    labels: list[str] | None


class CurveItem(TypedDict):
    kind: Literal["curve"]
    key: str
    title: str
    x: list[float]
    series: dict[str, list[float | None]]
    xlabel: str
    ylabel: str


Item = PictureItem | HeatmapItem | HistogramItem | CurveItem
Record = dict[str, float | None]  # {"step": n, metric: value, ...}


class CheckResult(TypedDict):
    name: str
    passed: bool
    detail: str


class StartEvent(TypedDict):
    type: Literal["start"]
    demo: str
    title: dict[str, str]
    device: str
    params: dict[str, Any]
    total_steps: int
    quick: bool
    seed: int
    records: int
    plots: list[PlotGroup]


class CheckEvent(CheckResult):
    type: Literal["check"]


class FrameEvent(TypedDict):
    type: Literal["frame"]
    step: int
    total_steps: int
    metrics: dict[str, float | None]
    records: list[Record]
    items: list[Item]


class EndEvent(TypedDict):
    type: Literal["end"]
    demo: str
    steps: int
    seconds: float
    train_seconds: float
    steps_per_second: float | None
    train_cpu_seconds: float
    frames: int
    frame_seconds: float
    records: int
    device: str
    metrics: dict[str, float | None]
    checks: list[CheckResult]
    passed: bool
    caption: dict[str, str]
    outputs: list[str]


class ErrorEvent(TypedDict):
    type: Literal["error"]
    message: str
    cancelled: NotRequired[bool]


Event = StartEvent | CheckEvent | FrameEvent | EndEvent | ErrorEvent


# --- building: what demos call ---------------------------------------------------------


def round_float(x: Any) -> float | None:
    """4 significant digits; NaN and infinities become None (JSON null)."""
    x = float(x)
    if not math.isfinite(x):
        return None
    return float(f"{x:.4g}")


def round_metrics(metrics: Mapping[str, Any]) -> dict[str, float | None]:
    return {str(k): round_float(v) for k, v in metrics.items()}


def _grid(array: Any) -> list:
    """A tensor/array (any device) or nested lists as rounded floats; non-finite → 0."""
    if hasattr(array, "detach"):
        array = array.detach().float().cpu().numpy()
    if isinstance(array, list | tuple):
        if all(_plain(v) for v in array):
            return [_cell(v) for v in array]
        if all(isinstance(r, list | tuple) and all(_plain(v) for v in r) for r in array):
            return [[_cell(v) for v in r] for r in array]
    import numpy as np

    values = np.asarray(array, dtype=np.float64)
    rounded = np.round(values, 4)
    rounded[~np.isfinite(rounded)] = 0.0
    return rounded.tolist()


def _plain(v: Any) -> bool:
    return isinstance(v, int | float)


def _cell(v: float) -> float:
    v = float(v)
    return round(v, 4) if math.isfinite(v) else 0.0


def _matrix(data: Any) -> list[list[float]]:
    grid = _grid(data)
    if grid and not isinstance(grid[0], list):
        grid = [grid]
    return grid


def picture(title: str, data: Any, key: str | None = None) -> PictureItem:
    """A greyscale picture, values in [0, 1], shape (H, W)."""
    return {"kind": "picture", "key": key or "", "title": title, "data": _matrix(data)}


def heatmap(
    title: str,
    data: Any,
    xlabel: str = "",
    ylabel: str = "",
    *,
    key: str | None = None,
    vmin: float | None = None,
    vmax: float | None = None,
) -> HeatmapItem:
    """A matrix drawn with a colour scale, shape (rows, cols); vmin/vmax fix the scale."""
    return {
        "kind": "heatmap",
        "key": key or "",
        "title": title,
        "data": _matrix(data),
        "xlabel": xlabel,
        "ylabel": ylabel,
        "vmin": None if vmin is None else float(vmin),
        "vmax": None if vmax is None else float(vmax),
    }


def histogram(
    title: str, counts: Any, labels: Sequence[str] | None = None, *, key: str | None = None
) -> HistogramItem:
    """Bar heights (already counted), optionally labelled."""
    flat = _grid(counts)
    return {
        "kind": "histogram",
        "key": key or "",
        "title": title,
        "counts": [float(v) for v in flat],
        "labels": [str(s) for s in labels] if labels is not None else None,
    }


def curve(
    title: str,
    x: Sequence[float],
    series: Mapping[str, Sequence[float]],
    xlabel: str = "",
    ylabel: str = "",
    *,
    key: str | None = None,
) -> CurveItem:
    """Lines over a shared x axis that are not metrics over steps (e.g. cost vs size)."""
    return {
        "kind": "curve",
        "key": key or "",
        "title": title,
        "x": [round_float(v) or 0.0 for v in x],
        "series": {str(k): [round_float(v) for v in ys] for k, ys in series.items()},
        "xlabel": xlabel,
        "ylabel": ylabel,
    }


@dataclass(frozen=True)
class Check:
    """The outcome of one runtime check or of the learning criterion."""

    name: str
    passed: bool
    detail: str

    def to_json(self) -> CheckResult:
        return {"name": self.name, "passed": bool(self.passed), "detail": self.detail}


@dataclass
class Frame:
    """What one step shows: live metrics and the pictures of the moment.

    Items without a key get one from their position among the items of their kind
    (``heatmap-0``, ``heatmap-1``, …), which stays stable as long as a demo sends its
    items in the same order.
    """

    step: int
    metrics: dict[str, float] = field(default_factory=dict)
    pictures: list[PictureItem] = field(default_factory=list)
    heatmaps: list[HeatmapItem] = field(default_factory=list)
    histograms: list[HistogramItem] = field(default_factory=list)
    curves: list[CurveItem] = field(default_factory=list)

    def items(self) -> list[Item]:
        """Every item with its key filled in and checked (unique per kind)."""
        out: list[Item] = []
        for group in (self.pictures, self.heatmaps, self.histograms, self.curves):
            seen: set[str] = set()
            for i, item in enumerate(group):
                key = validate_key(item["key"] or f"{item['kind']}-{i}")
                if key in seen:
                    raise ProtocolError(f"two {item['kind']} items share the key {key!r}")
                seen.add(key)
                out.append({**item, "key": key})  # type: ignore[misc]
        return out

    def to_event(
        self, total_steps: int, records: Sequence[Record], metrics: Mapping[str, Any]
    ) -> FrameEvent:
        return {
            "type": "frame",
            "step": self.step,
            "total_steps": total_steps,
            "metrics": round_metrics(self.metrics or metrics),
            "records": list(records),
            "items": self.items(),
        }


def record_schedule(total_steps: int, quick: bool) -> tuple[int, ...]:
    """The steps at which a run records its metrics: 25 in quick mode, 100 otherwise.

    Evenly spaced from the first to the last step and fixed by the step count alone, so
    the recorded history does not depend on the machine's speed. Runs shorter than that
    record every step.
    """
    total = max(1, int(total_steps))
    count = min(total, 25 if quick else 100)
    if count == 1:
        return (0,)
    return tuple(sorted({round(i * (total - 1) / (count - 1)) for i in range(count)}))


# --- reading: what the CLI and the app call --------------------------------------------


def _need(event: Mapping[str, Any], name: str, kinds: type | tuple[type, ...]) -> Any:
    value = event.get(name)
    if not isinstance(value, kinds) or (isinstance(value, bool) and bool not in _tuple(kinds)):
        kind = event.get("type") or event.get("kind")
        raise ProtocolError(f"{kind} event: field {name!r} is missing or not {_names(kinds)}")
    return value


def _tuple(kinds: type | tuple[type, ...]) -> tuple[type, ...]:
    return kinds if isinstance(kinds, tuple) else (kinds,)


def _names(kinds: type | tuple[type, ...]) -> str:
    return " or ".join(k.__name__ for k in _tuple(kinds))


def _numbers(values: Any, what: str, nullable: bool = False) -> None:
    if not isinstance(values, list):
        raise ProtocolError(f"{what} must be a list of numbers")
    for v in values:
        if v is None and nullable:
            continue
        if isinstance(v, bool) or not isinstance(v, int | float):
            raise ProtocolError(f"{what} holds {v!r}, not a number")


def _metrics(values: Any, what: str) -> None:
    if not isinstance(values, dict):
        raise ProtocolError(f"{what} must be an object of numbers")
    _numbers(list(values.values()), what, nullable=True)


def validate_item(item: Any) -> Item:
    """One frame item, checked field by field."""
    if not isinstance(item, dict) or item.get("kind") not in ITEM_KINDS:
        raise ProtocolError(f"item kind must be one of {', '.join(ITEM_KINDS)}")
    validate_key(item.get("key"))
    _need(item, "title", str)
    kind = item["kind"]
    if kind in ("picture", "heatmap"):
        rows = _need(item, "data", list)
        width = None
        for row in rows:
            _numbers(row, f"{kind} {item['key']!r} data")
            if width is not None and len(row) != width:
                raise ProtocolError(f"{kind} {item['key']!r}: rows of different lengths")
            width = len(row)
    elif kind == "histogram":
        _numbers(_need(item, "counts", list), f"histogram {item['key']!r} counts")
        labels = item.get("labels")
        if labels is not None and not (
            isinstance(labels, list) and len(labels) == len(item["counts"])
        ):
            raise ProtocolError(f"histogram {item['key']!r}: labels do not match the counts")
    else:
        xs = _need(item, "x", list)
        _numbers(xs, f"curve {item['key']!r} x")
        for name, ys in _need(item, "series", dict).items():
            _numbers(ys, f"curve {item['key']!r} series {name!r}", nullable=True)
            if len(ys) != len(xs):
                raise ProtocolError(f"curve {item['key']!r}: series {name!r} is not as long as x")
    return item  # type: ignore[return-value]


def validate_event(event: Any) -> Event:
    """Check a decoded JSON line against the protocol; return it typed or raise."""
    if not isinstance(event, dict) or event.get("type") not in EVENT_TYPES:
        raise ProtocolError(f"event type must be one of {', '.join(EVENT_TYPES)}")
    kind = event["type"]
    if kind == "start":
        for name, types in (("demo", str), ("device", str), ("total_steps", int)):
            _need(event, name, types)
        _need(event, "params", dict)
        _need(event, "title", dict)
        keys = set()
        for plot in _need(event, "plots", list):
            if not isinstance(plot, dict):
                raise ProtocolError("start event: a plot is not an object")
            keys.add(validate_key(plot.get("key")))
            _need(plot, "title", str)
            metrics = _need(plot, "metrics", list)
            if not all(isinstance(m, str) for m in metrics):
                raise ProtocolError(f"plot {plot['key']!r}: metrics must be names")
        if len(keys) != len(event["plots"]):
            raise ProtocolError("start event: plot keys are not unique")
    elif kind == "check":
        _need(event, "name", str)
        _need(event, "passed", bool)
        _need(event, "detail", str)
    elif kind == "frame":
        _need(event, "step", int)
        _need(event, "total_steps", int)
        _metrics(_need(event, "metrics", dict), "frame metrics")
        for record in _need(event, "records", list):
            _metrics(record, "frame record")
            if not isinstance(record.get("step"), int):
                raise ProtocolError("frame record: 'step' is missing or not an integer")
        seen: set[tuple[str, str]] = set()
        for item in _need(event, "items", list):
            validate_item(item)
            if (item["kind"], item["key"]) in seen:
                raise ProtocolError(
                    f"frame: two {item['kind']} items share the key {item['key']!r}"
                )
            seen.add((item["kind"], item["key"]))
    elif kind == "end":
        for name, types in (("demo", str), ("steps", int), ("device", str), ("passed", bool)):
            _need(event, name, types)
        _need(event, "seconds", (int, float))
        _metrics(_need(event, "metrics", dict), "end metrics")
        for check in _need(event, "checks", list):
            if not isinstance(check, dict):
                raise ProtocolError("end event: a check is not an object")
            _need(check, "name", str)
            _need(check, "passed", bool)
        outputs = _need(event, "outputs", list)
        if not all(isinstance(o, str) for o in outputs):
            raise ProtocolError("end event: outputs must be paths")
    else:
        _need(event, "message", str)
    return event  # type: ignore[return-value]
