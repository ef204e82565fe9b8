"""cg-reverse: draw the computational graph of an expression and run reverse mode on it."""

from __future__ import annotations

import random

from tutor.drills.base import Content, Drill, number_field
from tutor.drills.cg_common import describe, how_to_answer
from tutor.drills.graph import forward_steps, random_graph, reverse_steps
from tutor.i18n import drills as T
from tutor.i18n.lists import DRILL_TITLES


def generate(rng: random.Random, difficulty: int, lang: str = "en") -> Content:
    g = random_graph(rng, difficulty)
    adj = g.adjoints()
    statement = T.CG_REVERSE_STATEMENT(lang, graph=describe(g, lang), how=how_to_answer(lang))
    fields = [number_field(n.vid, f"{n.vid} = {n.formula()}", g.values[n.idx]) for n in g.ops]
    fields += [
        number_field(f"{n.vid}_bar", f"{n.vid}_bar = df/d{n.vid}", adj[n.idx])
        for n in reversed(g.nodes[:-1])
    ]
    steps = forward_steps(g, lang) + reverse_steps(g, lang)
    return Content(statement, g.diagram(lang), g.to_json(), fields, steps)


DRILL = Drill(
    name="cg-reverse",
    titles=DRILL_TITLES["cg-reverse"],
    questions=("a.03", "a.04", "a.05", "a.06", "a.07", "a.11", "a.12"),
    generator=generate,
    stream="cg",
)
