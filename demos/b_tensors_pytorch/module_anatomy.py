"""Anatomy of an ``nn.Module`` and the training loop (b.08, b.09, b.13).

A custom module (b.08, b.09) is a class with two methods of its own: ``__init__`` calls
``super().__init__()`` and *assigns* layers, ``nn.Parameter``s and buffers as attributes
(assignment is what registers them), ``forward`` says how the output is computed.
Everything else is inherited: ``parameters()`` for the optimizer, ``state_dict()`` /
``load_state_dict()`` for checkpoints (parameters *and* buffers), ``train()`` / ``eval()``
switching Dropout and BatchNorm, ``.to(device)`` moving all of it, ``zero_grad()``.

The model here: Linear(64→H) → BatchNorm1d → ReLU → Dropout → Linear(H→10), plus a
learnable temperature and a buffer counting training batches. The training loop (b.13):
for each batch ``zero_grad → forward → loss → backward → step``, with ``eval()`` and
``no_grad`` for evaluation. Live: loss, accuracy in eval mode and with dropout still on,
the parameter count per tensor, gradient norms per tensor, the first-layer weights as
8×8 images and BatchNorm's running mean.
"""

from __future__ import annotations

import io
import math
from collections.abc import Iterator
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import nn

from demos.platform import Check, Demo, Frame, RunContext, heatmap, histogram, picture
from demos.platform.data import load_digits
from demos.platform.figures import plot_history, save_figure, subplots


class DigitNet(nn.Module):
    """The custom module of b.08/b.09: layers, a bare parameter, a buffer, a plain tensor."""

    def __init__(self, hidden: int, dropout: float):
        super().__init__()  # creates the registries of parameters, buffers, submodules
        self.fc1 = nn.Linear(64, hidden)  # a submodule: its parameters are ours too
        self.bn = nn.BatchNorm1d(hidden)  # parameters (γ, β) and buffers (running stats)
        self.drop = nn.Dropout(dropout)
        self.fc2 = nn.Linear(hidden, 10)
        self.log_temp = nn.Parameter(torch.zeros(()))  # a bare learnable tensor
        self.register_buffer("batches_seen", torch.zeros((), dtype=torch.long))
        self.not_registered = torch.ones(3)  # a plain tensor attribute: not a parameter

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.training:
            self.batches_seen += 1
        h = self.drop(torch.relu(self.bn(self.fc1(x.flatten(1)))))  # (B, H)
        return self.fc2(h) / self.log_temp.exp()  # (B, 10)


def build_model(hidden: int, dropout: float) -> DigitNet:
    """A fresh DigitNet (its initial weights come from torch's global generator)."""
    return DigitNet(hidden, dropout)


def count_by_hand(hidden: int) -> int:
    """fc1: 64·H + H, bn: γ and β (2H), fc2: H·10 + 10, temperature: 1."""
    return 64 * hidden + hidden + 2 * hidden + hidden * 10 + 10 + 1


def forward_by_hand(model, x: torch.Tensor) -> torch.Tensor:
    """The eval-mode forward written out: BatchNorm uses the running statistics, no dropout."""
    h = x.flatten(1) @ model.fc1.weight.t() + model.fc1.bias
    bn = model.bn
    h = (h - bn.running_mean) / torch.sqrt(bn.running_var + bn.eps) * bn.weight + bn.bias
    return (torch.relu(h) @ model.fc2.weight.t() + model.fc2.bias) / model.log_temp.exp()


def check_parameter_count(model, hidden: int, by_hand=count_by_hand) -> Check:
    names = [n for n, _ in model.named_parameters()]
    total = sum(p.numel() for p in model.parameters())
    buffers = [n for n, _ in model.named_buffers()]
    want = by_hand(hidden)
    ok = total == want and "not_registered" not in names and "batches_seen" not in names
    return Check(
        "parameter-count",
        bool(ok),
        f"sum of numel = {total}, by hand 64·{hidden}+{hidden} + 2·{hidden} + {hidden}·10+10 + 1 "
        f"= {want}; {len(names)} parameter tensors {names}; buffers {buffers} (not trained); "
        f"plain tensor attribute registered: {'not_registered' in names}",
    )


def check_state_dict(model, fresh, x: torch.Tensor) -> Check:
    """torch.save(state_dict) → load into a differently initialised twin → same outputs."""
    model.eval()
    fresh.eval()
    before = (fresh(x) - model(x)).abs().max().item()
    buf = io.BytesIO()
    torch.save(model.state_dict(), buf)
    buf.seek(0)
    result = fresh.load_state_dict(torch.load(buf, map_location=x.device))
    after = (fresh(x) - model(x)).abs().max().item()
    keys = list(model.state_dict())
    expected = {n for n, _ in model.named_parameters()} | {n for n, _ in model.named_buffers()}
    ok = after == 0.0 and before > 0 and set(keys) == expected and not result.missing_keys
    return Check(
        "state-dict-round-trip",
        bool(ok),
        f"{len(keys)} entries (parameters + buffers, e.g. bn.running_mean); max output gap "
        f"{before:.2e} before loading, {after:.1e} after ({len(buf.getvalue())} bytes)",
    )


