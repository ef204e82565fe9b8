"""Plain vs residual: how skip connections keep the gradient alive (c.08–c.10, c.13, c.14, c.16).

Two deep convolutional stacks are trained side by side on 8×8 digits, identical except
for the skip connections. A (pre-activation) residual block computes

    y = x + F(x),   F = conv ∘ ReLU ∘ conv ∘ ReLU

so its Jacobian is ∂y/∂x = I + ∂F/∂x: in the computational graph x fans out into the
branch and the shortcut, and the adjoints of the two paths add. However small ∂F/∂x is,
the identity term carries the gradient back unchanged, while a plain stack multiplies
one small Jacobian per layer and the gradient reaching the first layers vanishes (the
degradation problem of c.13). Where a block changes the shape (stride 2, channels ×2)
the shortcut is a projection, a 1×1 convolution with stride 2, so that the sum is
defined (c.08, c.16).

Live: training loss and held-out accuracy of both stacks, the gradient norm of every
block (a heatmap over time and the current profile, both stacks on one colour scale), the
ratio between the gradient at the first and at the last block. No BatchNorm by default,
so what is shown is the effect of the shortcut alone. The GIF replays the two gradient
profiles over training.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from pathlib import Path
from typing import Any, ClassVar

import torch
import torch.nn.functional as F
from torch import nn
from torch.func import functional_call, jacrev

from demos.lib.conv import conv_out_size
from demos.platform import Bilingual, Check, Demo, Frame, RunContext, heatmap, histogram
from demos.platform.data import load_images
from demos.platform.figures import (
    animation,
    image_panel,
    integer_ticks,
    plot_history,
    plt,
    save_figure,
    subplots,
)

GIF_FRAMES = 25


class Block(nn.Module):
    """Pre-activation block; ``residual=False`` drops the shortcut (a plain block)."""

    def __init__(self, c_in: int, c_out: int, stride: int, residual: bool, norm: bool):
        super().__init__()

        def bn(c: int) -> nn.Module:
            return nn.BatchNorm2d(c) if norm else nn.Identity()

        self.branch = nn.Sequential(
            bn(c_in),
            nn.ReLU(),
            nn.Conv2d(c_in, c_out, 3, stride=stride, padding=1),
            bn(c_out),
            nn.ReLU(),
            nn.Conv2d(c_out, c_out, 3, padding=1),
        )
        self.residual = residual
        reshape = stride != 1 or c_in != c_out
        self.shortcut = nn.Conv2d(c_in, c_out, 1, stride=stride) if reshape else nn.Identity()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.branch(x)
        return out + self.shortcut(x) if self.residual else out


def build_stack(channels: int, blocks: int, residual: bool, norm: bool = False):
    """stem → `blocks` blocks → a down block (stride 2, 2C) → `blocks` blocks → GAP → FC."""
    block = Block
    c = channels
    layers = [nn.Conv2d(1, c, 3, padding=1)]
    layers += [block(c, c, 1, residual, norm) for _ in range(blocks)]
    layers.append(block(c, 2 * c, 2, residual, norm))
    layers += [block(2 * c, 2 * c, 1, residual, norm) for _ in range(blocks)]
    head = [nn.ReLU(), nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(2 * c, 10)]
    return nn.Sequential(*layers, *head)


def check_zero_branch_identity(block: Any, x: torch.Tensor) -> Check:
    """With the branch's last conv zeroed, y = x + 0, so ∂y/∂x must be exactly I."""
    params = {k: v.detach().clone() for k, v in block.named_parameters()}
    last = [k for k in params if k.startswith("branch.")][-2:]  # last conv: weight, bias
    for k in last:
        params[k].zero_()
    jac = jacrev(lambda inp: functional_call(block, params, (inp,)))(x)
    jac = jac.reshape(x.numel(), x.numel())
    eye = torch.eye(x.numel(), dtype=x.dtype, device=x.device)
    diff = (jac - eye).abs().max().item()
    return Check(
        "zero-branch-identity",
        diff == 0.0,
        f"block with F ≡ 0: ∂y/∂x is {x.numel()}×{x.numel()}, max |J − I| = {diff:.1e}",
    )


