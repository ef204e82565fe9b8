"""Exercise, Field and CheckResult types shared by every drill, and answer parsing.

A drill turns ``(seed, difficulty)`` into an :class:`Exercise`; the exercise knows its expected
answers, so checking never needs the generator again.

JSON form of an exercise (``Exercise.to_json()``, printed by ``tutor drill NAME --seed N --json``)::

    {"drill": "cg-reverse", "seed": 7, "difficulty": 1, "lang": "en",
     "statement": "...", "diagram": "..." or null,
     "inputs": {...},                      # drill-specific, enough to rebuild the exercise
     "fields": [{"key": "v3", "label": "...", "expected": ..., "tolerance": ..., "kind": "exact"}],
     "solution": ["step 1", "step 2", ...]}

Field kinds, how ``expected`` is written, and what is accepted:

- ``exact``: a rational number written as a string, ``"-3/2"`` or ``"4"``; ``tolerance`` is null.
  Integers and fractions must be equal; a decimal is accepted when it is equal, or when it is the
  expected value correctly rounded to the digits given with at least 3 decimals (``0.333``
  for 1/3).
- ``decimal``: a float; ``tolerance`` is ``{"rel": r, "abs": a}`` and an answer is accepted when
  ``|answer - expected| <= max(a, r * |expected|)``.
- ``int``: an integer.
- ``shape``: a list of ints (``[]`` for a 0-d tensor) or the string ``"error"`` when the operation
  raises. Answers: ``(2, 3)``, ``[2, 3]``, ``2x3``, ``2×3``, ``2 3``, ``()`` or ``scalar``,
  ``error``.
- ``yesno``: ``"yes"`` or ``"no"`` (also accepts y/n, true/false, 1/0, si/sì).
- ``set``: a sorted list of ints; the answer is a list in any order (``0 2 3``, ``[0, 2, 3]``).

Numbers accept the usual notations: ``0.5``, ``.5``, ``1/2``, ``-1/2``, ``0,5``, ``1e-3``.

An exercise is generated in one language (``Drill.generate(seed, difficulty, lang="it")``):
its statement, labels, hints and solution are in that language, its numbers, ``inputs`` and
``expected`` values are the same in both. Italian answers (``sì``, ``errore``, ``scalare``)
are accepted in either.
"""

from __future__ import annotations

import math
import random
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any, NamedTuple

from tutor.i18n import Text
from tutor.i18n import drills as T

Num = Fraction | float

DEFAULT_REL = 1e-3
DEFAULT_ABS = 1e-3
KINDS = ("exact", "decimal", "int", "shape", "yesno", "set")
# Bounds on what an answer may ask the parser to build: "1e999999999" as a Fraction is a
# billion-digit integer (minutes of CPU), and 5000 digits exceed int()'s conversion limit.
MAX_ANSWER_CHARS = 200
MAX_EXPONENT = 300


class AnswerError(ValueError):
    """A malformed answer; the message is a hint meant for the student, in either language
    (``str()`` is the English one)."""

    def __init__(self, message: Text, /, **fields: Any) -> None:
        self.text = message
        self.fields = fields
        super().__init__(message("en", **fields))

    def hint(self, lang: str = "en") -> str:
        return self.text(lang, **self.fields)


@dataclass(frozen=True)
class Tolerance:
    rel: float = DEFAULT_REL
    abs: float = DEFAULT_ABS

    def accepts(self, answer: float, expected: float) -> bool:
        return abs(answer - expected) <= max(self.abs, self.rel * abs(expected))


