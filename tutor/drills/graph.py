"""Random computational graphs for the cg-reverse and cg-forward drills.

Values are Fractions while every operation on the way is rational (+, -, *, /, integer powers),
and floats once a transcendental node (exp, log, sin, tanh, sigmoid) is involved: Python's
arithmetic propagates that on its own, so an answer is exact exactly when it can be.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from tutor.drills.base import Num, fmt_num, fraction_ok, paren
from tutor.i18n import drills as T

BINARY = ("add", "sub", "mul", "div")
TRANSCENDENTAL = ("exp", "log", "sin", "tanh", "sigmoid")
SYMBOL = {"add": "+", "sub": "-", "mul": "*", "div": "/"}
PREC = {"add": 1, "sub": 1, "mul": 2, "div": 2, "pow": 3}


@dataclass(frozen=True)
class Node:
    idx: int  # 1-based: the node is called v{idx}
    op: str  # "input", a BINARY op, "pow" or a TRANSCENDENTAL function
    args: tuple[int, ...] = ()
    k: int | None = None  # exponent of "pow"
    name: str | None = None  # "x1" for inputs

    @property
    def vid(self) -> str:
        return f"v{self.idx}"

    def formula(self) -> str:
        """The node's operation on its operand nodes, e.g. ``v1 * v2`` or ``exp(v3)``."""
        if self.op == "input":
            return str(self.name)
        a = [f"v{i}" for i in self.args]
        if self.op in SYMBOL:
            return f"{a[0]} {SYMBOL[self.op]} {a[1]}"
        if self.op == "pow":
            return f"{a[0]}^{self.k}"
        return f"{self.op}({a[0]})"

    def to_json(self) -> dict[str, Any]:
        d: dict[str, Any] = {"id": self.vid, "op": self.op, "args": [f"v{i}" for i in self.args]}
        if self.k is not None:
            d["k"] = self.k
        if self.name is not None:
            d["name"] = self.name
        return d


def apply(op: str, a: Num, b: Num | None = None, k: int | None = None) -> Num:
    if op == "add":
        return a + b
    if op == "sub":
        return a - b
    if op == "mul":
        return a * b
    if op == "div":
        return a / b
    if op == "pow":
        return a**k
    if op == "exp":
        return math.exp(a)
    if op == "log":
        return math.log(a)
    if op == "sin":
        return math.sin(a)
    if op == "tanh":
        return math.tanh(a)
    if op == "sigmoid":
        return 1.0 / (1.0 + math.exp(-a))
    raise ValueError(op)


def partials(node: Node, vals: dict[int, Num]) -> list[tuple[Num, str]]:
    """Local derivatives d node / d arg for each argument, with their formula."""
    one = Fraction(1)
    v = vals[node.idx]
    a = vals[node.args[0]]
    an = f"v{node.args[0]}"
    me = node.vid
    if node.op == "add":
        return [(one, "1"), (one, "1")]
    if node.op == "sub":
        return [(one, "1"), (-one, "-1")]
    b = vals[node.args[1]] if len(node.args) > 1 else None
    bn = f"v{node.args[1]}" if len(node.args) > 1 else ""
    if node.op == "mul":
        return [(b, bn), (a, an)]
    if node.op == "div":
        return [(one / b, f"1/{bn}"), (-a / (b * b), f"-{an}/{bn}^2")]
    if node.op == "pow":
        k = node.k
        return [(k * a ** (k - 1), f"{k}*{an}^{k - 1}" if k > 2 else f"2*{an}")]
    if node.op == "exp":
        return [(v, f"exp({an}) = {me}")]
    if node.op == "log":
        return [(one / a if isinstance(a, Fraction) else 1.0 / a, f"1/{an}")]
    if node.op == "sin":
        return [(math.cos(a), f"cos({an})")]
    if node.op == "tanh":
        return [(1 - v * v, f"1 - {me}^2")]
    if node.op == "sigmoid":
        return [(v * (1 - v), f"{me}*(1 - {me})")]
    raise ValueError(node.op)


