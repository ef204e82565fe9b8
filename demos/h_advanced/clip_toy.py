"""A toy CLIP: two encoders, the N×N similarity matrix, symmetric InfoNCE (question h.06).

Pairs of modalities: an 8×8 handwritten digit and a generated caption for it ("the digit
seven", "a handwritten 7", "il numero sette", ...). An image encoder (an MLP on the
pixels) and a text encoder (word embeddings averaged over the caption, then an MLP — a
bag-of-words stand-in for CLIP's Transformer) each end in a linear projection to a shared
D-dimensional space and an L2 normalisation, so I_i · T_j is a cosine similarity. For a
batch of N pairs the logits are S = e^τ · I Tᵀ (N×N, matches on the diagonal, τ learned,
e^τ starting at 1/0.07 and capped at 100), and the loss is the symmetric cross-entropy
(CE(S, arange N) + CE(Sᵀ, arange N)) / 2: each image picks its caption among N, each
caption its image among N. Two pairs of the same digit in one batch are false negatives,
as in CLIP's web data.

Zero-shot classification needs no classifier: embed one prompt per class ("the digit
{name}") and give each held-out image the class whose prompt is most similar; averaging
the embeddings of several templates is prompt ensembling. Live: the loss next to its
chance value ln N, the logit scale, zero-shot accuracy (single prompt and ensemble), the
similarity matrix of ten held-out images against the ten class prompts, the confusion.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from demos.platform import Check, Demo, Frame, RunContext, heatmap, histogram, picture
from demos.platform.data import load_digits
from demos.platform.figures import plot_history, save_figure, subplots

NAMES_EN = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")
NAMES_IT = ("zero", "uno", "due", "tre", "quattro", "cinque", "sei", "sette", "otto", "nove")
TEMPLATES = (  # {en}: English word, {it}: Italian word, {d}: the numeral
    "the digit {en}",
    "a handwritten {en}",
    "a {d}",
    "number {d}",
    "il numero {it}",
    "una cifra {it}",
)
PROMPT = "the digit {en}"  # the zero-shot prompt


def caption(label: int, template: str) -> str:
    return template.format(en=NAMES_EN[label], it=NAMES_IT[label], d=str(label))


class Tokenizer:
    """Whitespace words → ids; 0 pads, every caption padded to the longest one."""

    def __init__(self) -> None:
        words = sorted({w for t in TEMPLATES for c in range(10) for w in caption(c, t).split()})
        self.ids = {w: i + 1 for i, w in enumerate(words)}
        self.length = max(len(caption(c, t).split()) for t in TEMPLATES for c in range(10))

    @property
    def vocab(self) -> int:
        return len(self.ids) + 1

    def __call__(self, texts: list[str]) -> np.ndarray:
        out = np.zeros((len(texts), self.length), dtype=np.int64)
        for i, text in enumerate(texts):
            tokens = [self.ids[w] for w in text.split()]
            out[i, : len(tokens)] = tokens
        return out


# --- the contrastive pieces -------------------------------------------------------------


def similarity(img: torch.Tensor, txt: torch.Tensor, log_scale: torch.Tensor) -> torch.Tensor:
    """S = e^τ · normalise(I) normalise(T)ᵀ, (N, N); the scale capped at 100."""
    scale = log_scale.clamp(max=math.log(100.0)).exp()
    return scale * F.normalize(img, dim=-1) @ F.normalize(txt, dim=-1).t()


def clip_loss(logits: torch.Tensor) -> torch.Tensor:
    """Symmetric InfoNCE written out: rows pick their text, columns pick their image."""
    diag = logits.diagonal()  # (N,) the matching pairs
    image_to_text = (logits.logsumexp(dim=1) - diag).mean()
    text_to_image = (logits.logsumexp(dim=0) - diag).mean()
    return (image_to_text + text_to_image) / 2


def check_chance(loss: Callable = clip_loss, device: Any = "cpu") -> Check:
    """Constant logits (no information) give ln N for every N."""
    worst, shown = 0.0, []
    for n in (2, 10, 64):
        value = loss(torch.full((n, n), 3.7, dtype=torch.float64, device=device)).item()
        worst = max(worst, abs(value - math.log(n)))
        shown.append(f"N={n}: {value:.4f} (ln N {math.log(n):.4f})")
    return Check("constant-logits-ln-N", worst <= 1e-9, "; ".join(shown))


def check_infonce(loss: Callable = clip_loss, device: Any = "cpu", seed: int = 0) -> Check:
    """The written-out loss == the two F.cross_entropy calls with labels arange(N)."""
    gen = torch.Generator().manual_seed(seed)
    logits = (torch.randn(12, 12, generator=gen, dtype=torch.float64) * 5).to(device)
    labels = torch.arange(12, device=device)
    ref = (F.cross_entropy(logits, labels) + F.cross_entropy(logits.t(), labels)) / 2
    ours = loss(logits)
    swapped = loss(logits.t())  # swapping the modalities must not change a symmetric loss
    diff = max(abs(ours.item() - ref.item()), abs(swapped.item() - ref.item()))
    return Check(
        "infonce-vs-cross-entropy",
        diff <= 1e-10,
        f"hand loss {ours.item():.6f} vs (CE(S, arange) + CE(Sᵀ, arange))/2 = {ref.item():.6f}; "
        f"with the modalities swapped {swapped.item():.6f} (max |Δ| {diff:.0e})",
    )


def check_cosine(sim: Callable = similarity, device: Any = "cpu", seed: int = 0) -> Check:
    """S / e^τ == pairwise F.cosine_similarity: the dot product of unit vectors."""
    gen = torch.Generator().manual_seed(seed + 1)
    img = torch.randn(7, 5, generator=gen, dtype=torch.float64).to(device) * 3
    txt = torch.randn(6, 5, generator=gen, dtype=torch.float64).to(device)
    log_scale = torch.tensor(math.log(1 / 0.07), dtype=torch.float64, device=device)
    ref = F.cosine_similarity(img[:, None, :], txt[None, :, :], dim=-1) / 0.07
    diff = (sim(img, txt, log_scale) - ref).abs().max().item()
    capped = sim(img, txt, torch.tensor(10.0, device=device)).abs().max().item()
    ok = diff <= 1e-9 and capped <= 100 + 1e-6
    return Check(
        "cosine-similarity",
        bool(ok),
        f"S vs F.cosine_similarity/0.07 on (7, 6) pairs: max |Δ| {diff:.0e}; with e^τ = e^10 "
        f"the largest |S| is {capped:.1f} (scale capped at 100)",
    )


# --- the encoders ---------------------------------------------------------------------------


class TextEncoder(nn.Module):
    """Bag of words: the mean of the word embeddings (padding ignored), then an MLP."""

    def __init__(self, vocab: int, embed: int, hidden: int, dim: int) -> None:
        super().__init__()
        self.embed = nn.Embedding(vocab, embed, padding_idx=0)
        self.mlp = nn.Sequential(nn.Linear(embed, hidden), nn.ReLU(), nn.Linear(hidden, dim))

    def forward(self, tokens: torch.Tensor) -> torch.Tensor:
        mask = (tokens > 0).float()[..., None]  # (N, L, 1)
        mean = (self.embed(tokens) * mask).sum(1) / mask.sum(1).clamp(min=1)  # (N, E)
        return self.mlp(mean)  # (N, D)


def build_encoders(vocab: int, embed: int, hidden: int, dim: int) -> tuple[nn.Module, TextEncoder]:
    """Image MLP and bag-of-words text encoder, each projecting to the shared dim."""
    image = nn.Sequential(
        nn.Flatten(),
        nn.Linear(64, hidden),
        nn.ReLU(),
        nn.Linear(hidden, hidden),
        nn.ReLU(),
        nn.Linear(hidden, dim),
    )
    return image, TextEncoder(vocab, embed, hidden, dim)


class CLIPToy(Demo):
    def setup(self, ctx: RunContext) -> None:
        p = ctx.params
        data = load_digits()
        perm = ctx.rng().permutation(len(data.x))
        n_eval = 300
        x = torch.from_numpy(data.x[perm]).to(ctx.device)
        y = torch.from_numpy(data.y[perm]).to(ctx.device)
        self.train_x, self.train_y = x[n_eval:], y[n_eval:]
        self.eval_x, self.eval_y = x[:n_eval], y[:n_eval]
        self.tok = Tokenizer()
        # every (class, template) caption, tokenised once: (10, templates, L)
        table = [[caption(c, t) for t in TEMPLATES] for c in range(10)]
        flat = self.tok([c for row in table for c in row])
        self.captions = torch.from_numpy(flat).view(10, len(TEMPLATES), -1).to(ctx.device)
        self.prompt = torch.from_numpy(self.tok([caption(c, PROMPT) for c in range(10)]))
        self.prompt = self.prompt.to(ctx.device)
        self.image_enc, self.text_enc = (
            net.to(ctx.device) for net in build_encoders(self.tok.vocab, 32, p["hidden"], p["dim"])
        )
        init = torch.tensor(math.log(1 / p["temperature"]))
        self.log_scale = torch.nn.Parameter(init.to(ctx.device), requires_grad=p["learn_scale"])
        # the probe: one held-out image per class, in class order
        start = p["probe"] % n_eval
        order = torch.cat([self.eval_y[start:], self.eval_y[:start]])
        idx = torch.stack([(order == c).nonzero()[0, 0] for c in range(10)])
        self.probe = (idx + start) % n_eval

    def checks(self, ctx: RunContext) -> Iterator[Check]:
        yield check_chance(device=ctx.device)
        yield check_infonce(device=ctx.device, seed=ctx.seed)
        yield check_cosine(device=ctx.device, seed=ctx.seed)

    def run(self, ctx: RunContext) -> Iterator[Frame]:
        p = ctx.params
        params = [*self.image_enc.parameters(), *self.text_enc.parameters()]
        if p["learn_scale"]:
            params.append(self.log_scale)
        opt = torch.optim.Adam(params, lr=p["lr"])
        gen = torch.Generator(device=ctx.device).manual_seed(ctx.seed)
        n = len(self.train_x)
        for step in range(ctx.total_steps):
            idx = torch.randint(0, n, (p["batch"],), device=ctx.device, generator=gen)
            pick = torch.randint(0, len(TEMPLATES), (p["batch"],), device=ctx.device, generator=gen)
            tokens = self.captions[self.train_y[idx], pick]  # (N, L) a caption per image
            logits = similarity(
                self.image_enc(self.train_x[idx]), self.text_enc(tokens), self.log_scale
            )  # (N, N)
            loss = clip_loss(logits)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            if ctx.wants(step):
                yield self._frame(ctx, step, loss, logits)

    def _class_embeddings(self, ensemble: bool) -> torch.Tensor:
        if not ensemble:
            return F.normalize(self.text_enc(self.prompt), dim=-1)  # (10, D)
        all_t = F.normalize(self.text_enc(self.captions.flatten(0, 1)), dim=-1)
        return F.normalize(all_t.view(10, len(TEMPLATES), -1).mean(1), dim=-1)

    def _frame(self, ctx: RunContext, step: int, loss, logits) -> Frame:
        with torch.no_grad():
            img = F.normalize(self.image_enc(self.eval_x), dim=-1)  # (M, D)
            single = img @ self._class_embeddings(False).t()  # (M, 10) cosine
            ensemble = img @ self._class_embeddings(True).t()
            pred = single.argmax(1)
            zero_shot = (pred == self.eval_y).float().mean().item()
            zero_ens = (ensemble.argmax(1) == self.eval_y).float().mean().item()
            confusion = torch.zeros(10, 10, device=ctx.device)
            confusion.index_put_(
                (self.eval_y, pred), torch.ones_like(pred, dtype=torch.float), accumulate=True
            )
            confusion = confusion / confusion.sum(1, keepdim=True).clamp(min=1)
            probe_sim = single[self.probe]  # (10 images, 10 prompts)
            retrieval = (probe_sim.argmax(0) == torch.arange(10, device=ctx.device)).float()
        scale = self.log_scale.detach().clamp(max=math.log(100)).exp().item()
        metrics = {
            "loss": loss.item(),
            "chance": math.log(len(logits)),
            "logit_scale": scale,
            "zero_shot": zero_shot,
            "zero_shot_ensemble": zero_ens,
            "retrieval": retrieval.mean().item(),
        }
        montage = self.eval_x[self.probe, 0].permute(1, 0, 2).reshape(8, 80)
        self.last = {
            "sim": probe_sim.cpu().numpy(),
            "batch": logits.detach()[:16, :16].cpu().numpy(),
            "confusion": confusion.cpu().numpy(),
            "montage": montage.cpu().numpy(),
            "per_class": confusion.diagonal().cpu().numpy(),
        }
        return Frame(
            step=step,
            metrics=metrics,
            pictures=[picture("held-out probe images, digits 0…9", montage)],
            heatmaps=[
                heatmap(
                    "cosine: probe images × prompts 'the digit …'", probe_sim, "prompt", "image"
                ),
                heatmap(
                    "training logits S (first 16 pairs, matches on the diagonal)",
                    self.last["batch"],
                    "text j",
                    "image i",
                ),
                heatmap("zero-shot confusion (rows: true digit)", confusion, "predicted", "true"),
            ],
            histograms=[
                histogram(
                    "zero-shot accuracy per digit",
                    self.last["per_class"],
                    [str(c) for c in range(10)],
                )
            ],
        )

    def learned(self, ctx: RunContext) -> Check:
        acc = ctx.final.get("zero_shot", math.nan)
        ens = ctx.final.get("zero_shot_ensemble", math.nan)
        loss, chance = ctx.final.get("loss", math.nan), ctx.final.get("chance", math.nan)
        floor = 0.7
        return Check(
            "learning",
            bool(acc >= floor and loss < chance),
            f"held-out zero-shot accuracy {acc:.3f} with one prompt, {ens:.3f} with the "
            f"ensemble (floor {floor}, chance 0.1); training loss {loss:.3f} < ln N {chance:.3f}",
        )

    def figures(self, ctx: RunContext, out_dir: Path) -> list[Path]:
        hist, last = ctx.history, self.last
        fig, axes = subplots(2, 3, (14, 8.5))
        ax = axes[0, 0]
        plot_history(ax, hist, ["loss"], labels=["symmetric InfoNCE"])
        plot_history(ax, hist, ["chance"], styles=[":"], labels=["ln N (constant logits)"])
        ax.set(title="contrastive loss", xlabel="step")
        ax.legend()
        ax = axes[0, 1]
        plot_history(ax, hist, ["zero_shot"], labels=[f"one prompt: '{PROMPT}'"])
        plot_history(ax, hist, ["zero_shot_ensemble"], labels=["prompt ensemble"])
        ax.axhline(0.1, color="grey", ls=":", label="chance")
        ax.set(title="held-out zero-shot accuracy", xlabel="step", ylim=(0, 1.02))
        ax.legend(fontsize=8)
        ax = axes[0, 2]
        plot_history(ax, hist, ["logit_scale"])
        ax.set(title="logit scale e^τ (1 / temperature, cap 100)", xlabel="step")
        ax = axes[1, 0]
        ax.imshow(last["montage"], cmap="gray", vmin=0, vmax=1)
        ax.set_title("probe images 0…9 (rows of the matrix)")
        ax.axis("off")
        ax = axes[1, 1]
        im = ax.imshow(last["sim"], cmap="viridis", vmin=-1, vmax=1)
        ax.set(
            title="cosine similarity: image × prompt",
            xlabel="prompt 'the digit …'",
            ylabel="image",
            xticks=range(10),
            yticks=range(10),
        )
        fig.colorbar(im, ax=ax, fraction=0.046)
        ax = axes[1, 2]
        im = ax.imshow(last["confusion"], cmap="Blues", vmin=0, vmax=1)
        ax.set(
            title="zero-shot confusion (row-normalised)",
            xlabel="predicted",
            ylabel="true",
            xticks=range(10),
            yticks=range(10),
        )
        fig.colorbar(im, ax=ax, fraction=0.046)
        title = (
            f"clip-toy: N = {ctx.params['batch']}, D = {ctx.params['dim']} "
            f"({ctx.total_steps} steps, {ctx.device})"
        )
        return [save_figure(out_dir, "clip-toy", fig, title=title, dpi=100)]
