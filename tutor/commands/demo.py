"""``tutor demo list|run``: live PyTorch demos from the terminal.

- ``tutor demo list [--json]``: name, title, questions and parameters of every demo,
  read from the torch-free specs (imports no torch).
- ``tutor demo run NAME [--param k=v ...] [--device auto|cpu|cuda|mps] [--quick]
  [--out DIR] [--seed N] [--json | --live]``: trains the demo, streaming a progress bar
  and a short live summary (or, with ``--json``, the JSON-line events of
  :mod:`demos.platform.protocol`; with ``--live``, the app's live demo view); writes
  figures and ``metrics.json`` to ``--out`` (default ``DATA_DIR/demos/NAME/TIMESTAMP``)
  and ends with a summary. Exit 0 only when every check passed, 1 otherwise; bad
  parameters and unknown demos are usage errors (2).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any, TextIO

from tutor.errors import TutorError
from tutor.i18n import LANGS
from tutor.i18n import demo as T

DEVICES = ("auto", "cpu", "cuda", "mps")  # == demos.platform.params.DEVICES (tested)


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("demo", help=T.HELP_DEMO(), description=T.HELP_DEMO_DESCRIPTION())
    inner = p.add_subparsers(dest="demo_command", metavar="ACTION", parser_class=type(p))
    inner.required = True
    ls = inner.add_parser("list", help=T.HELP_LIST())
    ls.add_argument("--json", action="store_true", help=T.HELP_JSON_LIST())
    ls.add_argument("--lang", choices=LANGS, default=None, help=T.HELP_LANG())
    ls.set_defaults(func=cmd_list)
    run = inner.add_parser("run", help=T.HELP_RUN())
    run.add_argument("name", metavar="NAME")
    run.add_argument("--param", action="append", default=[], metavar="K=V", help=T.HELP_PARAM())
    run.add_argument("--device", default="auto", choices=DEVICES, help=T.HELP_DEVICE())
    run.add_argument("--quick", action="store_true", help=T.HELP_QUICK())
    run.add_argument("--out", type=Path, default=None, metavar="DIR", help=T.HELP_OUT())
    run.add_argument("--seed", type=int, default=0, help=T.HELP_SEED())
    shown = run.add_mutually_exclusive_group()
    shown.add_argument("--json", action="store_true", help=T.HELP_JSON_RUN())
    shown.add_argument("--live", action="store_true", help=T.HELP_LIVE())
    run.add_argument("--lang", choices=LANGS, default=None, help=T.HELP_LANG())
    run.set_defaults(func=cmd_run)


def cmd_list(args: argparse.Namespace) -> int:
    from demos.platform.registry import specs

    rows = [spec.describe() for spec in specs().values()]
    if args.json:
        print(json.dumps(rows, indent=1))
        return 0
    lang = args.lang
    for spec, row in zip(specs().values(), rows, strict=True):
        print(f"{row['name']:<12} {spec.title(lang)}")
        print(f"{'':<12} {T.LIST_QUESTIONS(lang, questions=', '.join(row['questions']))}")
        params = ", ".join(f"{p['name']}={p['default']}" for p in row["params"])
        print(f"{'':<12} {T.LIST_PARAMS(lang, params=params)}")
    return 0


def cmd_run(args: argparse.Namespace) -> int:
    from demos.platform import DemoError, registry
    from demos.platform.params import parse_assignments, resolve_params
    from tutor.demo_runner import default_out_dir, remove_empty_runs

    lang = args.lang
    if args.name not in registry.names():
        available = ", ".join(registry.names())
        raise TutorError(T.UNKNOWN_DEMO(lang, name=args.name, available=available), exit_code=2)
    spec = registry.spec(args.name)
    try:
        params = parse_assignments(args.param)
        resolve_params(spec.params, params, {})  # a bad value is a usage error, now
    except DemoError as exc:
        raise TutorError(str(exc), exit_code=2) from None
    if args.out is None:
        out = default_out_dir(args.data_dir, args.name)
        remove_empty_runs(out.parents[1])  # left behind by runs that were killed
    else:
        out = args.out
    if args.live:
        return _run_live(args, params, out)
    return _run_here(args, params, out)


def _run_here(args: argparse.Namespace, params: dict[str, str], out: Path) -> int:
    """In this process: the events go to a text or JSON sink as they come."""
    from demos.platform import DemoError, DeviceError
    from demos.platform.execute import execute

    sink: Any = _JsonSink(sys.stdout) if args.json else _TextSink(sys.stdout, args.lang)
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
        error = f"{type(exc).__name__}: {exc}"
        raise TutorError(T.RUN_FAILED(args.lang, name=args.name, error=error)) from None
    return 0 if end["passed"] else 1


def _run_live(args: argparse.Namespace, params: dict[str, str], out: Path) -> int:
    """The app's demo screen on its own; the demo runs in its own process as in the app."""
    if not (sys.stdout.isatty() and sys.stdin.isatty()):
        raise TutorError(T.LIVE_NEEDS_TERMINAL(args.lang), exit_code=2)
    from tutor.ui.screens.demo import DemoApp, DemoScreen

    screen = DemoScreen(
        args.name,
        params,
        data_dir=args.data_dir,
        quick=args.quick,
        device=args.device,
        seed=args.seed,
        out_dir=out,
    )
    code = DemoApp(screen, lang=args.lang).run()
    return 1 if code is None else int(code)


class _JsonSink:
    def __init__(self, stream: TextIO):
        self.stream = stream

    def __call__(self, event: dict[str, Any]) -> None:
        self.stream.write(json.dumps(event, separators=(",", ":"), default=str) + "\n")
        self.stream.flush()


class _TextSink:
    """A progress bar with the latest metrics (redrawn in place on a terminal)."""

    WIDTH = 24

    def __init__(self, stream: TextIO, lang: str = "en"):
        self.stream = stream
        self.lang = lang
        self.tty = stream.isatty()
        self.total = 1
        self._last_print = 0.0

    def __call__(self, event: dict[str, Any]) -> None:
        kind = event["type"]
        if kind == "start":
            self.total = max(1, int(event["total_steps"]))
            params = " ".join(f"{k}={v}" for k, v in event["params"].items())
            text = T.RUN_HEADER(
                self.lang, demo=event["demo"], device=event["device"], params=params
            )
            self._line(text)
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
        lang = self.lang
        passed = sum(c["passed"] for c in end["checks"])
        final = "  ".join(f"{k} {_fmt(v)}" for k, v in end["metrics"].items())
        lines = [
            T.RUN_SUMMARY(
                lang,
                demo=end["demo"],
                steps=end["steps"],
                seconds=end["seconds"],
                device=end["device"],
                rate=_fmt(end["steps_per_second"]),
            ),
            T.RUN_FINAL(lang, metrics=final),
            T.CHECKS_PASSED(lang, passed=passed, total=len(end["checks"])),
        ]
        lines += [
            f"  {'✓' if c['passed'] else '✗'} {c['name']}: {c['detail']}" for c in end["checks"]
        ]
        caption = end.get("caption") or {}
        words = caption.get(lang) or caption.get("en")  # what to look for, in --lang
        if words:
            lines.append(T.RUN_CAPTION(lang, caption=words))
        lines += [T.RUN_SAVED(lang, path=path) for path in end["outputs"]]
        self._line("\n".join(lines))


def _fmt(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.4g}"
    return "-" if value is None else str(value)
