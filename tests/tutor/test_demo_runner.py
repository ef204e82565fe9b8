"""The subprocess runner: checked events, crash reports, stopping, a safe child, no empty folders."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tutor.demo_runner import DemoRunner, remove_empty_runs


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


def test_child_is_isolated_from_the_working_directory():
    runner = DemoRunner("vq-vae", device="cpu")
    cmd = runner.command()
    assert cmd[:4] == [sys.executable, "-P", "-m", "demos.run"]


def test_relative_data_paths_are_made_absolute(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    cmd = DemoRunner("vq-vae", {"data": "mnist:idx", "steps": 20}, out_dir=Path("out")).command()
    assert f"data=mnist:{tmp_path / 'idx'}" in cmd and "steps=20" in cmd
    assert cmd[cmd.index("--out") + 1] == str(tmp_path / "out")


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


def test_a_malformed_event_ends_the_run_with_a_clear_error(monkeypatch):
    runner = DemoRunner("vq-vae", device="cpu")
    bad = '{"type": "frame", "step": 0, "total_steps": 1, "metrics": {}, "records": [], "items": [{"kind": "heatmap", "key": "Loss (θ)", "title": "", "data": []}]}'
    code = f"import time; print({bad!r}, flush=True); time.sleep(60)"
    monkeypatch.setattr(runner, "command", lambda: [sys.executable, "-c", code])
    events = list(runner.events())
    assert [e["type"] for e in events] == ["error"]
    assert "malformed event" in events[0]["message"] and "key" in events[0]["message"]
    assert runner.returncode is not None  # and the process was stopped


def test_cancel_stops_a_long_run():
    runner = DemoRunner("lstm-gates", {"steps": 100000}, device="cpu", quick=True)
    events = runner.events()
    for event in events:
        if event["type"] == "frame":
            break
    assert runner.cancel() is True
    assert runner.returncode is not None
    assert [e for e in events][-1] == {"type": "error", "message": "stopped", "cancelled": True}


def test_cancel_never_raises_for_a_process_that_does_not_die(monkeypatch):
    """The hung-CUDA case: SIGKILL sent, the process still there. Said, not raised."""
    runner = DemoRunner("vq-vae", device="cpu")
    monkeypatch.setattr(
        runner, "command", lambda: [sys.executable, "-c", "import time; time.sleep(60)"]
    )
    runner.start()
    real_wait = runner.proc.wait

    def never(timeout=None):
        raise subprocess.TimeoutExpired("demo", timeout)

    monkeypatch.setattr(runner.proc, "wait", never)
    assert runner.cancel(grace=0.05, kill_wait=0.05) is False and runner.unkillable
    monkeypatch.setattr(runner.proc, "wait", real_wait)
    runner.proc.wait(5)  # SIGKILL did go out: the real process is gone


def test_a_stopped_run_leaves_no_empty_output_folder(tmp_path: Path):
    out = tmp_path / "demos" / "lstm-gates" / "stamp"
    runner = DemoRunner("lstm-gates", {"steps": 100000}, device="cpu", quick=True, out_dir=out)
    events = runner.events()
    for event in events:
        if event["type"] == "frame":
            break
    out.mkdir(parents=True)  # as a killed run of an older version left it
    runner.cancel()
    list(events)
    assert not out.exists()


def test_leftover_empty_run_folders_are_removed_and_full_ones_kept(tmp_path: Path):
    root = tmp_path / "demos"
    (root / "vq-vae" / "20260101-000000").mkdir(parents=True)
    full = root / "vq-vae" / "20260102-000000"
    full.mkdir()
    (full / "vq-vae.png").write_bytes(b"png")
    (root / "gan-2d" / "20260101-000000").mkdir(parents=True)
    removed = remove_empty_runs(root)
    assert sorted(p.relative_to(root).as_posix() for p in removed) == [
        "gan-2d",
        "gan-2d/20260101-000000",
        "vq-vae/20260101-000000",
    ]
    assert full.is_dir() and not (root / "gan-2d").exists()
    assert remove_empty_runs(tmp_path / "missing") == []