def check_train_eval(model, x: torch.Tensor, by_hand=forward_by_hand) -> Check:
    """train(): dropout makes two passes differ; eval(): deterministic and == the formula."""
    model.train()
    counter = int(model.batches_seen)
    with torch.no_grad():
        a, b = model(x), model(x)
    train_differs = (a - b).abs().max().item() > 0
    counted = int(model.batches_seen) - counter == 2
    model.eval()
    with torch.no_grad():
        c, d = model(x), model(x)
        gap = (c - by_hand(model, x)).abs().max().item()
    dropout_on = model.drop.p > 0  # with p = 0 train mode is deterministic too
    ok = train_differs == dropout_on and counted and torch.equal(c, d) and gap <= 1e-5
    return Check(
        "train-eval-modes",
        bool(ok),
        f"train(): two passes differ {train_differs} (dropout, batch statistics), buffer "
        f"counted the calls {counted}; eval(): identical passes {torch.equal(c, d)}, equal to "
        f"the hand-written forward with running statistics to {gap:.1e}",
    )


def check_loop_pieces(model, x: torch.Tensor, y: torch.Tensor, device) -> Check:
    """.to(device) moved everything; gradients accumulate without zero_grad."""
    where = {t.device.type for t in [*model.parameters(), *model.buffers()]}
    model.train()
    model.zero_grad()
    model.drop.p, saved = 0.0, model.drop.p  # the same function twice
    F.cross_entropy(model(x), y).backward()
    once = model.fc2.weight.grad.clone()
    F.cross_entropy(model(x), y).backward()
    twice = model.fc2.weight.grad.clone()
    model.zero_grad(set_to_none=True)
    model.drop.p = saved
    ratio = (twice.norm() / once.norm()).item()
    cleared = model.fc2.weight.grad is None
    ok = where == {device.type} and abs(ratio - 2.0) < 1e-3 and cleared
    return Check(
        "device-and-zero-grad",
        bool(ok),
        f"parameters and buffers on {sorted(where)} after .to({device.type}); a second backward "
        f"without zero_grad gives ×{ratio:.4f} the gradient (accumulates); zero_grad clears it",
    )


