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
the embeddings of several templates is prompt ensembling.

The contrast: a twin of the same two encoders, from the same initial weights and on the
same batches, is trained on the positive pairs only (maximise cos(I_i, T_i), no
negatives). Nothing stops it from mapping everything to one point, and it does: its
N×N matrix goes flat at cosine 1 and the InfoNCE of its logits sits at ln N. The
negatives in the denominator are what keep the pairs apart.

Live: the N×N cosine matrix of a fixed batch of 16 held-out pairs for CLIP and for the
twin (same diverging scale), the gap between matching and other pairs, zero-shot
accuracy (single prompt and ensemble) with its chance line, the loss next to ln N, the
logit scale, the image × prompt matrix and the confusion.
"""

from __future__ import annotations

import itertools
import math
import textwrap
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from demos.lib.images import montage
from demos.platform import (
    Bilingual,
    Check,
    Demo,
    Frame,
    RunContext,
    heatmap,
    histogram,
    picture,
)
from demos.platform.data import load_digits
from demos.platform.figures import (
    animation,
    image_panel,
    integer_ticks,
    plot_history,
    plt,
    save_figure,
    subplots,
)

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
PROBE_N = 16  # pairs in the fixed held-out batch whose N×N matrix is shown


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


def positives_only_loss(img: torch.Tensor, txt: torch.Tensor) -> torch.Tensor:
    """The twin's loss: pull each matching pair together, with no negatives to push."""
    return -(F.normalize(img, dim=-1) * F.normalize(txt, dim=-1)).sum(-1).mean()


def thin(steps: list[int], most: int) -> list[int]:
    """At most ``most`` of the recorded steps, evenly spread, always with the last."""
    if len(steps) <= most:
        return steps
    kept = steps[:: math.ceil(len(steps) / most)]
    return kept if kept[-1] == steps[-1] else [*kept, steps[-1]]


