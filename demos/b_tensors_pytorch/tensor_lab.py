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

from demos.platform import Bilingual, Check, Demo, Frame, RunContext, heatmap, histogram
from demos.platform.figures import animation, integer_ticks, save_figure, subplots

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


def keepdim_contrast(seed: int, size: int = 4) -> dict[str, torch.Tensor]:
    """Centring the rows of a square matrix with and without ``keepdim``.

    ``x.mean(1)`` has shape (n,); broadcasting right-aligns it against (n, n) as a *row*,
    so ``x − x.mean(1)`` subtracts row i's mean from column i: no error, wrong numbers.
    """
    gen = torch.Generator().manual_seed(seed)
    x = torch.round(torch.randn(size, size, generator=gen) * 10) / 10 + torch.arange(size)[:, None]
    right = x - x.mean(1, keepdim=True)  # (n, 1) broadcasts along the columns
    wrong = x - x.mean(1)  # (n,) is read as (1, n): broadcasts along the rows
    return {"x": x, "right": right, "wrong": wrong}


def product_example() -> dict[str, Any]:
    """``*`` pairs elements (shapes must broadcast), ``@`` contracts the inner dimension."""
    a = torch.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])  # (2, 3)
    b = torch.tensor([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])  # (3, 2)
    try:
        a * b
        error = ""
    except RuntimeError as exc:
        error = str(exc).split("\n")[0]
    return {"a": a, "b": b, "matmul": a @ b, "hadamard": a * a, "error": error}


def storage_walk(t: torch.Tensor) -> list[int]:
    """The storage offset of every element of ``t`` in logical (row-major) order."""
    return _offsets(t).flatten().tolist()


def _thin(steps: list[int], most: int) -> list[int]:
    """At most ``most`` of the steps, evenly spread, always with the first and the last."""
    if len(steps) <= most:
        return steps
    picks = {round(i * (len(steps) - 1) / (most - 1)) for i in range(most)}
    return [steps[i] for i in sorted(picks)]


