"""Sequence classification with RNN, LSTM and GRU on 2-D polylines (d.01–d.03, d.06, d.10, d.11).

Each sample is a random polyline of 6–16 points; the task (sequence to task, many to one)
is to say whether it crosses itself. Every step feeds the point (x, y) and the move
(dx, dy) to the cell, h_t = f(h_{t−1}, x_t) with the SAME weights at every step (the
unrolled graph of d.06), and the final hidden state h_T goes through a linear head.

Sequences have different lengths, so a batch is padded to the longest and packed with
``pack_padded_sequence(..., enforce_sorted=False)``: the cell then stops at each
sequence's true end and ``h_n`` is the state after its last real point (d.10). Reading
``output[:, -1]`` of the padded batch instead would read a state that has also eaten the
padding.

Next to it, a tiny aligned sequence-to-sequence task (many to many, d.02–d.03): an LSTM
outputs, at every point, whether the polyline has crossed itself so far; its loss is
masked so that padded steps count for nothing.

The contrast: the same trained classifiers read out the wrong way, ``output[:, −1]`` of
the padded batch, lose accuracy exactly where there is padding (the short polylines),
and the vanilla RNN trails the gated cells. Live: held-out loss and accuracy of the
three classifiers (packed, and the padded read-out next to it) and of the per-step
tagger, the probe polyline, the tagger's hidden states and per-point predictions. The GIF
shows three held-out polylines over training, each point coloured by the tagger's
p(crossed so far), titled with the GRU's verdict.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_sequence

from demos.lib.recurrent import gif_picks, it_number, it_percent
from demos.platform import (
    Bilingual,
    Check,
    Demo,
    DemoError,
    Frame,
    RunContext,
    heatmap,
    histogram,
    picture,
)
from demos.platform.figures import animation, integer_ticks, plot_history, plt, save_figure

GIF_FRAMES = 25
GIF_LINES = 3  # held-out polylines the GIF follows

CELLS = ("rnn", "lstm", "gru")


# --- data (NumPy, seeded) -------------------------------------------------------------


def crossings(points: np.ndarray) -> np.ndarray:
    """(..., L, 2) polylines → (..., L−1, L−1) bool: segment i properly crosses j (|i−j| ≥ 2)."""
    a, b = points[..., :-1, :], points[..., 1:, :]  # (..., S, 2) segment ends

    def orient(p, q, r):  # sign of the turn p → q → r, broadcast over segment pairs
        return (q[..., 0] - p[..., 0]) * (r[..., 1] - p[..., 1]) - (q[..., 1] - p[..., 1]) * (
            r[..., 0] - p[..., 0]
        )

    ai, bi = a[..., :, None, :], b[..., :, None, :]  # segment i along rows
    aj, bj = a[..., None, :, :], b[..., None, :, :]  # segment j along columns
    o1, o2 = orient(ai, bi, aj), orient(ai, bi, bj)
    o3, o4 = orient(aj, bj, ai), orient(aj, bj, bi)
    cross = (o1 * o2 < 0) & (o3 * o4 < 0)
    idx = np.arange(a.shape[-2])
    return cross & (np.abs(idx[:, None] - idx[None, :]) >= 2)


def first_crossing(points: np.ndarray) -> np.ndarray:
    """Index of the first point at which each polyline has crossed itself (L if never)."""
    later = np.triu(crossings(points), k=2).any(axis=-2)  # (..., S): j crosses an earlier i
    length = points.shape[-2]
    return np.where(later.any(axis=-1), later.argmax(axis=-1) + 1, length)


def crossing_point(points: np.ndarray) -> np.ndarray | None:
    """Where a polyline (L, 2) first crosses itself (the point in the plane), or None."""
    cross = np.triu(crossings(points), k=2)  # (S, S): segment j crosses an earlier i
    hits = np.argwhere(cross)
    if not len(hits):
        return None
    i, j = min(hits.tolist(), key=lambda ij: (ij[1], ij[0]))
    p, r = points[i], points[i + 1] - points[i]
    q, u = points[j], points[j + 1] - points[j]
    t = ((q[0] - p[0]) * u[1] - (q[1] - p[1]) * u[0]) / (r[0] * u[1] - r[1] * u[0])
    return p + t * r


def polylines(
    n: int, rng: np.random.Generator, min_len: int = 6, max_len: int = 16, turn: float = 1.0
) -> tuple[list[np.ndarray], np.ndarray, np.ndarray]:
    """n random-walk polylines with smooth turns; at every length half of them cross.

    Balancing per length keeps the length from giving the answer away. Returns the point
    arrays (L_i, 2), the labels (n,) and the first-crossing point indices (n,).
    """
    lengths = rng.integers(min_len, max_len + 1, size=n)
    lines: list[np.ndarray] = []
    labels: list[int] = []
    firsts: list[int] = []
    for length in range(min_len, max_len + 1):
        count = int((lengths == length).sum())
        want = {1: count // 2, 0: count - count // 2}
        for _ in range(200):  # batches of candidates until both quotas are met
            if want[0] + want[1] == 0:
                break
            m = 4 * count + 16
            heading = rng.uniform(0, 2 * np.pi, (m, 1)) + np.cumsum(
                rng.normal(0.0, turn, (m, length - 1)), axis=1
            )
            step = rng.uniform(0.5, 1.5, (m, length - 1, 1))
            moves = step * np.stack([np.cos(heading), np.sin(heading)], axis=2)
            points = np.concatenate([np.zeros((m, 1, 2)), np.cumsum(moves, axis=1)], axis=1)
            first = first_crossing(points)  # (m,)
            for label in (0, 1):
                pick = np.where((first < length) == bool(label))[0][: want[label]]
                want[label] -= len(pick)
                lines += list(points[pick].astype(np.float32))
                labels += [label] * len(pick)
                firsts += first[pick].tolist()
        if want[0] + want[1] > 0:
            raise DemoError(f"cannot balance polylines of length {length}: try a larger turn")
    order = rng.permutation(len(lines))
    return [lines[i] for i in order], np.array(labels)[order], np.array(firsts)[order]


def features(points: np.ndarray) -> np.ndarray:
    """Per point: position and move, (L, 4), scaled to about unit size."""
    moves = np.diff(points, axis=0, prepend=points[:1])
    return (np.concatenate([points / 4.0, moves], axis=1)).astype(np.float32)


def rasterize(points: np.ndarray, size: int = 20) -> np.ndarray:
    """Draw a polyline into a size×size canvas (values 0..1, the start brighter)."""
    lo, hi = points.min(0), points.max(0)
    scale = (size - 1) / max(float((hi - lo).max()), 1e-6)
    pts = (points - lo) * scale
    canvas = np.zeros((size, size), dtype=np.float32)
    for k in range(len(pts) - 1):
        shade = 0.5 + 0.5 * (1 - k / len(pts))
        for u in np.linspace(0.0, 1.0, 12):
            col, row = np.rint(pts[k] * (1 - u) + pts[k + 1] * u).astype(int)
            canvas[size - 1 - row, col] = max(canvas[size - 1 - row, col], shade)
    return canvas


# --- model pieces -----------------------------------------------------------------------


def pad_batch(seqs: list[Any], device: Any) -> tuple[torch.Tensor, torch.Tensor]:
    """List of (L_i, F) arrays → padded (B, L_max, F) tensor and lengths (B,) on the CPU."""
    tensors = [torch.as_tensor(s) for s in seqs]
    lengths = torch.tensor([len(s) for s in tensors])
    return pad_sequence(tensors, batch_first=True).to(device), lengths


def last_state(model: Any, x: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
    """h_n of the last layer after each sequence's true last step, via packing: (B, H)."""
    packed = pack_padded_sequence(x, lengths, batch_first=True, enforce_sorted=False)
    _, h_n = model(packed)
    if isinstance(h_n, tuple):  # LSTM: (h_n, c_n)
        h_n = h_n[0]
    return h_n[-1]


