"""cg-forward: forward-mode tangents on a computational graph, for one chosen input.

It shares its random stream with cg-reverse, so the same seed and difficulty give the same
graph: the exam's "perform forward mode differentiation on that CG".
"""

from __future__ import annotations

import random

from tutor.drills.base import Content, Drill, number_field
from tutor.drills.cg_common import describe, how_to_answer
from tutor.drills.graph import forward_steps, random_graph, tangent_steps
from tutor.i18n import drills as T
from tutor.i18n.lists import DRILL_TITLES


def generate(rng: random.Random, difficulty: int, lang: str = "en") -> Content:
    g = random_graph(rng, difficulty)
    reach = {x.idx: len(g.descendants(x.idx)) for x in g.inputs}
    wrt = rng.choice([x for x in g.inputs if reach[x.idx] == max(reach.values())])
    dot = g.tangents(wrt.idx)
    statement = T.CG_FORWARD_STATEMENT(
        lang, graph=describe(g, lang), x=wrt.name, how=how_to_answer(lang)
    )
    fields = [number_field(n.vid, f"{n.vid} = {n.formula()}", g.values[n.idx]) for n in g.ops]
    fields += [
        number_field(f"{n.vid}_dot", f"{n.vid}_dot = d{n.vid}/d{wrt.name}", dot[n.idx])
        for n in g.ops
    ]
    inputs = g.to_json() | {"wrt": wrt.name}
    steps = forward_steps(g, lang) + tangent_steps(g, wrt, lang)
    return Content(statement, g.diagram(lang), inputs, fields, steps)


DRILL = Drill(
    name="cg-forward",
    titles=DRILL_TITLES["cg-forward"],
    questions=("a.08", "a.09", "a.13"),
    generator=generate,
    stream="cg",
)
