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

import torch
import torch.autograd.forward_ad as fwAD
from torch.func import jacfwd, jacrev, jvp, vjp

from demos.platform import Check, Demo, Frame, ParamError, RunContext, heatmap, histogram
from demos.platform.figures import image_panel, save_figure, subplots

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


class AutogradGraph(Demo):
    def setup(self, ctx: RunContext) -> None:
        p = ctx.params
        self.formula, self.nodes = EXPRESSIONS[p["expr"]]
        self.point = {"x": p["x"], "y": p["y"]}
        if p["expr"] == "ratio" and p["y"] == 0.0:
            raise ParamError("parameter 'y' must not be 0 for expr=ratio (division by y)")
        self.values = evaluate(self.nodes, self.point)
        self.adjoint, self.edges = reverse_mode(self.nodes, self.values)
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
        yield Check(
            "fan-out-sums",
            worst <= 1e-12 and bool(shared),
            f"shared nodes {', '.join(shared)}: adjoint = sum over outgoing edges "
            f"(max gap {worst:.1e})",
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
                yield Frame(
                    step=step,
                    metrics={"n": float(n), **times, "jac_err": err},
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
                        ),
                        heatmap(
                            f"Jacobian of tanh(Wx), {m}×{n} (first {min(n, 32)} columns)",
                            jac_r[:, :32],
                            "input j",
                            "output i",
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

    def _table(self) -> list[list[float]]:
        return [
            [self.values[k], self.adjoint[k], self.tangents["x"][k], self.tangents["y"][k]]
            for k in self.names
        ]

    def _edge_matrix(self) -> list[list[float]]:
        operands = self.names[:-1]
        return [[self.edges.get((c, a), 0.0) for a in operands] for c, _, _ in self.nodes]

    def learned(self, ctx: RunContext) -> Check:
        hist = ctx.history
        errs = [h.get("jac_err", math.nan) for h in hist]
        worst = max(errs) if errs else math.nan
        last = hist[-1] if hist else {}
        n = int(last.get("n", 0))
        ratio_wide = last.get("wide_fwd_ms", math.nan) / max(last.get("wide_rev_ms", 1e-9), 1e-9)
        ratio_tall = last.get("tall_rev_ms", math.nan) / max(last.get("tall_fwd_ms", 1e-9), 1e-9)
        ok = bool(hist) and all(math.isfinite(e) for e in errs) and worst <= 1e-9
        return Check(
            "learning",
            ok,
            f"jacfwd == jacrev at all {len(hist)} shown sizes (max gap {worst:.1e}); at n={n}: "
            f"wide function forward/reverse time ×{ratio_wide:.1f}, tall function "
            f"reverse/forward ×{ratio_tall:.1f}",
        )

    def figures(self, ctx: RunContext, out_dir: Path) -> list[Path]:
        fig, axes = subplots(1, 3, (16, 5.2))
        self._draw_graph(axes[0])
        hist = ctx.history  # one record per size of the sweep (all of them up to 100)
        ns = [h["n"] for h in hist]
        ax = axes[1]
        for key, style, label in (
            ("wide_fwd_ms", "o-", "wide R^n→R^m, forward (n JVPs)"),
            ("wide_rev_ms", "s-", "wide R^n→R^m, reverse (m VJPs)"),
            ("tall_fwd_ms", "o--", "tall R^m→R^n, forward (m JVPs)"),
            ("tall_rev_ms", "s--", "tall R^m→R^n, reverse (n VJPs)"),
        ):
            ax.plot(ns, [h[key] for h in hist], style, label=label)
        ax.set(
            xscale="log",
            yscale="log",
            xlabel="n",
            ylabel="ms for the whole Jacobian",
            title=f"cost of the Jacobian, m = {ctx.params['outputs']}",
        )
        ax.legend(fontsize=8)
        image_panel(
            fig,
            axes[2],
            self.last_jac[:, :64],
            title="Jacobian of the wide function (rows = outputs)",
            cmap="coolwarm",
            aspect="auto",
        )
        axes[2].set(xlabel="input j", ylabel="output i")
        title = f"autograd-graph: {self.formula} ({ctx.device})"
        return [save_figure(out_dir, "autograd-graph", fig, title=title, dpi=110)]

    def _draw_graph(self, ax) -> None:
        """The DAG with value, adjoint and tangents at each node, contributions on the edges."""
        depth = {k: 0 for k in INPUTS}
        for name, _, args in self.nodes:
            depth[name] = 1 + max(depth[a] for a in args)
        layers: dict[int, list[str]] = {}
        for k in self.names:
            layers.setdefault(depth[k], []).append(k)
        pos = {}
        for d, members in layers.items():
            # a lone node is pushed left or right so that skip edges do not cross it
            shift = 0.0 if len(members) > 1 else (0.14 if d % 2 else -0.14)
            for i, k in enumerate(members):
                pos[k] = ((i + 1) / (len(members) + 1) + shift, 1 - d / max(layers))
        ops = {n: op for n, op, _ in self.nodes}
        for (c, a), v in self.edges.items():
            (x0, y0), (x1, y1) = pos[a], pos[c]
            ax.annotate(
                "",
                (x1, y1),
                (x0, y0),
                arrowprops={"arrowstyle": "-|>", "color": "grey", "shrinkA": 24, "shrinkB": 24},
            )
            ax.text((x0 + x1) / 2, (y0 + y1) / 2, f"{v:.3g}", color="crimson", fontsize=8)
        for k, (x, y) in pos.items():
            label = (
                f"{k}{' = ' + ops[k] if k in ops else ''}\nval {self.values[k]:.4g}\n"
                f"adj {self.adjoint[k]:.4g}\ntan ({self.tangents['x'][k]:.3g}, "
                f"{self.tangents['y'][k]:.3g})"
            )
            ax.text(
                x,
                y,
                label,
                ha="center",
                va="center",
                fontsize=8,
                bbox={"boxstyle": "round", "fc": "lightyellow"},
            )
        ax.set(xlim=(0, 1), ylim=(-0.15, 1.15), title="graph: edges carry adjoint contributions")
        ax.axis("off")


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
