"""Statement, diagram and answer fields shared by the two computational-graph drills."""

from __future__ import annotations

from tutor.drills.base import DEFAULT_ABS, DEFAULT_REL, fmt_num
from tutor.drills.graph import Graph
from tutor.i18n import drills as T


def how_to_answer(lang: str = "en") -> str:
    """Which values are exact and which decimal, and the tolerance on the decimal ones."""
    return T.CG_HOW_TO_ANSWER(lang, abs=DEFAULT_ABS, rel=DEFAULT_REL)


def describe(g: Graph, lang: str = "en") -> str:
    names = ", ".join(str(x.name) for x in g.inputs)
    at = ", ".join(f"{x.name} = {fmt_num(g.values[x.idx])}" for x in g.inputs)
    return T.CG_DESCRIBE(lang, names=names, expression=g.expression(), at=at)
