"""Computational graphs and automatic differentiation, forward and reverse (a.02–a.13, b.01).

An expression is broken into elementary operations, one node each (a.02, a.11): the bank's
worked example ``f = x·y·(x·y + y)`` becomes ``v1 = x·y``, ``v2 = v1 + y``, ``f = v1·v2``.
A tiny hand-written engine evaluates the nodes in topological order (forward values),
then runs

* reverse mode (a.07, a.12): seed ``f̄ = 1`` and walk the nodes backwards, each node
  sending its adjoint times the local derivative to its operands; an operand used twice
  (fan-out: ``y`` and ``v1`` here) *sums* what it receives, and along a path the local
  derivatives *multiply* (the chain rule, a.03–a.06);
* forward mode (a.08, a.13): seed one input's tangent with 1 and push tangents forwards
  with the value, one pass per input.

PyTorch does the same with tensors (b.01: a tensor remembers the operation that made it
in ``grad_fn``); the checks compare the hand engine with ``torch.autograd.grad`` (adjoint
of every node), ``torch.autograd.forward_ad`` and ``torch.func.jvp``.

The run then measures what the two modes cost for a whole Jacobian (a.09, a.10): for a
*wide* function R^n → R^m (n growing, m small, like a loss of many parameters) forward
mode needs n passes and reverse mode m; for a *tall* function R^m → R^n the other way
round. Live: the per-node table (value, adjoint, tangents), the adjoint sent along each
edge (column sums are the adjoints), the Jacobian, and the timings of both modes as n
grows.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.autograd.forward_ad as fwAD
from torch.func import jacfwd, jacrev, jvp, vjp

from demos.platform import (
    Bilingual,
    Check,
    Demo,
    Frame,
    ParamError,
    RunContext,
    heatmap,
    histogram,
)
from demos.platform.figures import animation, image_panel, save_figure, subplots

# name -> (formula, nodes); a node is (name, op, operand names), in topological order.
EXPRESSIONS: dict[str, tuple[str, tuple[tuple[str, str, tuple[str, ...]], ...]]] = {
    "bank": (
        "f = x·y·(x·y + y)",
        (("v1", "mul", ("x", "y")), ("v2", "add", ("v1", "y")), ("f", "mul", ("v1", "v2"))),
    ),
    "sinexp": (
        "f = sin(x)·y + exp(x·y)",
        (
            ("v1", "sin", ("x",)),
            ("v2", "mul", ("x", "y")),
            ("v3", "mul", ("v1", "y")),
            ("v4", "exp", ("v2",)),
            ("f", "add", ("v3", "v4")),
        ),
    ),
    "ratio": (
        "f = (x + y)·(x − y) / y",
        (
            ("v1", "add", ("x", "y")),
            ("v2", "sub", ("x", "y")),
            ("v3", "mul", ("v1", "v2")),
            ("f", "div", ("v3", "y")),
        ),
    ),
}
INPUTS = ("x", "y")

# value of each elementary operation, and its partial derivative w.r.t. each operand
_VALUE: dict[str, Callable[..., float]] = {
    "add": lambda a, b: a + b,
    "sub": lambda a, b: a - b,
    "mul": lambda a, b: a * b,
    "div": lambda a, b: a / b,
    "sin": math.sin,
    "exp": math.exp,
}
_LOCAL: dict[str, Callable[..., tuple[float, ...]]] = {
    "add": lambda a, b: (1.0, 1.0),
    "sub": lambda a, b: (1.0, -1.0),
    "mul": lambda a, b: (b, a),
    "div": lambda a, b: (1.0 / b, -a / (b * b)),
    "sin": lambda a: (math.cos(a),),
    "exp": lambda a: (math.exp(a),),
}

Nodes = Sequence[tuple[str, str, tuple[str, ...]]]


def evaluate(nodes: Nodes, point: dict[str, float]) -> dict[str, float]:
    """Forward values of every node, in topological order."""
    values = dict(point)
    for name, op, args in nodes:
        values[name] = _VALUE[op](*(values[a] for a in args))
    return values


def reverse_mode(
    nodes: Nodes, values: dict[str, float]
) -> tuple[dict[str, float], dict[tuple[str, str], float]]:
    """Adjoints of every node and the contribution sent along each edge (consumer, operand)."""
    adjoint = {name: 0.0 for name in values}
    adjoint[nodes[-1][0]] = 1.0  # seed: df/df = 1
    edges: dict[tuple[str, str], float] = {}
    for name, op, args in reversed(nodes):
        local = _LOCAL[op](*(values[a] for a in args))
        for arg, d in zip(args, local, strict=True):
            contribution = adjoint[name] * d  # chain rule: product along the path
            edges[(name, arg)] = edges.get((name, arg), 0.0) + contribution
            adjoint[arg] += contribution  # fan-out: contributions add up
    return adjoint, edges


def forward_mode(
    nodes: Nodes, values: dict[str, float], seed: dict[str, float]
) -> dict[str, float]:
    """Tangents d(node)/d(seed direction) of every node, pushed forwards with the values."""
    tangent = {name: float(seed.get(name, 0.0)) for name in INPUTS}
    for name, op, args in nodes:
        local = _LOCAL[op](*(values[a] for a in args))
        tangent[name] = sum(d * tangent[a] for a, d in zip(args, local, strict=True))
    return tangent


def torch_graph(nodes: Nodes, inputs: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """The same expression with tensors, so autograd records the graph."""
    ops = {
        "add": torch.add,
        "sub": torch.sub,
        "mul": torch.mul,
        "div": torch.div,
        "sin": torch.sin,
        "exp": torch.exp,
    }
    out = dict(inputs)
    for name, op, args in nodes:
        out[name] = ops[op](*(out[a] for a in args))
    return out


def _ref_device(device) -> Any:
    """float64 is needed for exact comparisons; MPS has none, so compare on the CPU there."""
    return torch.device("cpu") if torch.device(device).type == "mps" else torch.device(device)


def check_adjoints(nodes: Nodes, point: dict[str, float], device, reverse=reverse_mode) -> Check:
    """Hand reverse mode == torch.autograd.grad, for the inputs and every intermediate node."""
    dev = _ref_device(device)
    leaves = {
        k: torch.tensor(v, dtype=torch.float64, device=dev, requires_grad=True)
        for k, v in point.items()
    }
    graph = torch_graph(nodes, leaves)
    names = [*INPUTS, *(n for n, _, _ in nodes[:-1])]
    ref = torch.autograd.grad(graph[nodes[-1][0]], [graph[n] for n in names])
    hand, _ = reverse(nodes, evaluate(nodes, point))
    diffs = {n: abs(hand[n] - r.item()) for n, r in zip(names, ref, strict=True)}
    worst = max(diffs.values())
    grad = ", ".join(f"{n}̄ = {hand[n]:.4g}" for n in names)
    return Check(
        "adjoints-vs-autograd",
        worst <= 1e-9 * max(1.0, max(abs(r.item()) for r in ref)),
        f"{grad}; max |hand − torch.autograd.grad| = {worst:.1e} over {len(names)} nodes",
    )


def check_tangents(nodes: Nodes, point: dict[str, float], device, forward=forward_mode) -> Check:
    """Hand forward mode == torch.autograd.forward_ad (every node) and torch.func.jvp (f)."""
    dev = _ref_device(device)
    values = evaluate(nodes, point)
    worst, parts = 0.0, []
    for seed_name in INPUTS:
        seed = {k: 1.0 if k == seed_name else 0.0 for k in INPUTS}
        hand = forward(nodes, values, seed)
        with fwAD.dual_level():
            duals = {
                k: fwAD.make_dual(
                    torch.tensor(point[k], dtype=torch.float64, device=dev),
                    torch.tensor(seed[k], dtype=torch.float64, device=dev),
                )
                for k in INPUTS
            }
            graph = torch_graph(nodes, duals)
            ref = {n: fwAD.unpack_dual(graph[n]).tangent.item() for n, _, _ in nodes}

        def f(x, y):
            return torch_graph(nodes, {"x": x, "y": y})[nodes[-1][0]]

        primals = tuple(torch.tensor(point[k], dtype=torch.float64, device=dev) for k in INPUTS)
        tangents = tuple(torch.tensor(seed[k], dtype=torch.float64, device=dev) for k in INPUTS)
        _, jvp_out = jvp(f, primals, tangents)
        out = nodes[-1][0]
        worst = max(
            worst,
            abs(hand[out] - jvp_out.item()),
            *(abs(hand[n] - r) for n, r in ref.items()),
        )
        parts.append(f"df/d{seed_name} = {hand[out]:.4g}")
    return Check(
        "tangents-vs-forward-ad",
        worst <= 1e-9 * max(1.0, abs(values[nodes[-1][0]])),
        f"{', '.join(parts)} (one forward pass per input); max |hand − forward_ad/jvp| "
        f"= {worst:.1e}",
    )


def tanh_layer(weight: torch.Tensor) -> Callable[[torch.Tensor], torch.Tensor]:
    """x ↦ tanh(W x): R^cols → R^rows, a stand-in for any differentiable layer."""
    return lambda x: torch.tanh(weight @ x)


def tanh_jacobian(weight: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
    """Closed form: diag(1 − tanh²(W x)) · W."""
    return (1 - torch.tanh(weight @ x) ** 2)[:, None] * weight


def check_jacobians(
    weight: torch.Tensor, x: torch.Tensor, closed_form=tanh_jacobian, name: str = "jacobians"
) -> Check:
    """jacfwd == jacrev == one-JVP-per-input == one-VJP-per-output == the closed form."""
    fn = tanh_layer(weight)
    fwd, rev = jacfwd(fn)(x), jacrev(fn)(x)
    by_jvp, by_vjp = jacobian_by_passes(fn, x, weight.shape[0])
    ref = closed_form(weight, x)
    worst = max((j - ref).abs().max().item() for j in (fwd, rev, by_jvp, by_vjp))
    m, n = weight.shape
    return Check(
        name,
        bool(worst <= 1e-9 and torch.isfinite(ref).all()),
        f"{m}×{n} Jacobian of tanh(Wx): jacfwd, jacrev, {n} JVPs, {m} VJPs and "
        f"diag(1−tanh²)·W agree to {worst:.1e}",
    )


def jacobian_by_passes(fn, x: torch.Tensor, m: int) -> tuple[torch.Tensor, torch.Tensor]:
    """The Jacobian assembled by n forward-mode passes (columns) and by m reverse passes (rows)."""
    n = x.shape[0]
    eye_in = torch.eye(n, dtype=x.dtype, device=x.device)
    cols = [jvp(fn, (x,), (eye_in[j],))[1] for j in range(n)]  # n passes
    _, pull = vjp(fn, x)  # one forward pass, intermediates kept for the backward passes
    eye_out = torch.eye(m, dtype=x.dtype, device=x.device)
    rows = [pull(eye_out[k])[0] for k in range(m)]  # m passes
    return torch.stack(cols, dim=1), torch.stack(rows, dim=0)


def _timed(fn: Callable[..., Any], args: tuple, repeats: int, cuda: bool) -> float:
    """Best wall time of ``repeats`` calls ``fn(*args)``, in milliseconds."""
    best = math.inf
    for _ in range(repeats):
        if cuda:
            torch.cuda.synchronize()
        start = time.perf_counter()
        fn(*args)
        if cuda:
            torch.cuda.synchronize()
        best = min(best, time.perf_counter() - start)
    return best * 1e3


SYMBOL = {"add": "+", "sub": "−", "mul": "·", "div": "/"}


def formula_of(name: str, op: str, args: tuple[str, ...]) -> str:
    """``v1 = x·y``, ``v4 = exp(v2)``: the node as the student writes it."""
    if op in SYMBOL:
        return f"{name} = {args[0]}{SYMBOL[op]}{args[1]}"
    return f"{name} = {op}({args[0]})"


def overwriting_reverse(nodes: Nodes, values: dict[str, float]) -> dict[str, float]:
    """The classic mistake: each operand keeps only the last contribution it receives."""
    adjoint = {name: 0.0 for name in values}
    adjoint[nodes[-1][0]] = 1.0
    for name, op, args in reversed(nodes):
        for arg, d in zip(args, _LOCAL[op](*(values[a] for a in args)), strict=True):
            adjoint[arg] = adjoint[name] * d
    return adjoint


def sweep_states(nodes: Nodes, point: dict[str, float]) -> list[dict[str, Any]]:
    """Every elementary step of a hand evaluation, as the state the graph shows after it.

    Forward values node by node; the reverse sweep edge by edge (seed f̄ = 1, then each
    consumer sends adjoint × local derivative to each operand, which adds it up); then
    forward-mode tangents, one pass per input.
    """
    values = evaluate(nodes, point)
    out = nodes[-1][0]
    state: dict[str, Any] = {
        "values": dict(point),
        "adjoint": {},
        "edges": {},
        "tangent": {},
        "focus": (),
        "text": f"inputs x = {point['x']:g}, y = {point['y']:g}",
    }
    states = [_copy_state(state)]
    for name, op, args in nodes:
        state["values"][name] = values[name]
        state["focus"] = (name,)
        operands = ", ".join(f"{a} = {values[a]:.4g}" for a in args)
        state["text"] = f"forward: {formula_of(name, op, args)} = {values[name]:.4g} ({operands})"
        states.append(_copy_state(state))
    state["adjoint"] = {out: 1.0}
    state["focus"] = (out,)
    state["text"] = f"reverse: seed {out}̄ = ∂{out}/∂{out} = 1"
    states.append(_copy_state(state))
    for name, op, args in reversed(nodes):
        local = _LOCAL[op](*(values[a] for a in args))
        for arg, d in zip(args, local, strict=True):
            sent = state["adjoint"][name] * d
            before = state["adjoint"].get(arg)
            state["adjoint"][arg] = (before or 0.0) + sent
            state["edges"][(name, arg)] = state["edges"].get((name, arg), 0.0) + sent
            state["focus"] = (name, arg)
            added = f" (fan-out: {before:.4g} + {sent:.4g})" if before is not None else ""
            state["text"] = (
                f"reverse: {arg}̄ += {name}̄·∂{name}/∂{arg} = {state['adjoint'][name]:.4g}·{d:.4g}"
                f" → {arg}̄ = {state['adjoint'][arg]:.4g}{added}"
            )
            states.append(_copy_state(state))
    for seed in INPUTS:
        tangent = {k: 1.0 if k == seed else 0.0 for k in INPUTS}
        for name, op, args in nodes:
            local = _LOCAL[op](*(values[a] for a in args))
            tangent[name] = sum(d * tangent[a] for a, d in zip(args, local, strict=True))
            state["tangent"][seed] = dict(tangent)
            state["focus"] = (name,)
            state["text"] = (
                f"forward mode, seed d{seed} = 1: d{name} = "
                + " + ".join(f"{d:.4g}·d{a}" for a, d in zip(args, local, strict=True))
                + f" = {tangent[name]:.4g}"
            )
            states.append(_copy_state(state))
    return states


def _copy_state(state: dict[str, Any]) -> dict[str, Any]:
    return {
        **state,
        "values": dict(state["values"]),
        "adjoint": dict(state["adjoint"]),
        "edges": dict(state["edges"]),
        "tangent": {k: dict(v) for k, v in state["tangent"].items()},
    }


def grad_fn_tree(nodes: Nodes, point: dict[str, float]) -> list[str]:
    """b.01: the graph PyTorch recorded, read back from ``f.grad_fn.next_functions``."""
    leaves = {k: torch.tensor(v, dtype=torch.float64, requires_grad=True) for k, v in point.items()}
    graph = torch_graph(nodes, leaves)
    names = {graph[n].grad_fn: n for n, _, _ in nodes}
    rows: list[str] = []
    seen: set[Any] = set()

    def walk(fn: Any, prefix: str, last: bool) -> None:
        variable = getattr(fn, "variable", None)
        if variable is not None:
            leaf = next(k for k, t in leaves.items() if t is variable)
            label = f"{leaf}: AccumulateGrad (leaf, .grad lands here)"
        else:
            label = f"{names.get(fn, '?')}: {fn.name()}"
        again = fn in seen and variable is None
        rows.append(
            prefix + ("└─ " if last else "├─ ") + label + ("  (same node again)" if again else "")
        )
        seen.add(fn)
        if again:
            return
        children = [c for c, _ in fn.next_functions if c is not None]
        for i, child in enumerate(children):
            walk(child, prefix + ("   " if last else "│  "), i == len(children) - 1)

    out = graph[nodes[-1][0]]
    rows.append(f"{nodes[-1][0]}.grad_fn = {out.grad_fn.name()}, x.grad_fn = None (a leaf)")
    walk(out.grad_fn, "", True)
    return rows


def _thin(steps: Sequence[int], most: int) -> list[int]:
    """At most ``most`` of the steps, evenly spread, always with the first and the last."""
    steps = list(steps)
    if len(steps) <= most:
        return steps
    picks = {round(i * (len(steps) - 1) / (most - 1)) for i in range(most)}
    return [steps[i] for i in sorted(picks)]


class AutogradGraph(Demo):
    def setup(self, ctx: RunContext) -> None:
        p = ctx.params
        self.formula, self.nodes = EXPRESSIONS[p["expr"]]
        self.point = {"x": p["x"], "y": p["y"]}
        if p["expr"] == "ratio" and p["y"] == 0.0:
            raise ParamError("parameter 'y' must not be 0 for expr=ratio (division by y)")
        self.values = evaluate(self.nodes, self.point)
        self.adjoint, self.edges = reverse_mode(self.nodes, self.values)
        self.wrong = overwriting_reverse(self.nodes, self.values)
        self.tangents = {k: forward_mode(self.nodes, self.values, {k: 1.0}) for k in INPUTS}
        self.names = [*INPUTS, *(n for n, _, _ in self.nodes)]
        top, m = p["max_inputs"], p["outputs"]
        k = ctx.total_steps
        # n grows geometrically from 2 to max_inputs
        self.sizes = [round(2 ** (1 + i * (math.log2(top) - 1) / max(1, k - 1))) for i in range(k)]
        dev = _ref_device(ctx.device)  # float64 throughout, so the comparisons are exact
        gen = torch.Generator().manual_seed(ctx.seed)
        # drawn on the CPU so that a seed gives the same matrices on every device
        w_wide = torch.randn(m, top, generator=gen, dtype=torch.float64) / math.sqrt(top)
        w_tall = torch.randn(top, m, generator=gen, dtype=torch.float64) / math.sqrt(m)
        self.w_wide, self.w_tall = w_wide.to(dev), w_tall.to(dev)  # (m, N), (N, m)
        self.x_in = torch.randn(top, generator=gen, dtype=torch.float64).to(dev)  # (N,)
        self.x_small = torch.randn(m, generator=gen, dtype=torch.float64).to(dev)  # (m,)

    def checks(self, ctx: RunContext) -> Iterator[Check]:
        yield check_adjoints(self.nodes, self.point, ctx.device)
        yield check_tangents(self.nodes, self.point, ctx.device)
        n = min(12, self.sizes[-1])
        yield check_jacobians(self.w_wide[:, :n], self.x_in[:n], name="jacfwd-equals-jacrev-wide")
        yield check_jacobians(self.w_tall[:n], self.x_small, name="jacfwd-equals-jacrev-tall")
        # fan-out: each node's adjoint is the sum of what its consumers sent it
        worst = max(
            abs(self.adjoint[a] - sum(v for (c, b), v in self.edges.items() if b == a))
            for a in self.names[:-1]
        )
        shared = [a for a in self.names if sum(b == a for _, b in self.edges) > 1]
        wrong = [a for a in shared if abs(self.wrong[a] - self.adjoint[a]) > 1e-9]
        yield Check(
            "fan-out-sums",
            worst <= 1e-12 and bool(shared),
            f"shared nodes {', '.join(shared)}: adjoint = sum over outgoing edges "
            f"(max gap {worst:.1e}); keeping only the last contribution would give "
            + (
                ", ".join(
                    f"{a}̄ = {self.wrong[a]:.4g} instead of {self.adjoint[a]:.4g}" for a in wrong
                )
                or "the same values here"
            ),
        )

    def run(self, ctx: RunContext) -> Iterator[Frame]:
        p = ctx.params
        m, repeats = p["outputs"], p["repeats"]
        self.timings: list[dict[str, float]] = []
        for step, n in enumerate(self.sizes):
            wide, tall = tanh_layer(self.w_wide[:, :n]), tanh_layer(self.w_tall[:n])
            x_wide = self.x_in[:n]
            xs = self.x_small
            times = {
                "wide_fwd_ms": _timed(_fwd_passes, (wide, x_wide), repeats, ctx.cuda),
                "wide_rev_ms": _timed(_rev_passes, (wide, x_wide, m), repeats, ctx.cuda),
                "tall_fwd_ms": _timed(_fwd_passes, (tall, xs), repeats, ctx.cuda),
                "tall_rev_ms": _timed(_rev_passes, (tall, xs, n), repeats, ctx.cuda),
            }
            self.timings.append({"n": float(n), **times})
            if ctx.wants(step):
                jac_f, jac_r = jacfwd(wide)(x_wide), jacrev(wide)(x_wide)
                err = (jac_f - jac_r).abs().max().item()
                self.last_jac = jac_r.detach().cpu()
                top = float(jac_r.abs().max())
                edge_top = max(abs(v) for v in self.edges.values())
                yield Frame(
                    step=step,
                    metrics={
                        "n": float(n),
                        **times,
                        "jac_err": err,
                        "wide_ratio_ms": times["wide_fwd_ms"] / max(times["wide_rev_ms"], 1e-9),
                        "tall_ratio_ms": times["tall_rev_ms"] / max(times["tall_fwd_ms"], 1e-9),
                        "passes_ratio": n / m,
                    },
                    heatmaps=[
                        heatmap(
                            f"{self.formula} at x={p['x']:g}, y={p['y']:g}: "
                            "value | adjoint | tangent dx | tangent dy",
                            self._table(),
                            "quantity",
                            "node " + " ".join(self.names),
                        ),
                        heatmap(
                            "adjoint sent along each edge (column sum = adjoint of the operand)",
                            self._edge_matrix(),
                            "operand " + " ".join(self.names[:-1]),
                            "consumer " + " ".join(n for n, _, _ in self.nodes),
                            vmin=-edge_top,
                            vmax=edge_top,
                        ),
                        heatmap(
                            f"Jacobian of tanh(Wx), {m}×{n} (first {min(n, 32)} columns)",
                            jac_r[:, :32],
                            "input j",
                            "output i",
                            vmin=-top,
                            vmax=top,
                        ),
                    ],
                    histograms=[
                        histogram(
                            f"passes for the full Jacobian at n={n}, m={m}",
                            torch.tensor([n, m, m, n]),
                            ["wide fwd", "wide rev", "tall fwd", "tall rev"],
                        ),
                    ],
                )
        return self.caption(ctx)

    def _table(self) -> list[list[float]]:
        return [
            [self.values[k], self.adjoint[k], self.tangents["x"][k], self.tangents["y"][k]]
            for k in self.names
        ]

    def _edge_matrix(self) -> list[list[float]]:
        operands = self.names[:-1]
        return [[self.edges.get((c, a), 0.0) for a in operands] for c, _, _ in self.nodes]

    # -- judging and telling -------------------------------------------------------------

    def contrast(self, ctx: RunContext) -> dict[str, float]:
        """Time ratios over the largest quarter of the sweep (medians: timings are noisy)."""
        tail = ctx.history[3 * len(ctx.history) // 4 :] or ctx.history
        wide = [h["wide_ratio_ms"] for h in tail if h.get("wide_ratio_ms") is not None]
        tall = [h["tall_ratio_ms"] for h in tail if h.get("tall_ratio_ms") is not None]
        last = ctx.history[-1] if ctx.history else {}
        return {
            "wide": float(np.median(wide)) if wide else math.nan,
            "tall": float(np.median(tall)) if tall else math.nan,
            "n": float(last.get("n", math.nan)),
            "passes": float(last.get("passes_ratio", math.nan)),
        }

    def learned(self, ctx: RunContext) -> Check:
        hist = ctx.history
        errs = [h.get("jac_err", math.nan) for h in hist]
        worst = max(errs) if errs else math.nan
        c = self.contrast(ctx)
        exact = bool(hist) and all(math.isfinite(e) for e in errs) and worst <= 1e-9
        # the cost contrast can only show when the largest n is well above m
        margin = 2.0
        needed = c["passes"] >= 8
        shows = not needed or (c["wide"] >= margin and c["tall"] >= margin)
        return Check(
            "learning",
            bool(exact and shows),
            f"jacfwd == jacrev at all {len(hist)} shown sizes (max gap {worst:.1e}); over the "
            f"largest quarter of the sweep (n up to {c['n']:.0f}, n/m = {c['passes']:.0f}): wide "
            f"function forward/reverse time ×{c['wide']:.1f}, tall function reverse/forward "
            f"×{c['tall']:.1f} (each needs ×{margin:g}"
            + ("" if needed else ", not asked: n/m < 8")
            + ")",
        )

    def caption(self, ctx: RunContext) -> Bilingual:
        """What to look for, filled from this run's numbers."""
        c = self.contrast(ctx)
        m = ctx.params["outputs"]
        out = self.nodes[-1][0]
        shared = [a for a in INPUTS if sum(b == a for _, b in self.edges) > 1]
        adj = ", ".join(f"{k}̄ = {self.adjoint[k]:.4g}" for k in INPUTS)
        fan_en = fan_it = ""
        if shared:
            a = shared[0]
            parts = [v for (_, b), v in self.edges.items() if b == a]
            terms = " + ".join(f"{v:.4g}" for v in parts)
            fan_en = (
                f"; {a} feeds {len(parts)} nodes, so its adjoint is the sum {terms} (keeping only "
                f"the last contribution would give {self.wrong[a]:.4g})"
            )
            fan_it = (
                f"; {a} alimenta {len(parts)} nodi, quindi il suo aggiunto è la somma {terms} "
                f"(tenere solo l'ultimo contributo darebbe {self.wrong[a]:.4g})"
            )
        n = int(c["n"]) if math.isfinite(c["n"]) else 0

        def r(v: float, it: bool = False) -> str:
            text = f"{v:.1f}"
            return text.replace(".", ",") if it else text

        return Bilingual(
            en=(
                f"One reverse sweep from {out}̄ = 1 gives every adjoint ({adj}){fan_en}; forward "
                f"mode needs one pass per input. For a whole Jacobian the cost follows the passes: "
                f"at n up to {n} inputs and m = {m} outputs, forward mode took ×{r(c['wide'])} the "
                f"time of reverse mode on the wide R^n→R^m map, and reverse ×{r(c['tall'])} the "
                f"time of forward on the tall R^m→R^n one."
            ),
            it=(
                f"Una sola passata all'indietro da {out}̄ = 1 dà tutti gli aggiunti ({adj})"
                f"{fan_it}; la modalità diretta richiede una passata per ogni input. Per un "
                f"Jacobiano intero il costo segue il numero di passate: con n fino a {n} input e "
                f"m = {m} output, la modalità diretta ha impiegato ×{r(c['wide'], True)} il tempo "
                f"di quella inversa sulla mappa larga R^n→R^m, e quella inversa "
                f"×{r(c['tall'], True)} il tempo della diretta sulla mappa alta R^m→R^n."
            ),
        )

    # -- figures -------------------------------------------------------------------------

    def figures(self, ctx: RunContext, out_dir: Path) -> list[Path]:
        p = ctx.params
        m = p["outputs"]
        fig, axes = subplots(2, 3, (20, 12), gridspec_kw={"height_ratios": (1.25, 1)})
        states = sweep_states(self.nodes, self.point)
        final = {
            **states[-1],
            "focus": (),
            "text": "after the forward pass, the reverse sweep and both tangent passes",
        }
        self._draw_graph(axes[0, 0], final)
        axes[0, 0].set_title(
            "the graph: grey = forward edges, red = adjoint sent back (sums at fan-out)"
        )
        self._sweep_text(axes[0, 1], states)
        self._grad_fn_panel(axes[0, 2])
        hist = ctx.history  # one record per size of the sweep (all of them up to 100)
        ns = [h["n"] for h in hist]
        ax = axes[1, 0]
        for key, style, colour, label in (
            ("wide_fwd_ms", "o-", "tab:blue", f"wide R^n→R^{m}, forward (n JVPs)"),
            ("wide_rev_ms", "s-", "tab:orange", f"wide R^n→R^{m}, reverse ({m} VJPs)"),
            ("tall_fwd_ms", "o--", "tab:green", f"tall R^{m}→R^n, forward ({m} JVPs)"),
            ("tall_rev_ms", "s--", "tab:red", f"tall R^{m}→R^n, reverse (n VJPs)"),
        ):
            ax.plot(ns, [h[key] for h in hist], style, color=colour, ms=4, label=label)
        ax.set(
            xscale="log",
            yscale="log",
            xlabel="n (log)",
            ylabel="ms for the whole Jacobian (best of repeats, log)",
            title=f"cost of a whole Jacobian, m = {m}",
        )
        ax.legend(fontsize=8)
        ax = axes[1, 1]
        ax.plot(
            ns,
            [h["wide_ratio_ms"] for h in hist],
            "o-",
            color="tab:blue",
            label="wide: forward time / reverse time",
        )
        ax.plot(
            ns,
            [h["tall_ratio_ms"] for h in hist],
            "s--",
            color="tab:red",
            label="tall: reverse time / forward time",
        )
        ax.plot(ns, [h["passes_ratio"] for h in hist], "k:", label=f"passes ratio n/m = n/{m}")
        ax.axhline(1, color="grey", lw=0.8)
        ax.set(
            xscale="log",
            yscale="log",
            xlabel="n (log)",
            ylabel="ratio (log)",
            title="the wrong mode costs about n/m times more",
        )
        ax.legend(fontsize=8)
        jac = self.last_jac.numpy()
        top = float(np.abs(jac).max())
        image_panel(
            fig,
            axes[1, 2],
            jac,
            title=f"Jacobian of the wide tanh(Wx): all {jac.shape[0]}×{jac.shape[1]} entries",
            cmap="RdBu_r",
            vmin=-top,
            vmax=top,
            aspect="auto",
        )
        axes[1, 2].set(
            xlabel=f"input j (n = {jac.shape[1]})", ylabel=f"output i (m = {jac.shape[0]})"
        )
        cap = self.caption(ctx)
        title = f"autograd-graph: {self.formula} at x = {p['x']:g}, y = {p['y']:g} ({ctx.device})"
        fig.suptitle(title, y=1.0, va="bottom", fontsize=14)
        png = save_figure(out_dir, "autograd-graph", fig, dpi=90, caption=f"{cap.en}\n{cap.it}")
        return [png, self._animation(states, out_dir)]

    def _positions(self) -> dict[str, tuple[float, float]]:
        depth = {k: 0 for k in INPUTS}
        for name, _, args in self.nodes:
            depth[name] = 1 + max(depth[a] for a in args)
        layers: dict[int, list[str]] = {}
        for k in self.names:
            layers.setdefault(depth[k], []).append(k)
        pos = {}
        for d, members in layers.items():
            # spread a layer across the width; a lone node is pushed left or right so that
            # skip edges do not run through it
            for i, k in enumerate(members):
                x = (
                    0.15 + 0.7 * i / (len(members) - 1)
                    if len(members) > 1
                    else (0.3 if d % 2 else 0.7)
                )
                pos[k] = (x, 1 - d / max(layers))
        return pos

    def _draw_graph(self, ax, state: dict[str, Any]) -> None:
        """The DAG in one state of the sweep: what is known at each node and on each edge."""
        pos = self._positions()
        ops = {n: (op, args) for n, op, args in self.nodes}
        focus = state["focus"]
        for name, _, args in self.nodes:
            for arg in args:
                (x0, y0), (x1, y1) = pos[arg], pos[name]
                ax.annotate(
                    "",
                    (x1, y1),
                    (x0, y0),
                    arrowprops={
                        "arrowstyle": "-|>",
                        "color": "silver",
                        "lw": 1.2,
                        "shrinkA": 26,
                        "shrinkB": 26,
                    },
                )
        for (c, a), v in state["edges"].items():
            (x0, y0), (x1, y1) = pos[c], pos[a]
            hot = focus == (c, a)
            ax.annotate(
                "",
                (x1, y1),
                (x0, y0),
                arrowprops={
                    "arrowstyle": "-|>",
                    "color": "crimson",
                    "lw": 2.6 if hot else 1.4,
                    "shrinkA": 26,
                    "shrinkB": 26,
                    "connectionstyle": "arc3,rad=0.25",
                },
            )
            mx, my = (x0 + x1) / 2, (y0 + y1) / 2
            nx, ny = -(y1 - y0), x1 - x0  # the side the arc bulges to
            norm = math.hypot(nx, ny) or 1.0
            ax.text(
                mx + 0.07 * nx / norm,
                my + 0.07 * ny / norm,
                f"+{v:.3g}",
                color="crimson",
                fontsize=10 if hot else 9,
                fontweight="bold" if hot else "normal",
                ha="center",
                va="center",
            )
        shared = {a for _, a in self.edges if sum(b == a for _, b in self.edges) > 1}
        for k, (x, y) in pos.items():
            lines = [formula_of(k, *ops[k]) if k in ops else f"{k} (input)"]
            lines.append(f"value {state['values'][k]:.4g}" if k in state["values"] else "value ?")
            if state["adjoint"]:
                adj = state["adjoint"].get(k)
                lines.append(f"adjoint {k}̄ = {adj:.4g}" if adj is not None else f"adjoint {k}̄ = ?")
            tans = [
                f"d{k}/d{s} = {state['tangent'][s][k]:.3g}"
                for s in INPUTS
                if s in state["tangent"] and k in state["tangent"][s]
            ]
            lines += tans
            hot = k in focus
            ax.text(
                x,
                y,
                "\n".join(lines),
                ha="center",
                va="center",
                fontsize=9,
                bbox={
                    "boxstyle": "round",
                    "fc": "gold" if hot else "lightyellow",
                    "ec": "darkorange" if k in shared else "k",
                    "lw": 2.2 if k in shared else 1,
                },
            )
        ax.text(
            0.5, -0.2, state["text"], ha="center", va="center", fontsize=10, transform=ax.transData
        )
        ax.set(xlim=(-0.05, 1.05), ylim=(-0.26, 1.12))
        ax.axis("off")

    def _sweep_text(self, ax, states: list[dict[str, Any]]) -> None:
        """The reverse sweep and forward mode written out, and what overwriting would give."""
        ax.axis("off")
        ax.set_title("the sweeps by hand, step by step (a.12, a.13)")
        lines = [s["text"] for s in states[1:]]
        shared = [a for a in self.names if sum(b == a for _, b in self.edges) > 1]
        lines.append("")
        lines.append("if an operand kept only its last contribution (no sum at fan-out):")
        lines.append(
            "   "
            + ", ".join(f"{a}̄ = {self.wrong[a]:.4g} (right: {self.adjoint[a]:.4g})" for a in shared)
        )
        size = 9 if len(lines) <= 24 else 7.5
        for i, line in enumerate(lines):
            colour = (
                "crimson"
                if line.startswith("reverse")
                else "tab:blue"
                if line.startswith("forward mode")
                else "k"
            )
            if line.startswith("if ") or line.startswith("   "):
                colour = "tab:red"
            ax.text(
                0.0,
                1 - i / max(len(lines), 22),
                line,
                family="monospace",
                fontsize=size,
                color=colour,
                va="top",
                transform=ax.transAxes,
            )

    def _grad_fn_panel(self, ax) -> None:
        """b.01: every tensor remembers the operation that made it; the tape autograd replays."""
        ax.axis("off")
        ax.set_title("b.01: what PyTorch recorded (grad_fn.next_functions)")
        rows = grad_fn_tree(self.nodes, self.point)
        for i, row in enumerate(rows):
            ax.text(
                0.0,
                0.95 - i * 0.065,
                row,
                family="monospace",
                fontsize=9.5,
                va="top",
                transform=ax.transAxes,
                color="k" if i else "tab:purple",
            )
        ax.text(
            0.0,
            0.95 - (len(rows) + 1) * 0.065,
            "backward() walks this tree from the output, calling each node's\n"
            "backward function and adding into .grad at the leaves.",
            fontsize=9.5,
            va="top",
            transform=ax.transAxes,
            color="dimgrey",
        )

    def _animation(self, states: list[dict[str, Any]], out_dir: Path) -> Path:
        """The hand evaluation step by step: values forward, adjoints back, tangents forward."""
        fig, ax = subplots(1, 1, (7.5, 6.2))
        fig.subplots_adjust(left=0.02, right=0.98, top=0.93, bottom=0.02)
        fig.set_layout_engine(None)
        head = fig.suptitle("")

        def update(i: int) -> None:
            ax.clear()
            self._draw_graph(ax, states[i])
            head.set_text(f"{self.formula}: step {i} of {len(states) - 1}")

        return animation(out_dir, "autograd-graph", fig, update, len(states), fps=1, dpi=72)


def _fwd_passes(fn, x: torch.Tensor) -> None:
    """One JVP per input: the cost of forward mode for the whole Jacobian."""
    eye = torch.eye(x.shape[0], dtype=x.dtype, device=x.device)
    for j in range(x.shape[0]):
        jvp(fn, (x,), (eye[j],))


def _rev_passes(fn, x: torch.Tensor, m: int) -> None:
    """One forward pass, then one VJP per output: the cost of reverse mode."""
    out, pull = vjp(fn, x)
    eye = torch.eye(m, dtype=out.dtype, device=out.device)
    for k in range(m):
        pull(eye[k])