def masked_bce(logits: torch.Tensor, target: torch.Tensor, lengths: torch.Tensor):
    """Mean binary cross-entropy over the real steps only (padding masked out)."""
    steps = torch.arange(logits.shape[1], device=logits.device)
    mask = (steps[None, :] < lengths.to(logits.device)[:, None]).float()  # (B, T)
    loss = F.binary_cross_entropy_with_logits(logits, target, reduction="none")
    return (loss * mask).sum() / mask.sum(), mask


def unroll_rnn(x: torch.Tensor, w: dict[str, torch.Tensor]) -> torch.Tensor:
    """The unrolled graph: h_t = tanh(W_ih x_t + b_ih + W_hh h_{t−1} + b_hh), same W each t."""
    h = x.new_zeros(x.shape[0], w["weight_hh"].shape[0])
    outs = []
    for t in range(x.shape[1]):
        h = torch.tanh(
            x[:, t] @ w["weight_ih"].t() + w["bias_ih"] + h @ w["weight_hh"].t() + w["bias_hh"]
        )
        outs.append(h)
    return torch.stack(outs, dim=1)  # (B, T, H)


def check_packing(device: Any, seed: int, last: Any = last_state) -> Check:
    """Packed batch h_n == each sequence run alone; output[:, −1] of the padded batch is not."""
    gen = torch.Generator().manual_seed(seed)
    lengths = [7, 3, 5, 1]
    seqs = [torch.randn(n, 4, generator=gen, dtype=torch.float64) for n in lengths]
    x, lens = pad_batch(seqs, device)
    worst, pitfall = 0.0, math.inf
    torch.manual_seed(seed)
    for cell in CELLS:
        model = getattr(nn, cell.upper())(4, 6, batch_first=True).to(device, torch.float64)
        with torch.no_grad():
            packed = last(model, x, lens)  # (B, H)
            alone = torch.cat(
                [last(model, s[None].to(device), torch.tensor([len(s)])) for s in seqs]
            )
            worst = max(worst, (packed - alone).abs().max().item())
            padded_last = model(x)[0][:, -1]  # reads past the end of the short ones
            short = (padded_last - alone)[1:].abs().amax(dim=1)  # the three shorter ones
            pitfall = min(pitfall, short.min().item())
    return Check(
        "packed-equals-unpadded",
        worst <= 1e-10 and pitfall > 1e-6,
        f"lengths {lengths}, RNN/LSTM/GRU: packed h_n vs one-at-a-time max |Δ| = {worst:.1e}; "
        f"padded output[:, -1] is off by ≥ {pitfall:.2g} for the shorter sequences",
    )


