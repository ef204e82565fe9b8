"""cg-reverse: draw the computational graph of an expression and run reverse mode on it."""

from __future__ import annotations

import random

from tutor.drills.base import Content, Drill, number_field
from tutor.drills.cg_common import HOW_TO_ANSWER, describe
from tutor.drills.graph import forward_steps, random_graph, reverse_steps


def generate(rng: random.Random, difficulty: int) -> Content:
    g = random_graph(rng, difficulty)
    adj = g.adjoints()
    statement = (
        f"Draw the computational graph of {describe(g)}. Run the forward pass (the value of "
        "every node), then reverse-mode differentiation: the adjoint v_bar = df/dv of every "
        "node, ending with the gradient with respect to the inputs. A node with fan-out gets "
        f"one adjoint term from each consumer, and they add up. {HOW_TO_ANSWER}"
    )
    fields = [number_field(n.vid, f"{n.vid} = {n.formula()}", g.values[n.idx]) for n in g.ops]
    fields += [
        number_field(f"{n.vid}_bar", f"{n.vid}_bar = df/d{n.vid}", adj[n.idx])
        for n in reversed(g.nodes[:-1])
    ]
    return Content(statement, g.diagram(), g.to_json(), fields, forward_steps(g) + reverse_steps(g))


DRILL = Drill(
    name="cg-reverse",
    title="Computational graph: reverse-mode adjoints",
    questions=("a.03", "a.04", "a.05", "a.06", "a.07", "a.11", "a.12"),
    generator=generate,
    stream="cg",
)
