"""Drive the real app in a real terminal (tmux), for what only a terminal shows.

Pilot delivers keys one by one; a terminal delivers a paste as a burst of bytes that
the app parses faster than its widgets process them. Tests and benchmarks that need
that use :class:`TmuxSession`; they skip when tmux is not installed.
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import tempfile
import time
import uuid
from collections.abc import Callable, Sequence
from pathlib import Path

__all__ = ["TmuxSession", "have_tmux"]


def have_tmux() -> bool:
    return shutil.which("tmux") is not None


class TmuxSession:
    """One detached tmux session on a private server socket, running ``command``."""

    def __init__(
        self,
        command: Sequence[str],
        *,
        size: tuple[int, int] = (120, 35),
        env: dict[str, str] | None = None,
        cwd: Path | None = None,
    ) -> None:
        self.socket = f"cidl-test-{uuid.uuid4().hex[:10]}"
        self.name = "app"
        full_env = {**os.environ, **(env or {})}
        full_env.setdefault("TERM", "xterm-256color")
        # tmux does not always keep a dead pane's status; the shell writes it to a file
        self._status = Path(tempfile.mkdtemp(prefix="cidl-tmux-")) / "status"
        line = (
            " ".join(shlex.quote(c) for c in command)
            + f"; echo $? > {shlex.quote(str(self._status))}"
        )
        # keep the pane after the program ends so its exit status can be read
        self._tmux(
            "new-session",
            "-d",
            "-s",
            self.name,
            "-x",
            str(size[0]),
            "-y",
            str(size[1]),
            line,
            env=full_env,
            cwd=cwd,
        )
        self._tmux("set-option", "-t", self.name, "remain-on-exit", "on")

    def _tmux(self, *args: str, env=None, cwd=None, input: bytes | None = None) -> str:
        out = subprocess.run(
            ["tmux", "-f", "/dev/null", "-L", self.socket, *args],
            capture_output=True,
            env=env,
            cwd=cwd,
            input=input,
            timeout=30,
            check=False,
        )
        return out.stdout.decode("utf-8", "replace")

    def screen(self) -> str:
        """The visible pane as text."""
        return self._tmux("capture-pane", "-p", "-t", self.name)

    def wait_for(self, predicate: Callable[[str], bool] | str, timeout: float = 20.0) -> str:
        """Poll the pane until ``predicate`` (or the text) holds; the pane text, or TimeoutError."""
        test = (lambda s: predicate in s) if isinstance(predicate, str) else predicate
        deadline = time.monotonic() + timeout
        while True:
            text = self.screen()
            if test(text):
                return text
            if time.monotonic() > deadline:
                raise TimeoutError(f"terminal never showed the expected text; it shows:\n{text}")
            time.sleep(0.05)

    def keys(self, *keys: str) -> None:
        """tmux key names: ``s``, ``C-s``, ``Escape``, ``Enter``."""
        self._tmux("send-keys", "-t", self.name, *keys)

    def paste(self, text: str) -> None:
        """Type ``text`` as one burst, the way a terminal without bracketed paste does."""
        self._tmux("load-buffer", "-b", "burst", "-", input=text.encode())
        self._tmux("paste-buffer", "-d", "-b", "burst", "-t", self.name)

    def dead(self) -> bool:
        return self._tmux("display-message", "-p", "-t", self.name, "#{pane_dead}").strip() == "1"

    def exit_status(self, timeout: float = 20.0) -> int:
        """Wait for the program to end and return its exit status."""
        deadline = time.monotonic() + timeout
        while not (self._status.exists() and self._status.read_text().strip()):
            if time.monotonic() > deadline:
                raise TimeoutError("the program did not exit")
            time.sleep(0.05)
        return int(self._status.read_text())

    def pid(self) -> int:
        return int(self._tmux("display-message", "-p", "-t", self.name, "#{pane_pid}"))

    def close(self) -> None:
        self._tmux("kill-server")
        shutil.rmtree(self._status.parent, ignore_errors=True)

    def __enter__(self) -> TmuxSession:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
