"""Statement, diagram and answer fields shared by the two computational-graph drills."""

from __future__ import annotations

from tutor.drills.base import DEFAULT_ABS, DEFAULT_REL, fmt_num
from tutor.drills.graph import Graph

HOW_TO_ANSWER = (
    "Give exact values as integers or fractions (-3/2); values that involve exp, log, sin, tanh "
    f"or sigmoid as decimals (accepted within {DEFAULT_ABS:g} absolute or {DEFAULT_REL:.1%} "
    "relative error: carry 4 decimals)."
)


def describe(g: Graph) -> str:
    names = ", ".join(str(x.name) for x in g.inputs)
    at = ", ".join(f"{x.name} = {fmt_num(g.values[x.idx])}" for x in g.inputs)
    return f"f({names}) = {g.expression()}, evaluated at {at}"
