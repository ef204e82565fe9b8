"""The subprocess runner: parsed events, crash reports, cancellation within a second."""

from __future__ import annotations

import subprocess
import sys
import time

from tutor.demo_runner import DemoRunner


def test_runner_streams_a_whole_run():
    runner = DemoRunner(
        "lstm-gates", {"steps": 12, "length": 5, "hidden": 4}, device="cpu", quick=True
    )
    events = list(runner.events())
    kinds = [e["type"] for e in events]
    assert kinds[0] == "start" and kinds[-1] == "end" and kinds.count("frame") >= 2
    assert events[0]["params"]["hidden"] == 4
    assert events[-1]["outputs"] == []  # no --out: nothing written
    assert runner.returncode == (0 if events[-1]["passed"] else 1)
    assert runner.proc.stdout.closed and runner.proc.stderr.closed  # no fds left to the GC


def test_bad_parameter_comes_back_as_one_error_event():
    events = list(DemoRunner("vq-vae", {"beta": -1}, device="cpu").events())
    assert [e["type"] for e in events] == ["error"]
    assert "'beta'" in events[0]["message"] and "[0, 10]" in events[0]["message"]


def test_crash_is_reported_not_raised(monkeypatch):
    runner = DemoRunner("vq-vae", device="cpu")
    monkeypatch.setattr(
        runner, "command", lambda: [sys.executable, "-c", "import sys; sys.exit('boom')"]
    )
    (event,) = list(runner.events())
    assert (
        event["type"] == "error" and "status 1" in event["message"] and "boom" in event["message"]
    )


def test_killed_process_is_reported_with_its_signal(monkeypatch):
    runner = DemoRunner("vq-vae", device="cpu")
    code = "import os, signal, sys; print('not json'); sys.stderr.write('oom\\n'); os.kill(os.getpid(), signal.SIGKILL)"
    monkeypatch.setattr(runner, "command", lambda: [sys.executable, "-c", code])
    (event,) = list(runner.events())
    assert event == {
        "type": "error",
        "message": "the demo process was killed by SIGKILL (out of memory?): oom",
    }


def test_cancel_stops_a_long_run_within_a_second():
    runner = DemoRunner("lstm-gates", {"steps": 100000}, device="cpu", quick=True)
    events = runner.events()
    for event in events:
        if event["type"] == "frame":
            break
    start = time.monotonic()
    runner.cancel()
    assert runner.returncode is not None
    assert time.monotonic() - start < 1.0
    assert [e for e in events][-1] == {"type": "error", "message": "stopped", "cancelled": True}


def test_runner_module_imports_neither_torch_nor_textual():
    code = "import sys, tutor.demo_runner; print('torch' in sys.modules, 'textual' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]
