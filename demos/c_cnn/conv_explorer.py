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
picked out, the products window ⊙ kernel and the output map filling up, each value
compared with ``F.conv2d``. The contrast is the geometry: the same kernel on the same
digit without padding, with a larger stride and with a larger dilation gives maps of
the sizes the formula predicts (checked against ``F.conv2d``). At the end, a bank of four
kernels (channels) gives four feature maps, then ReLU and max-pooling. The GIF replays
the sliding window. No training: the criterion is that the map built by hand equals
``F.conv2d`` and every map has the size the formula predicts.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from demos.c_cnn import KERNELS
from demos.lib.conv import conv_out_size, formula_text
from demos.lib.images import decimal_comma, montage
from demos.platform import Bilingual, Check, Demo, DemoError, Frame, RunContext, heatmap, picture
from demos.platform.data import load_images
from demos.platform.figures import (
    animation,
    image_panel,
    integer_ticks,
    plt,
    save_figure,
    subplots,
)

# how the live input map shows what is not pixel data (the title says so)
PADDING_SHOWN = -0.35  # padding cells hold 0; drawn below the scale's zero so they show
FADE = 0.4  # pixels outside the window are faded to this fraction
GIF_FRAMES = 32  # window positions replayed in the GIF (all of them when fewer)


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


