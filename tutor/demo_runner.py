"""Run a demo in its own process and read its JSON-line events.

The app must survive whatever the demo does (a crash, running out of memory, a CUDA call
that never returns), so the demo runs as ``python -P -m demos.run`` in a new process
group and this module only reads lines. ``-P`` and a working directory inside the
installed package mean that nothing in the user's current directory (a stray
``demos.py``) can be imported by the child. Every line is checked against
:mod:`demos.platform.protocol` before anyone sees it. It imports neither torch nor
textual; the app iterates :meth:`DemoRunner.events` in a worker thread and may call
:meth:`DemoRunner.cancel` from any thread.
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

from demos.platform.protocol import ErrorEvent, Event, ProtocolError, validate_event


def default_out_dir(data_dir: Path | None, name: str) -> Path:
    """``DATA_DIR/demos/NAME/YYYYmmdd-HHMMSS``: where a run's figures are saved."""
    from tutor.paths import data_dir as resolve

    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    return resolve(data_dir) / "demos" / name / stamp


def remove_empty_runs(root: Path) -> list[Path]:
    """Delete empty run folders (``root/NAME/STAMP``) and then empty ``root/NAME`` folders.

    A run that was killed (the app closed with kill -9, a power cut) may leave one behind;
    runs only create their folder when they have figures to save, so an empty one is
    never a run in progress. Returns what was removed.
    """
    removed: list[Path] = []
    if not root.is_dir():
        return removed
    for demo_dir in sorted(p for p in root.iterdir() if p.is_dir() and not p.is_symlink()):
        for run_dir in sorted(p for p in demo_dir.iterdir() if p.is_dir() and not p.is_symlink()):
            with contextlib.suppress(OSError):  # not empty, or not ours to remove
                run_dir.rmdir()
                removed.append(run_dir)
        with contextlib.suppress(OSError):
            demo_dir.rmdir()
            removed.append(demo_dir)
    return removed


def _package_root() -> Path | None:
    """The directory that holds the ``demos`` package the app itself would import."""
    spec = importlib.util.find_spec("demos")
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations))).resolve().parent


def _pythonpath(root: Path | None) -> str:
    """Make ``demos`` importable in the child even when it is not installed."""
    paths = [os.environ.get("PYTHONPATH", "")]
    if root is not None:
        paths.insert(0, str(root))
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
        self.out_dir = Path(out_dir).absolute() if out_dir is not None else None
        self.seed = seed
        self.stream = stream
        self.cancelled = False
        self.unkillable = False  # SIGKILL sent, yet the process is still there
        self.proc: subprocess.Popen[str] | None = None
        self._stderr: deque[str] = deque(maxlen=40)
        self._stderr_thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def command(self) -> list[str]:
        cmd = [sys.executable, "-P", "-m", "demos.run", self.name, "--device", self.device]
        cmd += ["--seed", str(self.seed)]
        for key, value in self.params.items():
            cmd += ["--param", f"{key}={self._absolute(key, _text(value))}"]
        if self.quick:
            cmd.append("--quick")
        if not self.stream:
            cmd.append("--no-stream")
        if self.out_dir is not None:
            cmd += ["--out", str(self.out_dir)]
        return cmd

    def _absolute(self, key: str, value: str) -> str:
        """``mnist:rel/dir`` → ``mnist:/abs/rel/dir``: the child runs in another directory."""
        from demos.platform import UnknownDemo, registry

        try:
            declared = {p.name: p for p in registry.spec(self.name).params}
        except UnknownDemo:
            return value  # the child reports the unknown name
        param = declared.get(key)
        for prefix in param.path_prefixes() if param is not None else ():
            if value.startswith(prefix):
                path = value[len(prefix) :]
                return prefix + str(Path(path).expanduser().absolute()) if path else value
        return value

    def start(self) -> None:
        root = _package_root()
        env = {**os.environ, "PYTHONPATH": _pythonpath(root), "PYTHONUNBUFFERED": "1"}
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
                cwd=root if root is not None else Path(sys.prefix),
                start_new_session=True,  # its own process group: cancel() reaches children
            )
        self._stderr_thread = threading.Thread(target=self._drain_stderr, daemon=True)
        self._stderr_thread.start()

    def _drain_stderr(self) -> None:
        assert self.proc is not None and self.proc.stderr is not None
        for line in self.proc.stderr:
            self._stderr.append(line.rstrip("\n"))

    def events(self) -> Iterator[Event]:
        """Checked events until the process ends; always finishes with ``end`` or ``error``."""
        if self.proc is None:
            self.start()
        if self.proc is None:  # cancelled before it started
            yield _stopped()
            return
        assert self.proc.stdout is not None
        final = False
        for line in self.proc.stdout:
            try:
                raw = json.loads(line)
            except json.JSONDecodeError:
                continue  # a library printing to stdout; not part of the stream
            if not isinstance(raw, dict) or "type" not in raw:
                continue
            try:
                event = validate_event(raw)
            except ProtocolError as exc:
                self.cancel()
                self._finish()
                yield {"type": "error", "message": f"the demo sent a malformed event: {exc}"}
                return
            final = final or event["type"] in ("end", "error")
            yield event
        code = self._finish()
        if self.cancelled:
            yield _stopped()
        elif not final:
            yield {"type": "error", "message": self._crash_message(code)}

    def _finish(self) -> int | None:
        """Reap the process, close its pipes, drop an empty output folder."""
        assert self.proc is not None and self.proc.stdout is not None
        code: int | None
        try:
            code = self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            code = None
        if self._stderr_thread is not None:
            self._stderr_thread.join(timeout=1.0)  # the last stderr lines explain a crash
        # Popen leaves its pipes to the garbage collector: two file descriptors per run.
        self.proc.stdout.close()
        if self.proc.stderr is not None and not (
            self._stderr_thread is not None and self._stderr_thread.is_alive()
        ):  # a grandchild may still hold stderr open; the daemon thread then keeps reading
            self.proc.stderr.close()
        if self.out_dir is not None:
            with contextlib.suppress(OSError):  # only if empty: a finished run keeps its files
                self.out_dir.rmdir()
        return code

    def _crash_message(self, code: int | None) -> str:
        if code is None:
            why = "closed its output but did not exit"
        elif code < 0:
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

    def cancel(self, grace: float = 0.5, kill_wait: float = 2.0) -> bool:
        """Stop the run: SIGTERM to its process group, SIGKILL after ``grace`` seconds.

        Returns whether the process is gone. A process that survives SIGKILL (stuck in
        the kernel, e.g. in a GPU driver call) is reported with ``False`` and
        :attr:`unkillable`; it never raises, so callers on any thread can rely on it.
        """
        with self._lock:
            self.cancelled = True
            proc = self.proc
        if proc is None or proc.poll() is not None:
            return True
        self._signal(proc, signal.SIGTERM)
        try:
            proc.wait(timeout=grace)
            return True
        except subprocess.TimeoutExpired:
            self._signal(proc, signal.SIGKILL)
        try:
            proc.wait(timeout=kill_wait)
        except subprocess.TimeoutExpired:
            self.unkillable = True
            return False
        return True

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


def _stopped() -> ErrorEvent:
    return {"type": "error", "message": "stopped", "cancelled": True}


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
