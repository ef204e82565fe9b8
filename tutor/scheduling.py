"""Spaced repetition with FSRS: one card per question, queues, ratings and statistics.

The ``fsrs`` library does the scheduling maths; this module decides which
question comes next (due reviews first, then a limited number of new ones),
keeps cram mode away from the schedule, and summarises progress per topic.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from fsrs import Card, Rating, Scheduler, State

from quizbank import Bank, Question
from tutor.store import Store, UnreadableRecord, card_id_for, iso, utcnow

RATINGS: dict[str, Rating] = {
    "again": Rating.Again,
    "hard": Rating.Hard,
    "good": Rating.Good,
    "easy": Rating.Easy,
}
RATING_NAMES: dict[int, str] = {int(v): k for k, v in RATINGS.items()}
DEFAULT_NEW_PER_DAY = 10


def parse_rating(value: str | int | Rating) -> Rating:
    """Accept 1-4, 'good', Rating.Good; a clear ValueError otherwise."""
    if isinstance(value, Rating):
        return value
    if isinstance(value, int) or (isinstance(value, str) and value.strip().isdigit()):
        n = int(value)
        if 1 <= n <= 4:
            return Rating(n)
    elif isinstance(value, str) and value.strip().lower() in RATINGS:
        return RATINGS[value.strip().lower()]
    raise ValueError(f"rating must be 1-4 or again/hard/good/easy, not {value!r}")


def start_of_day(now: datetime) -> datetime:
    """Local midnight of ``now``'s day, as an aware UTC datetime (new-card limit resets then)."""
    local = now.astimezone()
    # A naive local midnight gets the UTC offset in force at midnight itself; replace() on
    # ``local`` would keep the afternoon's offset, an hour off on the day the clocks change.
    return datetime(local.year, local.month, local.day).astimezone(UTC)


@dataclass
class TopicStats:
    topic: str
    total: int = 0
    new: int = 0
    due: int = 0
    learned: int = 0
    # mean retrievability over all questions; new ones, and those last rated Again, count 0
    mastery: float = 0.0
    reviews: int = 0  # every scheduled review of the topic's questions
    retention: float | None = None  # share of non-Again ratings on review-state cards


def card_from_record(store: Store, question_id: str, data: dict) -> Card:
    """Turn a decoded ``card_json`` into an FSRS card, or raise the located
    :class:`UnreadableRecord` (``tutor doctor`` checks cards with this too)."""
    try:
        return Card.from_dict(data)
    except (KeyError, TypeError, ValueError, OverflowError) as exc:
        detail = f"missing {exc}" if isinstance(exc, KeyError) else str(exc)
        raise store.unreadable(
            "cards", "card_json", question_id, f"not an FSRS card ({detail})"
        ) from None


@dataclass(frozen=True)
class Queue:
    """What the study screen shows: the due reviews, the new questions, and what comes next."""

    due: list[str]
    new: list[str]
    next_id: str | None
    # when the first card that is not yet due falls due (the done screen waits for it)
    next_due: datetime | None = None

    @property
    def counts(self) -> tuple[int, int]:
        return len(self.due), len(self.new)


@dataclass
class Stats:
    topics: list[TopicStats] = field(default_factory=list)
    reviews_today: int = 0
    new_today: int = 0
    due_now: int = 0
    reviews_per_day: dict[str, int] = field(default_factory=dict)
    forecast: dict[str, int] = field(default_factory=dict)
    exams: list[dict] = field(default_factory=list)
    drills: dict[str, dict] = field(default_factory=dict)

    def to_dict(self) -> dict:
        return {
            "topics": [t.__dict__ for t in self.topics],
            "reviews_today": self.reviews_today,
            "new_today": self.new_today,
            "due_now": self.due_now,
            "reviews_per_day": self.reviews_per_day,
            "forecast": self.forecast,
            "exams": self.exams,
            "drills": self.drills,
        }


def interleaved(questions: list[Question], bank: Bank) -> list[Question]:
    """``questions`` (in bank order) one topic after another: each question's place in
    its own topic decides, so once a.01 and a.02 are known, b.01, c.01, … and then
    b.02, c.02, … come before a.03 (a topic further on waits for the others)."""
    place: dict[str, int] = {}
    seen: Counter[str] = Counter()
    for q in bank.questions:
        place[q.id] = seen[q.topic_id]
        seen[q.topic_id] += 1
    return sorted(questions, key=lambda q: place.get(q.id, 0))  # stable: topics in bank order