def check_unrolled(device: Any, seed: int, unroll: Any = unroll_rnn) -> Check:
    """Hand unrolling == nn.RNN, and BPTT: ∂L/∂W_hh == Σ_t of the per-step copies' gradients."""
    torch.manual_seed(seed)
    ref = nn.RNN(3, 5, batch_first=True).to(device, torch.float64)
    x = torch.randn(2, 6, 3, dtype=torch.float64, device=device)
    w = {k.removesuffix("_l0"): v.detach() for k, v in ref.named_parameters()}
    out = unroll(x, w)
    with torch.no_grad():
        ref_out = ref(x)[0]
    diff = (out - ref_out).abs().max().item() if out.shape == ref_out.shape else math.inf
    # BPTT: one W_hh shared by T steps vs T independent copies of it.
    shared = w["weight_hh"].clone().requires_grad_(True)
    loss = unroll(x, {**w, "weight_hh": shared})[:, -1].pow(2).sum()
    (g_shared,) = torch.autograd.grad(loss, shared)
    copies = [w["weight_hh"].clone().requires_grad_(True) for _ in range(x.shape[1])]
    h = x.new_zeros(2, 5)
    for t in range(x.shape[1]):
        h = torch.tanh(
            x[:, t] @ w["weight_ih"].t() + w["bias_ih"] + h @ copies[t].t() + w["bias_hh"]
        )
    per_step = torch.autograd.grad(h.pow(2).sum(), copies)
    bptt = (g_shared - sum(per_step)).abs().max().item()
    return Check(
        "unrolled-equals-nn.RNN",
        diff <= 1e-12 and bptt <= 1e-12,
        f"hand unrolling vs nn.RNN max |Δh| = {diff:.1e}; ∂L/∂W_hh vs Σ_t per-step gradients "
        f"max |Δ| = {bptt:.1e} (first step's share {per_step[0].norm().item():.2g}, "
        f"last {per_step[-1].norm().item():.2g})",
    )


def check_mask(device: Any, seed: int, loss_fn: Any = masked_bce) -> Check:
    """Changing what sits in the padded steps must not change the masked loss."""
    gen = torch.Generator().manual_seed(seed + 7)
    lengths = torch.tensor([5, 2, 4])
    logits = torch.randn(3, 5, generator=gen).to(device)
    target = (torch.rand(3, 5, generator=gen) > 0.5).float().to(device)
    pad = torch.arange(5)[None, :].to(device) >= lengths.to(device)[:, None]  # (B, T)
    a, _ = loss_fn(logits, target, lengths)
    b, _ = loss_fn(logits.masked_fill(pad, 9.0), target.masked_fill(pad, 0.0), lengths)
    diff = (a - b).abs().item()
    return Check(
        "masked-loss-ignores-padding",
        diff <= 1e-6,
        f"per-step loss {a.item():.4f} vs {b.item():.4f} with the padding changed (|Δ| {diff:.1e})",
    )


