"""The bank's data types: plain frozen dataclasses, no behaviour beyond lookup."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

LANGS: tuple[str, ...] = ("en", "it")
KINDS: tuple[str, ...] = ("open", "diagram", "exercise")
BUILTIN_NAMESPACE = "cidl"

# A match-term group list per language: [[alt, alt], [alt]] means
# "(alt or alt) and alt in one sentence".
Terms = dict[str, list[list[str]]]

# Labels of the rubric's own test sentences: a key point's ``hit`` sentences must earn
# it and its ``miss`` sentences (the same words, a wrong or reversed claim) must not; a
# misconception's ``fires`` sentences must trigger it and its ``safe`` ones (a correct
# contrast or denial with the same words) must not.
KP_EXAMPLE_LABELS: tuple[str, ...] = ("hit", "miss")
MC_EXAMPLE_LABELS: tuple[str, ...] = ("fires", "safe")


@dataclass(frozen=True)
class Example:
    """One labelled test sentence of the rubric, with where it is written."""

    text: str
    line: int = 0
    column: int = 0


# language -> label -> sentences
Examples = dict[str, dict[str, tuple[Example, ...]]]

# Where all groups of an item must be found together (see quizbank/README.md):
# "sentence" (the key points' default), "claim" (the misconceptions' default: a sentence
# cut at contrastive and causal conjunctions and at ";"), "clause" (also cut at commas,
# "and", "or") or "code" (a block of code, each group on a later line than the previous).
SCOPES: tuple[str, ...] = ("sentence", "claim", "clause", "code")
# How the quantities named by an item's first two groups move together.
RELATIONS: tuple[str, ...] = ("same", "inverse")


@dataclass(frozen=True)
class KeyPoint:
    """One thing a complete answer must say."""

    id: str
    weight: int
    text: dict[str, str]
    terms: Terms
    # The examiner's follow-up question when the point is missing, per language.
    probe: dict[str, str] = field(default_factory=dict)
    examples: Examples = field(default_factory=dict)
    central: bool = False  # the question's central point: asked back first
    scope: str = ""  # "" = the default, "sentence"
    ordered: bool = False  # groups must appear in the order written
    relation: str = ""  # "same" | "inverse": direction of group 1 against group 2


@dataclass(frozen=True)
class Misconception:
    """A wrong belief, how to recognise it and how to correct it."""

    id: str
    text: dict[str, str]
    correction: dict[str, str]
    terms: Terms
    examples: Examples = field(default_factory=dict)
    central: bool = False  # wrong about the question's central point: the answer is wrong
    scope: str = ""  # "" = the default, "claim"
    ordered: bool = False
    relation: str = ""
    contradicts: str = ""  # id of the key point this belief denies (never credited with it)


@dataclass(frozen=True)
class Question:
    """One exam question with its model answers and grading rubric."""

    id: str
    local_id: str
    namespace: str
    topic: str
    question: str
    kind: str
    answer: dict[str, str]
    key_points: tuple[KeyPoint, ...]
    misconceptions: tuple[Misconception, ...]
    demos: tuple[str, ...]
    drills: tuple[str, ...]
    see_also: tuple[str, ...]
    source_file: Path | None = None
    line: int = 0
    # Italian rendering of the (official, English) question text; empty when the bank has none.
    question_it: str = ""
    # What the question refers to but does not say (a.12's "that CG" is a.11's expression),
    # shown with the question itself, per language; empty when self-contained.
    context: dict[str, str] = field(default_factory=dict)

    def question_text(self, lang: str) -> str:
        """The question in ``lang`` where the bank has it, else the official text."""
        return self.question_it if lang == "it" and self.question_it else self.question

    @property
    def topic_id(self) -> str:
        """Topic as shown to the student (namespaced outside the course)."""
        return (
            self.topic if self.namespace == BUILTIN_NAMESPACE else f"{self.namespace}:{self.topic}"
        )


@dataclass(frozen=True)
class Topic:
    """A topic file: its key, titles and the ids of its questions in order."""

    key: str
    namespace: str
    title: dict[str, str]
    question_ids: tuple[str, ...]
    source: str = ""
    license: str = ""
    source_file: Path | None = None

    @property
    def id(self) -> str:
        """Topic key as shown to the student (namespaced outside the course)."""
        return self.key if self.namespace == BUILTIN_NAMESPACE else f"{self.namespace}:{self.key}"


@dataclass
class Bank:
    """All loaded questions, in file order, with id lookup."""

    topics: list[Topic] = field(default_factory=list)
    questions: list[Question] = field(default_factory=list)
    _by_id: dict[str, Question] = field(default_factory=dict, repr=False)

    def add(self, topic: Topic, questions: list[Question]) -> None:
        self.topics.append(topic)
        for q in questions:
            self.questions.append(q)
            self._by_id[q.id] = q

    def get(self, qid: str) -> Question:
        """The question with this id; raises KeyError with a readable message."""
        try:
            return self._by_id[qid]
        except KeyError:
            raise KeyError(f"unknown question id {qid!r}") from None

    def __contains__(self, qid: object) -> bool:
        return qid in self._by_id

    def __len__(self) -> int:
        return len(self.questions)

    def topic(self, key: str) -> Topic:
        """Topic by shown id ("a" or "ns:key")."""
        for t in self.topics:
            if t.id == key:
                return t
        raise KeyError(f"unknown topic {key!r}")

    def in_topic(self, key: str) -> list[Question]:
        return [self._by_id[qid] for qid in self.topic(key).question_ids]


def full_id(namespace: str, local_id: str) -> str:
    """The id shown to the student: bare for the course, ``ns:id`` otherwise."""
    return local_id if namespace == BUILTIN_NAMESPACE else f"{namespace}:{local_id}"