class StudyScheduler:
    """Glue between the bank, the store and FSRS."""

    def __init__(
        self,
        bank: Bank,
        store: Store,
        *,
        new_per_day: int | None = None,
        desired_retention: float = 0.9,
        fuzz: bool = True,
        on_unreadable: Callable[[UnreadableRecord], None] | None = None,
    ) -> None:
        """``on_unreadable``: skip unreadable records and report each once to it (the app);
        without it an unreadable record raises (the CLI prints it and exits 1)."""
        self.bank = bank
        self.store = store
        self._on_unreadable = on_unreadable
        self._reported: set[tuple[str, str, str]] = set()
        self._skip = self._report if on_unreadable is not None else None
        self.new_per_day = new_per_day if new_per_day is not None else self._new_per_day_setting()
        self.fsrs = Scheduler(desired_retention=desired_retention, enable_fuzzing=fuzz)
        self._preview: Scheduler | None = None

    def _report(self, exc: UnreadableRecord) -> None:
        """Hand an unreadable record to ``on_unreadable`` the first time it is met."""
        key = (exc.table, exc.key, exc.column)
        if key in self._reported or self._on_unreadable is None:
            return
        self._reported.add(key)
        self._on_unreadable(exc)

    def _skip_or_raise(self, exc: UnreadableRecord) -> None:
        if self._skip is None:
            raise exc
        self._skip(exc)

    def _new_per_day_setting(self) -> int:
        try:
            value = self.store.get_setting("new_per_day", DEFAULT_NEW_PER_DAY)
        except UnreadableRecord as exc:
            self._skip_or_raise(exc)
            return DEFAULT_NEW_PER_DAY
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            self._skip_or_raise(
                self.store.unreadable(
                    "settings", "value", "new_per_day", "expected a non-negative whole number"
                )
            )
            return DEFAULT_NEW_PER_DAY
        return value

    # -- cards ----------------------------------------------------------------
    def to_card(self, question_id: str, data: dict) -> Card:
        """A stored card as FSRS sees it; a record FSRS rejects is an unreadable card."""
        return card_from_record(self.store, question_id, data)

    def card(self, question_id: str) -> Card | None:
        """One card; an unreadable one always raises: reviewing it would overwrite it."""
        data = self.store.card_json(question_id)
        return self.to_card(question_id, data) if data is not None else None

    def _cards(self) -> dict[str, Card]:
        out: dict[str, Card] = {}
        for qid, data in self.store.all_cards(on_unreadable=self._skip).items():
            try:
                out[qid] = self.to_card(qid, data)
            except UnreadableRecord as exc:
                self._skip_or_raise(exc)
        return out

    # -- queues ---------------------------------------------------------------
    def queue(
        self,
        now: datetime | None = None,
        topics: set[str] | None = None,
        skip: set[str] | None = None,
        *,
        interleave: bool = False,
    ) -> Queue:
        """Due and new questions and the next one, decoding every card once (one read).

        New questions come in bank order, or with ``interleave`` one topic after another
        (a.01, b.01, …, a.02, …), so that a day's new cards are not all from topic a.
        """
        now = now or utcnow()
        cards = self._cards()
        mine = {
            qid: c.due for qid, c in cards.items() if qid in self.bank and self._in(qid, topics)
        }
        due_ids = [qid for at, qid in sorted((at, qid) for qid, at in mine.items() if at <= now)]
        later = [at for at in mine.values() if at > now]
        allowance = max(0, self.new_per_day - self.store.introduced_since(start_of_day(now)))
        seen = self.store.card_ids()  # an unreadable card is not new: never re-introduce it
        fresh = [q for q in self.bank.questions if q.id not in seen and self._in(q.id, topics)]
        new_ids = [q.id for q in (interleaved(fresh, self.bank) if interleave else fresh)]
        new_ids = new_ids[:allowance]
        skip = skip or set()
        nxt = next((qid for qid in due_ids + new_ids if qid not in skip), None)
        return Queue(due=due_ids, new=new_ids, next_id=nxt, next_due=min(later) if later else None)

    def queue_counts(
        self, now: datetime | None = None, topics: set[str] | None = None
    ) -> tuple[int, int]:
        """(due, new) for the progress line, in one pass over the cards."""
        return self.queue(now, topics).counts

    def due_ids(self, now: datetime | None = None, topics: set[str] | None = None) -> list[str]:
        """Questions whose review is due, most overdue first."""
        return self.queue(now, topics).due

    def new_ids(self, now: datetime | None = None, topics: set[str] | None = None) -> list[str]:
        """Unseen questions that today's new-card allowance still admits, in bank order."""
        return self.queue(now, topics).new

    def next_id(
        self,
        now: datetime | None = None,
        topics: set[str] | None = None,
        skip: set[str] | None = None,
    ) -> str | None:
        """The next question to study: a due review, else a new question, else None."""
        return self.queue(now, topics, skip).next_id

    def _in(self, qid: str, topics: set[str] | None) -> bool:
        if not topics:
            return True
        return self.bank.get(qid).topic_id in topics

    # -- reviewing ------------------------------------------------------------
    def review(
        self,
        question_id: str,
        rating: str | int | Rating,
        *,
        now: datetime | None = None,
        attempt_id: int | None = None,
        cram: bool = False,
        duration_s: float | None = None,
    ) -> Card | None:
        """Apply the student's rating and commit it before returning."""
        r = parse_rating(rating)
        now = now or utcnow()
        if cram:
            self.store.save_cram_review(
                question_id,
                rating=int(r),
                reviewed_at=now,
                attempt_id=attempt_id,
                attempt_rating=RATING_NAMES[int(r)],
            )
            return None
        card = self.card(question_id) or Card(card_id=card_id_for(question_id), due=now)
        before = int(card.state)
        ms = int(duration_s * 1000) if duration_s is not None else None
        new_card, log = self.fsrs.review_card(card, r, review_datetime=now, review_duration=ms)
        self.store.save_review(
            question_id,
            new_card.to_dict(),
            log.to_dict(),
            rating=int(r),
            reviewed_at=now,
            state_before=before,
            attempt_id=attempt_id,
            attempt_rating=RATING_NAMES[int(r)],
        )
        return new_card

    def preview_intervals(
        self, question_id: str, now: datetime | None = None
    ) -> dict[str, timedelta]:
        """When the card would be due again for each rating (shown next to 1-4)."""
        now = now or utcnow()
        card = self.card(question_id) or Card(card_id=card_id_for(question_id), due=now)
        if self._preview is None:  # no fuzzing: the interval shown is the one it would be
            self._preview = Scheduler(
                parameters=self.fsrs.parameters,
                desired_retention=self.fsrs.desired_retention,
                enable_fuzzing=False,
            )
        out = {}
        for name, r in RATINGS.items():
            new_card, _ = self._preview.review_card(card, r, review_datetime=now)
            out[name] = new_card.due - now
        return out

    # -- statistics -----------------------------------------------------------
    def stats(self, now: datetime | None = None, days: int = 14) -> Stats:
        """Everything the home and stats screens show, computed in one pass."""
        now = now or utcnow()
        cards = self._cards()
        reviews = self.store.reviews(on_unreadable=self._skip)
        today = start_of_day(now)
        st = Stats()
        per_topic_reviews: dict[str, list[int]] = defaultdict(list)
        reviews_per_topic: Counter[str] = Counter()
        last_rating: dict[str, int] = {}  # reviews come in time order: the last one wins
        per_day: Counter[str] = Counter()
        for r in reviews:
            at = r.reviewed_at
            per_day[at.astimezone().date().isoformat()] += 1
            if at >= today:
                st.reviews_today += 1
            qid = r.question_id
            if qid not in self.bank:
                continue
            topic_id = self.bank.get(qid).topic_id
            reviews_per_topic[topic_id] += 1
            last_rating[qid] = r.rating
            if r.state_before == int(State.Review):
                per_topic_reviews[topic_id].append(r.rating)
        st.new_today = self.store.introduced_since(today)
        # Calendar days, not multiples of 24 h: across a DST change those land on 23:00 or
        # 01:00 and shift or merge the days of both charts.
        local_today = now.astimezone().date()
        for i in range(days):
            day = (local_today - timedelta(days=days - 1 - i)).isoformat()
            st.reviews_per_day[day] = per_day.get(day, 0)
        forecast: Counter[int] = Counter()
        for qid, c in cards.items():
            if qid not in self.bank:
                continue
            if c.due <= now:
                st.due_now += 1
            ahead = (c.due.astimezone().date() - local_today).days
            if ahead < days:
                forecast[max(0, ahead)] += 1  # overdue cards count for today
        st.forecast = {
            (local_today + timedelta(days=i)).isoformat(): forecast.get(i, 0) for i in range(days)
        }
        for topic in self.bank.topics:
            ts = TopicStats(topic=topic.id, total=len(topic.question_ids))
            retr = 0.0
            for qid in topic.question_ids:
                c = cards.get(qid)
                if c is None:
                    ts.new += 1
                    continue
                if c.due <= now:
                    ts.due += 1
                if c.state == State.Review:
                    ts.learned += 1
                # Just after an Again FSRS's retrievability is near 1 (the answer was shown);
                # a question the student failed is not mastered until recalled.
                if last_rating.get(qid) != int(Rating.Again):
                    retr += self.fsrs.get_card_retrievability(c, current_datetime=now)
            ts.mastery = retr / ts.total if ts.total else 0.0
            ratings = per_topic_reviews.get(topic.id, [])
            ts.reviews = reviews_per_topic[topic.id]
            ts.retention = (sum(1 for x in ratings if x > 1) / len(ratings)) if ratings else None
            st.topics.append(ts)
        for e in self.store.exams(on_unreadable=self._skip):
            st.exams.append(
                {
                    "id": e.id,
                    "finished_at": iso(e.finished_at) if e.finished_at else None,
                    "mark": e.mark,
                    "lode": e.lode,
                    "n_questions": e.n_questions,
                }
            )
        for d in self.store.drill_results(on_unreadable=self._skip):
            agg = st.drills.setdefault(d.drill, {"sessions": 0, "correct": 0, "total": 0})
            agg["sessions"] += 1
            agg["correct"] += d.correct
            agg["total"] += d.total
        return st


__all__ = [
    "DEFAULT_NEW_PER_DAY",
    "RATINGS",
    "RATING_NAMES",
    "Queue",
    "Stats",
    "StudyScheduler",
    "TopicStats",
    "card_from_record",
    "interleaved",
    "iso",
    "parse_rating",
    "start_of_day",
]
