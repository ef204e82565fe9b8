"""What importing (and running the light commands) pulls in, in a fresh interpreter.

``lint-imports`` (``pyproject.toml``) checks every import statement; this test checks what
actually lands in ``sys.modules``, which is what start-up time and the app's promise
("the app never imports torch") depend on. The module lists are walked from the
packages, so a new module is covered the day it is added. Each case imports its modules
one by one and reports the first one that brought a forbidden module in.
"""

from __future__ import annotations

import json
import os
import pkgutil
import subprocess
import sys
from pathlib import Path

import pytest

import demos
import quizbank
import tutor

ROOT = Path(__file__).resolve().parents[1]
HEAVY = ("torch", "textual", "matplotlib")


def modules(package, *, skip: tuple[str, ...] = ()) -> list[str]:
    """Every module of a package (the package first), minus the subpackages in ``skip``."""
    found = [package.__name__]
    for info in pkgutil.walk_packages(package.__path__, package.__name__ + "."):
        if not info.name.startswith(skip) and info.name.rsplit(".", 1)[-1] != "__main__":
            found.append(info.name)
    return found


def torch_free_demo_modules() -> list[str]:
    """What the app and the listings may import: the platform's light half and the specs."""
    from demos.platform.registry import TOPICS

    light = ("errors", "params", "spec", "protocol", "context", "registry")
    return [
        "demos",
        "demos.platform",
        *(f"demos.platform.{m}" for m in light),
        *(f"demos.{t}" for t in TOPICS),
    ]


CASES = {
    # name: (modules to import, statements to run after, forbidden modules)
    "quizbank": (modules(quizbank), "", ("torch", "textual", "tutor", "demos")),
    "tutor-core": (modules(tutor, skip=("tutor.ui",)), "", ("torch", "textual")),
    "tutor-ui": (modules(tutor), "", ("torch", "matplotlib")),
    "demo-specs": (
        torch_free_demo_modules(),
        "from demos.platform import registry; [s.describe() for s in registry.specs().values()]",
        ("torch", "numpy", "matplotlib", "textual", "tutor", "quizbank"),
    ),
    "light-commands": (
        ["tutor.cli"],
        "from tutor.cli import main\n"
        "for argv in (['demo', 'list', '--json'], ['bank', 'list'], ['bank', 'show', 'a.01'],"
        " ['bank', 'validate'], ['drill', 'list']):\n"
        "    rc = main(argv)\n"
        "    assert rc == 0, (argv, rc)",
        ("torch", "textual"),
    ),
    "drills": (
        ["tutor.drills.registry", "tutor.commands.drill"],
        "from tutor.drills import registry\n"
        "[registry.get(n).generate(1, 3) for n in registry.names()]",
        ("torch", "textual"),
    ),
}

_PROBE = """
import contextlib, io, json, sys
forbidden = {forbidden!r}
first = {{}}
for name in {names!r}:
    __import__(name)
    for heavy in forbidden:
        if heavy in sys.modules and heavy not in first:
            first[heavy] = name
with contextlib.redirect_stdout(io.StringIO()):
{after}
for heavy in forbidden:
    if heavy in sys.modules and heavy not in first:
        first[heavy] = "(the statements after the imports)"
print(json.dumps(first))
"""


@pytest.mark.parametrize("case", list(CASES))
def test_imports_stay_light(case, tmp_path):
    names, after, forbidden = CASES[case]
    body = "\n".join("    " + line for line in (after or "pass").splitlines())
    code = _PROBE.format(forbidden=forbidden, names=names, after=body)
    env = {**os.environ, "TUTOR_DATA_DIR": str(tmp_path / "data"), "TUTOR_NO_CACHE": "1"}
    res = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, env=env
    )
    assert res.returncode == 0, res.stderr[-2000:]
    pulled_in = json.loads(res.stdout.strip().splitlines()[-1])
    assert pulled_in == {}, f"first importer of each forbidden module: {pulled_in}"


def test_the_module_walk_finds_what_it_should():
    """The lists above are walked, not written: spot-check that they reach deep modules."""
    assert "tutor.ui.screens.demo" in modules(tutor)
    assert "tutor.ui.screens.demo" not in modules(tutor, skip=("tutor.ui",))
    assert "tutor.commands.demo" in modules(tutor, skip=("tutor.ui",))
    assert {"demos.d_rnn", "demos.platform.protocol"} <= set(torch_free_demo_modules())
    assert any(m.startswith("quizbank.") for m in modules(quizbank))
    assert all(m.startswith("demos") for m in modules(demos))