def variants(k: int, p: int, s: int, d: int) -> list[tuple[str, int, int, int]]:
    """The geometry contrast: this run's (p, s, d) next to no padding, stride+1, dilation+1.

    Each entry is (label, p, s, d); duplicates of the run's own setting are dropped.
    """
    out = [("this run", p, s, d)]
    if p > 0:
        out.insert(0, ("no padding", 0, s, d))
    else:
        out.append(("padding 'same'", (d * (k - 1)) // 2, s, d))
    out.append((f"stride {s + 1}", p, s + 1, d))
    out.append((f"dilation {d + 1}", p, s, d + 1))
    return out


def variant_maps(
    x: torch.Tensor, w: torch.Tensor, b: torch.Tensor, k: int, p: int, s: int, d: int
) -> list[dict[str, Any]]:
    """F.conv2d of the digit x (1, H, W) under every variant, with the predicted size."""
    maps = []
    h, wid = x.shape[-2:]
    for label, vp, vs, vd in variants(k, p, s, d):
        want = (conv_out_size(h, k, vp, vs, vd), conv_out_size(wid, k, vp, vs, vd))
        if min(want) < 1:
            continue  # the kernel does not fit this variant: nothing to draw
        got = F.conv2d(x[None], w[None, None], b, vs, vp, vd)[0, 0]  # (h_out, w_out)
        maps.append({"label": label, "p": vp, "s": vs, "d": vd, "want": want, "map": got.cpu()})
    return maps


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
        self.params = p
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
        total = ctx.total_steps
        count = min(total, GIF_FRAMES)
        self.gif_steps = sorted({round(i * (total - 1) / max(1, count - 1)) for i in range(count)})

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
        self.xp = xp.cpu()
        ref = F.conv2d(self.x[None], self.w[None, None], self.b, s, pad, d)[0, 0]
        self.ref = ref.cpu()
        self.scale = max(float(ref.abs().max()), 1e-6)  # one colour scale for every map
        self.out = torch.full((self.h_out, self.w_out), math.nan, device=ctx.device)
        self.snapshots: list[dict[str, Any]] = []  # the GIF: fixed window positions
        gif = set(self.gif_steps)
        for step in range(ctx.total_steps):
            i, j = divmod(step, self.w_out)
            window = xp[i * s : i * s + span : d, j * s : j * s + span : d]  # (k, k)
            products = window * self.w  # (k, k)
            self.out[i, j] = products.sum() + self.b[0]
            if step in gif:
                self.snapshots.append(
                    {
                        "step": step,
                        "i": i,
                        "j": j,
                        "products": products.cpu(),
                        "out": self.out.cpu().clone(),
                    }
                )
            if p["pace"] > 0:
                time.sleep(p["pace"])
            if ctx.wants(step):
                yield self._frame(ctx, step, xp, products, ref, i, j, span)
        self.finish(ctx)
        return self.caption

    def _window_mask(self, i: int, j: int) -> torch.Tensor:
        """True on the taps of the window at output (i, j), over the padded input."""
        p = self.params
        k, s, d = p["size"], p["stride"], p["dilation"]
        mask = torch.zeros(self.xp.shape, dtype=torch.bool)
        span = d * (k - 1) + 1
        mask[i * s : i * s + span : d, j * s : j * s + span : d] = True
        return mask

    def _frame(self, ctx, step, xp, products, ref, i, j, span) -> Frame:
        p = ctx.params
        pad = p["padding"]
        inside = self._window_mask(i, j).to(xp.device)
        is_pad = torch.ones_like(inside)
        is_pad[pad : pad + self.x.shape[1], pad : pad + self.x.shape[2]] = False
        shown = torch.where(inside, xp, xp * FADE)
        shown = torch.where(is_pad, torch.full_like(xp, PADDING_SHOWN), shown)
        filled = torch.nan_to_num(self.out, nan=0.0)
        top = float(self.w.abs().max() * max(float(xp.abs().max()), 1e-6))
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
                heatmap(
                    f"padded input (digit {self.label}): window at ({i}, {j}) bright, rest "
                    f"faded, padding (zeros) drawn at {PADDING_SHOWN}",
                    shown,
                    "x",
                    "y",
                    key="input",
                    vmin=-1.0,
                    vmax=1.0,
                ),
                heatmap(
                    f"window ⊙ kernel at ({i}, {j}): sum = {metrics['value']:.2f}",
                    products,
                    "kx",
                    "ky",
                    key="products",
                    vmin=-top,
                    vmax=top,
                ),
                heatmap(
                    f"output {self.h_out}×{self.w_out} so far (0 = not yet computed)",
                    filled,
                    "x",
                    "y",
                    key="output",
                    vmin=-self.scale,
                    vmax=self.scale,
                ),
            ],
        )
        if step >= ctx.total_steps - 1:
            with torch.no_grad():
                maps = F.conv2d(self.x[None], self.bank, None, p["stride"], pad, p["dilation"])[0]
                relu = maps.relu()  # (4, h, w)
                pooled = F.max_pool2d(relu[None], p["pool"])[0] if p["pool"] > 1 else relu
            names = ", ".join(KERNELS[:4])
            top_map = max(float(maps.abs().max()), 1e-6)
            frame.heatmaps += [
                heatmap(
                    f"4 feature maps ({names})",
                    montage(maps, pad=0.0),
                    "x",
                    "y",
                    key="maps",
                    vmin=-top_map,
                    vmax=top_map,
                ),
                heatmap(
                    f"after ReLU and max-pool {p['pool']} ({names})",
                    montage(pooled, pad=0.0),
                    "x",
                    "y",
                    key="pooled",
                    vmin=0.0,
                    vmax=top_map,
                ),
            ]
            frame.pictures.append(picture("input digit", self.x[0], key="digit"))
            self.maps, self.pooled = maps.cpu(), pooled.cpu()
        return frame

    def finish(self, ctx: RunContext) -> None:
        """After the last position: the variants, the judgement's numbers and the caption."""
        p = ctx.params
        k, pad, s, d = p["size"], p["padding"], p["stride"], p["dilation"]
        self.variant_maps = variant_maps(self.x, self.w, self.b, k, pad, s, d)
        out = self.out.cpu()
        self.diff = (out - self.ref).abs().max().item() if out.shape == self.ref.shape else math.inf
        flat = torch.nan_to_num(out, nan=0.0).abs().flatten()
        self.showcase = divmod(int(flat.argmax()), self.w_out)  # the strongest response
        self.caption = self._caption(ctx)

    def _caption(self, ctx: RunContext) -> Bilingual:
        """What to look for, from this run's sizes and values."""
        p = ctx.params
        h, w = self.x.shape[-2:]
        k, pad = p["size"], p["padding"]
        i, j = self.showcase
        value = float(self.out[i, j])
        others = [v for v in self.variant_maps if v["label"] != "this run"]
        en = _join([f"{v['want'][0]}×{v['want'][1]} {_phrase(v, 'en')}" for v in others], "and")
        it = _join([f"{v['want'][0]}×{v['want'][1]} {_phrase(v, 'it')}" for v in others], "e")
        ph, pw = tuple(self.pooled.shape[1:])
        diff = "0" if self.diff == 0 else f"{self.diff:.0e}"
        return Bilingual(
            en=(
                f"The {k}×{k} '{p['kernel']}' kernel visits {ctx.total_steps} positions of "
                f"the {h}×{w} digit padded by {pad}: each output is the sum of window ⊙ "
                f"kernel (strongest at ({i}, {j}): {value:.2f}), and the hand-built "
                f"{self.h_out}×{self.w_out} map equals F.conv2d (max |Δ| = {diff}). "
                f"The same kernel gives {en}, as ⌊(H+2p−d(k−1)−1)/s⌋+1 predicts; "
                f"max-pool {p['pool']} shrinks the 4 feature maps to {ph}×{pw}."
            ),
            it=(
                f"Il kernel '{p['kernel']}' {k}×{k} visita {ctx.total_steps} posizioni della "
                f"cifra {h}×{w} con padding {pad}: ogni uscita è la somma di finestra ⊙ "
                f"kernel (la più forte in ({i}, {j}): {decimal_comma(f'{value:.2f}')}) e la mappa "
                f"{self.h_out}×{self.w_out} costruita a mano coincide con F.conv2d "
                f"(max |Δ| = {diff}). Lo stesso kernel dà {it}, come prevede "
                f"⌊(H+2p−d(k−1)−1)/s⌋+1; il max-pool {p['pool']} riduce le 4 feature map a "
                f"{ph}×{pw}."
            ),
        )

    def learned(self, ctx: RunContext) -> Check:
        ref = self.ref
        out = self.out.cpu()
        same = tuple(out.shape) == tuple(ref.shape) == (self.h_out, self.w_out)
        ok = same and bool(torch.isfinite(out).all()) and self.diff <= 1e-5
        pool = ctx.params["pool"]
        pool_shape = tuple(self.pooled.shape[1:])
        want = tuple(conv_out_size(n, pool, 0, pool) for n in out.shape) if pool > 1 else None
        ok &= want is None or pool_shape == want
        # the contrast: every variant's F.conv2d map has the size the formula predicts
        wrong = [v["label"] for v in self.variant_maps if tuple(v["map"].shape) != v["want"]]
        ok &= not wrong and len(self.variant_maps) >= 2
        sizes = "; ".join(
            f"{v['label']} (p={v['p']} s={v['s']} d={v['d']}) {tuple(v['map'].shape)}"
            for v in self.variant_maps
        )
        return Check(
            "learning",
            bool(ok),
            f"hand-built map {tuple(out.shape)} (formula {self.h_out}×{self.w_out}) vs "
            f"F.conv2d: max |Δ| = {self.diff:.1e}; pooled {pool_shape}"
            + (f" (formula {want})" if want else "")
            + f"; F.conv2d sizes == formula for {sizes}"
            + (f"; WRONG: {', '.join(wrong)}" if wrong else ""),
        )

    # -- figures -------------------------------------------------------------------

    def figures(self, ctx: RunContext, out_dir: Path) -> list[Path]:
        return [self._png(ctx, out_dir), self._gif(ctx, out_dir)]

    def _draw_input(self, ax: Any, i: int, j: int) -> list[Any]:
        """The padded input: pixels untouched, padding tinted, the window outlined.

        Returns the window's patches (outline first, then one square per tap) so that an
        animation can move them.
        """
        p = self.params
        pad, k = p["padding"], p["size"]
        xp = self.xp.numpy()
        ax.imshow(xp, cmap="gray", vmin=0.0, vmax=1.0, interpolation="nearest")
        hp, wp = xp.shape
        if pad:
            tint = np.zeros((hp, wp, 4))
            tint[..., 2] = 1.0
            tint[..., 3] = 0.45
            tint[pad:-pad, pad:-pad, 3] = 0.0
            ax.imshow(tint, interpolation="nearest")
            ax.add_patch(
                plt.Rectangle(
                    (pad - 0.5, pad - 0.5),
                    wp - 2 * pad,
                    hp - 2 * pad,
                    fill=False,
                    ec="tab:blue",
                    lw=1.5,
                    ls="--",
                )
            )
        patches = [plt.Rectangle((0, 0), 1, 1, fill=False, ec="orange", lw=2.5)]
        patches += [
            plt.Rectangle((0, 0), 0.84, 0.84, fill=False, ec="orange", lw=1.0) for _ in range(k * k)
        ]
        for patch in patches:
            ax.add_patch(patch)
        self._place_window(patches, i, j)
        integer_ticks(ax, x=True, y=True)
        ax.set(xlabel="x (padded)", ylabel="y (padded)")
        return patches

    def _place_window(self, patches: list[Any], i: int, j: int) -> None:
        """Move the window's outline and tap squares to output position (i, j)."""
        p = self.params
        k, s, d = p["size"], p["stride"], p["dilation"]
        span = d * (k - 1) + 1
        patches[0].set_xy((j * s - 0.5, i * s - 0.5))
        patches[0].set_width(span)
        patches[0].set_height(span)
        for n, patch in enumerate(patches[1:]):
            a, b = divmod(n, k)
            patch.set_xy((j * s + b * d - 0.42, i * s + a * d - 0.42))

    def _draw_values(self, fig: Any, ax: Any, data: torch.Tensor, top: float, title: str) -> list:
        """A small signed matrix with its numbers written in the cells; returns the texts."""
        image_panel(fig, ax, data, cmap="coolwarm", vmin=-top, vmax=top, title=title)
        size = 10 if data.shape[0] <= 3 else 8
        return [
            ax.text(c, r, _num(v), ha="center", va="center", fontsize=size)
            for (r, c), v in np.ndenumerate(data.numpy())
        ]

    def _png(self, ctx: RunContext, out_dir: Path) -> Path:
        p = ctx.params
        k, pad, s, d = p["size"], p["padding"], p["stride"], p["dilation"]
        h, w = self.x.shape[-2:]
        fig, axes = subplots(3, 4, (19, 14))
        i, j = self.showcase
        snap = self._products(i, j)
        self._draw_input(axes[0, 0], i, j)
        axes[0, 0].set_title(
            f"padded input {h}×{w} + {pad} (blue = zero padding)\nwindow at output ({i}, {j})"
        )
        top = float(self.w.abs().max())
        self._draw_values(fig, axes[0, 1], self.w.cpu(), top, f"kernel '{p['kernel']}' {k}×{k}")
        prod_top = max(float(snap.abs().max()), 1e-6)
        self._draw_values(
            fig,
            axes[0, 2],
            snap,
            prod_top,
            f"window ⊙ kernel at ({i}, {j})\nsum + b = {float(self.out[i, j]):.3f}",
        )
        ax = axes[0, 3]
        image_panel(fig, ax, self.out.cpu(), cmap="coolwarm", vmin=-self.scale, vmax=self.scale)
        ax.add_patch(plt.Rectangle((j - 0.5, i - 0.5), 1, 1, fill=False, ec="orange", lw=2.5))
        ax.set_title(f"output {self.h_out}×{self.w_out} (built by hand == F.conv2d)")
        # the contrast: one kernel, one digit, four geometries, one colour scale and one grid
        side = max(max(v["want"]) for v in self.variant_maps)
        for col in range(4):
            ax = axes[1, col]
            if col >= len(self.variant_maps):
                ax.axis("off")
                continue
            v = self.variant_maps[col]
            image_panel(
                fig,
                ax,
                v["map"],
                cmap="coolwarm",
                vmin=-self.scale,
                vmax=self.scale,
                colorbar=col == len(self.variant_maps) - 1,
            )
            ax.set(xlim=(-0.5, side - 0.5), ylim=(side - 0.5, -0.5))
            ho, wo = v["want"]
            ax.set_title(
                f"{v['label']}: p={v['p']} s={v['s']} d={v['d']} → {ho}×{wo}\n"
                + formula_text(h, k, v["p"], v["s"], v["d"]),
                fontsize=11,
                color="tab:orange" if v["label"] == "this run" else "black",
            )
        axes[1, 0].set_ylabel("output row (one colour scale for all four)")
        top_map = max(float(self.maps.abs().max()), 1e-6)
        self._tiles(fig, axes[2, 0], self.maps, -top_map, top_map, "4 kernels → 4 feature maps")
        self._tiles(fig, axes[2, 1], self.pooled, 0.0, top_map, f"ReLU, then max-pool {p['pool']}")
        ax = axes[2, 2]
        sizes = range(4, 33)
        for kk, ss, style in ((k, 1, "-"), (k, 2, "--"), (k + 2, 1, "-."), (k + 2, 2, ":")):
            outs = [conv_out_size(n, kk, pad, ss, d) for n in sizes]
            ax.plot(sizes, outs, style, label=f"k={kk} s={ss}")
        ax.plot([h], [self.h_out], "o", color="orange", ms=9, label=f"this run: {h} → {self.h_out}")
        ax.set(
            title=f"H_out = ⌊(H+2p−d(k−1)−1)/s⌋+1, p={pad} d={d}",
            xlabel="input size H",
            ylabel="output size H_out",
        )
        integer_ticks(ax, x=True, y=True)
        ax.legend(fontsize=9)
        self._draw_layer(axes[2, 3], ctx)
        title = f"conv-explorer: k={k} p={pad} s={s} d={d} on digit {self.label}, {ctx.device}"
        return save_figure(
            out_dir,
            "conv-explorer",
            fig,
            title=title,
            caption=f"{self.caption.en}\n{self.caption.it}",
        )

    def _tiles(self, fig: Any, ax: Any, maps: torch.Tensor, lo: float, hi: float, title: str):
        """Four maps in a 2×2 grid of small panels, each named by its kernel; one colour bar."""
        ax.axis("off")
        ax.set_title(title)
        cmap = "coolwarm" if lo < 0 else "viridis"
        im = None
        for n, name in enumerate(KERNELS[: len(maps)]):
            r, c = divmod(n, 2)
            sub = ax.inset_axes((c * 0.5 + 0.03, 0.52 - r * 0.5, 0.42, 0.4))
            im = sub.imshow(maps[n].numpy(), cmap=cmap, vmin=lo, vmax=hi, interpolation="nearest")
            sub.set_title(f"{name}: {maps.shape[1]}×{maps.shape[2]}", fontsize=9)
            sub.set_xticks([])
            sub.set_yticks([])
        if im is not None:
            fig.colorbar(im, ax=ax, fraction=0.046)

    def _products(self, i: int, j: int) -> torch.Tensor:
        p = self.params
        k, s, d = p["size"], p["stride"], p["dilation"]
        span = d * (k - 1) + 1
        window = self.xp[i * s : i * s + span : d, j * s : j * s + span : d]
        return window * self.w.cpu()

    def _draw_layer(self, ax: Any, ctx: RunContext) -> None:
        """The layer as a schematic: channels in, kernels, channels out, parameters."""
        k = ctx.params["size"]
        h, w = self.x.shape[-2:]
        ax.axis("off")
        ax.set(xlim=(0, 10), ylim=(0, 10))
        boxes = (
            (0.3, f"input\n1×{h}×{w}\n(C_in = 1)"),
            (3.6, f"4 kernels\n4×1×{k}×{k}\n+ 4 biases"),
            (6.9, f"feature maps\n4×{self.h_out}×{self.w_out}\n(C_out = 4)"),
        )
        for x0, text in boxes:
            ax.add_patch(plt.Rectangle((x0, 5.2), 2.8, 3.2, fill=False, lw=1.5))
            ax.text(x0 + 1.4, 6.8, text, ha="center", va="center", fontsize=10)
        for x0 in (3.1, 6.4):
            ax.annotate("", (x0 + 0.5, 6.8), (x0, 6.8), arrowprops={"arrowstyle": "->"})
        params = 4 * (1 * k * k + 1)
        ax.text(
            5.0,
            3.2,
            f"one map per kernel: C_out = number of kernels\n"
            f"parameters C_out·(C_in·k²+1) = 4·(1·{k}²+1) = {params}\n"
            f"(the same {k}×{k} weights at every position)",
            ha="center",
            va="center",
            fontsize=10,
        )
        ax.set_title("the layer: channels and parameters")

    def _gif(self, ctx: RunContext, out_dir: Path) -> Path:
        """The window sliding: input with the window, window ⊙ kernel, output filling up."""
        fig, axes = subplots(1, 3, (11.5, 4.2))
        top = max(float(max(s["products"].abs().max() for s in self.snapshots)), 1e-6)
        first = self.snapshots[0]
        patches = self._draw_input(axes[0], first["i"], first["j"])
        texts = self._draw_values(fig, axes[1], first["products"], top, "window ⊙ kernel")
        prod_im = axes[1].images[0]
        out_im = image_panel(
            fig, axes[2], first["out"], cmap="coolwarm", vmin=-self.scale, vmax=self.scale
        )
        cell = plt.Rectangle((0, 0), 1, 1, fill=False, ec="orange", lw=2)
        axes[2].add_patch(cell)
        axes[2].set_title(f"output {self.h_out}×{self.w_out} filling up (blank = not yet)")

        order = list(range(len(self.snapshots)))
        while len(order) < 10:  # a tiny output: play the positions again
            order += range(len(self.snapshots))

        def update(n: int) -> None:
            snap = self.snapshots[order[n]]
            i, j = snap["i"], snap["j"]
            self._place_window(patches, i, j)
            prod_im.set_data(snap["products"].numpy())
            for text, v in zip(texts, snap["products"].flatten().tolist(), strict=True):
                text.set_text(_num(v))
            out_im.set_data(snap["out"].numpy())
            cell.set_xy((j - 0.5, i - 0.5))
            axes[0].set_title(f"window at output ({i}, {j})")
            axes[1].set_title(f"window ⊙ kernel: sum = {float(snap['out'][i, j]):.2f}")
            fig.suptitle(
                f"conv-explorer: position {snap['step'] + 1} of {ctx.total_steps} "
                f"(k={ctx.params['size']} p={ctx.params['padding']} s={ctx.params['stride']} "
                f"d={ctx.params['dilation']})"
            )

        for ax in axes:  # tick labels cost most of a frame's drawing: the titles say where
            ax.set_xticks([])
            ax.set_yticks([])
            ax.set(xlabel="", ylabel="")
        update(0)
        fig.tight_layout()
        return animation(out_dir, "conv-explorer", fig, update, len(order), fps=5)


def _num(v: float) -> str:
    """A cell value with two decimals, never '-0.00'."""
    return f"{0.0 if abs(v) < 5e-3 else v:.2f}"


def _phrase(variant: dict[str, Any], lang: str) -> str:
    """'without padding' / 'senza padding', 'with stride 2' / 'con stride 2', …"""
    p, st, d = variant["p"], variant["s"], variant["d"]
    label = variant["label"]
    if label == "no padding":
        return "without padding" if lang == "en" else "senza padding"
    if label.startswith("padding"):
        return f"with padding {p}" if lang == "en" else f"con padding {p}"
    if label.startswith("stride"):
        return f"with stride {st}" if lang == "en" else f"con stride {st}"
    return f"with dilation {d}" if lang == "en" else f"con dilatazione {d}"


def _join(parts: list[str], word: str) -> str:
    """'a, b and c' (or 'a, b e c')."""
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + f" {word} " + parts[-1]
