"""Start-up of cidl-tutor's home screen against a minimal Textual app, in a real terminal.

Run: .venv/bin/python benchmarks/bench_startup.py [N] [--size 100x30]

Both programs are measured the same way, in one run, alternating: a tmux window is
opened on a private tmux server with the program in it, and the clock runs from just
before the window is asked for until the pane shows what the student waits for (the
minimal app's "hello" and footer; cidl-tutor's home table down to its last topic and
its footer). Then ctrl+q, and the window is gone before the next start. The pane is
read back-to-back (a few milliseconds a look), the same way for both. On a loaded
machine the best runs say more than the medians: both are printed, with the CPU time
each process had used at its first frame (which the load barely changes). Python writes its
bytecode cache (to a temporary directory), as it does on a student's machine, so
neither program compiles its sources at each start.
Target: cidl-tutor ≤ 1.5 × the minimal app, and torch never imported. The CPU of each
stage of cidl-tutor's start (imports, command line, bank, database, first frame) follows.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

PROBE = Path(__file__).with_name("startup_probe.py")
TIMEOUT_S = 30.0


class Terminal:
    """A private tmux server whose windows run one program each."""

    def __init__(self, size: tuple[int, int], pycache: Path) -> None:
        self.socket = f"bench-startup-{uuid.uuid4().hex[:8]}"
        self.env = {**os.environ, "TERM": "xterm-256color", "TEXTUAL_ANIMATIONS": "none"}
        # Python keeps compiled bytecode, as on a student's machine (where pip and the first
        # start write it); here it goes to a temporary directory, not into the checkout.
        self.env.pop("PYTHONDONTWRITEBYTECODE", None)
        self.env["PYTHONPYCACHEPREFIX"] = str(pycache)
        self.tmux("new-session", "-d", "-s", "bench", "-x", str(size[0]), "-y", str(size[1]))
        self.tmux("set-option", "-g", "remain-on-exit", "off")

    def tmux(self, *args: str) -> str:
        out = subprocess.run(
            ["tmux", "-f", "/dev/null", "-L", self.socket, *args],
            capture_output=True,
            env=self.env,
            timeout=TIMEOUT_S,
            check=False,
        )
        return out.stdout.decode("utf-8", "replace")

    def time_to(
        self, command: list[str], ready: str, footer: str, env: dict[str, str] | None = None
    ) -> float:
        """Seconds from asking for a window running ``command`` to ``ready`` and ``footer``
        both on screen; the program is then quit with ctrl+q."""
        line = "exec " + " ".join(shlex.quote(c) for c in command)
        extra = [a for k, v in (env or {}).items() for a in ("-e", f"{k}={v}")]
        start = time.perf_counter()
        window = self.tmux("new-window", "-d", *extra, "-P", "-F", "#{window_id}", line).strip()
        while True:
            text = self.tmux("capture-pane", "-p", "-t", window)
            if ready in text and footer in text:
                elapsed = time.perf_counter() - start
                break
            if time.perf_counter() - start > TIMEOUT_S:
                raise TimeoutError(f"{command[-1]} never showed {ready!r}:\n{text}")
        self.tmux("send-keys", "-t", window, "C-q")
        while window in self.tmux("list-windows", "-a", "-F", "#{window_id}").split():
            if time.perf_counter() - start > 2 * TIMEOUT_S:
                raise TimeoutError(f"{command} did not quit on ctrl+q")
            time.sleep(0.02)
        return elapsed

    def close(self) -> None:
        self.tmux("kill-server")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("runs", nargs="?", type=int, default=10)
    parser.add_argument("--size", default="100x30", help="terminal COLSxROWS (default 100x30)")
    args = parser.parse_args()
    if shutil.which("tmux") is None:
        sys.exit("bench_startup: needs tmux")
    cols, rows = (int(v) for v in args.size.split("x"))
    work = Path(tempfile.mkdtemp(prefix="bench-startup-"))
    report = work / "probe.json"
    probe_env = {"STARTUP_PROBE_OUT": str(report)}
    minimal = [sys.executable, str(PROBE), "minimal"]
    tutor = [sys.executable, str(PROBE), "tutor", "--lang", "en", "--data-dir", str(work / "data")]
    ready = {"minimal": ("hello", "palette"), "tutor": ("h  Advanced", "Study")}
    commands = {"minimal": minimal, "tutor": tutor}
    terminal = Terminal((cols, rows), work / "pycache")
    times: dict[str, list[float]] = {"minimal": [], "tutor": []}
    cpu: dict[str, list[float]] = {"minimal": [], "tutor": []}
    phases: dict[str, list[float]] = {}
    torch_seen = False
    try:
        # first starts warm the file cache, build the bank cache and create the database
        for kind in ("tutor", "minimal"):
            terminal.time_to(commands[kind], *ready[kind], probe_env)
        for _ in range(args.runs):  # alternating, so both see the same machine load
            for kind in ("minimal", "tutor"):
                times[kind].append(terminal.time_to(commands[kind], *ready[kind], probe_env))
                seen = json.loads(report.read_text(encoding="utf-8"))
                cpu[kind].append(seen["cpu_s"])
                torch_seen |= kind == "tutor" and seen["torch"]
                if kind == "tutor":
                    for stage, seconds in seen.get("phases", {}).items():
                        phases.setdefault(stage, []).append(seconds)
    finally:
        terminal.close()
        shutil.rmtree(work, ignore_errors=True)
    mm, mt = statistics.median(times["minimal"]), statistics.median(times["tutor"])
    cm, ct = statistics.median(cpu["minimal"]), statistics.median(cpu["tutor"])
    print(f"terminal {cols}x{rows}, {args.runs} runs each, alternating")
    for name, kind in (("minimal Textual app", "minimal"), ("cidl-tutor home", "tutor")):
        t, c = times[kind], cpu[kind]
        print(
            f"{name:<20} median {statistics.median(t) * 1000:4.0f} ms  (min {min(t) * 1000:4.0f})"
            f"   CPU to the first frame {statistics.median(c) * 1000:4.0f} ms"
        )
    best = min(times["tutor"]) / min(times["minimal"])
    print(f"ratio {mt / mm:.2f} of medians, {best:.2f} of the best runs  (target <= 1.5)")
    print(f"CPU ratio {ct / cm:.2f}   torch imported: {torch_seen}")
    print("cidl-tutor's CPU to the first frame, by stage (medians):")
    for stage, seconds in phases.items():
        print(f"  {stage:<20} {statistics.median(seconds) * 1000:5.1f} ms")


if __name__ == "__main__":
    main()