def check_jacobian_sum(block: Any, x: torch.Tensor) -> Check:
    """∂y/∂x = I + ∂F/∂x: the adjoints of the shortcut and of the branch add at the fork."""
    n = x.numel()
    j_block = jacrev(block)(x).reshape(n, n)
    j_branch = jacrev(block.branch)(x).reshape(n, n)
    eye = torch.eye(n, dtype=x.dtype, device=x.device)
    diff = (j_block - (eye + j_branch)).abs().max().item()
    return Check(
        "block-jacobian-is-I-plus-branch",
        diff <= 1e-12 and j_branch.abs().max().item() > 0,
        f"max |J_block − (I + J_F)| = {diff:.1e}; ‖J_F‖ = {j_branch.norm().item():.2f}",
    )


def check_projection(block: Any, x: torch.Tensor) -> Check:
    """A shape-changing block: 1×1 stride-2 shortcut; with F ≡ 0 the block is that conv."""
    params = {k: v.detach().clone() for k, v in block.named_parameters()}
    for k in [k for k in params if k.startswith("branch.")][-2:]:
        params[k].zero_()
    y = functional_call(block, params, (x,))
    branch = block.branch(x)
    w, b = params["shortcut.weight"], params["shortcut.bias"]
    ref = F.conv2d(x, w, b, stride=2)
    side = conv_out_size(x.shape[-1], 3, 1, 2)
    shape_ok = tuple(y.shape) == tuple(branch.shape) == (x.shape[0], w.shape[0], side, side)
    diff = (y - ref).abs().max().item() if shape_ok else math.inf
    return Check(
        "projection-shortcut",
        shape_ok and diff <= 1e-12,
        f"{tuple(x.shape[1:])} → {tuple(y.shape[1:])}: branch and 1×1/2 shortcut agree in "
        f"shape; with F ≡ 0 the block equals F.conv2d(x, W_s, stride=2), max |Δ| = {diff:.1e}",
    )


