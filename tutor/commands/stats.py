"""``tutor stats [--json]``: the statistics of the app's Stats screen, on the command line."""

from __future__ import annotations

import argparse
import json
import sys


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("stats", help="study statistics: per topic, reviews per day, due forecast")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.add_argument("--days", type=int, default=14, help="days of history and forecast (default 14)")
    p.set_defaults(func=cmd_stats)


def cmd_stats(args: argparse.Namespace) -> int:
    from tutor.bankload import load
    from tutor.errors import TutorError
    from tutor.paths import data_dir
    from tutor.render import bar
    from tutor.scheduling import StudyScheduler
    from tutor.store import Store

    if not 1 <= args.days <= 365:
        raise TutorError("--days must be between 1 and 365", exit_code=2)
    bank = load(args.bank_dirs)
    with Store.open_in(data_dir(args.data_dir)) as store:
        stats = StudyScheduler(bank, store).stats(days=args.days)
    if args.json:
        json.dump(stats.to_dict(), sys.stdout, indent=2)
        sys.stdout.write("\n")
        return 0
    print(f"Today: {stats.reviews_today} reviews, {stats.new_today} new, {stats.due_now} due now\n")
    print(f"{'topic':<8}{'total':>6}{'new':>6}{'due':>6}{'learned':>9}{'retention':>11}  mastery")
    for t in stats.topics:
        retention = "—" if t.retention is None else f"{t.retention:.0%}"
        print(
            f"{t.topic:<8}{t.total:>6}{t.new:>6}{t.due:>6}{t.learned:>9}{retention:>11}  "
            f"{bar(t.mastery)} {t.mastery:4.0%}"
        )
    peak = max(stats.reviews_per_day.values(), default=0) or 1
    print("\nReviews per day")
    for day, n in stats.reviews_per_day.items():
        print(f"  {day}  {'▇' * round(20 * n / peak):<20} {n}")
    peak = max(stats.forecast.values(), default=0) or 1
    print("\nDue forecast")
    for day, n in stats.forecast.items():
        print(f"  {day}  {'▇' * round(20 * n / peak):<20} {n}")
    if stats.exams:
        print("\nExam simulations")
        for e in stats.exams[-5:]:
            mark = "30 e lode" if e["lode"] else f"{e['mark']}/30"
            print(f"  {e['finished_at'][:16]}  {mark}  ({e['n_questions']} questions)")
    return 0
