"""Declared demo parameters: their kind, range, parsing and one-line errors.

A parameter arrives as text from the command line or an input field, or already typed
from a spec's quick overrides; :meth:`Param.parse` turns either into a validated value
or raises :class:`ParamError` with a message that names the parameter, what it accepts
and what it got. Nothing here imports torch or numpy, so specs can declare parameters
at import time for free.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from demos.platform.errors import ParamError


class Kind(StrEnum):
    """What a parameter holds; the value is the word the JSON listing uses."""

    INT = "int"
    FLOAT = "float"
    BOOL = "bool"
    STR = "str"


_TRUE = ("1", "true", "yes", "on")
_FALSE = ("0", "false", "no", "off")


@dataclass(frozen=True)
class Param:
    """A declared demo parameter.

    Numbers may have an inclusive range ``[low, high]``; strings may list ``choices``,
    where a choice written ``prefix:NAME`` accepts any value that starts with
    ``prefix:`` (e.g. ``mnist:PATH``). The default must itself be a valid value.
    """

    name: str
    kind: Kind
    default: Any
    help: str
    low: float | None = None
    high: float | None = None
    choices: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "kind", Kind(self.kind))
        object.__setattr__(self, "choices", tuple(self.choices))
        self.parse(self.default)  # a spec with a bad default fails when it is imported

    def allowed(self) -> str:
        """The allowed values, in words, for error messages and listings."""
        if self.kind is Kind.BOOL:
            return "true or false"
        if self.kind is Kind.STR:
            return "one of " + ", ".join(self.choices) if self.choices else "any text"
        noun = "an integer" if self.kind is Kind.INT else "a number"
        if self.low is not None and self.high is not None:
            return f"{noun} in [{_num(self.low)}, {_num(self.high)}]"
        if self.low is not None:
            return f"{noun} >= {_num(self.low)}"
        return noun

    def path_prefixes(self) -> tuple[str, ...]:
        """The ``prefix:`` of choices written ``prefix:PATH`` (their rest is a file path)."""
        return tuple(c.split(":", 1)[0] + ":" for c in self.choices if c.endswith(":PATH"))

    def parse(self, raw: Any) -> Any:
        """Convert a command-line string (or an already typed value) and validate it."""
        value = self._convert(raw)
        if self.kind in (Kind.INT, Kind.FLOAT):
            if (self.low is not None and value < self.low) or (
                self.high is not None and value > self.high
            ):
                raise self._error(raw)
        elif self.kind is Kind.STR and self.choices and not self._chosen(value):
            raise self._error(raw)
        return value

    def _chosen(self, value: str) -> bool:
        return any(
            value == c or (":" in c and value.startswith(c.split(":", 1)[0] + ":"))
            for c in self.choices
        )

    def _convert(self, raw: Any) -> Any:
        match self.kind:
            case Kind.BOOL:
                if isinstance(raw, bool):
                    return raw
                text = str(raw).strip().lower()
                if text in _TRUE:
                    return True
                if text in _FALSE:
                    return False
                raise self._error(raw)
            case Kind.INT:
                if isinstance(raw, bool):
                    raise self._error(raw)
                number = self._number(raw)
                if not number.is_integer():
                    raise self._error(raw)
                return int(number)
            case Kind.FLOAT:
                number = self._number(raw)
                if not math.isfinite(number):
                    raise self._error(raw)
                return number
        return str(raw)

    def _number(self, raw: Any) -> float:
        if isinstance(raw, bool):
            raise self._error(raw)
        try:
            return float(raw)
        except (TypeError, ValueError):
            raise self._error(raw) from None

    def _error(self, raw: Any) -> ParamError:
        return ParamError(f"parameter '{self.name}' must be {self.allowed()}, got {raw!r}")

    def to_json(self) -> dict[str, Any]:
        """The listing of ``tutor demo list --json``."""
        return {
            "name": self.name,
            "type": str(self.kind),
            "default": self.default,
            "low": self.low,
            "high": self.high,
            "choices": list(self.choices),
            "allowed": self.allowed(),
            "help": self.help,
        }


def _num(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else str(x)


def resolve_params(
    declared: Sequence[Param], given: Mapping[str, Any], quick_overrides: Mapping[str, Any]
) -> dict[str, Any]:
    """Defaults, then quick-mode overrides, then the user's values (validated)."""
    by_name = {p.name: p for p in declared}
    unknown = sorted(set(given) - set(by_name))
    if unknown:
        names = ", ".join(by_name)
        raise ParamError(f"unknown parameter '{unknown[0]}' (this demo takes: {names})")
    values = {p.name: p.default for p in declared}
    values.update(quick_overrides)
    for name, raw in given.items():
        values[name] = by_name[name].parse(raw)
    return values


def parse_assignments(items: Sequence[str]) -> dict[str, str]:
    """``["steps=200", "beta=0.5"]`` → ``{"steps": "200", "beta": "0.5"}``."""
    out: dict[str, str] = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise ParamError(f"parameter {item!r} is not of the form name=value")
        out[key.strip()] = value.strip()
    return out


# Where a demo may run (``auto``: CUDA, then Apple MPS, then the CPU).
DEVICES = ("auto", "cpu", "cuda", "mps")

# The image source shared by every demo that trains on digits.
IMAGE_DATA = Param("data", Kind.STR, "digits", "image source", choices=("digits", "mnist:PATH"))