@dataclass(frozen=True)
class Level:
    inputs: tuple[int, ...]
    ops: tuple[int, int]
    unary: tuple[str, ...]
    powers: tuple[int, ...]
    max_transcendental: int
    input_values: tuple[Fraction, ...]
    max_num: int
    max_den: int
    max_float: float
    shared_op_node: bool  # require an intermediate node (not only an input) with fan-out


def _fr(*xs: str) -> tuple[Fraction, ...]:
    return tuple(Fraction(x) for x in xs)


LEVELS = {
    1: Level((2,), (3, 4), (), (2,), 0, _fr("-2", "-1", "1", "2", "3"), 60, 8, 0.0, False),
    2: Level(
        (2, 3),
        (4, 6),
        ("exp", "log", "sigmoid", "tanh"),
        (2,),
        1,
        _fr("-2", "-1", "1/2", "1", "2", "3"),
        200,
        32,
        200.0,
        True,
    ),
    3: Level(
        (3,),
        (6, 8),
        TRANSCENDENTAL,
        (2, 3),
        3,
        _fr("-3/2", "-1", "-1/2", "1/2", "1", "3/2", "2"),
        1000,
        128,
        1000.0,
        True,
    ),
}


@dataclass(frozen=True)
class Graph:
    nodes: tuple[Node, ...]
    values: dict[int, Num]

    @property
    def inputs(self) -> list[Node]:
        return [n for n in self.nodes if n.op == "input"]

    @property
    def ops(self) -> list[Node]:
        return [n for n in self.nodes if n.op != "input"]

    @property
    def output(self) -> Node:
        return self.nodes[-1]

    def consumers(self, idx: int) -> list[Node]:
        return [n for n in self.nodes if idx in n.args]

    def expression(self) -> str:
        return _render(self, self.output.idx)

    def diagram(self, lang: str = "en") -> str:
        """One line per node: its number, its operation, the value in, the nodes it feeds.

        The same picture serves both drills, so a node that feeds several others is only
        marked "fan-out"; each drill's statement says what that means for its own pass.
        """
        texts = [
            f"{n.name} = {fmt_num(self.values[n.idx])}" if n.op == "input" else n.formula()
            for n in self.nodes
        ]
        width = max(len(t) for t in texts) + 2
        lines = []
        for n, text in zip(self.nodes, texts, strict=False):
            outs = [f"v{c.idx}" for c in self.consumers(n.idx)]
            left = f"[{n.vid:>3}]  {text:<{width}}"
            if outs:
                fan = f"  {T.CG_FAN_OUT(lang)}" if len(outs) > 1 else ""
                lines.append(f"{left}──▶ {', '.join(outs)}{fan}")
            else:
                lines.append(f"{left}──▶ f  {T.CG_OUTPUT(lang)}")
        return "\n".join(lines)

    def adjoints(self) -> dict[int, Num]:
        adj: dict[int, Num] = {n.idx: Fraction(0) for n in self.nodes}
        adj[self.output.idx] = Fraction(1)
        for n in reversed(self.ops):
            for arg, (p, _) in zip(n.args, partials(n, self.values), strict=False):
                adj[arg] += adj[n.idx] * p
        return adj

    def tangents(self, wrt: int) -> dict[int, Num]:
        dot: dict[int, Num] = {n.idx: Fraction(int(n.idx == wrt)) for n in self.inputs}
        for n in self.ops:
            total: Num = Fraction(0)
            for arg, (p, _) in zip(n.args, partials(n, self.values), strict=False):
                total += p * dot[arg]
            dot[n.idx] = total
        return dot

    def descendants(self, idx: int) -> set[int]:
        found: set[int] = set()
        for n in self.ops:
            if idx in n.args or found.intersection(n.args):
                found.add(n.idx)
        return found

    def to_json(self) -> dict[str, Any]:
        return {
            "x": {str(n.name): str(self.values[n.idx]) for n in self.inputs},
            "nodes": [n.to_json() for n in self.nodes],
            "output": self.output.vid,
            "expression": self.expression(),
        }


