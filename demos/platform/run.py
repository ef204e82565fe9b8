"""``python -m demos.run NAME [--param k=v ...]``: run a demo and stream JSON lines.

This is the process the app starts, so that a crash, an out-of-memory error or a hung
CUDA call ends this process and not the app. stdout carries only the events of
:mod:`demos.platform.protocol` (flushed one by one); diagnostics go to stderr. Exit
status: 0 when every check passed, 1 when a check failed or the demo raised, 2 for a bad
request. SIGTERM (Stop in the app) ends it at once.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
from typing import Any

from demos.platform.errors import DemoError
from demos.platform.params import DEVICES, parse_assignments


def _parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(prog="python -m demos.run", description=__doc__.splitlines()[0])
    ap.add_argument("name")
    ap.add_argument("--param", action="append", default=[], metavar="K=V")
    ap.add_argument("--device", default="auto", choices=DEVICES)
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--out", default=None, help="directory for figures and metrics.json")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--no-stream", action="store_true", help="only the first and last frame")
    return ap


def _write(event: Any) -> None:
    sys.stdout.write(json.dumps(event, separators=(",", ":"), default=str) + "\n")
    sys.stdout.flush()


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    # A stop request (SIGTERM from the app) ends the run at once: every line is flushed.
    signal.signal(signal.SIGTERM, lambda *_: os._exit(143))
    from demos.platform.execute import execute  # imports torch: after the argument check

    try:
        end = execute(
            args.name,
            parse_assignments(args.param),
            device=args.device,
            quick=args.quick,
            out_dir=args.out,
            seed=args.seed,
            stream=not args.no_stream,
            emit=_write,
        )
    except DemoError as exc:
        _write({"type": "error", "message": str(exc)})
        return 2
    except BrokenPipeError:
        return 1
    except Exception as exc:  # the reader shows the message; the traceback goes to stderr
        import traceback

        traceback.print_exc(file=sys.stderr)
        _write({"type": "error", "message": f"{type(exc).__name__}: {exc}"})
        return 1
    return 0 if end["passed"] else 1


if __name__ == "__main__":
    sys.exit(main())
