"""``tutor demo list|run``: live PyTorch demos from the terminal.

- ``tutor demo list [--json]``: name, title, questions and parameters of every demo
  (imports no torch).
- ``tutor demo run NAME [--param k=v ...] [--device auto|cpu|cuda|mps] [--quick]
  [--out DIR] [--seed N] [--json]``: trains the demo, streaming a progress bar and a
  short live summary (or, with ``--json``, the JSON-line events documented in
  ``demos.framework``); writes PNG figures and ``metrics.json`` to ``--out`` (default
  ``DATA_DIR/demos/NAME/TIMESTAMP``) and ends with a summary. Exit 0 only when every
  check passed, 1 otherwise; bad parameters and unknown demos are usage errors (2).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any, TextIO

from tutor.errors import TutorError

DEVICES = ("auto", "cpu", "cuda", "mps")


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "demo",
        help="run live PyTorch demos (VQ-VAE, LSTM/GRU gates, ...)",
        description="'tutor demo list' shows the demos; 'tutor demo run NAME' runs one.",
    )
    inner = p.add_subparsers(dest="demo_command", metavar="ACTION", parser_class=type(p))
    inner.required = True
    ls = inner.add_parser("list", help="list the demos and their parameters")
    ls.add_argument("--json", action="store_true", help="print JSON")
    ls.set_defaults(func=cmd_list)
    run = inner.add_parser("run", help="run one demo")
    run.add_argument("name", metavar="NAME")
    run.add_argument(
        "--param", action="append", default=[], metavar="K=V", help="set a parameter (repeatable)"
    )
    run.add_argument("--device", default="auto", choices=DEVICES, help="default: auto")
    run.add_argument("--quick", action="store_true", help="a short run (seconds on a CPU)")
    run.add_argument("--out", type=Path, default=None, metavar="DIR", help="where figures go")
    run.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    run.add_argument("--json", action="store_true", help="stream JSON lines")
    run.set_defaults(func=cmd_run)


def cmd_list(args: argparse.Namespace) -> int:
    from demos.platform.registry import specs

    rows = [spec.describe() for spec in specs().values()]
    if args.json:
        print(json.dumps(rows, indent=1))
        return 0
    for row in rows:
        print(f"{row['name']:<12} {row['title']}")
        print(f"{'':<12} questions: {', '.join(row['questions'])}")
        params = ", ".join(f"{p['name']}={p['default']}" for p in row["params"])
        print(f"{'':<12} params: {params}")
    return 0


def cmd_run(args: argparse.Namespace) -> int:
    from demos.platform import DemoError, DeviceError
    from demos.platform.execute import execute
    from demos.platform.params import parse_assignments
    from demos.platform.registry import names
    from tutor.demo_runner import default_out_dir

    if args.name not in names():
        raise TutorError(
            f"unknown demo {args.name!r} (available: {', '.join(names())})", exit_code=2
        )
    try:
        params = parse_assignments(args.param)
    except DemoError as exc:
        raise TutorError(str(exc), exit_code=2) from None
    out = args.out if args.out is not None else default_out_dir(args.data_dir, args.name)
    sink: Any = _JsonSink(sys.stdout) if args.json else _TextSink(sys.stdout)
    try:
        end = execute(
            args.name,
            params,
            device=args.device,
            quick=args.quick,
            out_dir=out,
            seed=args.seed,
            emit=sink,
        )
    except DeviceError as exc:
        raise TutorError(str(exc), exit_code=1) from None
    except DemoError as exc:
        raise TutorError(str(exc), exit_code=2) from None
    except (RuntimeError, ValueError, OSError) as exc:
        raise TutorError(f"demo {args.name!r} failed: {type(exc).__name__}: {exc}") from None
    return 0 if end["passed"] else 1


class _JsonSink:
    def __init__(self, stream: TextIO):
        self.stream = stream

    def __call__(self, event: dict[str, Any]) -> None:
        self.stream.write(json.dumps(event, separators=(",", ":"), default=str) + "\n")
        self.stream.flush()


class _TextSink:
    """A progress bar with the latest metrics (redrawn in place on a terminal)."""

    WIDTH = 24

    def __init__(self, stream: TextIO):
        self.stream = stream
        self.tty = stream.isatty()
        self.total = 1
        self._last_print = 0.0

    def __call__(self, event: dict[str, Any]) -> None:
        kind = event["type"]
        if kind == "start":
            self.total = max(1, int(event["total_steps"]))
            params = " ".join(f"{k}={v}" for k, v in event["params"].items())
            self._line(f"{event['demo']} on {event['device']}: {params}")
        elif kind == "check":
            mark = "✓" if event["passed"] else "✗"
            self._line(f"{mark} {event['name']}: {event['detail']}")
        elif kind == "frame":
            self._progress(event)
        elif kind == "end":
            self._summary(event)

    def _line(self, text: str) -> None:
        if self.tty:
            self.stream.write("\r\033[K")
        self.stream.write(text + "\n")
        self.stream.flush()

    def _progress(self, event: dict[str, Any]) -> None:
        step = int(event["step"]) + 1
        done = int(self.WIDTH * step / self.total)
        metrics = "  ".join(f"{k} {_fmt(v)}" for k, v in list(event["metrics"].items())[:4])
        text = f"[{'#' * done}{'.' * (self.WIDTH - done)}] {step}/{self.total}  {metrics}"
        if self.tty:
            self.stream.write("\r\033[K" + text)
            self.stream.flush()
        elif time.monotonic() - self._last_print >= 2.0 or step == self.total:
            self._last_print = time.monotonic()
            self._line(text)

    def _summary(self, end: dict[str, Any]) -> None:
        if self.tty:
            self.stream.write("\n")
        passed = sum(c["passed"] for c in end["checks"])
        lines = [
            f"{end['demo']}: {end['steps']} steps in {end['seconds']:.1f} s on {end['device']}"
            f" ({_fmt(end['steps_per_second'])} steps/s)",
            "final: " + "  ".join(f"{k} {_fmt(v)}" for k, v in end["metrics"].items()),
            f"checks: {passed}/{len(end['checks'])} passed",
        ]
        lines += [
            f"  {'✓' if c['passed'] else '✗'} {c['name']}: {c['detail']}" for c in end["checks"]
        ]
        lines += [f"saved: {path}" for path in end["outputs"]]
        self._line("\n".join(lines))


def _fmt(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.4g}"
    return "-" if value is None else str(value)
