"""One start of an app in the terminal it is given, for bench_startup.py.

    python benchmarks/startup_probe.py minimal             # Header, Static("hello"), Footer
    python benchmarks/startup_probe.py tutor ARG …         # what the `tutor` script runs

Both run as the student would see them (no headless mode) until ctrl+q. With
``$STARTUP_PROBE_OUT`` set, a run writes there, on exit, the CPU seconds it had used
when its first screen was drawn (the home table filled, or "hello") and whether torch
was imported: the app must not import it before a demo starts. CPU time barely
changes with the machine's load, so it backs up the wall-clock figures of a busy machine.
A tutor run also writes the CPU each stage of its start took (``phases``), to say where
the time goes: the imports, the command line, the bank, the database, the first frame.
"""

from __future__ import annotations

import json
import os
import sys
import time

_first_frame_cpu: list[float] = []
#: (stage, CPU seconds when it ended), in order.
_laps: list[tuple[str, float]] = []


def _lap(stage: str) -> None:
    _laps.append((stage, time.process_time()))


def _drawn() -> None:
    if not _first_frame_cpu:
        _first_frame_cpu.append(time.process_time())
        _lap("app: first frame")


def _timed(owner: object, name: str, stage: str, before: str | None = None) -> None:
    """Wrap ``owner.name`` so that a stage ends when it returns (and ``before``, the
    stage of what ran since the last lap, when it is called)."""
    inner = getattr(owner, name)

    def wrapper(*args, **kwargs):
        if before is not None:
            _lap(before)
        try:
            return inner(*args, **kwargs)
        finally:
            _lap(stage)

    setattr(owner, name, wrapper)


def run_minimal() -> int:
    from textual.app import App
    from textual.widgets import Footer, Header, Static

    class Minimal(App[None]):
        def compose(self):
            yield Header()
            yield Static("hello")
            yield Footer()

        def on_mount(self) -> None:
            self.call_after_refresh(_drawn)

    Minimal().run()
    return 0


def run_tutor(argv: list[str]) -> int:
    _lap("interpreter")
    from tutor.cli import main

    _lap("import tutor.cli")
    import tutor.ui.app  # noqa: F401 - what `tutor` imports next, timed on its own
    from tutor import bankload
    from tutor.store import Store
    from tutor.ui.screens import home

    _lap("import tutor.ui")
    _timed(bankload, "load", "load the bank", before="command line")
    _timed(Store, "open_in", "open the database")

    show = home.HomeScreen._show_stats

    def shown(self, *args, **kwargs) -> None:
        show(self, *args, **kwargs)
        self.app.call_after_refresh(_drawn)

    home.HomeScreen._show_stats = shown
    return main(argv)


def _report() -> None:
    out = os.environ.get("STARTUP_PROBE_OUT")
    if out:
        with open(out, "w", encoding="utf-8") as fh:
            cpu = _first_frame_cpu[0] if _first_frame_cpu else None
            phases, before = {}, 0.0
            for stage, at in _laps:
                phases[stage] = at - before
                before = at
            json.dump({"cpu_s": cpu, "torch": "torch" in sys.modules, "phases": phases}, fh)


if __name__ == "__main__":
    which, rest = sys.argv[1], sys.argv[2:]
    try:
        code = run_minimal() if which == "minimal" else run_tutor(rest)
    finally:
        _report()
    sys.exit(code)
