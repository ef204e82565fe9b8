"""Load and validate question-bank directories.

Loading and validating are one pass: the loader records every problem with its
``file:line:column`` and builds the questions it can. ``load_bank`` refuses a
bank with errors; ``validate`` returns all problems for the CLI to print.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import catalogue, parse_cache
from .model import (
    BUILTIN_NAMESPACE,
    KINDS,
    KP_EXAMPLE_LABELS,
    LANGS,
    MC_EXAMPLE_LABELS,
    RELATIONS,
    SCOPES,
    Bank,
    Example,
    Examples,
    KeyPoint,
    Misconception,
    Question,
    Topic,
    full_id,
)
from .textnorm import group_hits
from .yamlsrc import LList, LMap, Mark, YamlError, load_located, read_source

__all__ = ["BankError", "Problem", "bank_files", "builtin_dir", "load_bank", "validate"]

_FILE_KEYS = {"bank", "topic", "title", "source", "license", "questions"}
_FILE_REQUIRED = {"topic", "title", "questions"}
_Q_KEYS = {
    "id",
    "question",
    "kind",
    "answer",
    "key_points",
    "misconceptions",
    "demos",
    "drills",
    "see_also",
    "question_it",
    "context",
}
_Q_REQUIRED = {"id", "question", "kind", "answer", "key_points"}
# Matching options shared by key points and misconceptions (see quizbank/README.md).
_MATCH_KEYS = {"central", "scope", "ordered", "relation"}
_KP_KEYS = {"id", "weight", "text", "terms", "probe", "examples"} | _MATCH_KEYS
_MC_KEYS = {"id", "text", "correction", "terms", "examples", "contradicts"} | _MATCH_KEYS
_SLUG_RE = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
_NS_RE = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
_QID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]*\.[A-Za-z0-9_.-]+$")
_TOPIC_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]*$")


@dataclass(frozen=True)
class _QMarks:
    """Where a question's cross-referencing fields are, for the checks that need the whole bank."""

    id: Mark
    see_also: tuple[Mark, ...]
    demos: tuple[Mark, ...]
    drills: tuple[Mark, ...]

    @classmethod
    def of(cls, node: LMap) -> _QMarks:
        def items(key: str) -> tuple[Mark, ...]:
            val = node.get(key)
            return tuple(val.item_marks) if isinstance(val, LList) else ()

        return cls(node.mark_of("id"), items("see_also"), items("demos"), items("drills"))


class BankError(Exception):
    """A bank that cannot be used; the message is one line, ready to print."""


@dataclass(frozen=True)
class Problem:
    """One validation finding."""

    file: Path
    line: int
    column: int
    message: str
    severity: str = "error"  # or "warning"

    def __str__(self) -> str:
        tag = "" if self.severity == "error" else "warning: "
        return f"{self.file}:{self.line}:{self.column}: {tag}{self.message}"


def builtin_dir() -> Path:
    """The directory of the bundled course bank (inside the installed package)."""
    return Path(__file__).resolve().parent  # the YAML files ship next to this module


def bank_files(directory: Path) -> list[Path]:
    """The topic files of a bank directory, sorted by name."""
    return sorted(p for p in directory.iterdir() if p.suffix in (".yaml", ".yml") and p.is_file())


def _namespace_for(directory: Path) -> str:
    if directory.resolve() == builtin_dir().resolve():
        return BUILTIN_NAMESPACE
    slug = re.sub(r"[^a-z0-9]+", "-", directory.resolve().name.lower()).strip("-")
    return slug or "bank"


class _LazyExamples(Mapping[str, dict[str, tuple[Example, ...]]]):
    """A key point's or misconception's labelled examples, read on first use.

    The examples are half of a topic file's parsed data and only the validator and the
    rubric's tests read them, so a file keeps them apart (:class:`parse_cache.Deferred`)
    and the app starts without unpickling them. To a reader this is the ``Examples``
    mapping itself (``get``, ``items``, ``==`` with a dict).
    """

    __slots__ = ("_key", "_part")

    def __init__(self, part: parse_cache.Deferred[dict[int, Examples]], key: int) -> None:
        self._part = part
        self._key = key

    def _examples(self) -> Examples:
        return self._part.get()[self._key]

    def __getitem__(self, lang: str) -> dict[str, tuple[Example, ...]]:
        return self._examples()[lang]

    def __iter__(self) -> Iterator[str]:
        return iter(self._examples())

    def __len__(self) -> int:
        return len(self._examples())

    def __repr__(self) -> str:
        return repr(self._examples())