def pair_stats(cos: torch.Tensor) -> tuple[float, float]:
    """Mean cosine of the matching pairs (diagonal) and of all the other pairs."""
    n = len(cos)
    diag = cos.diagonal().mean().item()
    off = ((cos.sum() - cos.diagonal().sum()) / max(1, n * n - n)).item()
    return diag, off


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
        # the contrast: the same encoders from the same weights, trained without negatives
        self.twin_img, self.twin_txt = (
            net.to(ctx.device) for net in build_encoders(self.tok.vocab, 32, p["hidden"], p["dim"])
        )
        self.twin_img.load_state_dict(self.image_enc.state_dict())
        self.twin_txt.load_state_dict(self.text_enc.state_dict())
        init = torch.tensor(math.log(1 / p["temperature"]))
        self.log_scale = torch.nn.Parameter(init.to(ctx.device), requires_grad=p["learn_scale"])
        # the probe: one held-out image per class, in class order
        start = p["probe"] % n_eval
        order = torch.cat([self.eval_y[start:], self.eval_y[:start]])
        idx = torch.stack([(order == c).nonzero()[0, 0] for c in range(10)])
        self.probe = (idx + start) % n_eval
        # the probe batch: PROBE_N held-out pairs, digits 0-9 then six repeats (two pairs of
        # one digit are false negatives), each with a caption from a random template
        second = torch.stack([(order == c).nonzero()[1, 0] for c in range(PROBE_N - 10)])
        self.batch_idx = torch.cat([self.probe, (second + start) % n_eval])
        self.batch_y = self.eval_y[self.batch_idx]
        picks = ctx.rng(3).integers(0, len(TEMPLATES), PROBE_N).tolist()
        self.batch_text = [
            caption(int(c), TEMPLATES[k]) for c, k in zip(self.batch_y.tolist(), picks, strict=True)
        ]
        self.batch_tok = torch.from_numpy(self.tok(self.batch_text)).to(ctx.device)
        self.snapshots: dict[int, dict[str, Any]] = {}  # record step → the matrices

    def checks(self, ctx: RunContext) -> Iterator[Check]:
        yield check_chance(device=ctx.device)
        yield check_infonce(device=ctx.device, seed=ctx.seed)
        yield check_cosine(device=ctx.device, seed=ctx.seed)

    def run(self, ctx: RunContext) -> Iterator[Frame]:
        p = ctx.params
        params = [*self.image_enc.parameters(), *self.text_enc.parameters()]
        twin = [*self.twin_img.parameters(), *self.twin_txt.parameters()]
        if p["learn_scale"]:
            params.append(self.log_scale)
        # one Adam over both models: its updates are per parameter, so this is two runs
        opt = torch.optim.Adam([*params, *twin], lr=p["lr"])
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
            twin_img, twin_txt = self.twin_img(self.train_x[idx]), self.twin_txt(tokens)
            twin_loss = positives_only_loss(twin_img, twin_txt)
            opt.zero_grad(set_to_none=True)
            (loss + twin_loss).backward()
            opt.step()
            if ctx.wants(step):
                with torch.no_grad():  # the twin's logits at CLIP's initial scale
                    init = torch.tensor(math.log(1 / p["temperature"]), device=ctx.device)
                    twin_nce = clip_loss(similarity(twin_img, twin_txt, init)).item()
                yield self._frame(ctx, step, loss, logits, twin_nce)
        return self.caption(ctx)

    def _class_embeddings(self, ensemble: bool) -> torch.Tensor:
        if not ensemble:
            return F.normalize(self.text_enc(self.prompt), dim=-1)  # (10, D)
        all_t = F.normalize(self.text_enc(self.captions.flatten(0, 1)), dim=-1)
        return F.normalize(all_t.view(10, len(TEMPLATES), -1).mean(1), dim=-1)

    def _batch_cosines(self, image_enc, text_enc) -> torch.Tensor:
        """(PROBE_N, PROBE_N) cosines of the probe batch: image i × caption j."""
        img = F.normalize(image_enc(self.eval_x[self.batch_idx]), dim=-1)
        return img @ F.normalize(text_enc(self.batch_tok), dim=-1).t()

    def _frame(self, ctx: RunContext, step: int, loss, logits, twin_nce: float) -> Frame:
        with torch.no_grad():
            img = F.normalize(self.image_enc(self.eval_x), dim=-1)  # (M, D)
            single = img @ self._class_embeddings(False).t()  # (M, 10) cosine
            ensemble = img @ self._class_embeddings(True).t()
            pred = single.argmax(1)
            zero_shot = (pred == self.eval_y).float().mean().item()
            zero_ens = (ensemble.argmax(1) == self.eval_y).float().mean().item()
            twin_prompts = F.normalize(self.twin_txt(self.prompt), dim=-1)
            twin_pred = F.normalize(self.twin_img(self.eval_x), dim=-1) @ twin_prompts.t()
            twin_zero = (twin_pred.argmax(1) == self.eval_y).float().mean().item()
            confusion = torch.zeros(10, 10, device=ctx.device)
            confusion.index_put_(
                (self.eval_y, pred), torch.ones_like(pred, dtype=torch.float), accumulate=True
            )
            confusion = confusion / confusion.sum(1, keepdim=True).clamp(min=1)
            probe_sim = single[self.probe]  # (10 images, 10 prompts)
            retrieval = (probe_sim.argmax(0) == torch.arange(10, device=ctx.device)).float()
            batch = self._batch_cosines(self.image_enc, self.text_enc)  # (16, 16)
            twin = self._batch_cosines(self.twin_img, self.twin_txt)
        diag, off = pair_stats(batch)
        twin_diag, twin_off = pair_stats(twin)
        scale = self.log_scale.detach().clamp(max=math.log(100)).exp().item()
        metrics = {
            "loss": loss.item(),
            "chance": math.log(len(logits)),
            "twin_infonce": twin_nce,
            "logit_scale": scale,
            "zero_shot": zero_shot,
            "zero_shot_ensemble": zero_ens,
            "twin_zero_shot": twin_zero,
            "retrieval": retrieval.mean().item(),
            "diag_cos": diag,
            "off_cos": off,
            "gap": diag - off,
            "twin_diag_cos": twin_diag,
            "twin_off_cos": twin_off,
            "twin_gap": twin_diag - twin_off,
        }
        if ctx.should_record(step):
            self.snapshots[step] = {"batch": batch.cpu().numpy(), "twin": twin.cpu().numpy()}
        pics = self.eval_x[self.batch_idx, 0]  # (16, 8, 8)
        self.last = {
            "sim": probe_sim.cpu().numpy(),
            "confusion": confusion.cpu().numpy(),
            "batch_images": pics.cpu().numpy(),
            "per_class": confusion.diagonal().cpu().numpy(),
            "img_emb": img[:200].cpu().numpy(),
            "img_y": self.eval_y[:200].cpu().numpy(),
            "prompt_emb": self._class_embeddings(False).detach().cpu().numpy(),
        }
        return Frame(
            step=step,
            metrics=metrics,
            pictures=[
                picture(
                    f"probe batch: {PROBE_N} held-out images (rows of the N×N matrix)",
                    montage(pics, cols=8, pad=0.35),
                    key="probe-batch",
                )
            ],
            heatmaps=[
                heatmap(
                    f"CLIP: cosine image i × caption j, N = {PROBE_N} (gap {diag - off:.2f})",
                    batch,
                    "caption j",
                    "image i",
                    key="batch-sim",
                    vmin=-1,
                    vmax=1,
                ),
                heatmap(
                    f"twin, positives only: same batch (gap {twin_diag - twin_off:.2f})",
                    twin,
                    "caption j",
                    "image i",
                    key="twin-sim",
                    vmin=-1,
                    vmax=1,
                ),
                heatmap(
                    "cosine: probe images 0-9 × prompts 'the digit …'",
                    probe_sim,
                    "prompt",
                    "image",
                    key="prompt-sim",
                    vmin=-1,
                    vmax=1,
                ),
                heatmap(
                    "zero-shot confusion (rows: true digit)",
                    confusion,
                    "predicted",
                    "true",
                    key="confusion",
                    vmin=0,
                    vmax=1,
                ),
            ],
            histograms=[
                histogram(
                    "zero-shot accuracy per digit",
                    self.last["per_class"],
                    [str(c) for c in range(10)],
                    key="per-digit",
                )
            ],
        )

    def caption(self, ctx: RunContext) -> Bilingual:
        """What to look for, from this run's numbers."""
        f = ctx.final
        n = PROBE_N
        keys = ("diag_cos", "off_cos", "zero_shot", "twin_off_cos", "twin_gap", "twin_infonce")
        v = {k: _it(f[k], ".2f") for k in keys}  # the Italian text's numbers
        return Bilingual(
            en=(
                f"On a fixed batch of N = {n} held-out pairs the N×N matrix lights up on its "
                f"diagonal: matching pairs have mean cosine {f['diag_cos']:.2f}, the others "
                f"{f['off_cos']:.2f}, and zero-shot accuracy is {f['zero_shot']:.2f} (chance "
                f"0.10). The twin trained on positive pairs only collapses: every pair has "
                f"cosine {f['twin_off_cos']:.2f} (gap {f['twin_gap']:.2f}) and its InfoNCE "
                f"stays at {f['twin_infonce']:.2f} = ln {ctx.params['batch']}: without "
                f"negatives nothing keeps the pairs apart."
            ),
            it=(
                f"Su un batch fisso di N = {n} coppie di test la matrice N×N si accende sulla "
                f"diagonale: le coppie corrispondenti hanno coseno medio {v['diag_cos']}, le "
                f"altre {v['off_cos']}, e l'accuratezza zero-shot è {v['zero_shot']} (caso "
                f"0,10). Il gemello addestrato solo sulle coppie positive collassa: ogni coppia "
                f"ha coseno {v['twin_off_cos']} (scarto {v['twin_gap']}) e la sua InfoNCE resta "
                f"a {v['twin_infonce']} = ln {ctx.params['batch']}: senza negativi nulla tiene "
                f"separate le coppie."
            ),
        )

    def learned(self, ctx: RunContext) -> Check:
        f = ctx.final
        acc = f.get("zero_shot", math.nan)
        ens = f.get("zero_shot_ensemble", math.nan)
        loss, chance = f.get("loss", math.nan), f.get("chance", math.nan)
        gap, twin_gap = f.get("gap", math.nan), f.get("twin_gap", math.nan)
        floor, margin = 0.7, 0.3
        ok = acc >= floor and loss < chance and gap - twin_gap >= margin
        return Check(
            "learning",
            bool(ok),
            f"held-out zero-shot accuracy {acc:.3f} with one prompt, {ens:.3f} with the "
            f"ensemble (floor {floor}, chance 0.1); training loss {loss:.3f} < ln N "
            f"{chance:.3f}; matching − other cosine on the probe batch {gap:.2f} vs "
            f"{twin_gap:.2f} for the positives-only twin (needs a lead of {margin})",
        )

    # -- figures --------------------------------------------------------------------------

    def _matrix(self, fig, ax, data, title: str, colorbar: bool = True) -> None:
        """One N×N cosine matrix: diverging scale [-1, 1], digits and captions on the axes."""
        title += "\n(solid: own caption; dotted: same digit)"
        image_panel(fig, ax, data, title=title, cmap="RdBu_r", vmin=-1, vmax=1, colorbar=colorbar)
        digits = [int(d) for d in self.batch_y.tolist()]
        # rows by index with the digit: the probe holds some digits twice (img 0 and img 10)
        ax.set_yticks(range(PROBE_N), [f"img {k} ({d})" for k, d in enumerate(digits)], fontsize=7)
        ax.set_xticks(range(PROBE_N), self.batch_text, rotation=90, fontsize=6)
        ax.set_xlabel("caption j")
        for k in range(PROBE_N):  # the matching pairs
            ax.add_patch(plt.Rectangle((k - 0.5, k - 0.5), 1, 1, fill=False, ec="k", lw=0.8))
        for i, j in itertools.permutations(range(PROBE_N), 2):  # another image of that digit
            if digits[i] == digits[j]:
                ax.add_patch(
                    plt.Rectangle((j - 0.5, i - 0.5), 1, 1, fill=False, ec="0.2", lw=0.8, ls=":")
                )

    def figures(self, ctx: RunContext, out_dir: Path) -> list[Path]:
        hist, last, p = ctx.history, self.last, ctx.params
        first, final = min(self.snapshots), max(self.snapshots)
        fig = plt.figure(figsize=(19, 15))
        grid = fig.add_gridspec(3, 4, height_ratios=(1, 1.35, 1.1))
        ax = fig.add_subplot(grid[0, 0])
        plot_history(ax, hist, ["loss"], labels=["CLIP: symmetric InfoNCE"])
        plot_history(
            ax, hist, ["twin_infonce"], styles=["--"], labels=["twin: InfoNCE of its logits"]
        )
        plot_history(ax, hist, ["chance"], styles=[":"], labels=[f"ln N = ln {p['batch']}"])
        ax.set(title="contrastive loss on the training batch", ylabel="nats")
        ax.legend(fontsize=8)
        ax = fig.add_subplot(grid[0, 1])
        plot_history(ax, hist, ["zero_shot"], labels=[f"CLIP, one prompt '{PROMPT}'"])
        plot_history(ax, hist, ["zero_shot_ensemble"], styles=["-."], labels=["CLIP, ensemble"])
        ax.axhline(0.1, color="grey", ls=":", label="chance 0.1")
        ax.set(title="held-out zero-shot accuracy", ylim=(0, 1.02), ylabel="accuracy")
        ax.legend(fontsize=8, loc="lower right")
        ax = fig.add_subplot(grid[0, 2])
        plot_history(ax, hist, ["diag_cos"], labels=["CLIP: matching pairs"], color="C0")
        plot_history(ax, hist, ["off_cos"], styles=[":"], labels=["CLIP: other pairs"], color="C0")
        plot_history(ax, hist, ["twin_diag_cos"], labels=["twin: matching"], color="C3")
        plot_history(
            ax, hist, ["twin_off_cos"], styles=["--"], labels=["twin: other pairs"], color="C3"
        )
        ax.annotate(
            "twin: matching = other pairs\n(the two red lines coincide)",
            (hist[-1]["step"], ctx.final["twin_off_cos"]),
            xytext=(0.3, 0.42),
            textcoords="axes fraction",
            fontsize=8,
            color="C3",
            arrowprops={"arrowstyle": "->", "color": "C3"},
        )
        ax.set(title=f"mean cosine on the probe batch (N = {PROBE_N})", ylim=(-1.05, 1.05))
        ax.legend(fontsize=8, loc="lower left")
        ax = fig.add_subplot(grid[0, 3])
        plot_history(ax, hist, ["logit_scale"], labels=["e^τ"])
        ax.axhline(100, color="grey", ls=":", label="cap 100")
        ax.axhline(1 / p["temperature"], color="grey", ls="--", lw=0.8, label="start 1/T")
        ax.set(title="logit scale e^τ = 1 / temperature", ylim=(0, 105))
        ax.legend(fontsize=8)

        self._matrix(
            fig,
            fig.add_subplot(grid[1, 0]),
            self.snapshots[first]["batch"],
            f"step {first}: random encoders",
            colorbar=False,
        )
        self._matrix(
            fig,
            fig.add_subplot(grid[1, 1]),
            self.snapshots[final]["batch"],
            f"CLIP, step {final}: diagonal and dotted light up",
            colorbar=False,
        )
        self._matrix(
            fig,
            fig.add_subplot(grid[1, 2]),
            self.snapshots[final]["twin"],
            f"twin (positives only), step {final}: collapsed",
        )
        cells = grid[1, 3].subgridspec(4, 4, hspace=0.45, wspace=0.1)
        for k, text in enumerate(self.batch_text):
            ax = fig.add_subplot(cells[divmod(k, 4)])
            ax.imshow(last["batch_images"][k], cmap="gray", vmin=0, vmax=1)
            ax.set_title(textwrap.fill(f"{k}: {text}", 16), fontsize=6.5)
            ax.axis("off")
            if k == 1:
                ax.text(
                    1.05,
                    1.9,
                    f"the probe batch: {PROBE_N} (image, caption) pairs",
                    transform=ax.transAxes,
                    ha="center",
                    fontsize=11,
                )

        ax = fig.add_subplot(grid[2, 0])
        ax.axis("off")
        lines = [f"'{t}'" for t in TEMPLATES]
        ax.text(
            0.0,
            1.0,
            "caption templates ({en}/{it}: the word, {d}: the numeral)\n  "
            + "\n  ".join(lines)
            + "\n\ntext encoder: mean of word embeddings → MLP → D = "
            + f"{p['dim']}\nimage encoder: MLP on the 64 pixels → D = {p['dim']}"
            + "\nboth L2-normalised: I·T is a cosine\nloss = (CE(S, arange N) + "
            "CE(Sᵀ, arange N)) / 2",
            va="top",
            family="monospace",
            fontsize=8.5,
        )
        ax = fig.add_subplot(grid[2, 1])
        image_panel(
            fig, ax, last["sim"], title="probe images 0-9 × prompts", cmap="RdBu_r", vmin=-1, vmax=1
        )
        ax.set(xlabel="prompt 'the digit …'", ylabel="image of digit")
        ax.set_xticks(range(10))
        ax.set_yticks(range(10))
        ax = fig.add_subplot(grid[2, 2])
        image_panel(
            fig,
            ax,
            last["confusion"],
            title="zero-shot confusion (rows sum to 1)",
            cmap="Blues",
            vmin=0,
            vmax=1,
        )
        ax.set(xlabel="predicted digit", ylabel="true digit")
        ax.set_xticks(range(10))
        ax.set_yticks(range(10))
        ax = fig.add_subplot(grid[2, 3])
        emb, prompts = last["img_emb"], last["prompt_emb"]
        centre = emb.mean(0)
        _, _, v = np.linalg.svd(emb - centre, full_matrices=False)
        pts, stars = (emb - centre) @ v[:2].T, (prompts - centre) @ v[:2].T
        for c in range(10):
            sel = last["img_y"] == c
            ax.scatter(pts[sel, 0], pts[sel, 1], s=8, color=f"C{c}", alpha=0.6, label=str(c))
            ax.scatter(*stars[c], s=160, marker="*", color=f"C{c}", edgecolor="k")
        ax.set(title="shared space (2 principal axes): images •, prompts ★")
        ax.legend(title="digit", fontsize=7, ncol=2, loc="best")
        title = (
            f"clip-toy: N = {p['batch']}, D = {p['dim']}, {ctx.total_steps} steps on "
            f"{ctx.device}; twin: same encoders, positive pairs only"
        )
        fig.suptitle(title, y=1.005, fontsize=13)
        words = self.caption(ctx)
        paths = [save_figure(out_dir, "clip-toy", fig, caption=f"{words.en}\n{words.it}")]
        paths.append(self._animation(out_dir))
        return paths

    def _animation(self, out_dir: Path) -> Path:
        """The probe batch's N×N matrix over training, CLIP beside the collapsing twin."""
        steps = thin(sorted(self.snapshots), 40)
        fig, axes = subplots(1, 2, (9, 5))
        fig.subplots_adjust(left=0.07, right=0.86, top=0.8, bottom=0.12, wspace=0.3)
        images = []
        for ax in axes:
            images.append(ax.imshow(np.zeros((PROBE_N, PROBE_N)), cmap="RdBu_r", vmin=-1, vmax=1))
            ax.set(xlabel="caption j", ylabel="image i")
            integer_ticks(ax, x=True, y=True)
        bar = fig.add_axes((0.89, 0.15, 0.02, 0.62))
        fig.colorbar(images[1], cax=bar, label="cosine")
        head = fig.suptitle("")
        names = ("CLIP (InfoNCE)", "twin (positive pairs only)")

        def update(i: int) -> None:
            snap = self.snapshots[steps[i]]
            head.set_text(f"the probe batch's N×N cosine matrix, step {steps[i]}")
            for img, key, ax, who in zip(images, ("batch", "twin"), axes, names, strict=True):
                img.set_data(snap[key])
                diag, off = pair_stats(torch.from_numpy(snap[key]))
                ax.set_title(f"{who}\ndiagonal {diag:.2f}, others {off:.2f}", fontsize=10)

        return animation(out_dir, "clip-toy", fig, update, len(steps), fps=4, dpi=70)


def _it(value: float, fmt: str) -> str:
    """A number as Italian writes it: decimal comma."""
    return format(value, fmt).replace(".", ",")
