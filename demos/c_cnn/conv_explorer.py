"""Convolution explorer: a kernel sliding over a digit (questions c.02–c.04, c.06, c.07, c.11).

A Conv2d layer computes, at every output position, the sum of the element-wise product
between the kernel and the window of the (padded) input under it, plus a bias — a
cross-correlation, the kernel is not flipped. Kernel size k, padding p, stride s and
dilation d fix the output size

    H_out = floor((H + 2p − d·(k − 1) − 1) / s) + 1

and pooling (no weights, one window per channel) follows the same formula. With C_in
input channels each kernel is C_in×k×k, and C_out kernels give C_out feature maps, so a
layer has C_out·(C_in·k² + 1) parameters.

Live: the window moves one output position per step; the padded input with the window
marked, the products window ⊙ kernel and the output map filling up, each value compared
with ``F.conv2d``. At the end, a bank of four kernels (channels) gives four feature maps,
then ReLU and max-pooling. No training: the criterion is that the map built by hand
equals ``F.conv2d`` and has the size the formula predicts.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from demos.c_cnn import KERNELS
from demos.lib.conv import conv_out_size
from demos.lib.images import montage
from demos.platform import Check, Demo, DemoError, Frame, RunContext, heatmap, picture
from demos.platform.data import load_images
from demos.platform.figures import save_figure, subplots


def make_kernel(kind: str, k: int, gen: Any = None) -> torch.Tensor:
    """A named k×k kernel: derivatives (edges), box blur, sharpen, or seeded random."""
    ramp = torch.linspace(-1.0, 1.0, k) if k > 1 else torch.zeros(1)
    if kind == "edge-x":  # responds to left→right intensity changes
        return ramp[None, :].expand(k, k) / max(1.0, ramp.abs().sum().item())
    if kind == "edge-y":
        return ramp[:, None].expand(k, k) / max(1.0, ramp.abs().sum().item())
    if kind == "blur":
        return torch.full((k, k), 1.0 / (k * k))
    if kind == "sharpen":
        w = torch.full((k, k), -1.0 / (k * k))
        w[k // 2, k // 2] += 2.0
        return w
    return torch.randn(k, k, generator=gen) / k


def slide_conv(x: torch.Tensor, w: torch.Tensor, b: torch.Tensor, p: int, s: int, d: int):
    """Conv2d written as the sliding window: x (C_in, H, W), w (C_out, C_in, k, k)."""
    k = w.shape[-1]
    xp = torch.nn.functional.pad(x, (p, p, p, p))  # (C_in, H+2p, W+2p)
    h_out = conv_out_size(x.shape[1], k, p, s, d)
    w_out = conv_out_size(x.shape[2], k, p, s, d)
    out = x.new_zeros(w.shape[0], h_out, w_out)
    span = d * (k - 1) + 1
    for i in range(h_out):
        for j in range(w_out):
            window = xp[:, i * s : i * s + span : d, j * s : j * s + span : d]  # (C_in, k, k)
            out[:, i, j] = (window[None] * w).sum(dim=(1, 2, 3)) + b
    return out


def slide_max_pool(x: torch.Tensor, k: int, s: int) -> torch.Tensor:
    """Max-pooling by hand: the largest value of each k×k window, per channel."""
    h_out, w_out = conv_out_size(x.shape[1], k, 0, s), conv_out_size(x.shape[2], k, 0, s)
    out = x.new_zeros(x.shape[0], h_out, w_out)
    for i in range(h_out):
        for j in range(w_out):
            out[:, i, j] = x[:, i * s : i * s + k, j * s : j * s + k].amax(dim=(1, 2))
    return out


# --- checks (module level so that tests can hand them a wrong formula) ----------------

SIZES = (5, 6, 7, 8, 9, 12, 28)


def check_conv_sizes(device: Any, formula: Callable[..., int] = conv_out_size) -> Check:
    """The formula against F.conv2d over a grid; where it predicts < 1, conv2d must refuse."""
    tried = bad = refused = 0
    first = ""
    for h in SIZES:
        x = torch.zeros(1, 2, h, h, device=device)
        for k in (1, 2, 3, 5):
            w = torch.zeros(3, 2, k, k, device=device)
            for p in (0, 1, 2):
                if p > k // 2:  # PyTorch allows it, but no textbook layer does it
                    continue
                for s in (1, 2, 3):
                    for d in (1, 2):
                        tried += 1
                        want = formula(h, k, p, s, d)
                        try:
                            got = F.conv2d(x, w, padding=p, stride=s, dilation=d).shape[-1]
                        except RuntimeError:
                            got, refused = 0, refused + 1
                        if max(want, 0) != got:
                            bad += 1
                            first = first or f"H={h} k={k} p={p} s={s} d={d}: {want} vs {got}"
    return Check(
        "conv-output-size",
        bad == 0,
        f"formula == F.conv2d output size in {tried - bad}/{tried} cases "
        f"({refused} too small to convolve)" + (f"; first mismatch {first}" if bad else ""),
    )


def check_pool_sizes(device: Any, formula: Callable[..., int] = conv_out_size) -> Check:
    """The same formula (d = 1) against F.max_pool2d and F.avg_pool2d."""
    tried = bad = 0
    first = ""
    for h in SIZES:
        x = torch.zeros(1, 3, h, h, device=device)
        for k in (2, 3, 4):
            for s in (1, 2, 3):
                for p in range(k // 2 + 1):
                    if conv_out_size(h, k, p, s) < 1:
                        continue
                    want = formula(h, k, p, s, 1)
                    got_max = F.max_pool2d(x, k, s, p).shape[-1]
                    got_avg = F.avg_pool2d(x, k, s, p).shape[-1]
                    tried += 2
                    for got in (got_max, got_avg):
                        if got != want:
                            bad += 1
                            first = first or f"H={h} k={k} s={s} p={p}: {want} vs {got}"
    return Check(
        "pool-output-size",
        bad == 0,
        f"formula == F.max_pool2d / F.avg_pool2d output size in {tried - bad}/{tried} cases"
        + (f"; first mismatch {first}" if bad else ""),
    )


def check_sliding(
    device: Any, k: int, p: int, s: int, d: int, seed: int, conv: Callable[..., Any] = slide_conv
) -> Check:
    """The sliding window with 3 input and 4 output channels == F.conv2d (float64)."""
    gen = torch.Generator().manual_seed(seed)
    h = max(9, d * (k - 1) + 1)
    x = torch.randn(3, h, h + 1, generator=gen, dtype=torch.float64).to(device)
    w = torch.randn(4, 3, k, k, generator=gen, dtype=torch.float64).to(device)
    b = torch.randn(4, generator=gen, dtype=torch.float64).to(device)
    ours = conv(x, w, b, p, s, d)
    ref = F.conv2d(x[None], w, b, stride=s, padding=p, dilation=d)[0]
    same_shape = tuple(ours.shape) == tuple(ref.shape)
    diff = (ours - ref).abs().max().item() if same_shape else math.inf
    flipped = F.conv2d(x[None], w.flip(-1, -2), b, stride=s, padding=p, dilation=d)[0]
    flip_diff = (flipped - ref).abs().max().item()
    return Check(
        "sliding-window-equals-conv2d",
        same_shape and diff <= 1e-10,
        f"3→4 channels, k={k} p={p} s={s} d={d}: shape {tuple(ours.shape)}, "
        f"max |Δ| = {diff:.1e}; a flipped kernel (true convolution) differs by "
        f"{flip_diff:.2f}, so conv2d is a cross-correlation",
    )


def check_parameter_count(formula: Callable[[int, int, int], int] | None = None) -> Check:
    """C_out·(C_in·k² + 1) == the parameters of nn.Conv2d, for a few layers."""
    formula = formula or (lambda c_in, c_out, k: c_out * (c_in * k * k + 1))
    cases = ((1, 8, 3), (3, 16, 5), (8, 16, 3), (16, 32, 1), (64, 64, 7))
    rows = []
    ok = True
    for c_in, c_out, k in cases:
        real = sum(t.numel() for t in nn.Conv2d(c_in, c_out, k).parameters())
        ok &= formula(c_in, c_out, k) == real
        rows.append(f"{c_in}→{c_out} k{k}: {real}")
    return Check("conv-parameter-count", bool(ok), "C_out·(C_in·k²+1) == numel: " + "; ".join(rows))


def check_max_pool(device: Any, seed: int, pool: Callable[..., Any] = slide_max_pool) -> Check:
    gen = torch.Generator().manual_seed(seed + 1)
    x = torch.randn(4, 9, 8, generator=gen).to(device)
    worst = 0.0
    for k, s in ((2, 2), (3, 2), (3, 1)):
        ours, ref = pool(x, k, s), F.max_pool2d(x[None], k, s)[0]
        worst = max(worst, (ours - ref).abs().max().item() if ours.shape == ref.shape else math.inf)
    return Check(
        "max-pool-by-hand",
        worst == 0.0,
        f"window maximum == F.max_pool2d for (k, s) in (2,2), (3,2), (3,1): max |Δ| = {worst:.1e}",
    )


class ConvExplorer(Demo):
    def _geometry(self, params: dict[str, Any], h: int, w: int) -> tuple[int, int]:
        k, p, s, d = (params[n] for n in ("size", "padding", "stride", "dilation"))
        return conv_out_size(h, k, p, s, d), conv_out_size(w, k, p, s, d)

    def steps(self, params: Any) -> int:
        side = 8 * params["upscale"] if params["data"] == "digits" else 28 * params["upscale"]
        h_out, w_out = self._geometry(dict(params), side, side)
        return max(1, h_out * w_out)

    def setup(self, ctx: RunContext) -> None:
        p = ctx.params
        data = load_images(p["data"])
        x = torch.from_numpy(data.x[p["sample"] % len(data.x)])  # (1, S, S)
        if p["upscale"] > 1:
            x = x.repeat_interleave(p["upscale"], 1).repeat_interleave(p["upscale"], 2)
        h_out, w_out = self._geometry(p, x.shape[1], x.shape[2])
        if h_out < 1 or w_out < 1:
            raise DemoError(
                f"kernel {p['size']} with dilation {p['dilation']} does not fit a "
                f"{x.shape[1]}×{x.shape[2]} image padded by {p['padding']}: output size "
                f"{h_out} (increase padding or upscale)"
            )
        ctx.total_steps = h_out * w_out  # the real image size (MNIST may differ from 28)
        gen = torch.Generator().manual_seed(ctx.seed)
        self.x = x.to(ctx.device)
        self.label = int(data.y[p["sample"] % len(data.y)])
        self.w = make_kernel(p["kernel"], p["size"], gen).to(ctx.device)  # (k, k)
        self.b = torch.zeros(1, device=ctx.device)
        bank = [make_kernel(kind, p["size"], gen) for kind in KERNELS[:4]]
        self.bank = torch.stack(bank)[:, None].to(ctx.device)  # (4, 1, k, k)
        self.h_out, self.w_out = h_out, w_out

    def checks(self, ctx: RunContext) -> Iterator[Check]:
        p = ctx.params
        yield check_conv_sizes(ctx.device)
        yield check_pool_sizes(ctx.device)
        yield check_sliding(
            ctx.device, p["size"], p["padding"], p["stride"], p["dilation"], ctx.seed
        )
        yield check_parameter_count()
        yield check_max_pool(ctx.device, ctx.seed)

    def run(self, ctx: RunContext) -> Iterator[Frame]:
        p = ctx.params
        k, pad, s, d = p["size"], p["padding"], p["stride"], p["dilation"]
        span = d * (k - 1) + 1
        xp = F.pad(self.x, (pad, pad, pad, pad))[0]  # (H+2p, W+2p)
        ref = F.conv2d(self.x[None], self.w[None, None], self.b, s, pad, d)[0, 0]
        self.out = torch.full((self.h_out, self.w_out), math.nan, device=ctx.device)
        for step in range(ctx.total_steps):
            i, j = divmod(step, self.w_out)
            window = xp[i * s : i * s + span : d, j * s : j * s + span : d]  # (k, k)
            products = window * self.w
            self.out[i, j] = products.sum() + self.b[0]
            if p["pace"] > 0:
                time.sleep(p["pace"])
            if ctx.wants(step):
                yield self._frame(ctx, step, xp, products, ref, i, j, span)

    def _frame(self, ctx, step, xp, products, ref, i, j, span) -> Frame:
        p = ctx.params
        s, d = p["stride"], p["dilation"]
        marked = xp.clone()
        marked[i * s : i * s + span : d, j * s : j * s + span : d] = -0.5
        filled = torch.nan_to_num(self.out, nan=0.0)
        metrics = {
            "value": self.out[i, j].item(),
            "reference": ref[i, j].item(),
            "abs_error": (self.out[i, j] - ref[i, j]).abs().item(),
            "filled": float(step + 1),
            "out_h": float(self.h_out),
            "out_w": float(self.w_out),
        }
        frame = Frame(
            step=step,
            metrics=metrics,
            heatmaps=[
                heatmap(f"padded input (digit {self.label}), window = −0.5", marked, "x", "y"),
                heatmap(f"window ⊙ kernel at ({i}, {j})", products, "kx", "ky"),
                heatmap(
                    f"output {self.h_out}×{self.w_out} so far (sum of products)", filled, "x", "y"
                ),
            ],
        )
        self.last = {"marked": marked.cpu(), "products": products.cpu()}
        if step >= ctx.total_steps - 1:
            with torch.no_grad():
                maps = F.conv2d(self.x[None], self.bank, None, s, p["padding"], d)[0]  # (4,h,w)
                relu = maps.relu()
                pooled = F.max_pool2d(relu[None], p["pool"])[0] if p["pool"] > 1 else relu
            names = ", ".join(KERNELS[:4])
            frame.heatmaps += [
                heatmap(f"4 feature maps ({names})", montage(maps, pad=math.nan), "x", "y"),
                heatmap(
                    f"after ReLU and max-pool {p['pool']}", montage(pooled, pad=math.nan), "x", "y"
                ),
            ]
            frame.pictures.append(picture("input", self.x[0]))
            self.last.update(maps=maps.cpu(), pooled=pooled.cpu(), ref=ref.cpu())
            self.last["pool_shape"] = tuple(pooled.shape[1:])
        return frame

    def learned(self, ctx: RunContext) -> Check:
        ref = self.last["ref"]
        out = self.out.cpu()
        same = tuple(out.shape) == tuple(ref.shape) == (self.h_out, self.w_out)
        diff = (out - ref).abs().max().item() if same else math.inf
        pool = ctx.params["pool"]
        want = tuple(conv_out_size(n, pool, 0, pool) for n in out.shape) if pool > 1 else None
        pool_ok = want is None or self.last["pool_shape"] == want
        ok = same and bool(torch.isfinite(out).all()) and diff <= 1e-5 and pool_ok
        return Check(
            "learning",
            bool(ok),
            f"hand-built map {tuple(out.shape)} (formula {self.h_out}×{self.w_out}) vs "
            f"F.conv2d: max |Δ| = {diff:.1e}; pooled {self.last['pool_shape']}"
            + (f" (formula {want})" if want else ""),
        )

    def figures(self, ctx: RunContext, out_dir: Path) -> list[Path]:
        p = ctx.params
        fig, axes = subplots(2, 3, (13, 7.5))
        panels = (
            (axes[0, 0], self.last["marked"], "padded input, last window marked", "gray"),
            (axes[0, 1], self.w.cpu(), f"kernel '{p['kernel']}' k={p['size']}", "coolwarm"),
            (axes[0, 2], self.out.cpu(), f"output {self.h_out}×{self.w_out}", "viridis"),
            (
                axes[1, 0],
                montage(self.last["maps"], pad=math.nan),
                "4 feature maps (channels)",
                "viridis",
            ),
            (axes[1, 1], montage(self.last["pooled"], pad=math.nan), "ReLU + max-pool", "viridis"),
        )
        for ax, data, title, cmap in panels:
            im = ax.imshow(data.numpy(), cmap=cmap, interpolation="nearest")
            ax.set_title(title)
            fig.colorbar(im, ax=ax, fraction=0.046)
        ax = axes[1, 2]
        sizes = range(4, 33)
        for k, s, style in ((3, 1, "-"), (3, 2, "--"), (5, 1, "-."), (5, 2, ":")):
            outs = [conv_out_size(h, k, p["padding"], s, p["dilation"]) for h in sizes]
            ax.plot(sizes, outs, style, label=f"k={k} s={s}")
        ax.set(
            title=f"H_out = ⌊(H+2p−d(k−1)−1)/s⌋+1, p={p['padding']} d={p['dilation']}",
            xlabel="input size H",
            ylabel="output size",
        )
        ax.legend()
        title = (
            f"conv-explorer: k={p['size']} p={p['padding']} s={p['stride']} "
            f"d={p['dilation']}, {ctx.device}"
        )
        return [save_figure(out_dir, "conv-explorer", fig, title=title, dpi=100)]
