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
from typing import TYPE_CHECKING, Any

from tutor.errors import localize
from tutor.i18n import cli as C
from tutor.i18n import commands as T

if TYPE_CHECKING:
    from tutor.cli import Subcommands

#: A report line: a label and its text, or ``(None, text)`` for a line of its own; an
#: empty label continues the line above, indented under its text.
Line = tuple[str | None, str]
_LABELS = (
    T.DOCTOR_LABEL_DATABASE,
    T.DOCTOR_LABEL_INTEGRITY,
    T.DOCTOR_LABEL_RECORDS,
    T.DOCTOR_LABEL_QUARANTINE,
    T.DOCTOR_LABEL_BACKUP,
    T.DOCTOR_LABEL_REINDEXED,
    T.DOCTOR_LABEL_ASIDE,
)


def register(sub: Subcommands) -> None:
    lang = getattr(sub, "lang", "en")
    p = sub.add_parser(
        "doctor",
        help=C.COMMAND_HELP["doctor"](lang),
        description=T.DOCTOR_DESCRIPTION(lang),
    )
    p.add_argument("--repair", action="store_true", help=T.DOCTOR_HELP_REPAIR(lang))
    p.add_argument("--json", action="store_true", help=T.DOCTOR_HELP_JSON(lang))
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


def _records(n: int, table: str, lang: str) -> str:
    word = (T.DOCTOR_ONE if n == 1 else T.DOCTOR_MANY).get(table)
    return f"{n} {word(lang) if word else table}"


def _problems(n: int, lang: str) -> str:
    return (T.DOCTOR_PROBLEM_ONE if n == 1 else T.DOCTOR_PROBLEM_MANY)(lang, n=n)


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

    lang = getattr(args, "run_lang", None) or "en"
    path = data_dir(args.data_dir, create=False) / DB_NAME
    report: dict[str, Any] = {"path": str(path), "ok": True}
    if not (path.exists() or path.is_symlink()):
        report.update(exists=False)
        return _emit(args, report, [(None, T.DOCTOR_NO_DATABASE(lang, path=path))])
    try:
        store = Store(path)
    except StoreError as exc:
        report.update(ok=False, error=exc.message)
        return _emit(args, report, [(None, T.DOCTOR_CANNOT_OPEN(lang, error=exc.render(lang)))])
    lines: list[Line] = []
    with store:
        try:
            integrity, problems = check(store)
        except StoreError as exc:  # damage deeper than one record: reading fails midway
            report.update(ok=False, error=exc.message)
            error = exc.render(lang)
            return _emit(args, report, [(None, T.DOCTOR_CANNOT_READ(lang, error=error))])
        counts = store.record_counts()
        size = path.stat().st_size
        lines.append(
            (
                T.DOCTOR_LABEL_DATABASE(lang),
                T.DOCTOR_DATABASE(lang, path=path, schema=store.schema_version(), kib=size / 1024),
            )
        )
        report.update(
            schema=store.schema_version(),
            bytes=size,
            records={k: v for k, v in counts.items() if k != "quarantine"},
            integrity=integrity,
            unreadable=[_problem_dict(p) for p in problems],
        )
        lines += _describe(integrity, problems, counts, lang)
        found = len(integrity) + len(problems)
        if not found:
            lines.append((None, T.DOCTOR_FINE(lang)))
            return _emit(args, report, lines)
        if not args.repair:
            report["ok"] = False
            lines.append((None, T.DOCTOR_FOUND(lang, problems=_problems(found, lang))))
            return _emit(args, report, lines)
        return _repair(args, store, path, report, lines, integrity, problems, lang)