class ModuleAnatomy(Demo):
    def setup(self, ctx: RunContext) -> None:
        p = ctx.params
        digits = load_digits()
        perm = ctx.rng().permutation(len(digits.y))
        test, train = perm[:300], perm[300:]
        self.train_x = torch.from_numpy(digits.x[train]).to(ctx.device)  # (N, 1, 8, 8)
        self.train_y = torch.from_numpy(digits.y[train]).to(ctx.device)
        self.eval_x = torch.from_numpy(digits.x[test]).to(ctx.device)
        self.eval_y = torch.from_numpy(digits.y[test]).to(ctx.device)
        # built on the CPU (same initial weights on every device), then moved
        self.model = build_model(p["hidden"], p["dropout"]).to(ctx.device)

    def checks(self, ctx: RunContext) -> Iterator[Check]:
        p = ctx.params
        x, y = self.train_x[:32], self.train_y[:32]
        probe = build_model(p["hidden"], p["dropout"]).to(ctx.device)  # checks use a twin
        probe.load_state_dict(self.model.state_dict())
        with torch.no_grad():  # some running statistics, so eval mode is not the identity
            probe.train()
            probe(self.train_x[:256])
        yield check_parameter_count(probe, p["hidden"])
        fresh = build_model(p["hidden"], p["dropout"]).to(ctx.device)
        yield check_state_dict(probe, fresh, x)
        yield check_train_eval(probe, x)
        yield check_loop_pieces(probe, x, y, ctx.device)

    def run(self, ctx: RunContext) -> Iterator[Frame]:
        p = ctx.params
        model = self.model
        opt = torch.optim.SGD(model.parameters(), lr=p["lr"], momentum=p["momentum"])
        gen = torch.Generator(device="cpu").manual_seed(ctx.seed)
        n = len(self.train_x)
        self.names = [name for name, _ in model.named_parameters()]
        for step in range(ctx.total_steps):
            idx = torch.randint(0, n, (p["batch"],), generator=gen).to(ctx.device)
            model.train()  # dropout on, BatchNorm uses and updates batch statistics
            opt.zero_grad(set_to_none=True)
            loss = F.cross_entropy(model(self.train_x[idx]), self.train_y[idx])
            loss.backward()
            if ctx.wants(step):  # the gradients of this step, before the update
                grads = [prm.grad.norm().item() for prm in model.parameters()]
                opt.step()
                yield self._frame(ctx, step, loss.item(), grads)
            else:
                opt.step()

    def _frame(self, ctx, step, loss, grads) -> Frame:
        model = self.model
        # dropout draws from torch's generator: fork it, so training sees the same numbers
        # whether or not this step builds a frame
        with torch.no_grad(), torch.random.fork_rng(devices=[ctx.device] if ctx.cuda else []):
            model.train()
            state = {k: v.clone() for k, v in model.state_dict().items()}  # train mode updates BN
            acc_train = (model(self.eval_x).argmax(1) == self.eval_y).float().mean().item()
            model.load_state_dict(state)
            model.eval()
            logits = model(self.eval_x)
            acc = (logits.argmax(1) == self.eval_y).float().mean().item()
            eval_loss = F.cross_entropy(logits, self.eval_y).item()
        w = model.fc1.weight.detach()[:8].view(-1, 8, 8)  # (8, 8, 8): first 8 hidden units
        w = (w - w.min()) / (w.max() - w.min() + 1e-8)
        tiles = torch.cat([w, torch.full((len(w), 8, 1), 0.5, device=w.device)], 2)
        tiles = tiles.permute(1, 0, 2).reshape(8, -1)[:, :-1]
        counts = [prm.numel() for prm in model.parameters()]
        self.last = {
            "tiles": tiles.cpu(),
            "counts": counts,
            "grads": grads,
            "running_mean": model.bn.running_mean.cpu().clone(),
        }
        return Frame(
            step=step,
            metrics={
                "loss": loss,
                "eval_loss": eval_loss,
                "accuracy": acc,
                "accuracy_train_mode": acc_train,
                "temperature": model.log_temp.exp().item(),
                "batches_seen": float(model.batches_seen.item()),
            },
            pictures=[picture("fc1 weights of hidden units 0-7 as 8×8 images", tiles)],
            heatmaps=[
                heatmap(
                    "bn.running_mean (buffer, not a parameter)",
                    model.bn.running_mean[None, :],
                    "hidden unit",
                    "",
                )
            ],
            histograms=[
                histogram("parameters per tensor (numel)", counts, self.names),
                histogram(f"gradient norm per tensor, step {step}", grads, self.names),
            ],
        )

    def learned(self, ctx: RunContext) -> Check:
        acc = ctx.final.get("accuracy", math.nan)
        start = ctx.history[0]["eval_loss"] if ctx.history else math.nan
        end = ctx.final.get("eval_loss", math.nan)
        # the trained weights survive a checkpoint: a reloaded twin scores the same
        twin = build_model(ctx.params["hidden"], ctx.params["dropout"]).to(ctx.device)
        buf = io.BytesIO()
        torch.save(self.model.state_dict(), buf)
        buf.seek(0)
        twin.load_state_dict(torch.load(buf, map_location=ctx.device))
        twin.eval()
        with torch.no_grad():
            acc_twin = (twin(self.eval_x).argmax(1) == self.eval_y).float().mean().item()
        ok = acc >= 0.9 and end < 0.5 * start and abs(acc_twin - acc) < 1e-3
        return Check(
            "learning",
            bool(ok),
            f"held-out accuracy (eval mode) {acc:.3f} (floor 0.9); held-out loss {start:.3f} -> "
            f"{end:.3f}; reloaded from state_dict: {acc_twin:.3f}",
        )

    def figures(self, ctx: RunContext, out_dir: Path) -> list[Path]:
        fig, axes = subplots(2, 2, (13, 8))
        ax = axes[0, 0]
        hist = ctx.history
        plot_history(ax, hist, ["accuracy"], labels=["eval() mode"])
        plot_history(ax, hist, ["accuracy_train_mode"], labels=["train() mode (dropout on)"])
        ax.set(title="held-out accuracy", xlabel="step", ylim=(0, 1.02))
        ax.legend()
        ax = axes[0, 1]
        ax.barh(self.names, self.last["counts"])
        ax.set(title=f"parameters per tensor, total {sum(self.last['counts'])}", xscale="log")
        ax = axes[1, 0]
        ax.barh(self.names, self.last["grads"])
        ax.set(title="gradient norm per tensor (last frame)")
        ax = axes[1, 1]
        ax.imshow(self.last["tiles"].numpy(), cmap="coolwarm")
        ax.set_title("fc1 weights of hidden units 0-7 (8×8 each)")
        ax.axis("off")
        title = (
            f"module-anatomy: H = {ctx.params['hidden']}, dropout {ctx.params['dropout']:g} "
            f"({ctx.device})"
        )
        return [save_figure(out_dir, "module-anatomy", fig, title=title, dpi=110)]