@dataclass(frozen=True)
class Field:
    """One asked value. ``expected`` is a Fraction (exact), float (decimal), int, tuple of ints
    or None (shape; None means "error"), bool (yesno) or frozenset of ints (set)."""

    key: str
    label: str
    kind: str
    expected: Any
    tolerance: Tolerance | None = None

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"unknown field kind {self.kind!r}")
        if self.kind == "decimal" and self.tolerance is None:
            object.__setattr__(self, "tolerance", Tolerance())

    def expected_text(self, lang: str = "en") -> str:
        return format_value(self.kind, self.expected, lang)

    def expected_json(self) -> Any:
        if self.kind == "exact":
            return str(self.expected)
        if self.kind == "decimal":
            return float(self.expected)
        if self.kind == "shape":
            return "error" if self.expected is None else list(self.expected)
        if self.kind == "yesno":
            return "yes" if self.expected else "no"
        if self.kind == "set":
            return sorted(self.expected)
        return self.expected

    def to_json(self) -> dict[str, Any]:
        tol = None
        if self.tolerance is not None:
            tol = {"rel": self.tolerance.rel, "abs": self.tolerance.abs}
        return {
            "key": self.key,
            "label": self.label,
            "expected": self.expected_json(),
            "tolerance": tol,
            "kind": self.kind,
        }

    def check(self, raw: Any, lang: str = "en") -> FieldResult:
        """The verdict on one answer; the hint and the expected value in ``lang``."""
        given = "" if raw is None else str(raw).strip()
        expected = self.expected_text(lang)
        if not given:
            return FieldResult(self.key, self.label, given, False, expected, T.NO_ANSWER(lang))
        if len(given) > MAX_ANSWER_CHARS:  # thousands of digits would hit int() limits
            hint = T.TOO_LONG(lang, n=MAX_ANSWER_CHARS)
            return FieldResult(
                self.key, self.label, given[:MAX_ANSWER_CHARS] + "…", False, expected, hint
            )
        try:
            ok = _matches(self, given)
        except AnswerError as exc:
            return FieldResult(self.key, self.label, given, False, expected, exc.hint(lang))
        return FieldResult(self.key, self.label, given, ok, expected, None)


@dataclass(frozen=True)
class FieldResult:
    key: str
    label: str
    given: str
    ok: bool
    expected: str
    hint: str | None = None


@dataclass(frozen=True)
class CheckResult:
    results: tuple[FieldResult, ...]

    @property
    def correct(self) -> int:
        return sum(r.ok for r in self.results)

    @property
    def total(self) -> int:
        return len(self.results)

    @property
    def all_correct(self) -> bool:
        return self.correct == self.total

    def __getitem__(self, key: str) -> FieldResult:
        for r in self.results:
            if r.key == key:
                return r
        raise KeyError(key)


@dataclass(frozen=True)
class Exercise:
    drill: str
    seed: int
    difficulty: int
    statement: str
    diagram: str | None
    inputs: dict[str, Any]
    fields: tuple[Field, ...]
    solution: tuple[str, ...]
    lang: str = "en"

    def field(self, key: str) -> Field:
        for f in self.fields:
            if f.key == key:
                return f
        raise KeyError(key)

    def check(self, answers: Mapping[str, Any]) -> CheckResult:
        """Check every field; missing or malformed answers count as wrong, with a hint."""
        return CheckResult(tuple(f.check(answers.get(f.key), self.lang) for f in self.fields))

    def to_json(self) -> dict[str, Any]:
        return {
            "drill": self.drill,
            "seed": self.seed,
            "difficulty": self.difficulty,
            "lang": self.lang,
            "statement": self.statement,
            "diagram": self.diagram,
            "inputs": self.inputs,
            "fields": [f.to_json() for f in self.fields],
            "solution": list(self.solution),
        }


class Content(NamedTuple):
    """What a drill's generator returns; Drill.generate adds name, seed and difficulty."""

    statement: str
    diagram: str | None
    inputs: dict[str, Any]
    fields: list[Field]
    solution: list[str]


#: ``(rng, difficulty, lang) -> Content``: the language changes words, never a draw of ``rng``.
Generator = Callable[[random.Random, int, str], Content]