def _describe(
    integrity: list[str], problems: list[Any], counts: dict[str, int], lang: str
) -> list[Line]:
    lines: list[Line] = []
    label = T.DOCTOR_LABEL_INTEGRITY(lang)
    if integrity:
        lines.append(
            (label, T.DOCTOR_INTEGRITY_BAD(lang, problems=_problems(len(integrity), lang)))
        )
        lines += [("", msg) for msg in integrity[:20]]
        if len(integrity) > 20:
            lines.append(("", T.DOCTOR_MORE(lang, n=len(integrity) - 20)))
    else:
        lines.append((label, T.DOCTOR_INTEGRITY_OK(lang)))
    records = ", ".join(_records(n, t, lang) for t, n in counts.items() if t != "quarantine")
    label = T.DOCTOR_LABEL_RECORDS(lang)
    if problems:
        lines.append((label, T.DOCTOR_RECORDS_BAD(lang, records=records, n=len(problems))))
        lines += [
            (
                "",
                T.DOCTOR_PROBLEM(
                    lang,
                    what=_what(p.table, p.what, lang),
                    key=p.key,
                    table=p.table,
                    column=p.column,
                    reason=localize(p.reason_phrase, lang),
                ),
            )
            for p in problems
        ]
    else:
        lines.append((label, T.DOCTOR_RECORDS_OK(lang, records=records)))
    aside = counts.get("quarantine", 0)
    values = (T.DOCTOR_VALUE_ONE if aside == 1 else T.DOCTOR_VALUE_MANY)(lang, n=aside)
    lines.append(
        (
            T.DOCTOR_LABEL_QUARANTINE(lang),
            T.DOCTOR_QUARANTINE(lang, values=values) if aside else T.DOCTOR_QUARANTINE_EMPTY(lang),
        )
    )
    return lines


def _what(table: str, what: str, lang: str) -> str:
    """The kind of record, as a bare noun (``card``, ``carta``)."""
    word = T.DOCTOR_ONE.get(table)
    return word(lang) if word else what


def _repair(
    args: argparse.Namespace,
    store: Any,
    path: Path,
    report: dict[str, Any],
    lines: list[Line],
    integrity: list[str],
    problems: list[Any],
    lang: str,
) -> int:
    from tutor.store import StoreError

    backup = backup_path(path)
    try:
        store.backup_to(backup)
    except StoreError as exc:
        report.update(ok=False, repair={"error": exc.message})
        lines.append((None, T.DOCTOR_NOT_REPAIRED(lang, error=exc.render(lang))))
        return _emit(args, report, lines)
    repair: dict[str, Any] = {"backup": str(backup), "reindexed": False, "quarantined": []}
    report["repair"] = repair
    lines.append((T.DOCTOR_LABEL_BACKUP(lang), str(backup)))
    if integrity:
        store.reindex()
        repair["reindexed"] = True
        after = store.integrity_check()
        lines.append(
            (
                T.DOCTOR_LABEL_REINDEXED(lang),
                T.DOCTOR_REINDEX_OK(lang)
                if not after
                else T.DOCTOR_REINDEX_LEFT(
                    lang, problems=_problems(len(after), lang), first=after[0]
                ),
            )
        )
    for q in store.quarantine(problems):
        meaning = T.DOCTOR_MEANING.get(f"{q.table}/{q.action}")
        action = T.DOCTOR_ACTIONS.get(q.action)
        repair["quarantined"].append(
            {"table": q.table, "key": q.key, "column": q.column, "action": q.action}
        )
        lines.append(
            (
                T.DOCTOR_LABEL_ASIDE(lang),
                T.DOCTOR_ASIDE(
                    lang,
                    what=_what(q.table, q.table, lang),
                    key=q.key,
                    column=q.column,
                    action=action(lang) if action else q.action,
                    meaning=T.DOCTOR_MEANING_SEP(lang, meaning=meaning(lang)) if meaning else "",
                ),
            )
        )
    integrity_after, problems_after = check(store)
    report["after"] = {
        "integrity": integrity_after,
        "unreadable": [_problem_dict(p) for p in problems_after],
    }
    if integrity_after or problems_after:
        report["ok"] = False
        left = _problems(len(integrity_after) + len(problems_after), lang)
        lines.append((None, T.DOCTOR_STILL_WRONG(lang, problems=left, backup=backup)))
    else:
        lines.append((None, T.DOCTOR_REPAIRED(lang)))
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


def _emit(args: argparse.Namespace, report: dict[str, Any], lines: list[Line]) -> int:
    if args.json:
        json.dump(report, sys.stdout, indent=2)
        sys.stdout.write("\n")
    else:
        print("\n".join(_format(lines, getattr(args, "run_lang", None) or "en")))
    return 0 if report["ok"] else 1


def _format(lines: list[Line], lang: str) -> list[str]:
    """Labels in one column as wide as the longest label of the language, plus two."""
    width = max(len(label(lang)) for label in _LABELS) + 2
    out = []
    for label, text in lines:
        if label is None:
            out.append(text)
        elif label:
            out.append(f"{label:<{width}}{text}")
        else:
            out.append(f"{'':<{width + 2}}{text}")
    return out
