"""`tutor demo list|run` through the real entry point."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tutor.cli import main

SHORT = ["--device", "cpu", "--param", "steps=12", "--param", "length=5"]  # a run of seconds


def test_list_json_names_titles_questions_params(capsys):
    assert main(["demo", "list", "--json"]) == 0
    rows = {r["name"]: r for r in json.loads(capsys.readouterr().out)}
    from demos.platform import registry

    assert list(rows) == registry.names()
    assert all(r["title"] and r["questions"] for r in rows.values())
    assert rows["vq-vae"]["questions"] == [f"f.{i:02d}" for i in range(1, 11)]
    assert rows["gru-gates"]["questions"] == ["d.08", "d.09"]
    beta = next(p for p in rows["vq-vae"]["params"] if p["name"] == "beta")
    assert beta["default"] == 0.25 and beta["type"] == "float"
    assert main(["demo", "list"]) == 0
    assert "lstm-gates" in capsys.readouterr().out


@pytest.mark.parametrize(
    "args,needle",
    [
        (
            ["--param", "steps=abc"],
            "parameter 'steps' must be an integer in [10, 100000], got 'abc'",
        ),
        (["--param", "codes=5000"], "parameter 'codes' must be an integer in [2, 1024]"),
        (["--param", "ema=perhaps"], "parameter 'ema' must be true or false"),
        (["--param", "nope=1"], "unknown parameter 'nope'"),
        (["--param", "steps"], "not of the form name=value"),
        (["--param", "data=cifar"], "one of digits, mnist:PATH"),
    ],
)
def test_bad_parameters_are_one_line_usage_errors(args, needle, capsys, tmp_path):
    code = main(["--data-dir", str(tmp_path), "demo", "run", "vq-vae", *args])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and needle in err


def test_unknown_demo_and_unavailable_device(tmp_path, capsys):
    assert main(["--data-dir", str(tmp_path), "demo", "run", "vq-vea"]) == 2
    assert "unknown demo 'vq-vea'" in capsys.readouterr().err
    import torch

    if not torch.cuda.is_available():
        code = main(["--data-dir", str(tmp_path), "demo", "run", "vq-vae", "--device", "cuda"])
        err = capsys.readouterr().err
        assert code == 1 and err.count("\n") == 1 and "device 'cuda' is not available" in err
    assert main(["demo", "run", "vq-vae", "--device", "tpu"]) == 2
    assert "invalid choice: 'tpu'" in capsys.readouterr().err


def test_no_traceback_through_the_console_entry_point(tmp_path):
    res = subprocess.run(
        [
            sys.executable,
            "-m",
            "tutor",
            "--data-dir",
            str(tmp_path),
            "demo",
            "run",
            "vq-vae",
            "--param",
            "data=mnist:" + str(tmp_path / "missing"),
        ],
        capture_output=True,
        text=True,
    )
    assert res.returncode == 2 and "Traceback" not in res.stderr
    assert res.stderr.strip() == f"tutor: error: {tmp_path / 'missing'}: not a directory"


def test_run_json_streams_lines_writes_figures_and_exit_status(tmp_path, capsys):
    out = tmp_path / "out"
    code = main(
        ["demo", "run", "vq-vae", "--quick", "--json", "--out", str(out), "--device", "cpu"]
    )
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert lines[0]["type"] == "start" and lines[-1]["type"] == "end"
    end = lines[-1]
    assert code == 0 and end["passed"]  # quick mode passes every check and learns
    assert (out / "vq-vae.png").stat().st_size > 10_000
    saved = json.loads((out / "metrics.json").read_text())
    assert saved["metrics"] == end["metrics"] and saved["params"]["steps"] == 300


def test_run_text_summary_and_failing_check_exit_1(tmp_path, capsys):
    # 12 steps cannot learn the task: the learning check fails, so the exit status is 1.
    code = main(
        [
            "--data-dir",
            str(tmp_path),
            "demo",
            "run",
            "lstm-gates",
            "--device",
            "cpu",
            "--param",
            "steps=12",
            "--param",
            "length=5",
        ]
    )
    out = capsys.readouterr().out
    assert code == 1
    assert "✓ equals-nn.LSTM" in out and "✗ learning" in out
    assert "12 steps in" in out and "on cpu" in out
    pngs = list((tmp_path / "demos" / "lstm-gates").glob("*/lstm-gates.png"))
    assert len(pngs) == 1 and f"saved: {pngs[0]}" in out


def test_run_in_italian_says_the_checks_in_italian(tmp_path, capsys):
    args = ["--data-dir", str(tmp_path), "demo", "run", "gru-gates", "--device", "cpu"]
    main([*args, "--param", "steps=12", "--param", "length=5", "--lang", "it"])
    out = capsys.readouterr().out
    assert "controlli: " in out and " superati" in out and "passi in" in out


def test_live_needs_a_terminal(tmp_path, capsys):
    code = main(["--data-dir", str(tmp_path), "demo", "run", "vq-vae", "--live"])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and "--live needs a terminal" in err


def test_live_opens_the_app_demo_screen_with_the_options(tmp_path, monkeypatch):
    from tutor.ui.screens import demo as screen_module

    seen = {}

    def fake_run(app):
        screen = app.demo_screen
        seen.update(
            name=screen.demo_name,
            params=screen.initial,
            device=screen.device,
            quick=screen.quick,
            seed=screen.seed,
            out=screen.fixed_out,
            lang=app.lang,
        )
        return 1

    monkeypatch.setattr(screen_module.DemoApp, "run", fake_run)
    monkeypatch.setattr(sys.stdout, "isatty", lambda: True)
    monkeypatch.setattr(sys.stdin, "isatty", lambda: True)
    code = main(
        [
            "--data-dir",
            str(tmp_path),
            "demo",
            "run",
            "vq-vae",
            "--live",
            "--quick",
            "--param",
            "beta=0.5",
            "--device",
            "cpu",
            "--seed",
            "3",
            "--out",
            str(tmp_path / "o"),
            "--lang",
            "it",
        ]
    )
    assert code == 1
    assert seen["name"] == "vq-vae" and seen["params"]["beta"] == "0.5"
    assert seen["params"]["steps"] == 300  # the quick override
    assert (seen["device"], seen["quick"], seen["seed"], seen["lang"]) == ("cpu", True, 3, "it")
    assert seen["out"] == tmp_path / "o"


def test_live_refuses_bad_parameters_before_opening(tmp_path, capsys):
    code = main(
        ["--data-dir", str(tmp_path), "demo", "run", "vq-vae", "--live", "--param", "beta=-1"]
    )
    assert code == 2 and "'beta'" in capsys.readouterr().err


def test_cli_run_from_a_folder_with_a_malicious_demos_py(tmp_path):
    """Issue 10 (a): the console script never imports code from the working directory."""
    marker = tmp_path / "MARKER"
    (tmp_path / "demos.py").write_text(f"open({str(marker)!r}, 'w').write('pwned')\n")
    tutor = Path(sys.executable).with_name("tutor")
    res = subprocess.run(
        [str(tutor), "--data-dir", str(tmp_path / "data"), "demo", "run", "gru-gates", *SHORT],
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    assert res.returncode in (0, 1), res.stderr
    assert "checks: " in res.stdout and not marker.exists()


def test_killed_runs_leave_no_empty_folder_after_the_next_run(tmp_path):
    """Issue 10 (c): an empty run folder (a killed run) is gone once the next run starts."""
    stale = tmp_path / "demos" / "gru-gates" / "20200101-000000"
    stale.mkdir(parents=True)
    main(["--data-dir", str(tmp_path), "demo", "run", "gru-gates", *SHORT])
    runs = list((tmp_path / "demos" / "gru-gates").iterdir())
    assert stale not in runs and len(runs) == 1 and any(runs[0].iterdir())