@dataclass(frozen=True)
class Drill:
    name: str
    titles: Text  # in both languages: tutor.i18n.lists.DRILL_TITLES
    questions: tuple[str, ...]
    generator: Generator = field(repr=False)
    # Drills built on the same exercise family share their random stream (cg-reverse/cg-forward).
    stream: str | None = None

    @property
    def title(self) -> str:
        """The English title."""
        return self.titles.en

    def title_in(self, lang: str = "en") -> str:
        return self.titles(lang)

    def generate(self, seed: int, difficulty: int = 1, lang: str = "en") -> Exercise:
        """The exercise of ``(seed, difficulty)``, worded in ``lang`` (en or it): the same
        numbers in every language."""
        if isinstance(difficulty, bool) or difficulty not in (1, 2, 3):
            raise ValueError(f"difficulty must be 1, 2 or 3, not {difficulty!r}")
        if isinstance(seed, bool) or not isinstance(seed, int):
            raise ValueError(f"seed must be an integer, not {seed!r}")
        lang = "it" if lang == "it" else "en"
        rng = random.Random(f"{self.stream or self.name}/{seed}/{difficulty}")
        c = self.generator(rng, difficulty, lang)
        return Exercise(
            drill=self.name,
            seed=seed,
            difficulty=difficulty,
            statement=c.statement,
            diagram=c.diagram,
            inputs=c.inputs,
            fields=tuple(c.fields),
            solution=tuple(c.solution),
            lang=lang,
        )


# ---------------------------------------------------------------- parsing

_NUM = r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?"
_NUM_RE = re.compile(rf"^({_NUM})(?:\s*/\s*({_NUM}))?$")
_COMMA_DECIMAL = re.compile(r"^[+-]?\d*,\d+$")
_EXP_RE = re.compile(r"[eE]([+-]?\d+)$")


def parse_number(text: str) -> tuple[Fraction, int | None]:
    """Parse an answer into an exact Fraction plus the decimals written (None if not a decimal)."""
    s = text.strip().replace("\u2212", "-").replace(" ", "")
    if _COMMA_DECIMAL.match(s):
        s = s.replace(",", ".")
    m = _NUM_RE.match(s)
    if not m:
        raise AnswerError(T.NOT_A_NUMBER, text=text.strip())
    num, den = m.group(1), m.group(2)
    for part in (num, den):
        exp = _EXP_RE.search(part or "")
        if exp and (len(exp.group(1).lstrip("+-")) > 3 or abs(int(exp.group(1))) > MAX_EXPONENT):
            raise AnswerError(T.OUT_OF_RANGE, text=text.strip(), limit=MAX_EXPONENT)
    value = Fraction(num)
    if den is not None:
        d = Fraction(den)
        if d == 0:
            raise AnswerError(T.DIVISION_BY_ZERO)
        return value / d, None
    if "." in num and "e" not in num.lower():
        return value, len(num.split(".", 1)[1])
    return value, None


def parse_int(text: str) -> int:
    s = text.strip().replace("\u2212", "-").replace("_", "").replace(",", "").replace(" ", "")
    if not re.fullmatch(r"[+-]?\d+", s):
        raise AnswerError(T.NOT_AN_INTEGER, text=text.strip())
    return int(s)


_SHAPE_SPLIT = re.compile(r"\s*(?:[x×*,]|\s)\s*")


def parse_shape(text: str) -> tuple[int, ...] | None:
    s = text.strip().lower()
    if s in ("error", "err", "raises", "invalid", "errore", "eccezione"):
        return None
    if s in ("()", "[]", "scalar", "scalare", "torch.size([])"):
        return ()
    if s.startswith("torch.size("):
        s = s[len("torch.size(") : -1] if s.endswith(")") else s
    s = s.strip("()[] ")
    parts = [p for p in _SHAPE_SPLIT.split(s) if p]
    if not parts or not all(p.isdigit() for p in parts):
        raise AnswerError(T.NOT_A_SHAPE, text=text.strip())
    return tuple(int(p) for p in parts)


_YES = {"yes", "y", "true", "t", "1", "si", "sì", "legal", "ok"}
_NO = {"no", "n", "false", "f", "0", "illegal"}