def _render(g: Graph, idx: int) -> str:
    n = g.nodes[idx - 1]
    if n.op == "input":
        return str(n.name)
    if n.op in TRANSCENDENTAL:
        return f"{n.op}({_render(g, n.args[0])})"
    prec = PREC[n.op]
    parts = []
    for pos, a in enumerate(n.args):
        child = g.nodes[a - 1]
        s = _render(g, a)
        cp = PREC.get(child.op, 4)
        need = cp < prec or (pos == 1 and cp == prec and n.op in ("sub", "div"))
        if n.op == "pow":
            need = cp <= prec
        parts.append(f"({s})" if need else s)
    if n.op == "pow":
        return f"{parts[0]}^{n.k}"
    return f" {SYMBOL[n.op]} ".join(parts)


def _value_ok(x: Num, lv: Level, divisor: bool = False) -> bool:
    if isinstance(x, Fraction):
        return fraction_ok(x, lv.max_num, lv.max_den) and (not divisor or x != 0)
    if not math.isfinite(x) or abs(x) > lv.max_float:
        return False
    return not divisor or abs(x) >= 0.2


def _candidates(lv: Level, a: Num, b: Num | None, n_trans: int) -> list[tuple[str, int | None]]:
    """Operations allowed on these operand values at this level."""
    if b is not None:
        ops: list[tuple[str, int | None]] = [("add", None), ("sub", None), ("mul", None)]
        ops += [("mul", None), ("add", None)]  # products and sums are the chain rule's bread
        if _value_ok(b, lv, divisor=True):
            ops.append(("div", None))
        return ops
    ops = [("pow", k) for k in lv.powers]
    if n_trans < lv.max_transcendental:
        fa = float(a)
        for f in lv.unary:
            if f == "log" and fa < 0.1:
                continue
            if f == "exp" and not -5 <= fa <= 4:
                continue
            ops.append((f, None))
    return ops


def _try_graph(rng: random.Random, lv: Level) -> Graph | None:
    n_in = rng.choice(lv.inputs)
    n_ops = rng.randint(*lv.ops)
    nodes: list[Node] = []
    values: dict[int, Num] = {}
    uses: dict[int, int] = {}
    for i in range(1, n_in + 1):
        nodes.append(Node(i, "input", name=f"x{i}"))
        values[i] = rng.choice(lv.input_values)
        uses[i] = 0
    n_trans = 0
    for step in range(n_ops):
        idx = len(nodes) + 1
        frontier = [n.idx for n in nodes if uses[n.idx] == 0]
        remaining = n_ops - step
        must_merge = len(frontier) - 1 >= remaining
        r = rng.random()
        if must_merge or (len(frontier) >= 2 and r < 0.45):
            args = tuple(rng.sample(frontier, 2))
        elif r < 0.75 or len(nodes) < 2:
            args = (rng.choice(frontier),)
        else:
            first = rng.choice(frontier)
            other = rng.choice([n.idx for n in nodes if n.idx != first])
            args = (first, other) if rng.random() < 0.5 else (other, first)
        a = values[args[0]]
        b = values[args[1]] if len(args) == 2 else None
        choices = _candidates(lv, a, b, n_trans)
        if not choices:
            return None
        op, k = rng.choice(choices)
        try:
            v = apply(op, a, b, k)
        except (OverflowError, ZeroDivisionError, ValueError):
            return None
        if not _value_ok(v, lv):
            return None
        nodes.append(Node(idx, op, args, k))
        values[idx] = v
        uses[idx] = 0
        for x in args:
            uses[x] += 1
        n_trans += op in TRANSCENDENTAL
    if sum(1 for n in nodes if uses[n.idx] == 0) != 1:
        return None
    shared = [i for i, u in uses.items() if u >= 2 and (nodes[i - 1].op != "input")]
    if not shared and (lv.shared_op_node or not any(u >= 2 for u in uses.values())):
        return None
    g = Graph(tuple(nodes), values)
    if len(g.expression()) > 90:
        return None
    for derived in [g.adjoints()] + [g.tangents(x.idx) for x in g.inputs]:
        if not all(_value_ok(x, lv) for x in derived.values()):
            return None
    return g


