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
``no_grad`` for evaluation.

Two twins start from the same weights and see the same batches, each missing one piece:

* ``PlainListNet`` keeps the same layers in a plain Python list instead of
  ``nn.ModuleList``: ``parameters()``, ``state_dict()``, ``.to()`` and ``eval()`` never
  reach them, so the optimizer trains only the temperature and the network stays as
  initialised (it runs on the CPU, where its layers were made: ``.to(device)`` cannot
  move them);
* a DigitNet trained by a loop that never calls ``zero_grad()``: every ``backward()``
  adds to the gradients of all the steps before, the steps grow without bound and the
  loss ends in NaN.

Live: loss and accuracy of the three (eval mode and, for the model, with dropout still
on), the parameter count per tensor, the gradient norms per tensor (fc1.bias gets none:
BatchNorm subtracts the batch mean, which is all a bias before it can shift), the
first-layer weights as 8×8 images and BatchNorm's running mean.
"""

from __future__ import annotations

import inspect
import io
import math
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from demos.platform import Bilingual, Check, Demo, Frame, RunContext, heatmap, histogram, picture
from demos.platform.data import load_digits
from demos.platform.figures import animation, integer_ticks, plot_history, save_figure, subplots

# the run's three models, with their colours in the figures
RUNS = {
    "accuracy": ("tab:blue", "DigitNet, eval()"),
    "accuracy_train_mode": ("tab:cyan", "DigitNet, train() (dropout on)"),
    "accuracy_plain_list": ("tab:red", "layers in a plain list"),
    "accuracy_no_zero_grad": ("tab:purple", "loop without zero_grad()"),
}


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


class PlainListNet(nn.Module):
    """DigitNet's layers kept in a plain Python list: nn.Module never sees them.

    The fix is one word, ``nn.ModuleList([...])``; without it ``parameters()`` lists only
    ``log_temp``, ``state_dict()`` saves only it, and ``.to()``/``eval()`` skip the layers.
    """

    def __init__(self, hidden: int, dropout: float):
        super().__init__()
        self.layers = [  # a plain list: not registered
            nn.Linear(64, hidden),
            nn.BatchNorm1d(hidden),
            nn.ReLU(),
            nn.Dropout(dropout),
            nn.Linear(hidden, 10),
        ]
        self.log_temp = nn.Parameter(torch.zeros(()))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = x.flatten(1)  # (B, 64)
        for layer in self.layers:
            h = layer(h)
        return h / self.log_temp.exp()  # (B, 10)


def build_model(hidden: int, dropout: float) -> DigitNet:
    """A fresh DigitNet (its initial weights come from torch's global generator)."""
    return DigitNet(hidden, dropout)


def plain_list_copy(model: DigitNet) -> PlainListNet:
    """A PlainListNet on the CPU holding copies of ``model``'s layers and weights."""
    twin = PlainListNet(model.fc1.out_features, model.drop.p)
    fc1, bn, _, _, fc2 = twin.layers
    with torch.no_grad():
        for mine, theirs in ((fc1, model.fc1), (bn, model.bn), (fc2, model.fc2)):
            mine.load_state_dict({k: v.detach().cpu() for k, v in theirs.state_dict().items()})
        twin.log_temp.copy_(model.log_temp.detach().cpu())
    return twin


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


def check_bias_before_batchnorm(model, x: torch.Tensor, y: torch.Tensor) -> Check:
    """In train mode BatchNorm subtracts the batch mean, so fc1.bias gets (almost) no gradient."""
    model.train()
    model.zero_grad()
    with torch.random.fork_rng(devices=[x.device] if x.device.type == "cuda" else []):
        F.cross_entropy(model(x), y).backward()
    bias, weight = model.fc1.bias.grad.norm().item(), model.fc1.weight.grad.norm().item()
    model.zero_grad(set_to_none=True)
    ratio = bias / weight if weight > 0 else math.inf
    return Check(
        "bias-before-batchnorm",
        bool(weight > 0 and ratio < 1e-4),
        f"‖∂L/∂fc1.bias‖ = {bias:.1e} vs ‖∂L/∂fc1.weight‖ = {weight:.3f} (ratio {ratio:.1e}): "
        "BatchNorm removes the per-unit batch mean, and a bias only shifts that mean",
    )


def check_plain_list(hidden: int, dropout: float, x: torch.Tensor) -> Check:
    """Layers in a plain list escape parameters(), state_dict(), .to() and eval()."""
    twin = PlainListNet(hidden, dropout)
    names = [n for n, _ in twin.named_parameters()]
    keys = list(twin.state_dict())
    twin.to(torch.float64)  # a conversion .to() applies to every registered tensor
    dtypes = (twin.log_temp.dtype, twin.layers[0].weight.dtype)
    twin.eval()
    dropout_training = twin.layers[3].training  # eval() did not reach the list
    ref = DigitNet(hidden, dropout)
    ok = (
        names == ["log_temp"]
        and keys == ["log_temp"]
        and dtypes == (torch.float64, torch.float32)
        and dropout_training
        and sum(p.numel() for p in ref.parameters()) == count_by_hand(hidden)
    )
    return Check(
        "plain-list-not-registered",
        bool(ok),
        f"plain list of {len(twin.layers)} layers: parameters() {names}, state_dict() {keys}; "
        f".to(float64) made log_temp {str(dtypes[0])[6:]} but the list's Linear stayed "
        f"{str(dtypes[1])[6:]}; after eval() its Dropout is still training: {dropout_training}",
    )


def _thin(steps: Sequence[int], most: int) -> list[int]:
    """At most ``most`` of the steps, evenly spread, always with the first and the last."""
    steps = list(steps)
    if len(steps) <= most:
        return steps
    picks = {round(i * (len(steps) - 1) / (most - 1)) for i in range(most)}
    return [steps[i] for i in sorted(picks)]


def _accuracy(model: nn.Module, x: torch.Tensor, y: torch.Tensor) -> float:
    return (model(x).argmax(1) == y).float().mean().item()


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
        model = build_model(p["hidden"], p["dropout"])
        self.plain = plain_list_copy(model)  # stays on the CPU: .to() cannot move its layers
        self.lazy = build_model(p["hidden"], p["dropout"])  # the loop without zero_grad
        self.lazy.load_state_dict(model.state_dict())
        self.model, self.lazy = model.to(ctx.device), self.lazy.to(ctx.device)
        self.init_fc1 = {k: v.detach().clone() for k, v in self.model.fc1.state_dict().items()}

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
        yield check_bias_before_batchnorm(probe, self.train_x[:64], self.train_y[:64])
        yield check_plain_list(p["hidden"], p["dropout"], x)

    def run(self, ctx: RunContext) -> Iterator[Frame]:
        p = ctx.params
        model, lazy, plain = self.model, self.lazy, self.plain
        opt = torch.optim.SGD(model.parameters(), lr=p["lr"], momentum=p["momentum"])
        opt_lazy = torch.optim.SGD(lazy.parameters(), lr=p["lr"], momentum=p["momentum"])
        opt_plain = torch.optim.SGD(plain.parameters(), lr=p["lr"], momentum=p["momentum"])
        gen = torch.Generator(device="cpu").manual_seed(ctx.seed)
        n = len(self.train_x)
        self.names = [name for name, _ in model.named_parameters()]
        self.plain_x, self.plain_y = self.train_x.cpu(), self.train_y.cpu()
        self.plain_eval = (self.eval_x.cpu(), self.eval_y.cpu())
        self.nan_step: int | None = None  # when the loop without zero_grad hit NaN
        self.snapshots: dict[int, dict[str, Any]] = {}
        for step in range(ctx.total_steps):
            idx = torch.randint(0, n, (p["batch"],), generator=gen)
            x, y = self.train_x[idx.to(ctx.device)], self.train_y[idx.to(ctx.device)]
            model.train()  # dropout on, BatchNorm uses and updates batch statistics
            opt.zero_grad(set_to_none=True)
            loss = F.cross_entropy(model(x), y)
            loss.backward()
            if self.nan_step is None:  # the same loop, zero_grad forgotten
                lazy.train()
                lazy_loss = F.cross_entropy(lazy(x), y)
                lazy_loss.backward()  # adds to every earlier step's gradient
                opt_lazy.step()
                if not math.isfinite(lazy_loss.item()):
                    self.nan_step = step
            plain.train()  # reaches nothing: the list's layers keep their own mode
            opt_plain.zero_grad(set_to_none=True)
            F.cross_entropy(plain(self.plain_x[idx]), self.plain_y[idx]).backward()
            opt_plain.step()
            if ctx.wants(step):  # the gradients of this step, before the update
                grads = [prm.grad.norm().item() for prm in model.parameters()]
                opt.step()
                yield self._frame(ctx, step, loss.item(), grads)
            else:
                opt.step()
        return self.caption(ctx)

    def _frame(self, ctx, step, loss, grads) -> Frame:
        model = self.model
        # dropout draws from torch's generator (and the plain list's Dropout stays in train
        # mode even under eval()): fork it, so training sees the same numbers whether or
        # not this step builds a frame
        with torch.no_grad(), torch.random.fork_rng(devices=[ctx.device] if ctx.cuda else []):
            model.train()
            state = {k: v.clone() for k, v in model.state_dict().items()}  # train mode updates BN
            acc_train = _accuracy(model, self.eval_x, self.eval_y)
            model.load_state_dict(state)
            model.eval()
            logits = model(self.eval_x)
            acc = (logits.argmax(1) == self.eval_y).float().mean().item()
            eval_loss = F.cross_entropy(logits, self.eval_y).item()
            self.lazy.eval()
            lazy_logits = self.lazy(self.eval_x)
            acc_lazy = (lazy_logits.argmax(1) == self.eval_y).float().mean().item()
            lazy_loss = F.cross_entropy(lazy_logits, self.eval_y).item()
            self.plain.eval()
            acc_plain = _accuracy(self.plain, *self.plain_eval)
        w = model.fc1.weight.detach()[:8].view(-1, 8, 8)  # (8, 8, 8): first 8 hidden units
        scaled = (w - w.min()) / (w.max() - w.min() + 1e-8)
        tiles = torch.cat([scaled, torch.full((len(w), 8, 1), 0.5, device=w.device)], 2)
        tiles = tiles.permute(1, 0, 2).reshape(8, -1)[:, :-1]
        counts = [prm.numel() for prm in model.parameters()]
        moved = {k: (v - self.init_fc1[k]).norm().item() for k, v in model.fc1.state_dict().items()}
        by_name = dict(zip(self.names, grads, strict=True))
        self.last = {
            "counts": counts,
            "grads": grads,
            "weights": w.cpu().clone(),
            "running_mean": model.bn.running_mean.cpu().clone(),
            "moved": moved,
        }
        if ctx.should_record(step):
            self.snapshots[step] = {"weights": w.cpu().clone(), "grads": list(grads)}
        return Frame(
            step=step,
            metrics={
                "loss": loss,
                "eval_loss": eval_loss,
                "eval_loss_no_zero_grad": lazy_loss,
                "accuracy": acc,
                "accuracy_train_mode": acc_train,
                "accuracy_plain_list": acc_plain,
                "accuracy_no_zero_grad": acc_lazy,
                "temperature": model.log_temp.exp().item(),
                "batches_seen": float(model.batches_seen.item()),
                "grad_fc1_weight": by_name["fc1.weight"],
                "grad_fc1_bias": by_name["fc1.bias"],
                "fc1_bias_moved": moved["bias"],
                "fc1_weight_moved": moved["weight"],
                "params_registered": float(sum(counts)),
                "params_plain_list": float(sum(q.numel() for q in self.plain.parameters())),
                "nan_step": math.nan if self.nan_step is None else float(self.nan_step),
            },
            pictures=[picture("fc1 weights of hidden units 0-7 as 8×8 images", tiles)],
            heatmaps=[
                heatmap(
                    "bn.running_mean (buffer, not a parameter)",
                    model.bn.running_mean[None, :],
                    "hidden unit",
                    "",
                ),
                heatmap(
                    "fc1 weights of units 0-7 (shared scale, 0 = white)",
                    w.permute(1, 0, 2).reshape(8, -1),
                    "unit × pixel column",
                    "pixel row",
                    key="fc1-weights",
                    vmin=-float(w.abs().max()),
                    vmax=float(w.abs().max()),
                ),
            ],
            histograms=[
                histogram("parameters per tensor (numel)", counts, self.names),
                histogram(f"gradient norm per tensor, step {step}", grads, self.names),
                histogram(
                    "parameters the optimizer sees: registered vs plain list",
                    [sum(counts), sum(q.numel() for q in self.plain.parameters())],
                    ["registered", "plain list"],
                    key="registered",
                ),
            ],
        )

    # -- judging and telling -------------------------------------------------------------

    def learned(self, ctx: RunContext) -> Check:
        f = ctx.final
        acc = f.get("accuracy", math.nan)
        start = ctx.history[0]["eval_loss"] if ctx.history else math.nan
        end = f.get("eval_loss", math.nan)
        # the trained weights survive a checkpoint: a reloaded twin scores the same
        twin = build_model(ctx.params["hidden"], ctx.params["dropout"]).to(ctx.device)
        buf = io.BytesIO()
        torch.save(self.model.state_dict(), buf)
        buf.seek(0)
        twin.load_state_dict(torch.load(buf, map_location=ctx.device))
        twin.eval()
        with torch.no_grad():
            acc_twin = _accuracy(twin, self.eval_x, self.eval_y)
        plain, lazy = (
            f.get("accuracy_plain_list", math.nan),
            f.get("accuracy_no_zero_grad", math.nan),
        )
        margin = 0.5
        ok = (
            acc >= 0.9
            and end < 0.5 * start
            and abs(acc_twin - acc) < 1e-3
            and acc - plain >= margin
            and acc - lazy >= margin
        )
        nan = "never" if self.nan_step is None else f"from step {self.nan_step}"
        return Check(
            "learning",
            bool(ok),
            f"held-out accuracy (eval mode) {acc:.3f} (floor 0.9); held-out loss {start:.3f} -> "
            f"{end:.3f}; reloaded from state_dict: {acc_twin:.3f}; layers in a plain list "
            f"{plain:.3f}, loop without zero_grad {lazy:.3f} (loss NaN {nan}); each needs to "
            f"trail by {margin}",
        )

    def caption(self, ctx: RunContext) -> Bilingual:
        """What to look for, filled from this run's numbers."""
        f = ctx.final
        reg, plain = int(f.get("params_registered", 0)), int(f.get("params_plain_list", 0))
        nan_en = (
            f"its loss is NaN from step {self.nan_step}"
            if self.nan_step is not None
            else "its loss explodes"
        )
        nan_it = (
            f"la sua loss è NaN dal passo {self.nan_step}"
            if self.nan_step is not None
            else "la sua loss esplode"
        )

        def n(v: float, it: bool = False) -> str:
            text = f"{v:.2f}"
            return text.replace(".", ",") if it else text

        bias = _sci(f.get("grad_fc1_bias", math.nan))
        weight = f.get("grad_fc1_weight", math.nan)
        return Bilingual(
            en=(
                f"Registered as attributes, the layers give parameters() {reg} numbers and the "
                f"net reaches {n(f['accuracy'])} held-out accuracy; kept in a plain Python list "
                f"they escape parameters(), state_dict() and .to(), only log_temp ({plain} "
                f"number) trains and accuracy stays at {n(f['accuracy_plain_list'])}. A loop "
                f"without zero_grad() adds up every past gradient: {nan_en}, accuracy "
                f"{n(f['accuracy_no_zero_grad'])}. fc1.bias gets a gradient of {bias} against "
                f"{n(weight)} for fc1.weight, because BatchNorm subtracts the batch mean that the "
                f"bias shifts."
            ),
            it=(
                f"Registrati come attributi, i layer danno a parameters() {reg} numeri e la rete "
                f"arriva a {n(f['accuracy'], True)} di accuratezza sui dati di test; tenuti in una "
                f"semplice lista Python sfuggono a parameters(), state_dict() e .to(), si "
                f"addestra solo log_temp ({plain} numero) e l'accuratezza resta "
                f"{n(f['accuracy_plain_list'], True)}. Un ciclo senza zero_grad() somma tutti i "
                f"gradienti passati: {nan_it}, accuratezza {n(f['accuracy_no_zero_grad'], True)}. "
                f"fc1.bias riceve un gradiente di {_sci(f.get('grad_fc1_bias', math.nan), it=True)}"
                f" contro {n(weight, True)} di fc1.weight, perché BatchNorm sottrae la media del "
                f"batch, che è proprio ciò che il bias sposta."
            ),
        )

    # -- figures -------------------------------------------------------------------------

    def figures(self, ctx: RunContext, out_dir: Path) -> list[Path]:
        p = ctx.params
        fig, axes = subplots(3, 3, (21, 16.5))
        self._code_panel(axes[0, 0])
        self._tree_panel(axes[0, 1])
        self._registered_panel(axes[0, 2], ctx)
        self._loop_panel(axes[1, 0], ctx)
        ax = axes[1, 1]
        keys = list(RUNS)
        plot_history(
            ax,
            ctx.history,
            keys,
            labels=[RUNS[k][1] for k in keys],
            styles=["-", "--", "-", ":"],
            ylim=(0, 1),
            ylabel="held-out accuracy",
            title="held-out accuracy of the model and its two broken twins",
        )
        for line, key in zip(ax.get_lines(), keys, strict=True):
            line.set_color(RUNS[key][0])
            line.set_linewidth(2)
        ax.axhline(0.1, color="grey", ls=":", lw=1, label="chance 0.1")
        ax.legend(fontsize=9, loc="center right")
        ax = axes[1, 2]
        plot_history(
            ax,
            ctx.history,
            ["loss", "eval_loss", "eval_loss_no_zero_grad"],
            labels=[
                "DigitNet, training batch",
                "DigitNet, held-out (eval)",
                "without zero_grad(), held-out",
            ],
            styles=["-", "--", ":"],
            log=True,
            ylabel="cross-entropy",
            title="loss (log): the loop without zero_grad() ends in NaN",
        )
        if self.nan_step is not None:  # in the legend: a label in the panel sits on the curves
            ax.axvline(
                self.nan_step,
                color="tab:purple",
                ls=":",
                lw=1.5,
                label=f"NaN from step {self.nan_step} (no zero_grad())",
            )
            ax.legend(fontsize=8)
        self._grad_panel(axes[2, 0], ctx)
        self._weights_panel(fig, axes[2, 1])
        self._state_dict_panel(axes[2, 2])
        cap = self.caption(ctx)
        title = (
            f"module-anatomy: H = {p['hidden']}, dropout {p['dropout']:g}, SGD η = {p['lr']:g} "
            f"momentum {p['momentum']:g}, {ctx.total_steps} steps ({ctx.device})"
        )
        fig.suptitle(title, y=1.0, va="bottom", fontsize=14)
        png = save_figure(out_dir, "module-anatomy", fig, dpi=85, caption=f"{cap.en}\n{cap.it}")
        return [png, self._animation(ctx, out_dir)]

    def _code_panel(self, ax) -> None:
        """The module's own code: __init__ registers by assignment, forward computes."""
        lines = [
            line
            for line in inspect.getsource(DigitNet).splitlines()
            if line.strip() and not line.strip().startswith('"""')
        ]
        ax.axis("off")
        ax.set_title("__init__ registers by assignment, forward computes (b.08, b.09)")
        for i, line in enumerate(lines):
            colour = "k"
            if "not_registered" in line:
                colour = "tab:red"
            elif "register_buffer" in line:
                colour = "tab:green"
            elif "nn.Parameter" in line or "nn.Linear" in line or "nn.BatchNorm" in line:
                colour = "tab:blue"
            elif "def " in line:
                colour = "tab:purple"
            ax.text(
                0.0,
                1 - i / max(len(lines), 20),
                line,
                family="monospace",
                fontsize=9,
                color=colour,
                va="top",
                transform=ax.transAxes,
            )
        ax.text(
            0.0,
            0.02,
            "blue: parameters (trained)   green: buffer (saved, not trained)   "
            "red: plain tensor (neither)",
            fontsize=8.5,
            transform=ax.transAxes,
        )

    def _tree_panel(self, ax) -> None:
        """named_children() with each one's own parameters and buffers, and their shapes."""
        model = self.model
        rows: list[tuple[str, str]] = [
            (f"DigitNet  ({sum(q.numel() for q in model.parameters())} parameters)", "k")
        ]
        own = [
            ("log_temp", model.log_temp, "tab:blue"),
            ("batches_seen", model.batches_seen, "tab:green"),
        ]
        children = list(model.named_children())
        items: list[tuple[str, Any]] = [
            *[("child", c) for c in children],
            *[("own", o) for o in own],
        ]
        items.append(("plain", None))
        for k, (kind, item) in enumerate(items):
            last = k == len(items) - 1
            branch = "└─ " if last else "├─ "
            stem = "   " if last else "│  "
            if kind == "child":
                name, mod = item
                rows.append((f"{branch}{name}: {_describe(mod)}", "tab:purple"))
                for pname, prm in mod.named_parameters(recurse=False):
                    rows.append(
                        (f"{stem}   · {pname} {tuple(prm.shape)} = {prm.numel()}", "tab:blue")
                    )
                for bname, buf in mod.named_buffers(recurse=False):
                    rows.append((f"{stem}   · {bname} {tuple(buf.shape)} (buffer)", "tab:green"))
            elif kind == "own":
                name, tensor, colour = item
                what = "Parameter" if isinstance(tensor, nn.Parameter) else "buffer"
                rows.append((f"{branch}{name} {tuple(tensor.shape)} ({what})", colour))
            else:
                rows.append(
                    (
                        f"{branch}not_registered {tuple(model.not_registered.shape)} "
                        "(plain tensor: not in the tree)",
                        "tab:red",
                    )
                )
        ax.axis("off")
        ax.set_title("the module tree: named_children(), parameters, buffers")
        for i, (text, colour) in enumerate(rows):
            ax.text(
                0.02,
                0.97 - i * 0.055,
                text,
                family="monospace",
                fontsize=9.5,
                color=colour,
                va="top",
                transform=ax.transAxes,
            )

    def _registered_panel(self, ax, ctx: RunContext) -> None:
        """DigitNet beside the same layers in a plain list: what each inherited method sees."""
        model, plain = self.model, self.plain
        probe = PlainListNet(ctx.params["hidden"], ctx.params["dropout"]).to(torch.float64)
        probe.eval()
        rows = [
            (
                "parameters() tensors",
                str(len(list(model.parameters()))),
                str(len(list(plain.parameters()))),
            ),
            (
                "numbers trained",
                str(sum(q.numel() for q in model.parameters())),
                str(sum(q.numel() for q in plain.parameters())),
            ),
            ("state_dict() entries", str(len(model.state_dict())), str(len(plain.state_dict()))),
            (".to(float64): first Linear", "float64", str(probe.layers[0].weight.dtype)[6:]),
            ("eval(): Dropout.training", "False", str(probe.layers[3].training)),
            (f".to({ctx.device.type}) moves the layers", "yes", "no (stays on cpu)"),
            (
                "final held-out accuracy",
                f"{ctx.final.get('accuracy', math.nan):.3f}",
                f"{ctx.final.get('accuracy_plain_list', math.nan):.3f}",
            ),
        ]
        ax.axis("off")
        table = ax.table(
            cellText=[r[1:] for r in rows],
            rowLabels=[r[0] for r in rows],
            colLabels=["registered (DigitNet)", "plain Python list"],
            loc="center",
            cellLoc="center",
        )
        table.auto_set_font_size(False)
        table.set_fontsize(10)
        table.scale(0.7, 2.0)
        for (r, c), cell in table.get_celld().items():
            if r > 0 and c == 1:
                cell.set_facecolor("#fde0e0")
            elif r > 0 and c == 0:
                cell.set_facecolor("#e0ecfd")
        ax.set_title("self.layers = [...] instead of nn.ModuleList([...]): nothing is registered")

    def _loop_panel(self, ax, ctx: RunContext) -> None:
        """The training loop as a cycle, with the run's numbers, and the line the twin drops."""
        f = ctx.final
        steps = [
            ("x, y = X[idx], Y[idx]", f"a random batch of {ctx.params['batch']}"),
            ("model.train()", "dropout on, BN on batch statistics"),
            ("opt.zero_grad()", "the twin skips this line"),
            (
                "loss = F.cross_entropy(model(x), y)",
                f"{f.get('loss', math.nan):.3f} at the last step",
            ),
            ("loss.backward()", "fills .grad of every parameter"),
            ("opt.step()", "θ ← θ − η·(momentum-averaged grad)"),
        ]
        ax.axis("off")
        ax.set_title(f"the training loop (b.13), {ctx.total_steps} times")
        for i, (code, note) in enumerate(steps):
            y = 0.9 - i * 0.13
            red = "zero_grad" in code
            ax.text(
                0.04,
                y,
                code,
                family="monospace",
                fontsize=9.5,
                va="center",
                transform=ax.transAxes,
                bbox={
                    "boxstyle": "round",
                    "fc": "#fde0e0" if red else "#eef3fb",
                    "ec": "tab:red" if red else "tab:blue",
                },
            )
            ax.text(
                0.66,
                y,
                note,
                fontsize=8.5,
                va="center",
                color="tab:red" if red else "dimgrey",
                transform=ax.transAxes,
            )
            if i < len(steps) - 1:
                ax.annotate(
                    "",
                    (0.1, y - 0.1),
                    (0.1, y - 0.03),
                    xycoords="axes fraction",
                    arrowprops={"arrowstyle": "->", "color": "grey"},
                )
        ax.annotate(
            "",
            (0.02, 0.9),
            (0.02, 0.9 - 5 * 0.13),
            xycoords="axes fraction",
            arrowprops={"arrowstyle": "->", "color": "grey", "connectionstyle": "arc3,rad=-0.4"},
        )
        ax.text(
            0.04,
            0.08,
            "evaluation: model.eval(); with torch.no_grad(): "
            f"accuracy {f.get('accuracy', math.nan):.3f}",
            family="monospace",
            fontsize=9,
            transform=ax.transAxes,
        )

    def _grad_panel(self, ax, ctx: RunContext) -> None:
        """Gradient norm per parameter tensor on a log scale; fc1.bias's tiny one explained."""
        grads = np.maximum(np.array(self.last["grads"]), 1e-12)
        colours = ["tab:red" if n == "fc1.bias" else "tab:blue" for n in self.names]
        ax.barh(self.names, grads, color=colours)
        ax.set(
            xscale="log",
            xlabel="‖∂L/∂θ‖ at the last recorded step (log)",
            title="gradient norm per tensor: fc1.bias gets none",
        )
        i = self.names.index("fc1.bias")
        moved = self.last["moved"]
        ax.annotate(
            f"{grads[i]:.1e}: BatchNorm subtracts the batch mean,\nso a bias before it cancels "
            f"(it moved {moved['bias']:.1e} in {ctx.total_steps} steps,\nfc1.weight moved "
            f"{moved['weight']:.2f}); use Linear(..., bias=False)",
            (grads[i], i),
            textcoords="offset points",
            xytext=(12, 0),
            va="center",
            fontsize=9,
            color="tab:red",
        )

    def _weights_panel(self, fig, ax) -> None:
        """fc1's first 8 units as 8×8 images on one diverging scale centred at 0."""
        w = self.last["weights"].numpy()  # (8, 8, 8)
        top = float(np.abs(w).max())
        im = ax.imshow(_tiles(w), cmap="RdBu_r", vmin=-top, vmax=top, interpolation="nearest")
        for k in range(8):
            r, c = divmod(k, 4)
            ax.text(c * 9 + 3.5, r * 11 + 9.2, f"unit {k}", ha="center", va="center", fontsize=10)
        ax.axis("off")
        ax.set_title("fc1.weight rows 0–7 as 8×8 images (what each hidden unit looks for)")
        fig.colorbar(im, ax=ax, fraction=0.03, label="weight (0 = white)")

    def _state_dict_panel(self, ax) -> None:
        """Every state_dict entry with its size: parameters and buffers, what a checkpoint holds."""
        state = self.model.state_dict()
        params = {n for n, _ in self.model.named_parameters()}
        names = list(state)
        sizes = [max(v.numel(), 1) for v in state.values()]
        colours = ["tab:blue" if n in params else "tab:green" for n in names]
        ax.barh(names, sizes, color=colours)
        ax.invert_yaxis()
        ax.set(
            xscale="log",
            xlabel="numel (log)",
            title=f"state_dict(): {len(names)} entries = {len(params)} parameters (blue) + "
            f"{len(names) - len(params)} buffers (green)",
        )
        for i, v in enumerate(sizes):
            ax.text(v, i, f" {v}", va="center", fontsize=8)

    def _animation(self, ctx: RunContext, out_dir: Path) -> Path:
        """fc1's weights forming, the gradient per tensor and the three accuracies over training."""
        steps = _thin(sorted(self.snapshots), 13)
        fig, axes = subplots(1, 3, (13, 4.2), gridspec_kw={"width_ratios": (1.6, 1.2, 1.2)})
        last = self.snapshots[steps[-1]]["weights"].numpy()
        top = float(np.abs(last).max())
        im = axes[0].imshow(
            _tiles(last), cmap="RdBu_r", vmin=-top, vmax=top, interpolation="nearest"
        )
        axes[0].axis("off")
        fig.colorbar(im, ax=axes[0], fraction=0.03)
        axes[0].set_title("fc1.weight rows 0–7 (one scale)")
        bars = axes[1].barh(
            self.names,
            [1.0] * len(self.names),
            color=["tab:red" if n == "fc1.bias" else "tab:blue" for n in self.names],
        )
        every = [g for s in steps for g in self.snapshots[s]["grads"]]
        axes[1].set(
            xscale="log",
            xlim=(max(min(every), 1e-12) / 3, max(every) * 3),
            title="‖gradient‖ per tensor (log)",
        )
        acc = axes[2]
        lines = {}
        for key, (colour, label) in RUNS.items():
            (lines[key],) = acc.plot([], [], "-", color=colour, lw=2, label=label)
        acc.axhline(0.1, color="grey", ls=":", lw=1)
        acc.set(
            xlim=(0, ctx.total_steps - 1), ylim=(0, 1), xlabel="step", title="held-out accuracy"
        )
        integer_ticks(acc)
        acc.legend(fontsize=7, loc="center right")
        head = fig.suptitle("")

        def update(i: int) -> None:
            step = steps[i]
            snap = self.snapshots[step]
            im.set_data(_tiles(snap["weights"].numpy()))
            for rect, g in zip(bars, snap["grads"], strict=True):
                rect.set_width(max(g, 1e-12))
            for key, line in lines.items():
                pts = [(h["step"], h[key]) for h in ctx.history if h["step"] <= step]
                line.set_data([s for s, _ in pts], [v for _, v in pts])
            head.set_text(f"module-anatomy, step {step} of {ctx.total_steps - 1}")

        update(len(steps) - 1)
        fig.tight_layout()
        fig.set_layout_engine(None)  # laid out once: otherwise every frame is drawn twice
        return animation(out_dir, "module-anatomy", fig, update, len(steps), fps=4, dpi=72)


def _tiles(w: np.ndarray) -> np.ndarray:
    """(8, 8, 8) weights as 2 rows of 4 tiles, NaN gaps (room for a label under each row)."""
    grid = np.full((2 * 11, 4 * 9 - 1), np.nan)
    for k in range(8):
        r, c = divmod(k, 4)
        grid[r * 11 : r * 11 + 8, c * 9 : c * 9 + 8] = w[k]
    return grid


def _describe(module: nn.Module) -> str:
    """``Linear(64 → 32)``-style one-line summaries of the children."""
    if isinstance(module, nn.Linear):
        return f"Linear({module.in_features} → {module.out_features})"
    if isinstance(module, nn.BatchNorm1d):
        return f"BatchNorm1d({module.num_features})"
    if isinstance(module, nn.Dropout):
        return f"Dropout(p={module.p:g}), no parameters"
    return type(module).__name__


_SUPERSCRIPT = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")


def _sci(v: float, it: bool = False) -> str:
    """3·10⁻⁹ style for tiny numbers (a decimal comma in Italian)."""
    if not math.isfinite(v) or v == 0:
        return f"{v:g}"
    mantissa, exponent = f"{v:.1e}".split("e")
    text = f"{mantissa}·10{str(int(exponent)).translate(_SUPERSCRIPT)}"
    return text.replace(".", ",") if it else text
