"""How the app ends: a crash is a non-zero exit; SIGHUP/SIGTERM keep the half-typed answer.

Each test runs the real ``tutor`` entry point (``tutor.cli.main``) in a fresh
interpreter: headless through Textual's auto-pilot, or in a real terminal (tmux).
The study screen's periodic autosave is switched off in these runs, so a draft
found afterwards was saved by the signal handler and nothing else.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import textwrap
import time
import uuid
from pathlib import Path

import pytest

from tutor.store import Store

TYPED = "half typed answer about the chain rule"

_HEADLESS = """\
import asyncio, os, signal, sys
from textual.app import App
from tutor.cli import main
from tutor.ui.screens.study import StudyScreen

StudyScreen._autosave_draft = lambda self: None
PATCH

async def drive(pilot):
    await pilot.pause()
DRIVE
    for _ in range(600):  # the app must end by itself: a signal or a crash ends it
        if pilot.app.return_code is not None:
            return
        await asyncio.sleep(0.05)

real_run = App.run
App.run = lambda self, *a, **k: real_run(self, headless=True, size=(100, 30), auto_pilot=drive)
sys.exit(main(["--data-dir", sys.argv[1]]))
"""


def run_headless(data_dir: Path, drive: str, patch: str = "") -> subprocess.CompletedProcess:
    script = _HEADLESS.replace("PATCH", textwrap.dedent(patch)).replace(
        "DRIVE", textwrap.indent(textwrap.dedent(drive).strip("\n"), "    ")
    )
    return subprocess.run(
        [sys.executable, "-c", script, str(data_dir)],
        capture_output=True,
        text=True,
        timeout=120,
    )


def saved_drafts(data_dir: Path) -> list[str]:
    """Drafts wherever the screens keep them (the drafts table, or the old settings keys)."""
    with Store.open_in(data_dir) as store:
        texts = [d.text for d in store.drafts()]
        rows = store._query("SELECT key FROM settings WHERE key LIKE 'draft:%'")
        texts += [store.get_setting(r["key"]) for r in rows]
    return [t for t in texts if t]


def test_a_crash_in_a_screen_handler_exits_non_zero(tmp_path):
    """Textual prints the traceback and returns; the process used to exit 0."""
    res = run_headless(
        tmp_path,
        drive="await pilot.press('s')",
        patch="""
        from tutor.ui.screens.home import HomeScreen
        def boom(self):
            raise RuntimeError("boom in a handler")
        HomeScreen.action_study = boom
        """,
    )
    assert res.returncode == 70, (res.returncode, res.stderr[-2000:])
    assert "boom in a handler" in res.stderr + res.stdout
    assert "tutor: the app stopped on an unexpected error" in res.stderr


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGHUP])
def test_signal_saves_the_half_typed_answer_and_exits_128_plus_signal(tmp_path, sig):
    res = run_headless(
        tmp_path,
        drive=f"""
        await pilot.press("s")
        await pilot.pause()
        pilot.app.screen.query_one("#answer").insert({TYPED!r})
        await pilot.pause()
        os.kill(os.getpid(), {int(sig)})
        """,
    )
    assert res.returncode == 128 + sig, (res.returncode, res.stderr[-2000:])
    assert saved_drafts(tmp_path) == [TYPED]


# -- a real terminal ----------------------------------------------------------------------

_TERMINAL = """\
import sys
from tutor.cli import main
from tutor.ui.screens.study import StudyScreen
StudyScreen._autosave_draft = lambda self: None
rc = main(["--data-dir", sys.argv[1]])
with open(sys.argv[2], "w") as fh:
    fh.write(str(rc))
sys.exit(rc)
"""


class Tmux:
    """A private tmux server (its own socket), so tests never touch anyone's sessions."""

    def __init__(self) -> None:
        self.socket = f"cidl-test-{uuid.uuid4().hex[:8]}"

    def __call__(self, *args: str) -> str:
        res = subprocess.run(
            ["tmux", "-L", self.socket, *args], capture_output=True, text=True, timeout=30
        )
        return res.stdout

    def wait_for(self, needle: str, timeout: float = 90.0) -> str:
        deadline = time.monotonic() + timeout
        screen = ""
        while time.monotonic() < deadline:
            screen = self("capture-pane", "-p", "-t", "study")
            if needle in screen:
                return screen
            time.sleep(0.2)
        raise AssertionError(f"{needle!r} never appeared; the screen was:\n{screen}")

    def close(self) -> None:
        subprocess.run(["tmux", "-L", self.socket, "kill-server"], capture_output=True)


def wait_gone(pid: int, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.1)
    raise AssertionError(f"process {pid} still running")


@pytest.mark.skipif(shutil.which("tmux") is None, reason="needs tmux")
@pytest.mark.parametrize("how", ["kill-session", "kill -TERM"])
def test_closing_the_terminal_keeps_the_draft(tmp_path, how):
    data, rc_file = tmp_path / "data", tmp_path / "rc"
    data.mkdir()
    tmux = Tmux()
    try:
        cmd = f"{sys.executable} -c '{_TERMINAL}' {data} {rc_file}"
        tmux("new-session", "-d", "-s", "study", "-x", "110", "-y", "35", cmd)
        pid = int(tmux("display-message", "-p", "-t", "study", "#{pane_pid}").strip())
        tmux.wait_for("Mastery", timeout=90)  # the home screen is up
        tmux("send-keys", "-t", "study", "s")
        tmux.wait_for("Submit")  # the study screen is up
        tmux("send-keys", "-t", "study", "-l", TYPED)
        tmux.wait_for(TYPED[-12:])  # every key has reached the answer box
        if how == "kill-session":
            tmux("kill-session", "-t", "study")  # SIGHUP, as when a terminal window closes
            expected = 128 + signal.SIGHUP
        else:
            os.kill(pid, signal.SIGTERM)
            expected = 128 + signal.SIGTERM
        wait_gone(pid)
    finally:
        tmux.close()
    assert saved_drafts(data) == [TYPED]
    assert rc_file.read_text() == str(expected)