class SeqClassifier(Demo):
    floors: ClassVar[dict[str, float]] = {"rnn": 0.7, "lstm": 0.75, "gru": 0.75}
    tag_floor: ClassVar[float] = 0.75
    padding_margin: ClassVar[float] = 0.1  # packed − padded read-out, GRU, held-out

    def setup(self, ctx: RunContext) -> None:
        p = ctx.params
        if p["min_len"] > p["max_len"]:
            raise DemoError(f"min_len {p['min_len']} is larger than max_len {p['max_len']}")
        train = polylines(p["train_size"], ctx.rng(1), p["min_len"], p["max_len"], p["turn"])
        held = polylines(256, ctx.rng(2), p["min_len"], p["max_len"], p["turn"])
        self.train_lines, self.train_y, self.train_first = train
        self.eval_lines, eval_y, eval_first = held
        self.eval_first = eval_first
        self.eval_x, self.eval_len = pad_batch([features(s) for s in self.eval_lines], ctx.device)
        self.eval_y = torch.from_numpy(eval_y).float().to(ctx.device)
        self.eval_tags = self._tags(eval_first, self.eval_x.shape[1], ctx.device)
        _, mask = masked_bce(self.eval_tags, self.eval_tags, self.eval_len)
        share = ((self.eval_tags * mask).sum() / mask.sum()).item()
        self.tag_base = max(share, 1 - share)  # always answering the majority tag
        self.train_feats = [features(s) for s in self.train_lines]
        h = p["hidden"]
        self.models = {c: getattr(nn, c.upper())(4, h, batch_first=True) for c in CELLS}
        self.heads = {c: nn.Linear(h, 1) for c in CELLS}
        self.tagger, self.tag_head = nn.LSTM(4, h, batch_first=True), nn.Linear(h, 1)
        for net in (*self.models.values(), *self.heads.values(), self.tagger, self.tag_head):
            net.to(ctx.device)  # built on the CPU under the run's seed, then moved

    @staticmethod
    def _tags(firsts: np.ndarray, width: int, device: Any) -> torch.Tensor:
        """Per-step targets: 1 from the first crossing point on, (B, T)."""
        steps = np.arange(width)[None, :]
        return torch.from_numpy((steps >= firsts[:, None]).astype(np.float32)).to(device)

    def checks(self, ctx: RunContext) -> Iterator[Check]:
        dev = torch.device("cpu") if ctx.device.type == "mps" else ctx.device
        yield check_packing(dev, ctx.seed)
        yield check_unrolled(dev, ctx.seed)
        yield check_mask(ctx.device, ctx.seed)
        torch.manual_seed(ctx.seed)  # the checks drew numbers: keep training reproducible

    def run(self, ctx: RunContext) -> Iterator[Frame]:
        p = ctx.params
        groups = {c: [*self.models[c].parameters(), *self.heads[c].parameters()] for c in CELLS}
        groups["tag"] = [*self.tagger.parameters(), *self.tag_head.parameters()]
        opts = {k: torch.optim.Adam(v, lr=p["lr"]) for k, v in groups.items()}
        rng = ctx.rng(3)
        n = len(self.train_feats)
        self.snapshots: list[dict[str, Any]] = []
        for step in range(ctx.total_steps):
            idx = rng.integers(0, n, p["batch"])
            x, lengths = pad_batch([self.train_feats[i] for i in idx], ctx.device)
            y = torch.from_numpy(self.train_y[idx]).float().to(ctx.device)
            losses = {}
            for c in CELLS:
                logit = self.heads[c](last_state(self.models[c], x, lengths))[:, 0]
                losses[c] = F.binary_cross_entropy_with_logits(logit, y)
            tags = self._tags(self.train_first[idx], x.shape[1], ctx.device)
            out, _ = self.tagger(x)  # causal: step t sees points 0..t only
            losses["tag"], _ = masked_bce(self.tag_head(out)[..., 0], tags, lengths)
            for k, opt in opts.items():
                opt.zero_grad(set_to_none=True)
                losses[k].backward()
                if p["clip"] > 0:
                    torch.nn.utils.clip_grad_norm_(groups[k], p["clip"])
                opt.step()
            if ctx.wants(step):
                yield self._frame(ctx, step, losses)
        self.by_length = self._by_length()
        self.caption = self._caption(ctx)
        return self.caption

    def _readouts(self, c: str) -> tuple[torch.Tensor, torch.Tensor]:
        """Held-out logits of cell c read the right way (packed h_n) and the wrong way."""
        packed = self.heads[c](last_state(self.models[c], self.eval_x, self.eval_len))[:, 0]
        padded = self.heads[c](self.models[c](self.eval_x)[0][:, -1])[:, 0]  # after padding
        return packed, padded

    def _frame(self, ctx: RunContext, step: int, losses) -> Frame:
        metrics: dict[str, float] = {}
        i = ctx.params["probe"] % len(self.eval_lines)
        with torch.no_grad():
            for c in CELLS:
                logit, padded = self._readouts(c)
                metrics[f"loss_{c}"] = losses[c].item()
                metrics[f"heldout_{c}"] = F.binary_cross_entropy_with_logits(
                    logit, self.eval_y
                ).item()
                metrics[f"acc_{c}"] = ((logit > 0).float() == self.eval_y).float().mean().item()
                metrics[f"pad_{c}"] = ((padded > 0).float() == self.eval_y).float().mean().item()
                if c == "gru":
                    gru_p = torch.sigmoid(logit)
                    self.probe_p = gru_p[i].item()
            out, _ = self.tagger(self.eval_x)  # (B, T, H)
            tag_logit = self.tag_head(out)[..., 0]
            _, mask = masked_bce(tag_logit, self.eval_tags, self.eval_len)
            right = ((tag_logit > 0).float() == self.eval_tags).float() * mask
            metrics["tag_accuracy"] = (right.sum() / mask.sum()).item()
            pos, neg = self.eval_tags * mask, (1 - self.eval_tags) * mask
            recall_pos = (right * pos).sum() / pos.sum().clamp_min(1)
            recall_neg = (right * neg).sum() / neg.sum().clamp_min(1)
            metrics["tag_balanced"] = (0.5 * (recall_pos + recall_neg)).item()
            metrics["tag_loss"] = losses["tag"].item()
            length = int(self.eval_len[i])
            states = out[i, :length].t()  # (H, L): the tagger's h_t over the probe
            tag_p = torch.sigmoid(tag_logit)  # (B, T)
            tags = torch.stack([tag_p[i, :length], self.eval_tags[i, :length]])
        canvas = rasterize(self.eval_lines[i])
        label = "crosses itself" if self.eval_y[i] > 0 else "no crossing"
        verdict = "right" if (self.probe_p > 0.5) == bool(self.eval_y[i] > 0) else "WRONG"
        self.last = {"states": states.cpu(), "tags": tags.cpu(), "picture": canvas}
        if ctx.should_record(step):  # the GIF picks among all records
            self.snapshots.append(
                {
                    "step": step,
                    "tag_p": tag_p[:GIF_LINES].cpu(),
                    "gru_p": gru_p[:GIF_LINES].cpu(),
                    "acc": {c: metrics[f"acc_{c}"] for c in CELLS},
                    "tag": metrics["tag_balanced"],
                }
            )
        return Frame(
            step=step,
            metrics=metrics,
            pictures=[
                picture(
                    f"probe {i}: {label}; GRU says p = {self.probe_p:.2f} ({verdict})",
                    canvas,
                    key="probe",
                )
            ],
            heatmaps=[
                heatmap(
                    "tagger hidden states h_t over the probe's points",
                    states,
                    "t",
                    "unit",
                    key="tagger-states",
                    vmin=-1.0,
                    vmax=1.0,
                ),
                heatmap(
                    "row 0: p(crossed so far), row 1: truth, per point",
                    tags,
                    "t",
                    "",
                    key="tagger-output",
                    vmin=0.0,
                    vmax=1.0,
                ),
            ],
            histograms=[
                histogram(
                    "held-out accuracy: packed h_n vs output[:, -1] of the padded batch",
                    [metrics[f"{k}_{c}"] for c in CELLS for k in ("acc", "pad")],
                    [
                        f"{c.upper()}{' pad' if k == 'pad' else ''}"
                        for c in CELLS
                        for k in ("acc", "pad")
                    ],
                    key="readout",
                )
            ],
        )

    def _by_length(self) -> dict[str, dict[int, tuple[float, float]]]:
        """Held-out accuracy per polyline length: (packed, padded read-out) for every cell."""
        lengths = self.eval_len.to(self.eval_y.device)
        out: dict[str, dict[int, tuple[float, float]]] = {}
        with torch.no_grad():
            for c in CELLS:
                logit, padded = self._readouts(c)
                ok = (logit > 0).float() == self.eval_y
                ok_pad = (padded > 0).float() == self.eval_y
                out[c] = {
                    int(n): (
                        ok[lengths == n].float().mean().item(),
                        ok_pad[lengths == n].float().mean().item(),
                    )
                    for n in lengths.unique().tolist()
                }
        return out

    def learned(self, ctx: RunContext) -> Check:
        f = ctx.final
        parts, ok = [], True
        for c, floor in self.floors.items():
            acc = f.get(f"acc_{c}", math.nan)
            ok &= acc >= floor
            parts.append(f"{c.upper()} {acc:.3f} (floor {floor})")
        tag = f.get("tag_balanced", math.nan)
        ok &= tag >= self.tag_floor
        drop = f.get("acc_gru", math.nan) - f.get("pad_gru", math.nan)
        ok &= drop >= self.padding_margin
        pads = ", ".join(f"{c.upper()} {f.get(f'pad_{c}', math.nan):.3f}" for c in CELLS)
        return Check(
            "learning",
            bool(ok),
            "held-out accuracy, chance 0.5: "
            + ", ".join(parts)
            + f"; read from output[:, -1] of the padded batch instead: {pads} (the GRU must "
            f"lose >= {self.padding_margin}: it loses {drop:.3f}); per-step tagger balanced "
            f"accuracy {tag:.3f} (floor {self.tag_floor}, chance 0.5; plain accuracy "
            f"{f.get('tag_accuracy', math.nan):.3f}, always-majority {self.tag_base:.3f})",
        )

    def _caption(self, ctx: RunContext) -> Bilingual:
        """What to look for, from the last record and the per-length accuracies."""
        f = ctx.final
        short = min(self.by_length["gru"])
        long = max(self.by_length["gru"])
        s_acc, s_pad = self.by_length["gru"][short]
        acc = {c: f.get(f"acc_{c}", math.nan) for c in CELLS}
        pad = f.get("pad_gru", math.nan)
        tag = f.get("tag_balanced", math.nan)
        return Bilingual(
            en=(
                f"With packing each polyline stops at its own end: read from h_n, the GRU "
                f"classifies {acc['gru']:.0%} of held-out polylines, the LSTM {acc['lstm']:.0%}"
                f" and the vanilla RNN {acc['rnn']:.0%} (chance 50%). The same trained GRU "
                f"read from output[:, −1] of the padded batch scores {pad:.0%}: at length "
                f"{short} (padded to {long}) {s_pad:.0%} instead of {s_acc:.0%}. The per-point "
                f"tagger (sequence to sequence, padding masked out of its loss) reaches a "
                f"balanced accuracy of {tag:.2f}."
            ),
            it=(
                f"Con il packing ogni spezzata si ferma alla sua fine: leggendo h_n la GRU "
                f"classifica {it_percent(acc['gru'])} delle spezzate di test, l'LSTM "
                f"{it_percent(acc['lstm'])} e la RNN semplice {it_percent(acc['rnn'])} (caso "
                f"50%). La "
                f"stessa GRU letta da output[:, −1] del batch con padding arriva "
                f"{it_percent(pad, 'al')}: "
                f"a lunghezza {short} (portata a {long}) {s_pad:.0%} invece di {s_acc:.0%}. "
                f"Il tagger punto per punto (sequence to sequence, padding escluso dalla loss) "
                f"raggiunge un'accuratezza bilanciata di {it_number(tag)}."
            ),
        )

    # -- figures -------------------------------------------------------------------

    def figures(self, ctx: RunContext, out_dir: Path) -> list[Path]:
        return [self._png(ctx, out_dir), self._gif(ctx, out_dir)]

    def _png(self, ctx: RunContext, out_dir: Path) -> Path:
        hist = ctx.history
        p = ctx.params
        fig = plt.figure(figsize=(20, 14))
        grid = fig.add_gridspec(3, 4)
        ax = fig.add_subplot(grid[0, 0])
        for k, c in enumerate(CELLS):
            plot_history(ax, hist, [f"acc_{c}"], labels=[f"{c.upper()} (packed)"], color=f"C{k}")
            plot_history(
                ax,
                hist,
                [f"pad_{c}"],
                labels=[f"{c.upper()}, padded read-out"],
                styles=[":"],
                color=f"C{k}",
            )
        ax.axhline(0.5, color="grey", ls="-.", lw=1, label="chance")
        ax.set(title="held-out accuracy: h_n (packed) vs output[:, −1]", ylim=(0.3, 1.02))
        ax.legend(fontsize=8, ncol=2)
        ax = fig.add_subplot(grid[0, 1])
        for k, c in enumerate(CELLS):
            plot_history(ax, hist, [f"heldout_{c}"], labels=[c.upper()], color=f"C{k}")
        ax.axhline(math.log(2), color="grey", ls=":", label="ln 2 (chance)")
        ax.set(title="held-out loss (BCE)", ylabel="BCE")
        ax.legend(fontsize=8)
        ax = fig.add_subplot(grid[0, 2])
        for k, c in enumerate(CELLS):
            table = self.by_length[c]
            ns = sorted(table)
            ax.plot(
                ns, [table[n][0] for n in ns], "-o", ms=4, color=f"C{k}", label=f"{c.upper()} h_n"
            )
            ax.plot(
                ns,
                [table[n][1] for n in ns],
                ":x",
                color=f"C{k}",
                label=f"{c.upper()} output[:, −1]",
            )
        ax.axhline(0.5, color="grey", ls="-.", lw=1)
        long = max(self.by_length["gru"])
        ax.set(
            title=f"accuracy by length at the end (batch padded to {long})",
            xlabel="points in the polyline (fewer = more padding)",
            ylim=(0.0, 1.02),
        )
        integer_ticks(ax)
        ax.legend(fontsize=7, ncol=2)
        ax = fig.add_subplot(grid[0, 3])
        plot_history(
            ax,
            hist,
            ["tag_balanced", "tag_accuracy"],
            labels=["balanced", "plain"],
            styles=["-", "--"],
        )
        ax.axhline(self.tag_base, color="grey", ls=":", label="always the majority tag")
        ax.set(title="per-point tagger (many to many)", ylim=(0.3, 1.02))
        ax.legend(fontsize=8)
        draw_unrolled(fig.add_subplot(grid[1, 0:2]))
        i = p["probe"] % len(self.eval_lines)
        tags = self.last["tags"].numpy()
        ax = fig.add_subplot(grid[1, 2])
        t = np.arange(tags.shape[1])
        ax.plot(t, tags[0], "-o", ms=4, label="tagger p(crossed so far)")
        ax.step(t, tags[1], where="mid", color="k", ls="--", label="truth")
        ax.axhline(0.5, color="grey", ls=":", lw=1)
        ax.set(title=f"probe {i}: the tagger point by point", xlabel="point t", ylim=(-0.05, 1.05))
        integer_ticks(ax)
        ax.legend(fontsize=8)
        ax = fig.add_subplot(grid[1, 3])
        dots = self._draw_line(ax, i, tags[0], title=f"probe {i}, coloured by the tagger's p")
        fig.colorbar(dots, ax=ax, fraction=0.046, label="tagger p(crossed so far)")
        with torch.no_grad():
            prob = torch.sigmoid(self._readouts("gru")[0]).cpu().numpy()
            tag_p = torch.sigmoid(self.tag_head(self.tagger(self.eval_x)[0])[..., 0]).cpu()
        for k in range(4):
            ax = fig.add_subplot(grid[2, k])
            j = (i + 1 + k) % len(self.eval_lines)
            length = len(self.eval_lines[j])
            truth = bool(self.eval_y[j] > 0)
            mark = "✓" if (prob[j] > 0.5) == truth else "✗"
            self._draw_line(
                ax,
                j,
                tag_p[j, :length].numpy(),
                title=f"{mark} {'crosses' if truth else 'no crossing'} ({length} points): "
                f"GRU p = {prob[j]:.2f}",
                colour="tab:green" if mark == "✓" else "tab:red",
            )
        title = (
            "seq-classifier: h_t = f(h_{t−1}, x_t) with shared weights, head on h_n "
            f"(packed, variable length {p['min_len']}–{p['max_len']}), {ctx.device}"
        )
        fig.suptitle(title, y=1.0, va="bottom")  # above the charts' own titles
        return save_figure(
            out_dir, "seq-classifier", fig, caption=f"{self.caption.en}\n{self.caption.it}"
        )

    def _draw_line(self, ax: Any, j: int, p_tag: Any, title: str, colour: str = "black") -> Any:
        """A held-out polyline: start square, crossing starred, points coloured by tagger p."""
        pts = self.eval_lines[j]
        ax.plot(pts[:, 0], pts[:, 1], "-", color="grey", lw=1.2, zorder=1)
        sc = ax.scatter(
            pts[:, 0],
            pts[:, 1],
            c=p_tag,
            cmap="coolwarm",
            vmin=0,
            vmax=1,
            s=34,
            zorder=2,
            edgecolors="k",
            linewidths=0.4,
        )
        ax.plot(pts[0, 0], pts[0, 1], "s", color="tab:green", ms=9, zorder=3, label="start")
        where = crossing_point(pts)
        if where is not None:
            ax.plot(*where, "*", color="gold", ms=16, mec="k", zorder=4, label="first crossing")
        ax.set_title(title, fontsize=10, color=colour)
        ax.set_aspect("equal")
        ax.set_xticks([])
        ax.set_yticks([])
        ax.legend(fontsize=7, loc="best")
        return sc

    def _gif(self, ctx: RunContext, out_dir: Path) -> Path:
        """Three held-out polylines over training: the tagger's p per point, the GRU's verdict."""
        snaps = [self.snapshots[k] for k in gif_picks(len(self.snapshots), GIF_FRAMES)]
        fig, axes = plt.subplots(1, GIF_LINES, figsize=(4 * GIF_LINES, 4.4))
        dots = []
        for j, ax in enumerate(axes):
            dots.append(
                self._draw_line(
                    ax,
                    j,
                    snaps[0]["tag_p"][j, : len(self.eval_lines[j])].numpy(),
                    title="",
                )
            )
        fig.colorbar(dots[-1], ax=list(axes), fraction=0.02, label="tagger p(crossed so far)")

        def update(n: int) -> None:
            snap = snaps[n]
            for j, (ax, dot) in enumerate(zip(axes, dots, strict=True)):
                length = len(self.eval_lines[j])
                dot.set_array(snap["tag_p"][j, :length].numpy())
                prob = float(snap["gru_p"][j])
                truth = bool(self.eval_y[j] > 0)
                right = (prob > 0.5) == truth
                ax.set_title(
                    f"{'✓' if right else '✗'} {'crosses' if truth else 'no crossing'}: "
                    f"GRU p = {prob:.2f}",
                    color="tab:green" if right else "tab:red",
                    fontsize=10,
                )
            acc = snap["acc"]
            fig.suptitle(
                f"seq-classifier, step {snap['step']}: accuracy GRU {acc['gru']:.2f}, LSTM "
                f"{acc['lstm']:.2f}, RNN {acc['rnn']:.2f}; tagger balanced {snap['tag']:.2f}"
            )

        update(0)
        return animation(out_dir, "seq-classifier", fig, update, len(snaps), fps=4)


