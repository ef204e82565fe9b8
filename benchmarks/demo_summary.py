"""Summarise a demo's JSON-line stream (its last, "end" event) in three lines."""

from __future__ import annotations

import json
import sys


def main(path: str) -> None:
    with open(path) as fh:
        events = [json.loads(line) for line in fh if line.strip()]
    end = events[-1] if events else {}
    if end.get("type") != "end":
        print(f"  no end event: {end}")
        return
    checks = " ".join(("PASS " if c["passed"] else "FAIL ") + c["name"] for c in end["checks"])
    metrics = {k: round(v, 4) for k, v in end.get("metrics", {}).items()}
    seconds = end.get("seconds", 0)
    print(f"  steps {end.get('steps')}  seconds {seconds:.1f}  device {end.get('device')}")
    print(f"  final {metrics}")
    print(f"  checks: {checks}")


if __name__ == "__main__":
    main(sys.argv[1])
