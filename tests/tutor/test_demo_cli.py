"""`tutor demo list|run` through the real entry point."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tutor.cli import main


def test_list_json_names_titles_questions_params(capsys):
    assert main(["demo", "list", "--json"]) == 0
    rows = {r["name"]: r for r in json.loads(capsys.readouterr().out)}
    assert {"vq-vae", "lstm-gates", "gru-gates"} <= set(rows)  # more demos join the registry
    assert all(r["title"] and r["questions"] for r in rows.values())
    assert rows["vq-vae"]["questions"] == [f"f.{i:02d}" for i in range(1, 11)]
    assert rows["gru-gates"]["questions"] == ["d.08", "d.09"]
    beta = next(p for p in rows["vq-vae"]["params"] if p["name"] == "beta")
    assert beta["default"] == 0.25 and beta["type"] == "float"
    assert main(["demo", "list"]) == 0
    assert "lstm-gates" in capsys.readouterr().out


def test_list_does_not_import_torch():
    code = (
        "import sys; from tutor.cli import main; main(['demo', 'list', '--json']);"
        "print('torch' in sys.modules, file=sys.stderr)"
    )
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert res.stderr.strip() == "False"


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