def parse_yesno(text: str) -> bool:
    s = text.strip().lower()
    if s in _YES:
        return True
    if s in _NO:
        return False
    raise AnswerError(T.NOT_YES_NO, text=text.strip())


def parse_int_set(text: str) -> frozenset[int]:
    s = text.strip().strip("{}[]() ")
    if s.lower() in ("", "none", "empty", "nessuno", "vuoto"):
        return frozenset()
    parts = [p for p in re.split(r"[\s,;]+", s) if p]
    if not all(re.fullmatch(r"\d+", p) for p in parts):
        raise AnswerError(T.NOT_A_SET, text=text.strip())
    return frozenset(int(p) for p in parts)


def _matches(f: Field, given: str) -> bool:
    if f.kind == "exact":
        value, decimals = parse_number(given)
        if value == f.expected:
            return True
        return decimals is not None and decimals >= 3 and rounds_to(f.expected, value, decimals)
    if f.kind == "decimal":
        value, _ = parse_number(given)
        assert f.tolerance is not None
        try:
            answer = float(value)
        except OverflowError:  # e.g. 9…9e300: far beyond any expected value
            return False
        return f.tolerance.accepts(answer, float(f.expected))
    if f.kind == "int":
        return parse_int(given) == f.expected
    if f.kind == "shape":
        return parse_shape(given) == f.expected
    if f.kind == "yesno":
        return parse_yesno(given) == f.expected
    return parse_int_set(given) == f.expected


def rounds_to(exact: Fraction, answer: Fraction, decimals: int) -> bool:
    """True when ``answer`` is ``exact`` rounded to ``decimals`` places (ties either way)."""
    return abs(exact - answer) <= Fraction(1, 2 * 10**decimals)


# ---------------------------------------------------------------- formatting


def fmt_num(x: Num | int) -> str:
    """Fractions as ``p/q``, floats to 6 significant digits, never ``-0``."""
    if isinstance(x, Fraction):
        return str(x)
    if isinstance(x, int):
        return str(x)
    if x == 0 or not math.isfinite(x):
        return "0" if x == 0 else str(x)
    return format(x, ".6g")


def fmt_approx(x: Num) -> str:
    """A Fraction with its decimal value when it is not an integer: ``7/3 (≈ 2.3333)``."""
    if isinstance(x, Fraction) and x.denominator != 1:
        return f"{x} (≈ {float(x):.4f})"
    return fmt_num(x)


def paren(x: Num | int) -> str:
    """Wrap negative numbers and fractions in parentheses inside products."""
    s = fmt_num(x)
    return f"({s})" if s.startswith("-") or "/" in s else s


def fmt_shape(shape: tuple[int, ...] | None, lang: str = "en") -> str:
    """``(2, 3)``, ``(4,)``, ``()``; a shape that does not exist (the operation raises) is
    the word *error* in ``lang``."""
    if shape is None:
        return T.ERROR(lang)
    if len(shape) == 1:
        return f"({shape[0]},)"
    return "(" + ", ".join(str(s) for s in shape) + ")"


def format_value(kind: str, value: Any, lang: str = "en") -> str:
    if kind in ("exact", "decimal"):
        return fmt_approx(value)
    if kind == "shape":
        return fmt_shape(value, lang)
    if kind == "yesno":
        return (T.YES if value else T.NO)(lang)
    if kind == "set":
        return "[" + ", ".join(str(v) for v in sorted(value)) + "]"
    return str(value)


def number_field(key: str, label: str, value: Num) -> Field:
    """An exact field for a Fraction, a decimal one (default tolerance) for a float."""
    if isinstance(value, Fraction):
        return Field(key, label, "exact", value)
    return Field(key, label, "decimal", float(value), Tolerance())


def fraction_ok(x: Fraction, max_num: int, max_den: int) -> bool:
    return abs(x.numerator) <= max_num and x.denominator <= max_den