class _FileReader:
    """Turns one parsed topic file into Topic/Question objects, noting problems."""

    def __init__(self, path: Path, problems: list[Problem], default_ns: str) -> None:
        self.path = path
        self.problems = problems
        self.default_ns = default_ns
        #: Every item's examples, by the number of the item in the file (see _LazyExamples).
        self.examples: parse_cache.Deferred[dict[int, Examples]] = parse_cache.Deferred({})

    def err(self, mark: Mark, message: str, severity: str = "error") -> None:
        self.problems.append(Problem(self.path, mark.line, mark.column, message, severity))

    # -- small typed getters --------------------------------------------------
    def _str(self, m: LMap, key: str, what: str) -> str:
        val = m.get(key)
        if isinstance(val, (int, float)) and not isinstance(val, bool) and key == "id":
            val = str(val)  # an unquoted 1.01 still names the question
        if not isinstance(val, str) or not val.strip():
            self.err(
                m.mark_of(key) if key in m else m.mark,
                f"{what}: '{key}' must be a non-empty string",
            )
            return ""
        return val.strip()

    def _langs(self, m: LMap, key: str, what: str) -> dict[str, str]:
        val = m.get(key)
        if not isinstance(val, LMap):
            self.err(
                m.mark_of(key) if key in m else m.mark,
                f"{what}: '{key}' must map en and it to text",
            )
            return {}
        out: dict[str, str] = {}
        for lang in val:
            if lang not in LANGS:
                self.err(
                    val.key_marks[lang], f"{what}: unknown language {lang!r} (expected en, it)"
                )
        for lang in LANGS:
            text = val.get(lang)
            if lang not in val:
                self.err(val.mark, f"{what}: '{key}' is missing language '{lang}'")
            elif not isinstance(text, str) or not text.strip():
                self.err(val.mark_of(lang), f"{what}: '{key}.{lang}' is empty")
            else:
                out[lang] = text.strip()
        return out

    def _terms(self, m: LMap, what: str) -> dict[str, list[list[str]]]:
        val = m.get("terms")
        if not isinstance(val, LMap):
            self.err(m.mark_of("terms") if "terms" in m else m.mark, f"{what}: has no match terms")
            return {}
        out: dict[str, list[list[str]]] = {}
        for lang in val:
            if lang not in LANGS:
                self.err(val.key_marks[lang], f"{what}: unknown language {lang!r} in terms")
        for lang in LANGS:
            groups = val.get(lang)
            mark = val.mark_of(lang) if lang in val else val.mark
            if not isinstance(groups, LList) or not groups:
                self.err(mark, f"{what}: no match terms for '{lang}'")
                continue
            clean: list[list[str]] = []
            for gi, group in enumerate(groups):
                if isinstance(group, str):
                    group = [group]  # a bare string is a one-alternative group
                if not isinstance(group, list) or not group:
                    self.err(groups.mark_of(gi), f"{what}: terms.{lang} group {gi + 1} is empty")
                    continue
                if any(isinstance(a, bool) or a is None for a in group):
                    self.err(
                        groups.mark_of(gi),
                        f"{what}: terms.{lang} group {gi + 1} has a bare yes/no/true/false/null "
                        "that YAML reads as a boolean or null; quote it",
                    )
                    group = [a for a in group if not isinstance(a, bool) and a is not None]
                alts = [str(a).strip() for a in group if isinstance(a, (str, int, float))]
                if len(alts) != len(group) or not all(alts):
                    self.err(
                        groups.mark_of(gi),
                        f"{what}: terms.{lang} group {gi + 1} has an empty or non-text term",
                    )
                clean.append([a for a in alts if a])
            out[lang] = clean
        return out

    def _examples(self, m: LMap, labels: tuple[str, ...], what: str) -> Examples:
        """``examples: {en: {hit: [...], miss: [...]}, it: {...}}``, each sentence located;
        kept apart from the rest of the file (read when first used)."""
        out = self._read_examples(m, labels, what)
        if not out:
            return out
        stored = self.examples.get()
        key = len(stored)
        stored[key] = out
        return _LazyExamples(self.examples, key)  # type: ignore[return-value]

    def _read_examples(self, m: LMap, labels: tuple[str, ...], what: str) -> Examples:
        val = m.get("examples")
        if "examples" not in m or val is None:
            return {}
        if not isinstance(val, LMap):
            self.err(m.mark_of("examples"), f"{what}: 'examples' must map en and it to labels")
            return {}
        out: Examples = {}
        for lang in val:
            if lang not in LANGS:
                self.err(val.key_marks[lang], f"{what}: unknown language {lang!r} in examples")
                continue
            by_label = val.get(lang)
            if not isinstance(by_label, LMap):
                self.err(
                    val.mark_of(lang),
                    f"{what}: examples.{lang} must map {' and '.join(labels)} to sentences",
                )
                continue
            got: dict[str, tuple[Example, ...]] = {}
            for label in by_label:
                if label not in labels:
                    self.err(
                        by_label.key_marks[label],
                        f"{what}: examples.{lang} has unknown label {label!r} "
                        f"(expected {', '.join(labels)})",
                    )
                    continue
                items = by_label.get(label)
                if isinstance(items, str) and items.strip():  # one sentence, not in a list
                    mark = by_label.mark_of(label)
                    got[label] = (Example(items.strip(), mark.line, mark.column),)
                    continue
                if not isinstance(items, LList):
                    self.err(
                        by_label.mark_of(label),
                        f"{what}: examples.{lang}.{label} must be a list of sentences",
                    )
                    continue
                sentences: list[Example] = []
                for i, item in enumerate(items):
                    mark = items.mark_of(i)
                    if not isinstance(item, str) or not item.strip():
                        self.err(mark, f"{what}: examples.{lang}.{label} item {i + 1} is empty")
                        continue
                    sentences.append(Example(item.strip(), mark.line, mark.column))
                got[label] = tuple(sentences)
            out[lang] = got
        return out

    def _options(self, m: LMap, terms: dict[str, list[list[str]]], what: str) -> dict[str, Any]:
        """``central``, ``scope``, ``ordered`` and ``relation``, each checked."""
        out: dict[str, Any] = {}
        for key in ("central", "ordered"):
            if key in m:
                if isinstance(m.get(key), bool):
                    out[key] = m.get(key)
                else:
                    self.err(m.mark_of(key), f"{what}: '{key}' must be true or false")
        if "scope" in m:
            if m.get("scope") in SCOPES:
                out["scope"] = m.get("scope")
            else:
                self.err(m.mark_of("scope"), f"{what}: 'scope' must be one of {', '.join(SCOPES)}")
        if "relation" in m:
            rel = m.get("relation")
            if rel not in RELATIONS:
                self.err(
                    m.mark_of("relation"),
                    f"{what}: 'relation' must be one of {', '.join(RELATIONS)}",
                )
            elif any(len(groups) < 2 for groups in terms.values()):
                self.err(
                    m.mark_of("relation"),
                    f"{what}: 'relation' needs two term groups per language (the two quantities)",
                )
            else:
                out["relation"] = rel
        return out

    def _probe(self, kp: LMap, what: str) -> dict[str, str]:
        if "probe" not in kp or kp.get("probe") is None:
            return {}
        return self._langs(kp, "probe", what)

    def _names(self, m: LMap, key: str, what: str) -> tuple[str, ...]:
        val = m.get(key, [])
        if val is None:
            return ()
        if not isinstance(val, list) or not all(isinstance(v, str) for v in val):
            self.err(m.mark_of(key), f"{what}: '{key}' must be a list of names")
            return ()
        return tuple(val)

    def _unknown_keys(self, m: LMap, allowed: set[str], what: str) -> None:
        for key in m:
            if key not in allowed:
                self.err(m.key_marks[key], f"{what}: unknown field {key!r}")

    def _missing_keys(self, m: LMap, required: set[str], what: str) -> None:
        for key in sorted(required - set(m)):
            self.err(m.mark, f"{what}: missing field {key!r}")

    # -- the file -------------------------------------------------------------
    def read(self, data: Any) -> tuple[Topic | None, list[tuple[Question, _QMarks]]]:
        if not isinstance(data, LMap):
            self.err(
                getattr(data, "mark", Mark(1, 1)),
                "a topic file must be a mapping with 'topic', 'title' and 'questions'",
            )
            return None, []
        self._unknown_keys(data, _FILE_KEYS, "file")
        self._missing_keys(data, _FILE_REQUIRED, "file")
        ns = data.get("bank", self.default_ns)
        if not isinstance(ns, str) or not _NS_RE.match(ns):
            self.err(
                data.mark_of("bank"), "'bank' must be a lower-case slug (letters, digits, - and _)"
            )
            ns = self.default_ns
        topic_key = str(data.get("topic", "")).strip()
        if "topic" in data and not _TOPIC_RE.match(topic_key):
            self.err(data.mark_of("topic"), "'topic' must be a short slug such as 'a'")
        title = self._langs(data, "title", "file") if "title" in data else {}
        questions_node = data.get("questions")
        built: list[tuple[Question, _QMarks]] = []
        if "questions" in data and not isinstance(questions_node, LList):
            self.err(data.mark_of("questions"), "'questions' must be a list")
        elif isinstance(questions_node, LList):
            for i, qnode in enumerate(questions_node):
                q = self.question(qnode, questions_node.mark_of(i), ns, topic_key)
                if q is not None:
                    built.append((q, _QMarks.of(qnode)))
        topic = Topic(
            key=topic_key,
            namespace=ns,
            title=title,
            question_ids=tuple(q.id for q, _ in built),
            source=str(data.get("source", "") or ""),
            license=str(data.get("license", "") or ""),
            source_file=self.path,
        )
        return topic, built

    def question(self, node: Any, mark: Mark, ns: str, topic_key: str) -> Question | None:
        if not isinstance(node, LMap):
            self.err(mark, "a question must be a mapping")
            return None
        local = self._str(node, "id", "question") if "id" in node else ""
        what = f"question {local}" if local else "question"
        self._unknown_keys(node, _Q_KEYS, what)
        self._missing_keys(node, _Q_REQUIRED, what)
        if local and not _QID_RE.match(local):
            self.err(node.mark_of("id"), f"{what}: id must look like 'a.01'")
        elif local and topic_key and not local.startswith(topic_key + "."):
            self.err(node.mark_of("id"), f"{what}: id must start with the topic key '{topic_key}.'")
        text = self._str(node, "question", what) if "question" in node else ""
        kind = node.get("kind", "open")
        if "kind" in node and kind not in KINDS:
            self.err(node.mark_of("kind"), f"{what}: kind must be one of {', '.join(KINDS)}")
        answer = self._langs(node, "answer", what) if "answer" in node else {}
        kps = self.key_points(node, what)
        mcs = self.misconceptions(node, what, kind, frozenset(kp.id for kp in kps))
        q = Question(
            id=full_id(ns, local) if local else "",
            local_id=local,
            namespace=ns,
            topic=topic_key,
            question=text,
            kind=kind if kind in KINDS else "open",
            answer=answer,
            key_points=tuple(kps),
            misconceptions=tuple(mcs),
            demos=self._names(node, "demos", what),
            drills=self._names(node, "drills", what),
            see_also=tuple(self._names(node, "see_also", what)),
            source_file=self.path,
            line=node.mark.line,
            question_it=self._str(node, "question_it", what) if "question_it" in node else "",
            context=self._langs(node, "context", what) if "context" in node else {},
        )
        if local:
            self.check_terms_hit(q, node)
        return q if local else None

    def key_points(self, node: LMap, what: str) -> list[KeyPoint]:
        raw = node.get("key_points")
        if "key_points" not in node:
            return []
        if not isinstance(raw, LList):
            self.err(node.mark_of("key_points"), f"{what}: 'key_points' must be a list")
            return []
        if not 3 <= len(raw) <= 7:
            self.err(node.mark_of("key_points"), f"{what}: needs 3 to 7 key points, has {len(raw)}")
        out: list[KeyPoint] = []
        seen: set[str] = set()
        for i, kp in enumerate(raw):
            if not isinstance(kp, LMap):
                self.err(raw.mark_of(i), f"{what}: a key point must be a mapping")
                continue
            kid = self._str(kp, "id", f"{what} key point {i + 1}")
            kwhat = f"{what} key point {kid or i + 1}"
            self._unknown_keys(kp, _KP_KEYS, kwhat)
            if kid and not _SLUG_RE.match(kid):
                self.err(kp.mark_of("id"), f"{kwhat}: id must be a slug (a-z, 0-9, -, _)")
            if kid in seen:
                self.err(kp.mark_of("id"), f"{kwhat}: duplicate key point id")
            seen.add(kid)
            weight = kp.get("weight", 1)
            if isinstance(weight, bool) or not isinstance(weight, int) or not 1 <= weight <= 3:
                self.err(kp.mark_of("weight"), f"{kwhat}: weight must be 1, 2 or 3")
                weight = 1
            terms = self._terms(kp, kwhat)
            out.append(
                KeyPoint(
                    kid,
                    weight,
                    self._langs(kp, "text", kwhat),
                    terms,
                    probe=self._probe(kp, kwhat),
                    examples=self._examples(kp, KP_EXAMPLE_LABELS, kwhat),
                    **self._options(kp, terms, kwhat),
                )
            )
        return out

    def misconceptions(
        self, node: LMap, what: str, kind: Any, kp_ids: frozenset[str] = frozenset()
    ) -> list[Misconception]:
        raw = node.get("misconceptions")
        if raw is None or raw == []:
            if kind in ("open", "diagram"):
                self.err(
                    node.mark_of("misconceptions") if "misconceptions" in node else node.mark,
                    f"{what}: needs at least one misconception",
                )
            return []
        if not isinstance(raw, LList):
            self.err(node.mark_of("misconceptions"), f"{what}: 'misconceptions' must be a list")
            return []
        out: list[Misconception] = []
        seen: set[str] = set()
        for i, mc in enumerate(raw):
            if not isinstance(mc, LMap):
                self.err(raw.mark_of(i), f"{what}: a misconception must be a mapping")
                continue
            mid = self._str(mc, "id", f"{what} misconception {i + 1}")
            mwhat = f"{what} misconception {mid or i + 1}"
            self._unknown_keys(mc, _MC_KEYS, mwhat)
            if mid in seen:
                self.err(mc.mark_of("id"), f"{mwhat}: duplicate misconception id")
            seen.add(mid)
            terms = self._terms(mc, mwhat)
            options = self._options(mc, terms, mwhat)
            if "contradicts" in mc:
                target = mc.get("contradicts")
                if isinstance(target, str) and target in kp_ids:
                    options["contradicts"] = target
                else:
                    self.err(
                        mc.mark_of("contradicts"),
                        f"{mwhat}: 'contradicts' must name a key point of this question",
                    )
            out.append(
                Misconception(
                    mid,
                    self._langs(mc, "text", mwhat),
                    self._langs(mc, "correction", mwhat),
                    terms,
                    examples=self._examples(mc, MC_EXAMPLE_LABELS, mwhat),
                    **options,
                )
            )
        return out

    def check_terms_hit(self, q: Question, node: LMap) -> None:
        """Every key point must be hit by its own model answer, per language."""
        kp_nodes = node.get("key_points")
        for i, kp in enumerate(q.key_points):
            for lang in LANGS:
                groups = kp.terms.get(lang)
                answer = q.answer.get(lang)
                if not groups or not answer:
                    continue
                if not group_hits(groups, answer, lang):
                    mark = kp_nodes.mark_of(i) if isinstance(kp_nodes, LList) else node.mark
                    self.err(
                        mark,
                        f"question {q.local_id} key point {kp.id}: terms.{lang} are not all "
                        f"found in one sentence of answer.{lang}",
                    )


