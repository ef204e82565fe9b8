"""One start of an app in the terminal it is given, for bench_startup.py.

    python benchmarks/startup_probe.py minimal             # Header, Static("hello"), Footer
    python benchmarks/startup_probe.py tutor ARG …         # what the `tutor` script runs

Both run as the student would see them (no headless mode) until ctrl+q. With
``$STARTUP_PROBE_OUT`` set, the tutor run writes there, on exit, whether torch was
imported: the app must not import it before a demo starts.
"""

from __future__ import annotations

import os
import sys


def run_minimal() -> int:
    from textual.app import App
    from textual.widgets import Footer, Header, Static

    class Minimal(App[None]):
        def compose(self):
            yield Header()
            yield Static("hello")
            yield Footer()

    Minimal().run()
    return 0


def run_tutor(argv: list[str]) -> int:
    from tutor.cli import main

    try:
        return main(argv)
    finally:
        out = os.environ.get("STARTUP_PROBE_OUT")
        if out:
            with open(out, "w", encoding="utf-8") as fh:
                fh.write(str("torch" in sys.modules))


if __name__ == "__main__":
    which, rest = sys.argv[1], sys.argv[2:]
    sys.exit(run_minimal() if which == "minimal" else run_tutor(rest))