def random_graph(rng: random.Random, difficulty: int) -> Graph:
    lv = LEVELS[difficulty]
    for _ in range(5000):
        g = _try_graph(rng, lv)
        if g is not None:
            return g
    raise RuntimeError("could not generate a computational graph")  # pragma: no cover


def forward_steps(g: Graph, lang: str = "en") -> list[str]:
    steps = [T.CG_FORWARD_PASS(lang)]
    for n in g.nodes:
        v = g.values[n.idx]
        if n.op == "input":
            steps.append(f"  {n.vid} = {n.name} = {fmt_num(v)}")
            continue
        args = [g.values[a] for a in n.args]
        if n.op in SYMBOL:
            num = f"{paren(args[0])} {SYMBOL[n.op]} {paren(args[1])}"
        elif n.op == "pow":
            num = f"{paren(args[0])}^{n.k}"
        else:
            num = f"{n.op}({fmt_num(args[0])})"
        steps.append(f"  {n.vid} = {n.formula()} = {num} = {_show(v)}")
    return steps


def _show(v: Num) -> str:
    if isinstance(v, Fraction) and v.denominator != 1:
        return f"{v} (≈ {float(v):.4f})"
    return fmt_num(v)


def reverse_steps(g: Graph, lang: str = "en") -> list[str]:
    adj = g.adjoints()
    out = g.output
    steps = [T.CG_REVERSE_PASS(lang), f"  {out.vid}_bar = 1 {T.CG_OUTPUT_SEED(lang)}"]
    for n in reversed(g.nodes[:-1]):
        terms, nums = [], []
        for c in g.consumers(n.idx):
            for arg, (p, ptxt) in zip(c.args, partials(c, g.values), strict=False):
                if arg == n.idx:
                    terms.append(f"{c.vid}_bar * d{c.vid}/d{n.vid}")
                    nums.append(f"{paren(adj[c.idx])} * [{ptxt} = {fmt_num(p)}]")
        fan = f" {T.CG_FAN_OUT_TERMS(lang)}" if len(terms) > 1 else ""
        steps.append(
            f"  {n.vid}_bar = {' + '.join(terms)} = {' + '.join(nums)} = {_show(adj[n.idx])}{fan}"
        )
    grads = ", ".join(f"df/d{x.name} = {x.vid}_bar = {fmt_num(adj[x.idx])}" for x in g.inputs)
    steps.append(T.CG_GRADIENT(lang, grads=grads))
    return steps


def tangent_steps(g: Graph, wrt: Node, lang: str = "en") -> list[str]:
    dot = g.tangents(wrt.idx)
    seeds = ", ".join(f"{x.vid}_dot = {int(x.idx == wrt.idx)}" for x in g.inputs)
    steps = [T.CG_TANGENT_PASS(lang, seeds=seeds)]
    for n in g.ops:
        terms, nums = [], []
        for arg, (p, ptxt) in zip(n.args, partials(n, g.values), strict=False):
            terms.append(f"d{n.vid}/dv{arg} * v{arg}_dot")
            nums.append(f"[{ptxt} = {fmt_num(p)}] * {paren(dot[arg])}")
        steps.append(
            f"  {n.vid}_dot = {' + '.join(terms)} = {' + '.join(nums)} = {_show(dot[n.idx])}"
        )
    result = f"df/d{wrt.name} = {g.output.vid}_dot = {fmt_num(dot[g.output.idx])}"
    steps.append(T.CG_RESULT(lang, result=result))
    return steps
