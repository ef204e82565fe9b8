"""One timed start, used by bench_startup.py: run an app headless until its first screen is ready.

    python benchmarks/startup_probe.py tutor DATA_DIR   # cidl-tutor up to the filled home screen
    python benchmarks/startup_probe.py minimal          # a minimal Textual app

Prints the seconds from interpreter start (time.perf_counter at process start is
not available, so we use the process creation time) to readiness, and whether
torch was imported.
"""

from __future__ import annotations

import os
import sys
import time


def _since_process_start() -> float:
    import psutil

    return time.time() - psutil.Process(os.getpid()).create_time()


def elapsed() -> float:
    try:
        return _since_process_start()
    except ImportError:
        with open(f"/proc/{os.getpid()}/stat") as fh:
            start_ticks = int(fh.read().rsplit(")", 1)[1].split()[19])
        with open("/proc/uptime") as fh:
            uptime = float(fh.read().split()[0])
        return uptime - start_ticks / os.sysconf("SC_CLK_TCK")


def run_minimal() -> None:
    from textual.app import App
    from textual.widgets import Footer, Header, Static

    class Minimal(App):
        def compose(self):
            yield Header()
            yield Static("hello")
            yield Footer()

        def on_mount(self) -> None:
            self.call_after_refresh(self.exit)

    Minimal().run(headless=True)


def run_tutor(data_dir: str) -> None:
    """What ``tutor`` does (load the bank, open the store, show home), headless."""
    from pathlib import Path

    from tutor.bankload import load
    from tutor.store import Store
    from tutor.ui.app import TutorApp
    from tutor.ui.screens import home

    original = home.HomeScreen._show_stats

    def ready(self, stats) -> None:
        original(self, stats)
        self.app.call_after_refresh(self.app.exit)

    home.HomeScreen._show_stats = ready
    store = Store.open_in(Path(data_dir))
    TutorApp(load(), store, data_dir=Path(data_dir)).run(headless=True)
    store.close()


if __name__ == "__main__":
    which = sys.argv[1]
    if which == "minimal":
        run_minimal()
    else:
        run_tutor(sys.argv[2])
    print(f"{elapsed():.4f} {'torch' in sys.modules}")
