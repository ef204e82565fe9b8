"""cg-forward: forward-mode tangents on a computational graph, for one chosen input.

It shares its random stream with cg-reverse, so the same seed and difficulty give the same
graph: the exam's "perform forward mode differentiation on that CG".
"""

from __future__ import annotations

import random

from tutor.drills.base import Content, Drill, number_field
from tutor.drills.cg_common import HOW_TO_ANSWER, describe
from tutor.drills.graph import forward_steps, random_graph, tangent_steps


def generate(rng: random.Random, difficulty: int) -> Content:
    g = random_graph(rng, difficulty)
    reach = {x.idx: len(g.descendants(x.idx)) for x in g.inputs}
    wrt = rng.choice([x for x in g.inputs if reach[x.idx] == max(reach.values())])
    dot = g.tangents(wrt.idx)
    statement = (
        f"Draw the computational graph of {describe(g)}. Run the forward pass (the value of "
        f"every node) and forward-mode differentiation with respect to {wrt.name}: the tangent "
        f"v_dot = dv/d{wrt.name} of every node, seeded with {wrt.name}_dot = 1 and the other "
        f"inputs' tangents 0; the last one is df/d{wrt.name}. A node with fan-out passes its "
        f"one tangent on to each consumer. {HOW_TO_ANSWER}"
    )
    fields = [number_field(n.vid, f"{n.vid} = {n.formula()}", g.values[n.idx]) for n in g.ops]
    fields += [
        number_field(f"{n.vid}_dot", f"{n.vid}_dot = d{n.vid}/d{wrt.name}", dot[n.idx])
        for n in g.ops
    ]
    inputs = g.to_json() | {"wrt": wrt.name}
    return Content(statement, g.diagram(), inputs, fields, forward_steps(g) + tangent_steps(g, wrt))


DRILL = Drill(
    name="cg-forward",
    title="Computational graph: forward-mode tangents",
    questions=("a.08", "a.09", "a.13"),
    generator=generate,
    stream="cg",
)
