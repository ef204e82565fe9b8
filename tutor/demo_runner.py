"""Run a demo in its own process and read its JSON-line events.

The app must survive whatever the demo does (a crash, running out of memory, a CUDA call
that never returns), so the demo runs as ``python -m demos.run`` in a new process group
and this module only reads lines. It imports neither torch nor textual; the UI iterates
:meth:`DemoRunner.events` in a worker thread and may call :meth:`DemoRunner.cancel` from
any thread.
"""

from __future__ import annotations

import contextlib
import importlib.util
import json
import os
import signal
import subprocess
import sys
import threading
from collections import deque
from collections.abc import Iterator, Mapping
from datetime import datetime
from pathlib import Path
from typing import Any


def default_out_dir(data_dir: Path | None, name: str) -> Path:
    """``DATA_DIR/demos/NAME/YYYYmmdd-HHMMSS``: where a run's figures are saved."""
    from tutor.paths import data_dir as resolve

    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    return resolve(data_dir) / "demos" / name / stamp


def _pythonpath() -> str:
    """Make ``demos`` importable in the child even when it is not installed."""
    spec = importlib.util.find_spec("demos")
    paths = [os.environ.get("PYTHONPATH", "")]
    if spec is not None and spec.submodule_search_locations:
        paths.insert(0, str(Path(next(iter(spec.submodule_search_locations))).parent))
    return os.pathsep.join(p for p in paths if p)


class DemoRunner:
    """One demo run in a subprocess; iterate :meth:`events`, stop with :meth:`cancel`."""

    def __init__(
        self,
        name: str,
        params: Mapping[str, Any] | None = None,
        *,
        device: str = "auto",
        quick: bool = False,
        out_dir: Path | None = None,
        seed: int = 0,
        stream: bool = True,
    ) -> None:
        self.name = name
        self.params = dict(params or {})
        self.device = device
        self.quick = quick
        self.out_dir = out_dir
        self.seed = seed
        self.stream = stream
        self.cancelled = False
        self.proc: subprocess.Popen[str] | None = None
        self._stderr: deque[str] = deque(maxlen=40)
        self._stderr_thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def command(self) -> list[str]:
        cmd = [sys.executable, "-m", "demos.run", self.name, "--device", self.device]
        cmd += ["--seed", str(self.seed)]
        for key, value in self.params.items():
            cmd += ["--param", f"{key}={_text(value)}"]
        if self.quick:
            cmd.append("--quick")
        if not self.stream:
            cmd.append("--no-stream")
        if self.out_dir is not None:
            cmd += ["--out", str(self.out_dir)]
        return cmd

    def start(self) -> None:
        env = {**os.environ, "PYTHONPATH": _pythonpath(), "PYTHONUNBUFFERED": "1"}
        with self._lock:
            if self.cancelled:
                return
            self.proc = subprocess.Popen(
                self.command(),
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
                encoding="utf-8",
                errors="replace",
                bufsize=1,
                env=env,
                start_new_session=True,  # its own process group: cancel() reaches children
            )
        self._stderr_thread = threading.Thread(target=self._drain_stderr, daemon=True)
        self._stderr_thread.start()

    def _drain_stderr(self) -> None:
        assert self.proc is not None and self.proc.stderr is not None
        for line in self.proc.stderr:
            self._stderr.append(line.rstrip("\n"))

    def events(self) -> Iterator[dict[str, Any]]:
        """Parsed events until the process ends; always finishes with ``end`` or ``error``."""
        if self.proc is None:
            self.start()
        if self.proc is None:  # cancelled before it started
            yield {"type": "error", "message": "stopped", "cancelled": True}
            return
        assert self.proc.stdout is not None
        final = False
        for line in self.proc.stdout:
            try:
                event = json.loads(line)
            except json.JSONDecodeError:
                continue  # a library printing to stdout; not part of the stream
            if not isinstance(event, dict) or "type" not in event:
                continue
            final = final or event["type"] in ("end", "error")
            yield event
        code = self.proc.wait()
        if self._stderr_thread is not None:
            self._stderr_thread.join(timeout=1.0)  # the last stderr lines explain a crash
        # Popen leaves its pipes to the garbage collector: two file descriptors per run.
        self.proc.stdout.close()
        if self.proc.stderr is not None and not (
            self._stderr_thread is not None and self._stderr_thread.is_alive()
        ):  # a grandchild may still hold stderr open; the daemon thread then keeps reading
            self.proc.stderr.close()
        if self.cancelled:
            yield {"type": "error", "message": "stopped", "cancelled": True}
        elif not final:
            yield {"type": "error", "message": self._crash_message(code)}

    def _crash_message(self, code: int) -> str:
        if code < 0:
            try:
                name = signal.Signals(-code).name
            except ValueError:
                name = f"signal {-code}"
            hint = " (out of memory?)" if -code == signal.SIGKILL else ""
            why = f"was killed by {name}{hint}"
        else:
            why = f"exited with status {code}"
        last = next((line for line in reversed(self._stderr) if line.strip()), "")
        return f"the demo process {why}" + (f": {last}" if last else "")

    @property
    def returncode(self) -> int | None:
        return None if self.proc is None else self.proc.poll()

    @property
    def stderr_tail(self) -> str:
        return "\n".join(self._stderr)

    def cancel(self, grace: float = 0.5) -> None:
        """Stop the run: SIGTERM to its process group, SIGKILL after ``grace`` seconds."""
        with self._lock:
            self.cancelled = True
            proc = self.proc
        if proc is None or proc.poll() is not None:
            return
        self._signal(proc, signal.SIGTERM)
        try:
            proc.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            self._signal(proc, signal.SIGKILL)
            proc.wait(timeout=2)

    @staticmethod
    def _signal(proc: subprocess.Popen[str], sig: int) -> None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            if hasattr(os, "killpg"):
                os.killpg(proc.pid, sig)
            else:  # Windows: no process groups
                proc.terminate() if sig == signal.SIGTERM else proc.kill()

    def __enter__(self) -> DemoRunner:
        return self

    def __exit__(self, *exc: object) -> None:
        self.cancel()


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
