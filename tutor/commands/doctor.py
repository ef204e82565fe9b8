"""``tutor doctor [--repair] [--json]``: check the progress database, and mend what can be.

The check reads everything: ``PRAGMA integrity_check`` (tables *and* indexes,
which the quick check at every start skips) and every record decoded the way
the app decodes it. ``--repair`` first writes a backup next to the database,
then rebuilds the indexes and sets unreadable records aside in the
``quarantine`` table; it never deletes anything the backup and the quarantine
do not keep.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import datetime
from pathlib import Path
from typing import Any


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "doctor",
        help="check the progress database (indexes, every record); --repair mends it",
        description="Check the progress database: SQLite's integrity check including indexes, "
        "and every record decoded. Exit status 1 when something is wrong. --repair backs the "
        "database up first, then rebuilds the indexes and moves unreadable records into a "
        "quarantine table (nothing is deleted).",
    )
    p.add_argument(
        "--repair",
        action="store_true",
        help="back up, rebuild indexes, set unreadable records aside",
    )
    p.add_argument("--json", action="store_true", help="print the report as JSON")
    p.set_defaults(func=cmd_doctor)


def backup_path(db: Path, now: datetime | None = None) -> Path:
    """``progress.sqlite3.bak-YYYYmmdd-HHMMSS`` next to the database, never an existing one."""
    stamp = (now or datetime.now()).strftime("%Y%m%d-%H%M%S")
    candidate = db.with_name(f"{db.name}.bak-{stamp}")
    n = 2
    while candidate.exists():
        candidate = db.with_name(f"{db.name}.bak-{stamp}-{n}")
        n += 1
    return candidate


_NAMES = {
    "cards": ("card", "cards"),
    "reviews": ("review", "reviews"),
    "attempts": ("attempt", "attempts"),
    "exams": ("exam", "exams"),
    "drill_results": ("drill result", "drill results"),
    "settings": ("setting", "settings"),
    "drafts": ("draft", "drafts"),
}
_MEANING = {
    ("cards", "moved"): "the question starts afresh; its reviews are kept",
    ("settings", "moved"): "the default applies",
    ("attempts", "cleared"): "the answer is kept",
    ("reviews", "cleared"): "the rating is kept",
    ("exams", "cleared"): "the mark is kept",
}


def _plural(n: int, table: str) -> str:
    one, many = _NAMES.get(table, (table, table))
    return f"{n} {one if n == 1 else many}"


def _count(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def check(store: Any) -> tuple[list[str], list[Any]]:
    """What ``PRAGMA integrity_check`` says, and every record that does not decode."""
    from tutor.scheduling import card_from_record

    integrity = store.integrity_check()
    problems = store.find_unreadable(
        {("cards", "card_json"): lambda key, value: card_from_record(store, key, value)}
    )
    return integrity, problems


def cmd_doctor(args: argparse.Namespace) -> int:
    from tutor.paths import data_dir
    from tutor.store import DB_NAME, Store, StoreError

    path = data_dir(args.data_dir, create=False) / DB_NAME
    report: dict[str, Any] = {"path": str(path), "ok": True}
    if not (path.exists() or path.is_symlink()):
        report.update(exists=False)
        return _emit(args, report, [f"no progress database at {path} yet: nothing to check"])
    try:
        store = Store(path)
    except StoreError as exc:
        report.update(ok=False, error=exc.message)
        return _emit(args, report, [f"cannot open it: {exc.message}"])
    lines: list[str] = []
    with store:
        try:
            integrity, problems = check(store)
        except StoreError as exc:  # damage deeper than one record: reading fails midway
            report.update(ok=False, error=exc.message)
            return _emit(args, report, [f"cannot read it all: {exc.message}"])
        counts = store.record_counts()
        size = path.stat().st_size
        lines.append(
            f"progress database  {path} (schema {store.schema_version()}, {size / 1024:.0f} KiB)"
        )
        report.update(
            schema=store.schema_version(),
            bytes=size,
            records={k: v for k, v in counts.items() if k != "quarantine"},
            integrity=integrity,
            unreadable=[_problem_dict(p) for p in problems],
        )
        lines += _describe(integrity, problems, counts)
        found = len(integrity) + len(problems)
        if not found:
            lines.append("everything is fine")
            return _emit(args, report, lines)
        if not args.repair:
            report["ok"] = False
            lines.append(
                f"{_count(found, 'problem')} found; `tutor doctor --repair` backs "
                "the database up, then rebuilds the indexes and sets the unreadable records "
                "aside (nothing is deleted)"
            )
            return _emit(args, report, lines)
        return _repair(args, store, path, report, lines, integrity, problems)


def _describe(integrity: list[str], problems: list[Any], counts: dict[str, int]) -> list[str]:
    lines: list[str] = []
    if integrity:
        lines.append(
            f"integrity check    {_count(len(integrity), 'problem')} (tables and indexes):"
        )
        lines += [f"                     {msg}" for msg in integrity[:20]]
        if len(integrity) > 20:
            lines.append(f"                     … and {len(integrity) - 20} more")
    else:
        lines.append("integrity check    ok (tables and indexes)")
    records = ", ".join(_plural(n, t) for t, n in counts.items() if t != "quarantine")
    if problems:
        lines.append(f"records            {records}: {len(problems)} unreadable:")
        lines += [
            f"                     {p.what} {p.key} ({p.table}.{p.column}): {p.reason}"
            for p in problems
        ]
    else:
        lines.append(f"records            {records}: all readable")
    aside = counts.get("quarantine", 0)
    lines.append(
        f"quarantine         {_count(aside, 'value')} set aside by earlier repairs"
        if aside
        else "quarantine         empty"
    )
    return lines


def _repair(
    args: argparse.Namespace,
    store: Any,
    path: Path,
    report: dict[str, Any],
    lines: list[str],
    integrity: list[str],
    problems: list[Any],
) -> int:
    from tutor.store import StoreError

    backup = backup_path(path)
    try:
        store.backup_to(backup)
    except StoreError as exc:
        report.update(ok=False, repair={"error": exc.message})
        lines.append(f"not repaired: {exc.message} (nothing was changed)")
        return _emit(args, report, lines)
    repair: dict[str, Any] = {"backup": str(backup), "reindexed": False, "quarantined": []}
    report["repair"] = repair
    lines.append(f"backup             {backup}")
    if integrity:
        store.reindex()
        repair["reindexed"] = True
        after = store.integrity_check()
        lines.append(
            "rebuilt indexes    integrity check now ok"
            if not after
            else f"rebuilt indexes    {_count(len(after), 'problem')} left: {after[0]}"
        )
    for q in store.quarantine(problems):
        meaning = _MEANING.get((q.table, q.action), "")
        repair["quarantined"].append(
            {"table": q.table, "key": q.key, "column": q.column, "action": q.action}
        )
        lines.append(
            f"set aside          {_NAMES.get(q.table, (q.table,))[0]} {q.key} ({q.column}, "
            f"{q.action}{': ' + meaning if meaning else ''})"
        )
    integrity_after, problems_after = check(store)
    report["after"] = {
        "integrity": integrity_after,
        "unreadable": [_problem_dict(p) for p in problems_after],
    }
    if integrity_after or problems_after:
        report["ok"] = False
        lines.append(
            "still wrong after the repair: "
            f"{_count(len(integrity_after) + len(problems_after), 'problem')}; "
            f"restore a backup (this one: {backup}) or ask for help"
        )
    else:
        lines.append("repaired: everything is fine now (the quarantine table keeps the old values)")
    return _emit(args, report, lines)


def _problem_dict(p: Any) -> dict[str, str]:
    return {
        "what": p.what,
        "key": p.key,
        "table": p.table,
        "column": p.column,
        "reason": p.reason,
        "message": p.message,
    }


def _emit(args: argparse.Namespace, report: dict[str, Any], lines: list[str]) -> int:
    if args.json:
        json.dump(report, sys.stdout, indent=2)
        sys.stdout.write("\n")
    else:
        print("\n".join(lines))
    return 0 if report["ok"] else 1