def draw_unrolled(ax: Any) -> None:
    """The unrolled graph of one padded sequence: one cell, shared W, packing stops at h_n."""
    ax.axis("off")
    ax.set(xlim=(0, 10.4), ylim=(0, 6))
    real, padded = 4, 2
    for k in range(real + padded):
        x0 = 0.4 + 1.6 * k
        pad = k >= real
        style = {
            "fill": pad,
            "fc": "0.9",
            "ec": "0.6" if pad else "black",
            "lw": 1.5,
            "ls": "--" if pad else "-",
        }
        ax.add_patch(plt.Rectangle((x0, 2.5), 1.1, 1.1, **style))
        ax.text(
            x0 + 0.55,
            3.05,
            "pad" if pad else "cell\nW",
            ha="center",
            va="center",
            fontsize=9,
            color="0.5" if pad else "black",
        )
        ax.annotate(
            "",
            (x0 + 0.55, 2.5),
            (x0 + 0.55, 1.5),
            arrowprops={"arrowstyle": "->", "color": "0.6" if pad else "black"},
        )
        ax.text(
            x0 + 0.55,
            1.2,
            "0" if pad else f"x_{k + 1}",
            ha="center",
            fontsize=10,
            color="0.5" if pad else "black",
        )
        if k:
            ax.annotate(
                "",
                (x0, 3.05),
                (x0 - 0.5, 3.05),
                arrowprops={"arrowstyle": "->", "color": "0.6" if pad else "black"},
            )
            ax.text(
                x0 - 0.25, 3.3, f"h_{k}", ha="center", fontsize=8, color="0.5" if pad else "black"
            )
    end = 0.4 + 1.6 * (real - 1) + 0.55
    ax.annotate(
        "", (end, 4.9), (end, 3.6), arrowprops={"arrowstyle": "->", "color": "tab:green", "lw": 2}
    )
    ax.text(
        end, 5.05, f"head(h_n = h_{real}) ✓ packed", ha="center", color="tab:green", fontsize=10
    )
    last = 0.4 + 1.6 * (real + padded - 1) + 0.55
    ax.annotate(
        "",
        (last, 4.3),
        (last, 3.6),
        arrowprops={"arrowstyle": "->", "color": "tab:red", "ls": "--"},
    )
    ax.text(last, 4.45, "output[:, −1] ✗", ha="center", color="tab:red", fontsize=10)
    ax.text(
        5.2,
        0.35,
        "one cell, the SAME weights W at every step (BPTT sums their gradients); "
        "pack_padded_sequence stops each sequence at its length",
        ha="center",
        fontsize=9,
    )
    ax.set_title("the unrolled graph of a length-4 sequence in a batch padded to 6")
