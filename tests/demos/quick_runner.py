"""``python quick_runner.py OUT NAME...``: the quick CPU runs of some demos, for conftest.py.

A second process so that the quick runs use both cores of a CI machine (each run uses
one thread). For each demo, ``OUT/NAME/`` gets its figures and ``OUT/NAME.json`` (the
events, or the error), the latter written last and renamed into place so that a reader
never sees half of it.
"""

from __future__ import annotations

import json
import sys
import traceback
from pathlib import Path

from demos.framework import execute


def main(out_root: str, *names: str) -> None:
    for name in names:
        events: list[dict] = []
        try:
            execute(
                name, device="cpu", quick=True, out_dir=Path(out_root, name), emit=events.append
            )
            record = {"events": events}
        except Exception:  # reported by the test that asks for this demo
            record = {"error": traceback.format_exc()}
        tmp = Path(out_root, f"{name}.json.tmp")
        tmp.write_text(json.dumps(record))
        tmp.rename(Path(out_root, f"{name}.json"))


if __name__ == "__main__":
    main(*sys.argv[1:])