# A file's topic, questions and problems, and the examples of its items kept apart.
_FileResult = tuple[
    Topic | None,
    list[tuple[Question, _QMarks]],
    list[Problem],
    parse_cache.Deferred[dict[int, Examples]],
]


def _read_file(path: Path, default_ns: str) -> _FileResult:
    problems: list[Problem] = []
    reader = _FileReader(path, problems, default_ns)
    try:
        data = load_located(read_source(path))
    except YamlError as exc:
        reader.err(exc.mark, exc.message)
        return None, [], problems, reader.examples
    except OSError as exc:
        reader.err(Mark(1, 1), f"cannot read file: {exc.strerror or exc}")
        return None, [], problems, reader.examples
    topic, questions = reader.read(data)
    return topic, questions, problems, reader.examples


def _examples_part(result: _FileResult) -> parse_cache.Deferred[dict[int, Examples]]:
    return result[3]


def _read_dir(
    directory: Path, problems: list[Problem], namespace: str | None = None
) -> list[tuple[Topic, list[tuple[Question, _QMarks]]]]:
    out = []
    default_ns = namespace or _namespace_for(directory)
    for path in bank_files(directory):
        topic, questions, file_problems, _ = parse_cache.cached(
            path, default_ns, _read_file, _examples_part
        )
        problems.extend(file_problems)
        if topic is not None:
            out.append((topic, questions))
    return out