class TensorLab(Demo):
    def setup(self, ctx: RunContext) -> None:
        p = ctx.params
        self.x = torch.arange(p["rows"] * p["cols"], device=ctx.device).view(p["rows"], p["cols"])
        self.counts = {k: 0 for k in ("broadcast", "view", "reshape", "reduce")}
        self.legal = {"broadcastable": 0, "view_legal": 0}
        self.copies = 0  # random cases where reshape had to copy
        self.keep = keepdim_contrast(ctx.seed)

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
            legal = view_strides(tuple(src.shape), tuple(src.stride()), new_shape) is not None
            self.legal["view_legal"] += legal
            self.copies += not shares_storage(src.reshape(new_shape), src)

            # reductions
            dim = int(rng.integers(-len(a), len(a)))
            keep = bool(rng.random() < 0.5)
            t = torch.ones(a, device=ctx.device)
            self.counts["reduce"] += tuple(t.mean(dim, keepdim=keep).shape) == reduced_shape(
                a, dim, keep
            )

            if ctx.wants(step):
                yield self._frame(step, a, b, mine, src, new_shape, verdict)
        return self.caption(ctx)

    def _frame(self, step, a, b, mine, src, new_shape, verdict) -> Frame:
        n = step + 1
        metrics = {f"{k}_agree": v / n for k, v in self.counts.items()}
        metrics.update({k: v / n for k, v in self.legal.items()})
        metrics["reshape_copied"] = self.copies / n
        metrics["cases"] = float(n)
        keep = self.keep
        metrics["row_mean_keepdim"] = keep["right"].mean(1).abs().max().item()
        metrics["row_mean_no_keepdim"] = keep["wrong"].mean(1).abs().max().item()
        self.last_metrics = metrics
        x = self.x
        offsets = _offsets(src)
        col = torch.arange(x.shape[0], device=x.device)[:, None]  # (R, 1)
        row = torch.arange(x.shape[1], device=x.device)[None, :] * 10  # (1, C)
        outer = col + row  # (R, C) by broadcasting
        top = float(x.numel() - 1)
        signed = float(max(keep["right"].abs().max(), keep["wrong"].abs().max()))
        return Frame(
            step=step,
            metrics=metrics,
            heatmaps=[
                heatmap(
                    f"storage offset of x {tuple(x.shape)}, strides {tuple(x.stride())}",
                    _offsets(x),
                    "col",
                    "row",
                    vmin=0.0,
                    vmax=top,
                ),
                heatmap(
                    f"storage offset of x.t() {tuple(x.t().shape)}, "
                    f"strides {tuple(x.t().stride())} (not contiguous)",
                    _offsets(x.t()),
                    "col",
                    "row",
                    vmin=0.0,
                    vmax=top,
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
                heatmap(
                    "x − x.mean(1, keepdim=True): every row has mean 0",
                    keep["right"],
                    "col",
                    "row",
                    key="keepdim-true",
                    vmin=-signed,
                    vmax=signed,
                ),
                heatmap(
                    "x − x.mean(1) on a square x: no error, row means not 0",
                    keep["wrong"],
                    "col",
                    "row",
                    key="keepdim-false",
                    vmin=-signed,
                    vmax=signed,
                ),
            ],
            histograms=[
                histogram(
                    f"case {step}: {a} + {b} → {mine if mine is not None else 'error'}",
                    [self.counts[k] for k in ("broadcast", "view", "reshape", "reduce")],
                    ["broadcast ok", "view ok", "reshape ok", "reduce ok"],
                ),
                histogram(
                    f"{n} random layouts: a view exists, or reshape must copy",
                    [self.legal["view_legal"], n - self.legal["view_legal"]],
                    ["view (shares storage)", "no view (reshape copies)"],
                    key="view-or-copy",
                ),
            ],
        )

    # -- judging and telling -------------------------------------------------------------

    def learned(self, ctx: RunContext) -> Check:
        f = ctx.final
        n = ctx.total_steps
        agree = {k: v / n for k, v in self.counts.items()}  # exact counts, not rounded records
        views = self.legal["view_legal"]
        right, wrong = f.get("row_mean_keepdim", math.nan), f.get("row_mean_no_keepdim", math.nan)
        # both outcomes must occur, reshape copies exactly when no view exists, and the
        # missing keepdim must visibly break the centring
        ok = (
            all(v == n for v in self.counts.values())
            and 0.05 * n <= views <= 0.95 * n
            and self.copies == n - views
            and right < 1e-5
            and wrong > 0.1
        )
        return Check(
            "learning",
            bool(ok),
            f"hand rules vs torch over {n} random cases: "
            + ", ".join(f"{k} {v:.1%}" for k, v in agree.items())
            + f"; {f.get('broadcastable', math.nan):.0%} broadcastable; a view existed in {views} "
            f"cases, reshape copied in {self.copies} (must be the other {n - views}); largest row "
            f"mean after centring: keepdim=True {right:.1e}, keepdim=False {wrong:.2f} "
            f"(needs > 0.1)",
        )

    def caption(self, ctx: RunContext) -> Bilingual:
        """What to look for, filled from this run's numbers."""
        f = ctx.final
        x = self.x.cpu()
        walk = storage_walk(x.t())
        shown = ", ".join(str(v) for v in walk[: min(4, len(walk))])
        n = ctx.total_steps
        views = self.legal["view_legal"]
        wrong = f.get("row_mean_no_keepdim", math.nan)
        size = len(self.keep["x"])

        def d(v: float, it: bool) -> str:
            text = f"{v:.2f}"
            return text.replace(".", ",") if it else text

        return Bilingual(
            en=(
                f"x.t() reads storage at offsets {shown}, …: no single stride walks it, so "
                f"x.t().view(-1) raises and x.t().reshape(-1) copies into new memory (another "
                f"data_ptr), while x.view(-1) shares x's storage. Of {n} random layouts {views} "
                f"allowed a view and {n - views} did not, and the hand rule agreed with torch on "
                f"every one. Mind keepdim: x − x.mean(1, keepdim=True) leaves each row with mean "
                f"0, but x − x.mean(1) on a {size}×{size} x subtracts across the wrong axis "
                f"without an error and leaves row means up to {d(wrong, False)}."
            ),
            it=(
                f"x.t() legge la memoria agli offset {shown}, …: nessuno stride costante la "
                f"percorre, quindi x.t().view(-1) solleva un errore e x.t().reshape(-1) copia in "
                f"memoria nuova (un altro data_ptr), mentre x.view(-1) condivide lo storage di x. "
                f"Su {n} layout casuali {views} ammettevano una view e {n - views} no, e la regola "
                f"scritta a mano ha dato sempre la stessa risposta di torch. Attenzione a "
                f"keepdim: x − x.mean(1, keepdim=True) lascia ogni riga a media 0, mentre "
                f"x − x.mean(1) su una x {size}×{size} sottrae lungo l'asse sbagliato senza errori "
                f"e lascia medie di riga fino a {d(wrong, True)}."
            ),
        )

    # -- figures -------------------------------------------------------------------------

    def _grid_panel(
        self,
        fig,
        ax,
        data,
        title: str,
        *,
        vmin,
        vmax,
        cmap="viridis",
        fmt="{:.0f}",
        colorbar=True,
        xlabel="dim 1",
        ylabel="dim 0",
    ) -> Any:
        """A small matrix with every cell's value written in it and integer ticks."""
        arr = np.asarray(data, dtype=float)
        im = ax.imshow(arr, cmap=cmap, vmin=vmin, vmax=vmax, interpolation="nearest")
        for (i, j), v in np.ndenumerate(arr):
            r, g, b, _ = im.cmap(im.norm(v))  # white text on dark cells, black on light ones
            dark = 0.299 * r + 0.587 * g + 0.114 * b < 0.5
            ax.text(
                j,
                i,
                fmt.format(v),
                ha="center",
                va="center",
                fontsize=10,
                color="w" if dark else "k",
            )
        ax.set(title=title, xlabel=xlabel, ylabel=ylabel)
        ax.set_xticks(range(arr.shape[1]))
        ax.set_yticks(range(arr.shape[0]))
        if colorbar:
            fig.colorbar(im, ax=ax, fraction=0.046)
        return im

    def figures(self, ctx: RunContext, out_dir: Path) -> list[Path]:
        x = self.x.cpu()
        fig, axes = subplots(3, 3, (19, 16))
        top = x.numel() - 1
        xt, xs = x.t(), x[:, ::2]
        rows = (
            (
                x,
                f"x {tuple(x.shape)}, strides {x.stride()}, contiguous {x.is_contiguous()}",
                "x.view(-1) shares x's storage: data_ptr equal "
                f"{x.view(-1).data_ptr() == x.data_ptr()}",
            ),
            (
                xt,
                f"x.t() {tuple(xt.shape)}, strides {xt.stride()}, contiguous {xt.is_contiguous()}",
                "x.t().view(-1) raises; x.t().reshape(-1) copies: data_ptr equal "
                f"{xt.reshape(-1).data_ptr() == x.data_ptr()}",
            ),
            (
                xs,
                f"x[:, ::2] {tuple(xs.shape)}, strides {xs.stride()}, contiguous "
                f"{xs.is_contiguous()}",
                "gaps in storage: .contiguous() makes a compact copy",
            ),
        )
        for ax, (t, title, note) in zip(axes[0], rows, strict=True):
            self._grid_panel(fig, ax, _offsets(t).numpy(), title, vmin=0, vmax=top)
            ax.annotate(
                note,
                (0.5, 0),
                xycoords="axes fraction",
                xytext=(0, -34),
                textcoords="offset points",
                ha="center",
                va="top",
                fontsize=9,
            )
        ax = axes[1, 0]
        col = torch.arange(x.shape[0])[:, None]
        row = torch.arange(x.shape[1])[None, :] * 10
        self._grid_panel(
            fig,
            ax,
            (col + row).numpy(),
            f"({x.shape[0]},1) + 10·(1,{x.shape[1]}) → {tuple((col + row).shape)}: "
            "size-1 dims stretch",
            vmin=0,
            vmax=float((col + row).max()),
            cmap="magma",
            xlabel="col",
            ylabel="row",
        )
        self._products_panel(axes[1, 1])
        self._reductions_panel(axes[1, 2])
        keep = self.keep
        signed = float(max(keep["right"].abs().max(), keep["wrong"].abs().max()))
        for ax, key, title in (
            (axes[2, 0], "right", "x − x.mean(1, keepdim=True): (n,1) broadcasts along rows"),
            (axes[2, 1], "wrong", "x − x.mean(1): (n,) is read as (1,n), no error, wrong"),
        ):
            data = keep[key].numpy()
            self._grid_panel(
                fig,
                ax,
                data,
                title,
                vmin=-signed,
                vmax=signed,
                cmap="RdBu_r",
                fmt="{:.1f}",
                xlabel="col",
                ylabel="row",
            )
            means = data.mean(1)
            ax.set_yticks(
                range(len(data)),
                [f"row {i}\nmean {round(v, 2) + 0.0:+.2f}" for i, v in enumerate(means)],
            )
            for label, v in zip(ax.get_yticklabels(), means, strict=True):
                label.set_color("k" if abs(v) < 1e-6 else "crimson")
            ax.set_ylabel("")
        self._cases_panel(axes[2, 2], ctx)
        cap = self.caption(ctx)
        fig.suptitle(f"tensor-lab ({ctx.device})", y=1.0, va="bottom", fontsize=14)
        png = save_figure(out_dir, "tensor-lab", fig, dpi=85, caption=f"{cap.en}\n{cap.it}")
        return [png, self._animation(out_dir)]

    def _products_panel(self, ax) -> None:
        """A * A (element-wise), A @ B (contraction over 3) and A * B (no broadcast)."""
        ex = product_example()
        ax.axis("off")
        ax.set_title("element-wise * vs matrix product @")

        def block(t: torch.Tensor) -> list[str]:
            return ["[" + "  ".join(f"{v:4.0f}" for v in r) + " ]" for r in t.tolist()]

        lines = [
            "A (2, 3)",
            *block(ex["a"]),
            "",
            "B (3, 2)",
            *block(ex["b"]),
            "",
            "A * A → (2, 3): multiply matching elements",
            *block(ex["hadamard"]),
            "",
            "A @ B → (2, 2): rows of A · columns of B, sum over 3",
            *block(ex["matmul"]),
            "",
            "A * B: (2, 3) and (3, 2) do not broadcast:",
            f"  RuntimeError: {ex['error'][:60]}",
        ]
        for i, line in enumerate(lines):
            colour = "crimson" if "RuntimeError" in line or line.startswith("A * B") else "k"
            ax.text(
                0.02,
                0.98 - i * 0.047,
                line,
                family="monospace",
                fontsize=9.5,
                color=colour,
                va="top",
                transform=ax.transAxes,
            )

    def _reductions_panel(self, ax) -> None:
        """Shapes after sum/mean/max over a dim, with and without keepdim."""
        x3 = torch.arange(24.0).view(2, 3, 4)
        shapes = {
            "x.sum(0)": x3.sum(0).shape,
            "x.sum(1)": x3.sum(1).shape,
            "x.sum(1, keepdim=True)": x3.sum(1, keepdim=True).shape,
            "x.mean(-1)": x3.mean(-1).shape,
            "x.mean(-1, keepdim=True)": x3.mean(-1, keepdim=True).shape,
            "x.max(0).values": x3.max(0).values.shape,
            "x.sum()": x3.sum().shape,
        }
        ax.axis("off")
        ax.set_title("reductions of x with shape (2, 3, 4)")
        for i, (k, s) in enumerate(shapes.items()):
            ax.text(
                0.05,
                0.88 - 0.11 * i,
                f"{k:>24} → {tuple(s)}",
                family="monospace",
                fontsize=11,
                transform=ax.transAxes,
                color="tab:blue" if "keepdim" in k else "k",
            )
        ax.text(
            0.05,
            0.05,
            "dim disappears; keepdim=True leaves a 1 there (blue),\n"
            "so the result still broadcasts against x",
            fontsize=9.5,
            transform=ax.transAxes,
        )

    def _cases_panel(self, ax, ctx: RunContext) -> None:
        """The random layouts: how many allowed a view, how many made reshape copy."""
        n = ctx.total_steps
        views, copies = self.legal["view_legal"], self.copies
        bars = ax.bar(
            ["view exists\n(reshape shares storage)", "no view\n(view raises)", "reshape copied"],
            [views, n - views, copies],
            color=["tab:green", "tab:red", "tab:orange"],
        )
        for bar, v in zip(bars, [views, n - views, copies], strict=True):
            ax.text(bar.get_x() + bar.get_width() / 2, v, f"{v}", ha="center", va="bottom")
        agree = min(self.counts.values()) / n
        ax.set(
            ylim=(0, n * 1.15),
            ylabel="random cases",
            title=f"{n} random layouts: the hand rules agree with torch on {agree:.0%}",
        )
        integer_ticks(ax, x=False, y=True)

    def _animation(self, out_dir: Path) -> Path:
        """Reading x and x.t() in logical order: where each element sits in storage."""
        x = self.x.cpu()
        xt = x.t()
        walk_x, walk_t = storage_walk(x), storage_walk(xt)
        n = len(walk_x)
        order = list(range(n))
        while len(order) < 10:  # tiny tensors: walk them again so the GIF has 10 frames
            order += list(range(n))
        order = _thin(order, 30)
        fig = subplots(1, 1, (9, 5.6))[0]
        fig.clf()
        gs = fig.add_gridspec(2, 2, height_ratios=(1, 2.4))
        strip, left, right = (
            fig.add_subplot(gs[0, :]),
            fig.add_subplot(gs[1, 0]),
            fig.add_subplot(gs[1, 1]),
        )
        strip.imshow(
            np.arange(n)[None, :],
            cmap="viridis",
            vmin=0,
            vmax=max(n - 1, 1),
            aspect="auto",
            interpolation="nearest",
        )
        if n <= 40:
            for j in range(n):
                strip.text(j, 0, str(j), ha="center", va="center", fontsize=8, color="w")
        strip.set_yticks([])
        strip.set_xticks(range(0, n, max(1, n // 12)))
        strip.set_title("storage (one block of memory, offsets 0 … N−1)")
        (mark_x,) = strip.plot([], [], "v", color="tab:blue", ms=12, mec="k")
        (mark_t,) = strip.plot([], [], "^", color="tab:orange", ms=12, mec="k")
        strip.set_xlim(-0.5, n - 0.5)
        strip.set_ylim(0.5, -0.5)
        boxes = {}
        for ax, t, name, colour in ((left, x, "x", "tab:blue"), (right, xt, "x.t()", "tab:orange")):
            off = _offsets(t).numpy()
            ax.imshow(off, cmap="viridis", vmin=0, vmax=max(n - 1, 1), interpolation="nearest")
            if off.size <= 64:
                for (i, j), v in np.ndenumerate(off):
                    ax.text(j, i, int(v), ha="center", va="center", color="w", fontsize=9)
            ax.set_xticks(range(off.shape[1]))
            ax.set_yticks(range(off.shape[0]))
            (boxes[name],) = ax.plot([], [], "s", ms=22, mfc="none", mec=colour, mew=3)
            ax.set_title(f"{name} {tuple(t.shape)}, strides {t.stride()}", color=colour)
        head = fig.suptitle("")
        cols_x, cols_t = x.shape[1], xt.shape[1]

        def update(i: int) -> None:
            k = order[i]
            mark_x.set_data([walk_x[k]], [-0.25])
            mark_t.set_data([walk_t[k]], [0.25])
            boxes["x"].set_data([k % cols_x], [k // cols_x])
            boxes["x.t()"].set_data([k % cols_t], [k // cols_t])
            read_t = ", ".join(str(v) for v in walk_t[: k + 1][-8:])
            head.set_text(
                f"element {k} in logical order: x at offset {walk_x[k]} (always +1), "
                f"x.t() at {walk_t[k]}\nx.t() reads … {read_t}: no constant step, so "
                "view(-1) raises and reshape(-1) copies"
            )

        update(0)
        fig.tight_layout()
        fig.set_layout_engine(None)  # laid out once: otherwise every frame is drawn twice
        return animation(out_dir, "tensor-lab", fig, update, len(order), fps=2, dpi=72)


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
