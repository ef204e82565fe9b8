"""``tutor stats [--json]``: the statistics of the app's Stats screen, on the command line."""

from __future__ import annotations

import argparse
import json
import sys
from typing import TYPE_CHECKING

from tutor.i18n import cli as C
from tutor.i18n import commands as T

if TYPE_CHECKING:
    from tutor.cli import Subcommands

#: The narrowest each column of the topic table may be (the English header fits these).
_WIDTHS = {
    "topic": 8,
    "total": 6,
    "new": 6,
    "due": 6,
    "learned": 9,
    "retention": 11,
}
_NUMBERS = ("total", "new", "due", "learned", "retention")


def register(sub: Subcommands) -> None:
    lang = getattr(sub, "lang", "en")
    p = sub.add_parser("stats", help=C.COMMAND_HELP["stats"](lang))
    p.add_argument("--json", action="store_true", help=T.HELP_JSON(lang))
    p.add_argument("--days", type=int, default=14, help=T.STATS_HELP_DAYS(lang))
    p.set_defaults(func=cmd_stats)


def cmd_stats(args: argparse.Namespace) -> int:
    from tutor.bankload import load
    from tutor.errors import TutorError
    from tutor.paths import data_dir
    from tutor.render import bar
    from tutor.scheduling import StudyScheduler
    from tutor.store import Store

    lang = getattr(args, "run_lang", None) or "en"
    if not 1 <= args.days <= 365:
        raise TutorError(T.STATS_BAD_DAYS, exit_code=2)
    bank = load(args.bank_dirs)
    with Store.open_in(data_dir(args.data_dir)) as store:
        stats = StudyScheduler(bank, store).stats(days=args.days)
    if args.json:
        json.dump(stats.to_dict(), sys.stdout, indent=2)
        sys.stdout.write("\n")
        return 0
    print(
        T.STATS_TODAY(lang, reviews=stats.reviews_today, new=stats.new_today, due=stats.due_now)
        + "\n"
    )
    names = {key: text(lang) for key, text in T.STATS_COLUMNS.items()}
    width = {key: max(base, len(names[key]) + 1) for key, base in _WIDTHS.items()}
    print(
        f"{names['topic']:<{width['topic']}}"
        + "".join(f"{names[k]:>{width[k]}}" for k in _NUMBERS)
        + f"  {names['mastery']}"
    )
    for t in stats.topics:
        retention = "—" if t.retention is None else f"{t.retention:.0%}"
        cells = (t.total, t.new, t.due, t.learned, retention)
        print(
            f"{t.topic:<{width['topic']}}"
            + "".join(f"{v:>{width[k]}}" for k, v in zip(_NUMBERS, cells, strict=True))
            + f"  {bar(t.mastery)} {t.mastery:4.0%}"
        )
    peak = max(stats.reviews_per_day.values(), default=0) or 1
    print("\n" + T.STATS_PER_DAY(lang))
    for day, n in stats.reviews_per_day.items():
        print(f"  {day}  {'▇' * round(20 * n / peak):<20} {n}")
    peak = max(stats.forecast.values(), default=0) or 1
    print("\n" + T.STATS_FORECAST(lang))
    for day, n in stats.forecast.items():
        print(f"  {day}  {'▇' * round(20 * n / peak):<20} {n}")
    if stats.exams:
        print("\n" + T.STATS_EXAMS(lang))
        for e in stats.exams[-5:]:
            mark = T.STATS_LODE(lang) if e["lode"] else T.STATS_MARK(lang, mark=e["mark"])
            count = T.STATS_EXAM_QUESTIONS(lang, n=e["n_questions"])
            print(f"  {e['finished_at'][:16]}  {mark}  {count}")
    return 0