class ResNetGradFlow(Demo):
    floor: ClassVar[float] = 0.8

    def setup(self, ctx: RunContext) -> None:
        p = ctx.params
        data = load_images(p["data"])
        perm = ctx.rng().permutation(len(data.x))
        n_eval = min(1000, max(64, len(data.x) // 5))
        x, y = torch.from_numpy(data.x[perm]), torch.from_numpy(data.y[perm])
        self.train_x, self.eval_x = x[n_eval:].to(ctx.device), x[:n_eval].to(ctx.device)
        self.train_y, self.eval_y = y[n_eval:].to(ctx.device), y[:n_eval].to(ctx.device)
        args = (p["channels"], p["blocks"])
        torch.manual_seed(ctx.seed)
        self.res = build_stack(*args, residual=True, norm=p["batchnorm"])
        self.plain = build_stack(*args, residual=False, norm=p["batchnorm"])
        self.plain.load_state_dict(self.res.state_dict())  # same weights; only the skips differ
        self.res, self.plain = self.res.to(ctx.device), self.plain.to(ctx.device)
        self.n_blocks = 2 * p["blocks"] + 1

    def checks(self, ctx: RunContext) -> Iterator[Check]:
        dev = torch.device("cpu") if ctx.device.type == "mps" else ctx.device
        gen = torch.Generator().manual_seed(ctx.seed)
        block = Block
        c = 3
        same = block(c, c, 1, True, False).to(dev, torch.float64)
        down = block(c, 2 * c, 2, True, False).to(dev, torch.float64)
        x = torch.randn(1, c, 4, 4, generator=gen, dtype=torch.float64).to(dev)
        yield check_zero_branch_identity(same, x)
        yield check_jacobian_sum(same, x)
        yield check_projection(
            down, torch.randn(2, c, 8, 8, generator=gen, dtype=torch.float64).to(dev)
        )

    def _blocks(self, net: Any) -> list[Any]:
        return list(net)[1 : 1 + self.n_blocks]

    def _grad_profile(self, net: Any) -> torch.Tensor:
        """‖∂L/∂θ‖ of every block, input side first."""
        norms = []
        for blk in self._blocks(net):
            grads = [q.grad.flatten() for q in blk.branch.parameters() if q.grad is not None]
            norms.append(torch.cat(grads).norm())
        return torch.stack(norms)  # (blocks,)

    def run(self, ctx: RunContext) -> Iterator[Frame]:
        p = ctx.params
        opt_res = torch.optim.Adam(self.res.parameters(), lr=p["lr"])
        opt_plain = torch.optim.Adam(self.plain.parameters(), lr=p["lr"])
        gen = torch.Generator(device=ctx.device).manual_seed(ctx.seed)
        n = len(self.train_x)
        # (step, residual profile, plain profile) at the recorded steps: the figure's heatmaps
        self.columns: list[tuple[int, torch.Tensor, torch.Tensor]] = []
        for step in range(ctx.total_steps):
            idx = torch.randint(0, n, (p["batch"],), device=ctx.device, generator=gen)
            x, y = self.train_x[idx], self.train_y[idx]
            losses = []
            for net, opt in ((self.res, opt_res), (self.plain, opt_plain)):
                net.train()
                loss = F.cross_entropy(net(x), y)
                opt.zero_grad(set_to_none=True)
                loss.backward()
                losses.append(loss)
            wanted = ctx.wants(step)
            if wanted:  # gradients of this step, before the update
                profiles = (self._grad_profile(self.res), self._grad_profile(self.plain))
            opt_res.step()
            opt_plain.step()
            if wanted:
                yield self._frame(ctx, step, losses, profiles)
        self.caption = self._caption(ctx)
        return self.caption

    def _frame(self, ctx: RunContext, step: int, losses, profiles) -> Frame:
        res_g, plain_g = (torch.log10(g.detach().clamp_min(1e-30)) for g in profiles)
        if ctx.should_record(step):
            self.columns.append((step, res_g.cpu(), plain_g.cpu()))
        with torch.no_grad():
            accs = []
            for net in (self.res, self.plain):
                net.eval()
                accs.append((net(self.eval_x).argmax(1) == self.eval_y).float().mean().item())
        metrics = {
            "res_loss": losses[0].item(),
            "plain_loss": losses[1].item(),
            "res_accuracy": accs[0],
            "plain_accuracy": accs[1],
            "res_reach": (res_g[0] - res_g[-1]).item(),
            "plain_reach": (plain_g[0] - plain_g[-1]).item(),
            "res_first": res_g[0].item(),  # log10 ‖∂L/∂θ‖ of block 0 (the input side)
            "plain_first": plain_g[0].item(),
        }
        recent = self.columns[-40:] or [(step, res_g.cpu(), plain_g.cpu())]
        res_map = torch.stack([c[1] for c in recent], dim=1)  # (blocks, records)
        plain_map = torch.stack([c[2] for c in recent], dim=1)
        lo, hi = (
            float(min(res_map.min(), plain_map.min())),
            float(max(res_map.max(), plain_map.max())),
        )
        labels = [str(b) for b in range(self.n_blocks)]
        return Frame(
            step=step,
            metrics=metrics,
            heatmaps=[
                heatmap(
                    "residual: log10 ‖∂L/∂θ‖ per block",
                    res_map,
                    f"record (one every {self._every(ctx)} steps)",
                    "block (input→)",
                    key="res-grad",
                    vmin=lo,
                    vmax=hi,
                ),
                heatmap(
                    "plain: log10 ‖∂L/∂θ‖ per block (same scale)",
                    plain_map,
                    f"record (one every {self._every(ctx)} steps)",
                    "block (input→)",
                    key="plain-grad",
                    vmin=lo,
                    vmax=hi,
                ),
            ],
            histograms=[
                histogram(
                    "residual: 30 + log10 gradient norm per block", res_g + 30, labels, key="res"
                ),
                histogram(
                    "plain: 30 + log10 gradient norm per block", plain_g + 30, labels, key="plain"
                ),
            ],
        )

    @staticmethod
    def _every(ctx: RunContext) -> int:
        """Steps between two records (the heatmaps' x axis counts records)."""
        return max(1, round((ctx.total_steps - 1) / max(1, len(ctx.record_steps) - 1)))

    def _caption(self, ctx: RunContext) -> Bilingual:
        """What to look for: the gradient at block 0 at step 0, and where each stack ends."""
        f = ctx.final
        start = ctx.history[0] if ctx.history else {}
        res0, plain0 = start.get("res_first", math.nan), start.get("plain_first", math.nan)
        res, plain = f.get("res_accuracy", math.nan), f.get("plain_accuracy", math.nan)
        n = self.n_blocks
        return Bilingual(
            en=(
                f"At step 0 the gradient norm of block 0 is {pow10(plain0)} in the plain "
                f"stack and {pow10(res0)} in the residual one ({n} blocks, the same weights): "
                f"without the shortcut every block multiplies the backward signal by a small "
                f"Jacobian, with it ∂y/∂x = I + ∂F/∂x passes it on. After {ctx.total_steps} "
                f"steps the residual stack classifies {res:.0%} of held-out digits, the plain "
                f"one {plain:.0%} (chance 10%)."
            ),
            it=(
                f"Al passo 0 la norma del gradiente del blocco 0 è {pow10(plain0)} nella rete "
                f"semplice e {pow10(res0)} in quella residua ({n} blocchi, gli stessi pesi): "
                f"senza scorciatoia ogni blocco moltiplica il segnale all'indietro per una "
                f"jacobiana piccola, con la scorciatoia ∂y/∂x = I + ∂F/∂x lo lascia passare. "
                f"Dopo {ctx.total_steps} passi la rete residua classifica {_it_pct(res)} delle "
                f"cifre di test, quella semplice {_it_pct(plain)} (caso 10%)."
            ),
        )

    def learned(self, ctx: RunContext) -> Check:
        res = ctx.final.get("res_accuracy", math.nan)
        plain = ctx.final.get("plain_accuracy", math.nan)
        first = ctx.history[0] if ctx.history else {}
        ok = res >= self.floor and plain <= res - 0.2
        return Check(
            "learning",
            bool(ok),
            f"held-out accuracy: residual {res:.3f} (floor {self.floor}), plain {plain:.3f} "
            f"(must trail by >= 0.2); at step 0 the gradient at the first block was "
            f"{pow10(first.get('res_reach', math.nan))} (residual) vs "
            f"{pow10(first.get('plain_reach', math.nan))} (plain) times the last block's",
        )

    def figures(self, ctx: RunContext, out_dir: Path) -> list[Path]:
        return [self._png(ctx, out_dir), self._gif(ctx, out_dir)]

    def _png(self, ctx: RunContext, out_dir: Path) -> Path:
        hist = ctx.history
        fig, axes = subplots(2, 3, (18, 10.5))
        ax = axes[0, 0]
        plot_history(
            ax, hist, ["res_loss", "plain_loss"], labels=["residual", "plain"], styles=["-", "--"]
        )
        ax.axhline(math.log(10), color="grey", ls=":", label="ln 10 (chance)")
        ax.set(title="training loss (cross-entropy)")
        ax.legend()
        ax = axes[0, 1]
        plot_history(
            ax,
            hist,
            ["res_accuracy", "plain_accuracy"],
            labels=["residual", "plain"],
            styles=["-", "--"],
        )
        ax.axhline(0.1, color="grey", ls=":", label="chance 0.1")
        ax.set(title="held-out accuracy: the contrast", ylim=(0, 1.02))
        ax.legend()
        ax = axes[0, 2]
        first, last = self.columns[0], self.columns[-1]
        blocks = range(self.n_blocks)
        ax.plot(blocks, first[1].numpy(), "o-", color="C0", label="residual, step 0")
        ax.plot(blocks, first[2].numpy(), "o-", color="C1", label="plain, step 0")
        ax.plot(blocks, last[1].numpy(), "--", color="C0", label="residual, end")
        ax.plot(blocks, last[2].numpy(), "--", color="C1", label="plain, end")
        _mark_down(ax, self.n_blocks)
        integer_ticks(ax)
        ax.set(title="log10 ‖∂L/∂θ‖ per block", xlabel="block (input side first)")
        ax.legend(fontsize=8)
        maps = [torch.stack([c[k] for c in self.columns], dim=1).numpy() for k in (1, 2)]
        lo, hi = min(m.min() for m in maps), max(m.max() for m in maps)  # one colour scale
        span = (self.columns[0][0], self.columns[-1][0], self.n_blocks - 0.5, -0.5)
        for ax, data, title in ((axes[1, 0], maps[0], "residual"), (axes[1, 1], maps[1], "plain")):
            image_panel(fig, ax, data, cmap="magma", vmin=lo, vmax=hi, aspect="auto", extent=span)
            ax.set(
                title=f"{title}: log10 ‖∂L/∂θ‖ per block (one scale)",
                xlabel="step",
                ylabel="block (input side first)",
            )
            ax.yaxis.set_major_locator(plt.MaxNLocator(integer=True))
            _mark_down(ax, self.n_blocks, rows=True)
        draw_block(axes[1, 2])
        p = ctx.params
        title = (
            f"resnet-gradflow: {self.n_blocks} blocks, {p['channels']} channels, "
            f"batchnorm={p['batchnorm']}, {ctx.total_steps} steps, {ctx.device}"
        )
        fig.suptitle(title, y=1.0, va="bottom")
        return save_figure(
            out_dir, "resnet-gradflow", fig, caption=f"{self.caption.en}\n{self.caption.it}"
        )

    def _gif(self, ctx: RunContext, out_dir: Path) -> Path:
        """The per-block gradient profiles of both stacks, record by record."""
        count = min(len(self.columns), GIF_FRAMES)
        picks = sorted(
            {round(i * (len(self.columns) - 1) / max(1, count - 1)) for i in range(count)}
        )
        fig, ax = subplots(1, 1, (7.5, 4.6))
        blocks = range(self.n_blocks)
        first = self.columns[0]
        (res_line,) = ax.plot(blocks, first[1].numpy(), "o-", color="C0", label="residual")
        (plain_line,) = ax.plot(blocks, first[2].numpy(), "s--", color="C1", label="plain")
        _mark_down(ax, self.n_blocks)
        lo = min(float(min(c[1].min(), c[2].min())) for c in self.columns)
        hi = max(float(max(c[1].max(), c[2].max())) for c in self.columns)
        ax.set(
            ylim=(lo - 0.5, hi + 0.5),
            xlabel="block (input side first)",
            ylabel="log10 ‖∂L/∂θ‖ of the block",
        )
        integer_ticks(ax)
        ax.legend(loc="lower right")
        acc = {h["step"]: h for h in ctx.history}

        def update(n: int) -> None:
            step, res, plain = self.columns[picks[n]]
            res_line.set_ydata(res.numpy())
            plain_line.set_ydata(plain.numpy())
            rec = acc.get(step, {})
            ax.set_title(
                f"step {step}: held-out accuracy residual {rec.get('res_accuracy', 0):.2f}, "
                f"plain {rec.get('plain_accuracy', 0):.2f}"
            )

        update(0)
        fig.tight_layout()
        return animation(out_dir, "resnet-gradflow", fig, update, len(picks), fps=4)


def _mark_down(ax: Any, n_blocks: int, rows: bool = False) -> None:
    """Mark the down block (stride 2, 2C, 1×1 projection shortcut) of a per-block plot.

    The stack is `blocks` blocks, the down block, `blocks` blocks (build_stack), so it is
    the middle one. On a line plot it is a grey band; on a heatmap (blocks as rows) two
    dashed lines around its row and a note at the right edge.
    """
    down = (n_blocks - 1) // 2
    label = f"block {down}: down (stride 2, 2C, 1×1 projection)"
    if rows:
        for y in (down - 0.5, down + 0.5):
            ax.axhline(y, color="white", ls="--", lw=1)
        ax.annotate(
            "down",
            (1.0, down),
            xycoords=("axes fraction", "data"),
            xytext=(-4, 0),
            textcoords="offset points",
            ha="right",
            va="center",
            fontsize=8,
            bbox={"fc": "white", "ec": "none", "alpha": 0.8, "pad": 1},
        )
    else:
        ax.axvspan(down - 0.4, down + 0.4, color="0.88", zorder=0, label=label)


def draw_block(ax: Any) -> None:
    """The computational graph of one residual block, as boxes and arrows."""
    ax.axis("off")
    ax.set(xlim=(0, 10), ylim=(0, 10))
    box = {"boxstyle": "round,pad=0.3", "fc": "white", "ec": "black"}
    ax.text(5, 9.3, "x", ha="center", va="center", fontsize=13, bbox=box)
    for y, text in ((7.4, "ReLU → conv 3×3"), (5.6, "ReLU → conv 3×3")):
        ax.text(2.8, y, text, ha="center", va="center", fontsize=10, bbox=box)
    ax.text(
        7.6,
        6.5,
        "identity\n(1×1 conv, stride 2\nif the shape changes)",
        ha="center",
        va="center",
        fontsize=9,
        bbox={**box, "ec": "tab:green"},
    )
    ax.text(5, 3.6, "+", ha="center", va="center", fontsize=16, bbox={**box, "boxstyle": "circle"})
    ax.text(5, 2.2, "y = x + F(x)", ha="center", va="center", fontsize=12)
    arrow = {"arrowstyle": "->", "lw": 1.4}
    ax.annotate("", (2.8, 7.9), (4.6, 9.0), arrowprops=arrow)  # fork → branch
    ax.annotate("", (7.6, 7.5), (5.4, 9.0), arrowprops={**arrow, "color": "tab:green"})
    ax.annotate("", (2.8, 6.1), (2.8, 6.9), arrowprops=arrow)
    ax.annotate("", (4.6, 3.8), (2.8, 5.1), arrowprops=arrow)
    ax.annotate("", (5.4, 3.8), (7.6, 5.6), arrowprops={**arrow, "color": "tab:green"})
    ax.text(1.2, 4.3, "F(x)", fontsize=11)
    ax.text(
        5,
        0.6,
        "backward: ∂L/∂x = ∂L/∂y · (I + ∂F/∂x): the identity passes ∂L/∂y on unchanged;\n"
        "the plain stack keeps only ∂L/∂y · ∂F/∂x, one small factor per block",
        ha="center",
        va="center",
        fontsize=9,
    )
    ax.set_title("one residual block: the fork and the sum (x fans out, adjoints add)")


def _it_pct(x: float) -> str:
    """'il 93%', but 'l'88%' (the article elides before a vowel sound)."""
    n = round(100 * x)
    return f"l'{n}%" if n in (1, 8, 11) or 80 <= n <= 89 else f"il {n}%"


_SUPERSCRIPT = str.maketrans("0123456789-.", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻·")


def pow10(x: float, digits: int = 1) -> str:
    """10 to a decimal power, written 10⁻⁷·⁶ (readable in a terminal and under a figure)."""
    text = f"{x:.{digits}f}"
    text = text.removeprefix("-") if float(text) == 0 else text  # no "10⁻⁰·⁰"
    return "10" + text.translate(_SUPERSCRIPT)
