"""Tensors: broadcasting, products, reductions, view vs reshape and strides (b.01–b.04).

A tensor is a block of memory (its storage) plus metadata: shape, strides (how many
elements to skip in storage to move one step along each dimension), offset, dtype and
device (b.01). The lab writes the rules down by hand and tests them against PyTorch:

* broadcasting (b.02): align shapes on the right; two sizes match when equal or one is 1;
  the result takes the larger; element-wise ``*`` then multiplies matching elements,
  while ``@`` contracts the last dimension of the left with the second-to-last of the right;
* reductions (b.04): ``sum/mean/max(dim)`` remove ``dim``; ``keepdim=True`` leaves a 1
  there, which is what lets ``x - x.mean(dim, keepdim=True)`` broadcast back;
* ``view`` vs ``reshape`` (b.03): a view only rewrites shape and strides, so it exists
  only when every block of dimensions that the new shape merges or splits is laid out
  contiguously in storage; ``reshape`` returns a view when one exists and copies
  otherwise. ``x.t()`` swaps the strides, so ``x.t().view(-1)`` raises.

The run draws random shapes, permutations and slices, predicts with the hand rules
(broadcast shape, whether a view exists and its strides, whether ``reshape`` copies,
reduction shapes) and counts agreements with PyTorch. Live: the storage offset of every
element in logical order (a contiguous tensor reads 0, 1, 2, …; a transposed one jumps),
an outer sum by broadcasting, and the agreement counts.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import torch

from demos.platform import Check, Demo, Frame, RunContext, heatmap, histogram
from demos.platform.figures import save_figure, subplots

Shape = tuple[int, ...]


# --- the rules, by hand ---------------------------------------------------------------


def broadcast_shape(a: Shape, b: Shape) -> Shape | None:
    """Right-aligned, sizes equal or 1; None when incompatible."""
    n = max(len(a), len(b))
    a, b = (1,) * (n - len(a)) + tuple(a), (1,) * (n - len(b)) + tuple(b)
    out = []
    for p, q in zip(a, b, strict=True):
        if p != q and 1 not in (p, q):
            return None
        out.append(max(p, q))
    return tuple(out)


def reduced_shape(shape: Shape, dim: int, keepdim: bool) -> Shape:
    """Shape after a reduction over ``dim`` (negative dims count from the end)."""
    dim %= len(shape)
    return tuple(1 if i == dim else s for i, s in enumerate(shape) if keepdim or i != dim)


def contiguous_strides(shape: Shape) -> Shape:
    """Row-major strides: the last dimension moves by 1."""
    strides, step = [], 1
    for s in reversed(shape):
        strides.append(step)
        step *= s
    return tuple(reversed(strides))


def view_strides(shape: Shape, strides: Shape, new_shape: Shape) -> Shape | None:
    """Strides of ``view(new_shape)``, or None when no view exists.

    Dimensions of size 1 are irrelevant. The others are grouped into *chunks*: runs of
    adjacent dimensions where stepping the outer one equals running through the inner
    one (stride[d] == stride[d+1]·size[d+1]), i.e. storage without gaps. A view exists
    iff the new non-1 sizes, read left to right, multiply up to exactly each chunk in
    turn; inside a chunk the new dimensions are row-major on the chunk's innermost stride.
    """
    if math.prod(shape) != math.prod(new_shape):
        return None
    dims = [(s, st) for s, st in zip(shape, strides, strict=True) if s != 1]
    chunks: list[tuple[int, int]] = []  # (number of elements, innermost stride)
    for s, st in dims:
        if chunks and chunks[-1][1] == st * s:
            chunks[-1] = (chunks[-1][0] * s, st)
        else:
            chunks.append((s, st))
    out: list[int] = [0] * len(new_shape)
    targets = [i for i, s in enumerate(new_shape) if s != 1]
    k = 0
    for size, inner in chunks:
        group, product = [], 1
        while product < size and k < len(targets):
            group.append(targets[k])
            product *= new_shape[targets[k]]
            k += 1
        if product != size:
            return None
        step = inner
        for i in reversed(group):
            out[i] = step
            step *= new_shape[i]
    if k != len(targets):
        return None
    for i, s in enumerate(new_shape):  # size-1 dims: any stride works; use the row-major one
        if s == 1:
            out[i] = math.prod(new_shape[i + 1 :]) if i + 1 < len(new_shape) else 1
    return tuple(out)


def matmul_by_broadcasting(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """(…, n, k) @ (…, k, m) as an element-wise product plus a sum over k."""
    return (a[..., :, :, None] * b[..., None, :, :]).sum(dim=-2)


# --- checks against torch ---------------------------------------------------------------

BROADCAST_CASES: tuple[tuple[Shape, Shape], ...] = (
    ((3, 1), (1, 4)),
    ((5, 3, 1), (4,)),
    ((2, 1, 6), (7, 1)),
    ((8, 1, 6, 1), (7, 1, 5)),
    ((3,), (4,)),
    ((2, 3), (3, 2)),
    ((4, 1), (4,)),
    ((), (2, 2)),
)


def check_broadcast(device, rule=broadcast_shape) -> Check:
    """The hand rule == ``torch.broadcast_shapes`` (and the shape of an actual ``a + b``)."""
    bad, rows = [], []
    for a, b in BROADCAST_CASES:
        try:
            ref: Shape | None = tuple(torch.broadcast_shapes(a, b))
            actual = tuple((torch.zeros(a, device=device) + torch.zeros(b, device=device)).shape)
            assert actual == ref
        except RuntimeError:
            ref = None
        mine = rule(a, b)
        rows.append(f"{a}+{b}→{mine if mine is not None else 'error'}")
        if mine != ref:
            bad.append(f"{a},{b}: hand {mine}, torch {ref}")
    return Check(
        "broadcast-shapes",
        not bad,
        "; ".join(rows) + (f" — MISMATCH {bad}" if bad else " — all equal to torch"),
    )


def check_view_of_transpose(device, rule=view_strides) -> Check:
    """``x.t().view(6)`` raises, ``reshape`` copies, ``contiguous().view`` equals it."""
    x = torch.arange(6, device=device).view(2, 3)
    xt = x.t()
    try:
        xt.view(6)
        raised = False
    except RuntimeError:
        raised = True
    r = xt.reshape(6)
    copied = r.data_ptr() != x.data_ptr()
    same = torch.equal(r, xt.contiguous().view(6))
    alias = x.view(3, 2).data_ptr() == x.data_ptr()
    predicted = rule(tuple(xt.shape), tuple(xt.stride()), (6,))
    ok = raised and copied and same and alias and predicted is None
    return Check(
        "t-view-raises",
        bool(ok),
        f"x (2,3) strides {tuple(x.stride())}; x.t() strides {tuple(xt.stride())}, contiguous "
        f"{xt.is_contiguous()}: view(6) raises {raised} (hand rule: "
        f"{'no view' if predicted is None else predicted}), reshape(6) copies {copied}, equals "
        f"contiguous().view(6) {same}; x.view(3,2) shares data_ptr {alias}",
    )


def shares_storage(a: torch.Tensor, b: torch.Tensor) -> bool:
    return a.untyped_storage().data_ptr() == b.untyped_storage().data_ptr()


def judge_view(src: torch.Tensor, new_shape: Shape, rule=view_strides) -> dict[str, bool]:
    """Hand predictions vs torch for one source tensor and target shape."""
    legal_ref = True
    try:
        ref_strides = tuple(src.view(new_shape).stride())
    except RuntimeError:
        legal_ref, ref_strides = False, None
    mine = rule(tuple(src.shape), tuple(src.stride()), new_shape)
    strides_ok = True
    if mine is not None and ref_strides is not None:
        strides_ok = all(
            m == r for m, r, s in zip(mine, ref_strides, new_shape, strict=True) if s != 1
        )
    copied = not shares_storage(src.reshape(new_shape), src)
    return {
        "view": (mine is not None) == legal_ref and strides_ok,
        "reshape": copied == (not legal_ref),
    }


def check_reshape_copies(device, rule=view_strides) -> Check:
    """Over fixed cases: ``reshape`` copies exactly when the hand rule says no view exists."""
    cases = (
        ((2, 3, 4), (0, 1, 2), 1, (6, 4)),
        ((2, 3, 4), (0, 1, 2), 1, (4, 6)),
        ((2, 3, 4), (1, 0, 2), 1, (6, 4)),
        ((2, 3, 4), (1, 0, 2), 1, (3, 8)),
        ((4, 6), (1, 0), 1, (24,)),
        ((4, 6), (0, 1), 2, (12,)),
        ((4, 6), (0, 1), 2, (4, 3, 1)),
        ((2, 1, 6), (1, 0, 2), 1, (2, 6)),
    )

    views = copies = 0
    bad = []
    for shape, perm, step, new_shape in cases:
        base = torch.arange(math.prod(shape), device=device).view(shape).permute(*perm)
        src = base[..., ::step] if step > 1 else base
        verdict = judge_view(src, new_shape, rule)
        legal = rule(tuple(src.shape), tuple(src.stride()), new_shape) is not None
        views += legal
        copies += not legal
        if not all(verdict.values()):
            bad.append(f"{tuple(src.shape)} strides {tuple(src.stride())} → {new_shape}")
    return Check(
        "reshape-copies-only-when-needed",
        not bad,
        f"{len(cases)} cases: {views} views (reshape shares storage), {copies} copies "
        f"(view raises)" + (f"; MISMATCH {bad}" if bad else "; hand rule == torch"),
    )


def check_products_and_reductions(device, matmul=matmul_by_broadcasting) -> Check:
    """``*`` is element-wise with broadcasting; ``@`` == broadcast-multiply-and-sum; keepdim."""
    gen = torch.Generator().manual_seed(0)
    a = torch.randn(5, 3, 4, generator=gen, dtype=torch.float64).to(device)  # (B, n, k)
    b = torch.randn(4, 2, generator=gen, dtype=torch.float64).to(device)  # (k, m)
    try:
        gap = (matmul(a, b) - a @ b).abs().max().item()
    except RuntimeError:  # a wrong contraction may not even broadcast
        gap = math.inf
    shapes_ok = (a @ b).shape == (5, 3, 2) and (a * a).shape == a.shape
    red = []
    for dim in (0, 1, -1):
        for keep in (False, True):
            red.append(tuple(a.sum(dim, keepdim=keep).shape) == reduced_shape(a.shape, dim, keep))
            red.append(
                tuple(a.max(dim, keepdim=keep).values.shape) == reduced_shape(a.shape, dim, keep)
            )
    centred = a - a.mean(1, keepdim=True)
    centred_ok = centred.mean(1).abs().max().item() < 1e-12
    ok = gap < 1e-12 and shapes_ok and all(red) and centred_ok
    return Check(
        "products-and-reductions",
        bool(ok),
        f"(5,3,4) @ (4,2) → {tuple((a @ b).shape)}, equal to (a[...,:,:,None]·b[...,None,:,:])"
        f".sum(-2) to {gap:.1e}; sum/max shapes over dims 0,1,-1 with and without keepdim "
        f"{sum(red)}/{len(red)} as predicted; x − x.mean(1, keepdim=True) has mean 0 {centred_ok}",
    )


# --- the demo -------------------------------------------------------------------------


class TensorLab(Demo):
    def setup(self, ctx: RunContext) -> None:
        p = ctx.params
        self.x = torch.arange(p["rows"] * p["cols"], device=ctx.device).view(p["rows"], p["cols"])
        self.counts = {k: 0 for k in ("broadcast", "view", "reshape", "reduce")}
        self.legal = {"broadcastable": 0, "view_legal": 0}

    def checks(self, ctx: RunContext) -> Iterator[Check]:
        yield check_broadcast(ctx.device)
        yield check_view_of_transpose(ctx.device)
        yield check_reshape_copies(ctx.device)
        yield check_products_and_reductions(ctx.device)

    @staticmethod
    def _random_shape(p: dict[str, Any], rng, low: int = 1) -> Shape:
        n = int(rng.integers(min(low, p["max_dims"]), p["max_dims"] + 1))
        return tuple(int(s) for s in rng.integers(1, p["max_size"] + 1, size=n))

    def run(self, ctx: RunContext) -> Iterator[Frame]:
        p = ctx.params
        rng = ctx.rng(offset=1)
        for step in range(ctx.total_steps):
            # broadcasting: b is a, with some sizes set to 1 or changed, and dims dropped
            a = self._random_shape(p, rng)
            b = [1 if rng.random() < 0.4 else (s if rng.random() < 0.7 else s + 1) for s in a]
            b = tuple(b[int(rng.integers(0, len(b) + 1)) :])
            mine = broadcast_shape(a, b)
            try:
                ref = tuple(
                    (torch.zeros(a, device=ctx.device) + torch.zeros(b, device=ctx.device)).shape
                )
            except RuntimeError:
                ref = None
            self.counts["broadcast"] += mine == ref
            self.legal["broadcastable"] += ref is not None

            # view/reshape: a permuted (maybe sliced) arange, to a random factorisation
            shape = self._random_shape(p, rng, low=2)
            perm = (
                [int(i) for i in rng.permutation(len(shape))]
                if rng.random() < 0.6
                else list(range(len(shape)))
            )
            step_k = 2 if rng.random() < 0.2 else 1
            base = torch.arange(math.prod(shape), device=ctx.device).view(shape).permute(*perm)
            src = base[..., ::step_k] if step_k > 1 else base
            new_shape = _random_factorisation(src.numel(), rng)
            verdict = judge_view(src, new_shape)
            self.counts["view"] += verdict["view"]
            self.counts["reshape"] += verdict["reshape"]
            self.legal["view_legal"] += (
                view_strides(tuple(src.shape), tuple(src.stride()), new_shape) is not None
            )

            # reductions
            dim = int(rng.integers(-len(a), len(a)))
            keep = bool(rng.random() < 0.5)
            t = torch.ones(a, device=ctx.device)
            self.counts["reduce"] += tuple(t.mean(dim, keepdim=keep).shape) == reduced_shape(
                a, dim, keep
            )

            if ctx.wants(step):
                yield self._frame(step, a, b, mine, src, new_shape, verdict)

    def _frame(self, step, a, b, mine, src, new_shape, verdict) -> Frame:
        n = step + 1
        metrics = {f"{k}_agree": v / n for k, v in self.counts.items()}
        metrics.update({k: v / n for k, v in self.legal.items()})
        self.last_metrics = metrics
        x = self.x
        offsets = _offsets(src)
        col = torch.arange(x.shape[0], device=x.device)[:, None]  # (R, 1)
        row = torch.arange(x.shape[1], device=x.device)[None, :] * 10  # (1, C)
        outer = col + row  # (R, C) by broadcasting
        return Frame(
            step=step,
            metrics=metrics,
            heatmaps=[
                heatmap(
                    f"storage offset of x {tuple(x.shape)}, strides {tuple(x.stride())}",
                    _offsets(x),
                    "col",
                    "row",
                ),
                heatmap(
                    f"storage offset of x.t() {tuple(x.t().shape)}, "
                    f"strides {tuple(x.t().stride())} (not contiguous)",
                    _offsets(x.t()),
                    "col",
                    "row",
                ),
                heatmap(
                    f"(R,1) + 10·(1,C) → {tuple(outer.shape)} by broadcasting", outer, "col", "row"
                ),
                heatmap(
                    f"case {step}: shape {tuple(src.shape)} strides {tuple(src.stride())} → "
                    f"{new_shape}: view {'ok' if verdict['view'] else 'WRONG'}",
                    offsets,
                    "last dim",
                    "other dims (flattened)",
                ),
            ],
            histograms=[
                histogram(
                    f"case {step}: {a} + {b} → {mine if mine is not None else 'error'}",
                    [self.counts[k] for k in ("broadcast", "view", "reshape", "reduce")],
                    ["broadcast ok", "view ok", "reshape ok", "reduce ok"],
                )
            ],
        )

    def learned(self, ctx: RunContext) -> Check:
        f = ctx.final
        n = ctx.total_steps
        agree = {k: f.get(f"{k}_agree", math.nan) for k in self.counts}
        ok = all(v == 1.0 for v in agree.values())
        return Check(
            "learning",
            bool(ok),
            f"hand rules vs torch over {n} random cases: "
            + ", ".join(f"{k} {v:.1%}" for k, v in agree.items())
            + f"; {f.get('broadcastable', math.nan):.0%} broadcastable, "
            f"{f.get('view_legal', math.nan):.0%} views legal",
        )

    def figures(self, ctx: RunContext, out_dir: Path) -> list[Path]:
        x = self.x.cpu()
        fig, axes = subplots(2, 3, (14, 8))
        panels = (
            (x, f"x {tuple(x.shape)}: storage offsets, strides {x.stride()}"),
            (x.t(), f"x.t(): strides {x.t().stride()} → view(-1) raises"),
            (x[:, ::2], f"x[:, ::2]: strides {x[:, ::2].stride()} (gaps)"),
        )
        for ax, (t, title) in zip(axes[0], panels, strict=True):
            off = _offsets(t).numpy()
            ax.imshow(off, cmap="viridis")
            for (i, j), v in np.ndenumerate(off):
                ax.text(j, i, int(v), ha="center", va="center", color="w")
            ax.set(title=title, xlabel="dim 1", ylabel="dim 0")
        ax = axes[1, 0]
        col = torch.arange(x.shape[0])[:, None]
        row = torch.arange(x.shape[1])[None, :] * 10
        ax.imshow((col + row).numpy(), cmap="magma")
        ax.set(
            title=f"({x.shape[0]},1) + 10·(1,{x.shape[1]}) broadcast", xlabel="col", ylabel="row"
        )
        ax = axes[1, 1]
        x3 = torch.arange(24.0).view(2, 3, 4)
        shapes = {
            "sum(1)": x3.sum(1).shape,
            "sum(1, keepdim)": x3.sum(1, keepdim=True).shape,
            "mean(-1)": x3.mean(-1).shape,
            "max(0).values": x3.max(0).values.shape,
        }
        ax.axis("off")
        ax.set_title("reductions of a (2, 3, 4) tensor")
        for i, (k, s) in enumerate(shapes.items()):
            ax.text(0.05, 0.85 - 0.18 * i, f"{k:>18} → {tuple(s)}", family="monospace", fontsize=11)
        ax = axes[1, 2]
        names = list(self.counts)
        ax.bar(names, [self.last_metrics[f"{k}_agree"] for k in names])
        ax.set(ylim=(0, 1.05), title=f"hand rules == torch over {ctx.total_steps} random cases")
        title = f"tensor-lab ({ctx.device})"
        return [save_figure(out_dir, "tensor-lab", fig, title=title, dpi=110)]


def _offsets(t: torch.Tensor) -> torch.Tensor:
    """Storage offset of every element, in logical order, folded to 2-D (rows, last dim)."""
    idx = torch.zeros(t.shape, dtype=torch.long, device=t.device)
    for d, (size, stride) in enumerate(zip(t.shape, t.stride(), strict=True)):
        shape = [1] * t.dim()
        shape[d] = size
        idx = idx + torch.arange(size, device=t.device).view(shape) * stride
    idx = idx + t.storage_offset()
    return idx.reshape(-1, t.shape[-1]) if t.dim() > 1 else idx[None]


def _random_factorisation(n: int, rng) -> Shape:
    """A random shape with n elements (prime factors grouped at random, some 1s added)."""
    factors, k, rest = [], 2, n
    while rest > 1:
        while rest % k == 0:
            factors.append(k)
            rest //= k
        k += 1
    rng.shuffle(factors)
    dims: list[int] = []
    for f in factors:
        if dims and rng.random() < 0.5:
            dims[-1] *= f
        else:
            dims.append(f)
    if rng.random() < 0.3:
        dims.insert(int(rng.integers(0, len(dims) + 1)), 1)
    return tuple(dims) or (1,)