def _load(
    dirs: Sequence[Path],
    include_builtin: bool,
    known_demos: Iterable[str] | None,
    known_drills: Iterable[str] | None,
    strict: bool,
) -> tuple[Bank, list[Problem]]:
    problems: list[Problem] = []
    bank = Bank()
    sources: list[Path] = ([builtin_dir()] if include_builtin else []) + [Path(d) for d in dirs]
    seen_dirs: set[Path] = set()
    read: list[tuple[Topic, list[tuple[Question, _QMarks]]]] = []
    for directory in sources:
        if not directory.is_dir():
            problems.append(Problem(directory, 1, 1, "not a directory"))
            continue
        key = directory.resolve()
        if key in seen_dirs:
            continue
        seen_dirs.add(key)
        files_before = len(read)
        read.extend(_read_dir(directory, problems))
        if len(read) == files_before and not bank_files(directory):
            problems.append(Problem(directory, 1, 1, "no .yaml topic files in this directory"))

    first_seen: dict[str, tuple[Path, int]] = {}
    topics_seen: dict[str, Path] = {}
    for topic, questions in read:
        if topic.id in topics_seen and topic.key:
            problems.append(
                Problem(
                    topic.source_file or Path("?"),
                    1,
                    1,
                    f"topic {topic.id!r} is also defined in {topics_seen[topic.id]}",
                )
            )
        topics_seen.setdefault(topic.id, topic.source_file or Path("?"))
        unique: list[Question] = []
        for q, marks in questions:
            if q.id in first_seen:
                path, line = first_seen[q.id]
                problems.append(
                    Problem(
                        q.source_file or Path("?"),
                        marks.id.line,
                        marks.id.column,
                        f"duplicate question id {q.local_id!r} (first defined at {path}:{line})",
                    )
                )
                continue
            first_seen[q.id] = (q.source_file or Path("?"), q.line)
            unique.append(q)
        bank.add(
            Topic(
                topic.key,
                topic.namespace,
                topic.title,
                tuple(q.id for q in unique),
                topic.source,
                topic.license,
                topic.source_file,
            ),
            unique,
        )

    demos = set(known_demos) if known_demos is not None else None
    drills = set(known_drills) if known_drills is not None else None
    all_marks = {q.id: marks for _, qs in read for q, marks in qs}
    # Cross references need the whole bank, so they come last.
    for q in bank.questions:
        marks = all_marks[q.id]
        path = q.source_file or Path("?")
        for i, ref in enumerate(q.see_also):
            target = ref if ":" in ref else full_id(q.namespace, ref)
            if target not in bank or target == q.id:
                m = marks.see_also[i]
                why = "refers to itself" if target == q.id else f"unknown question id {ref!r}"
                problems.append(
                    Problem(path, m.line, m.column, f"question {q.local_id}: see_also {why}")
                )
        for key, names, catalogue_names, implemented in (
            ("demos", q.demos, catalogue.DEMOS, demos),
            ("drills", q.drills, catalogue.DRILLS, drills),
        ):
            for i, name in enumerate(names):
                m = getattr(marks, key)[i]
                kind = key[:-1]
                if implemented is not None and name in implemented:
                    continue
                if name not in catalogue_names:
                    problems.append(
                        Problem(
                            path,
                            m.line,
                            m.column,
                            f"question {q.local_id}: unknown {kind} {name!r}",
                        )
                    )
                elif implemented is not None:
                    problems.append(
                        Problem(
                            path,
                            m.line,
                            m.column,
                            f"question {q.local_id}: {kind} {name!r} is not implemented yet",
                            "error" if strict else "warning",
                        )
                    )
    return bank, problems


def validate(
    dirs: Sequence[Path] = (),
    *,
    include_builtin: bool = True,
    known_demos: Iterable[str] | None = None,
    known_drills: Iterable[str] | None = None,
    strict: bool = False,
) -> list[Problem]:
    """Every problem found in the given bank directories (and the built-in bank)."""
    return _load(dirs, include_builtin, known_demos, known_drills, strict)[1]


def load_bank(extra_dirs: Sequence[Path | str] = (), *, include_builtin: bool = True) -> Bank:
    """The built-in bank plus ``extra_dirs``; BankError names the first error."""
    bank, problems = _load([Path(d) for d in extra_dirs], include_builtin, None, None, False)
    errors = [p for p in problems if p.severity == "error"]
    if errors:
        more = (
            f" (and {len(errors) - 1} more; run 'tutor bank validate')" if len(errors) > 1 else ""
        )
        raise BankError(f"{errors[0]}{more}")
    return bank
