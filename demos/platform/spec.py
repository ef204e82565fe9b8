"""What a demo is, without running it: the torch-free spec every listing reads.

Each topic package (``demos.a_autograd_sgd`` … ``demos.h_advanced``) declares its demos as
:class:`DemoSpec` objects in its ``__init__``; the registry collects them. A spec names
the implementation by import path only, so ``tutor demo list`` and the app never import
torch or a demo module to show a title. Specs validate themselves when they are created:
a bad key, a quick override outside its parameter's range or a plot of an unknown kind
fails at import, in every test that lists the demos.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from demos.platform.params import Param
from demos.platform.protocol import ITEM_KINDS, KEY, validate_key

_NAME = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
_IMPL = re.compile(r"^demos(\.[a-z_][a-z0-9_]*)+:[A-Za-z_][A-Za-z0-9_]*$")
_QUESTION = re.compile(r"^[a-h]\.\d\d$")


@dataclass(frozen=True)
class Bilingual:
    """A text in English and Italian (a demo's title, a figure's caption)."""

    en: str
    it: str

    def __call__(self, lang: str = "en") -> str:
        return self.it if lang == "it" and self.it else self.en

    def to_json(self) -> dict[str, str]:
        return {"en": self.en, "it": self.it}


@dataclass(frozen=True)
class Plot:
    """A chart of recorded metrics that share an axis.

    ``key`` names the chart (widget ids, figure panels), ``title`` is free text. ``ylim``
    fixes the value axis (accuracies live in [0, 1]); ``log`` draws it logarithmic;
    ``chance`` is the level a model that learned nothing reaches (0.1 for ten classes),
    drawn as a reference line.
    """

    key: str
    title: str
    metrics: tuple[str, ...]
    ylim: tuple[float, float] | None = None
    log: bool = False
    chance: float | None = None

    def __post_init__(self) -> None:
        validate_key(self.key)
        object.__setattr__(self, "metrics", tuple(self.metrics))
        if not self.metrics:
            raise ValueError(f"plot {self.key!r} shows no metric")
        if self.ylim is not None:
            object.__setattr__(self, "ylim", (float(self.ylim[0]), float(self.ylim[1])))
        if self.chance is not None:
            object.__setattr__(self, "chance", float(self.chance))

    def to_json(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "title": self.title,
            "metrics": list(self.metrics),
            "ylim": list(self.ylim) if self.ylim is not None else None,
            "log": self.log,
            "chance": self.chance,
        }


@dataclass(frozen=True)
class DemoSpec:
    """Name, titles, questions, parameters, quick overrides, plots and the implementation.

    ``impl`` is ``"package.module:Class"``; the class subclasses
    :class:`demos.platform.context.Demo` and is imported only to run the demo.
    ``focus`` names the panel a small terminal keeps when it can show only one:
    ``"plot:KEY"`` (a plot of ``plots``) or ``"KIND:KEY"`` (a frame item, e.g.
    ``"heatmap:gate-f"``); empty means the first plot.
    """

    name: str
    title: Bilingual
    questions: tuple[str, ...]
    summary: str
    params: tuple[Param, ...]
    impl: str
    quick: Mapping[str, Any] = field(default_factory=dict)
    plots: tuple[Plot, ...] = ()
    focus: str = ""

    def __post_init__(self) -> None:
        if not _NAME.match(self.name):
            raise ValueError(f"demo name {self.name!r} is not a lowercase-hyphen slug")
        if not _IMPL.match(self.impl):
            raise ValueError(f"{self.name}: impl {self.impl!r} is not 'demos.module:Class'")
        bad = [q for q in self.questions if not _QUESTION.match(q)]
        if bad or not self.questions:
            raise ValueError(f"{self.name}: questions {bad or '()'} are not ids like 'f.01'")
        names = [p.name for p in self.params]
        if len(set(names)) != len(names):
            raise ValueError(f"{self.name}: a parameter is declared twice in {names}")
        by_name = {p.name: p for p in self.params}
        for key, value in self.quick.items():
            if key not in by_name:
                raise ValueError(f"{self.name}: quick override {key!r} is not a parameter")
            if by_name[key].parse(value) != value:
                raise ValueError(f"{self.name}: quick override {key}={value!r} is not typed")
        keys = [p.key for p in self.plots]
        if len(set(keys)) != len(keys):
            raise ValueError(f"{self.name}: plot keys {keys} are not unique")
        if self.focus:
            kind, _, key = self.focus.partition(":")
            if kind not in ("plot", *ITEM_KINDS) or not KEY.match(key):
                raise ValueError(f"{self.name}: focus {self.focus!r} is not 'KIND:key'")
            if kind == "plot" and key not in keys:
                raise ValueError(f"{self.name}: focus {self.focus!r} names no plot of {keys}")
        object.__setattr__(self, "questions", tuple(self.questions))
        object.__setattr__(self, "params", tuple(self.params))
        object.__setattr__(self, "quick", dict(self.quick))
        object.__setattr__(self, "plots", tuple(self.plots))

    @property
    def module(self) -> str:
        return self.impl.partition(":")[0]

    def describe(self) -> dict[str, Any]:
        """The listing of ``tutor demo list --json`` (and what the app shows)."""
        return {
            "name": self.name,
            "title": self.title.en,
            "title_it": self.title.it,
            "questions": list(self.questions),
            "summary": self.summary,
            "params": [p.to_json() for p in self.params],
            "quick": dict(self.quick),
            "plots": [p.to_json() for p in self.plots],
            "focus": self.focus,
        }
