"""A toy DALL-E 2 (unCLIP): caption → CLIP text embedding → diffusion prior → decoder (h.08).

DALL-E 2 factorises text-to-image as ``P(x | y) = P(x | z_i, y) · P(z_i | y)``: a frozen
CLIP text encoder embeds the caption (z_t), a diffusion *prior* turns it into a CLIP
*image* embedding z_i (it denoises z_i and predicts the clean embedding directly, with an
MSE loss), and a decoder turns z_i into pixels. The prior chooses what to draw, the
decoder how it looks.

The toy, on 8×8 digits with captions such as "a photo of the digit seven":

1. CLIP (setup, then frozen): an image MLP and a bag-of-words text encoder trained with
   the symmetric InfoNCE loss into a shared, L2-normalised space.
2. The prior (trained live): the ``ddpm-2d`` machinery on the image embeddings (scaled
   by √d), conditioned on the text embedding. DALL-E 2's prior predicts the clean z_i;
   this small MLP predicts the noise ε instead, the same model up to the reparameterisation
   ``x0_to_eps`` (with x̂_0 it collapses onto the class means in a short run). The
   condition is dropped 20% of the time, so one network is both conditional and
   unconditional and sampling can use classifier-free guidance
   ``ε̂ = ε̂_u + s (ε̂_c - ε̂_u)`` (s = 1 is the conditional model, s > 1 pushes toward the
   caption).
3. The decoder (trained live): here a regression MLP that inverts the CLIP image encoder,
   z_i → image; in DALL-E 2 it is itself a diffusion model (GLIDE-like, plus upsamplers).

Live: both losses; how often a sampled embedding is classified by CLIP as its caption;
the caption × class similarity of the sampled embeddings; decoded images for each caption
at guidance 1 and at the chosen scale.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from matplotlib.patches import Rectangle
from torch import nn

from demos.lib.diffusion import (
    build_denoiser,
    denoise,
    make_schedule,
    on_device,
    q_sample,
    reverse_sample,
)
from demos.lib.images import montage
from demos.platform import Bilingual, Check, Demo, Frame, RunContext, heatmap, histogram, picture
from demos.platform.data import load_digits
from demos.platform.figures import animation, image_panel, plot_history, plt, save_figure

NUMBERS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")
TEMPLATES = (
    "a photo of the digit {}",
    "the number {}",
    "a handwritten {}",
    "a picture of a {}",
    "{}",
)
PROMPT = "a photo of the digit {}"  # the zero-shot prompt
WORDS = sorted({w for t in TEMPLATES for w in t.split() if w != "{}"} | set(NUMBERS))
VOCAB = {w: i + 1 for i, w in enumerate(WORDS)}  # 0 is padding
MAX_WORDS = max(len(t.split()) for t in TEMPLATES)


def tokenize(caption: str) -> list[int]:
    ids = [VOCAB[w] for w in caption.split()]
    return ids + [0] * (MAX_WORDS - len(ids))


def caption_tokens(labels, template_ids) -> Any:
    """(N,) labels and template indices → (N, MAX_WORDS) token ids (a CPU tensor)."""
    rows = [
        tokenize(TEMPLATES[k].format(NUMBERS[y])) for y, k in zip(labels, template_ids, strict=True)
    ]
    return torch.tensor(rows, dtype=torch.long)


def build_clip(pixels: int, hidden: int, dim: int, width: int = 32) -> tuple[Any, Any, Any]:
    """Image encoder, text encoder (embedding bag + linear), learned log inverse temperature."""
    image_enc = nn.Sequential(
        nn.Linear(pixels, hidden), nn.ReLU(), nn.Linear(hidden, hidden), nn.ReLU(),
        nn.Linear(hidden, dim),
    )  # fmt: skip
    text_enc = nn.ModuleDict(
        {"emb": nn.Embedding(len(VOCAB) + 1, width, padding_idx=0), "proj": nn.Linear(width, dim)}
    )
    logit_scale = nn.Parameter(torch.tensor(math.log(1 / 0.07)))
    return image_enc, text_enc, logit_scale


def encode_text(text_enc, tokens: torch.Tensor) -> torch.Tensor:
    """Mean of the word vectors (padding ignored), projected and L2-normalised: (N, d)."""
    mask = (tokens > 0).float()[..., None]  # (N, L, 1)
    bag = (text_enc["emb"](tokens) * mask).sum(1) / mask.sum(1).clamp_min(1.0)  # (N, width)
    return F.normalize(text_enc["proj"](bag), dim=-1)


def encode_image(image_enc, x: torch.Tensor) -> torch.Tensor:
    return F.normalize(image_enc(x), dim=-1)


def clip_loss(img: torch.Tensor, txt: torch.Tensor, logit_scale) -> torch.Tensor:
    """Symmetric InfoNCE on the N×N similarity matrix, matching pairs on the diagonal."""
    logits = logit_scale.exp().clamp(max=100.0) * img @ txt.t()  # (N, N)
    labels = torch.arange(len(img), device=img.device)
    return 0.5 * (F.cross_entropy(logits, labels) + F.cross_entropy(logits.t(), labels))


def guide(pred_cond: torch.Tensor, pred_uncond: torch.Tensor, scale: float) -> torch.Tensor:
    """Classifier-free guidance: unconditional + s · (conditional − unconditional)."""
    return pred_uncond + scale * (pred_cond - pred_uncond)


def x0_to_eps(x: torch.Tensor, x0: torch.Tensor, t: torch.Tensor, alpha_bar) -> torch.Tensor:
    """The noise implied by a clean-sample prediction: ε = (x_t − √ᾱ_t x̂_0) / √(1−ᾱ_t)."""
    ab = alpha_bar[t][:, None]
    return (x - ab.sqrt() * x0) / (1 - ab).sqrt()


def gaussian_oracle(mean: torch.Tensor, cov: torch.Tensor, alpha_bar) -> Any:
    """The exact E[x_0 | x_t] when x_0 ~ N(mean, cov): the best possible x_0-predicting prior."""
    eye = torch.eye(len(mean), dtype=cov.dtype, device=cov.device)

    def predict(x: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
        ab = alpha_bar[t[0]]
        gain = ab.sqrt() * cov @ torch.linalg.inv(ab * cov + (1 - ab) * eye)  # (d, d)
        return mean + (x - ab.sqrt() * mean) @ gain.t()

    return predict


def check_guidance_one(
    net, z: torch.Tensor, t: torch.Tensor, cond: torch.Tensor, timesteps: int, guide_fn=guide
) -> Check:
    """s = 1 must give exactly the conditional prediction, s = 0 the unconditional one."""
    with torch.no_grad():
        c = denoise(net, z, t, timesteps, cond)
        u = denoise(net, z, t, timesteps, torch.zeros_like(cond))
        one = (guide_fn(c, u, 1.0) - c).abs().max().item()
        zero = (guide_fn(c, u, 0.0) - u).abs().max().item()
        spread = (c - u).abs().max().item()
    return Check(
        "guidance-scale-1",
        one <= 1e-5 and zero <= 1e-5 and spread > 1e-4,
        f"max |guided(s=1) − conditional| = {one:.1e}, |guided(s=0) − unconditional| = "
        f"{zero:.1e} (conditional and unconditional differ by up to {spread:.2e})",
    )


def check_oracle_prior(emb: torch.Tensor, sched: dict, gen, samples: int = 2000) -> Check:
    """The prior's sampler, driven by the exact denoiser of a Gaussian fit to the image
    embeddings, must reproduce the embeddings' mean and covariance."""
    emb = emb.double()
    mean, cov = emb.mean(0), torch.cov(emb.t())  # (d,), (d, d)
    sched = {k: v.double() for k, v in sched.items()}
    predict = gaussian_oracle(mean, cov, sched["alpha_bar"])
    x_T = torch.randn(samples, len(mean), generator=gen, dtype=torch.float64)
    out, _ = reverse_sample(
        lambda x, t: x0_to_eps(x, predict(x, t), t, sched["alpha_bar"]), x_T, sched, gen
    )
    ref = torch.distributions.MultivariateNormal(mean, covariance_matrix=cov)
    mean_err = ((out.mean(0) - ref.mean).norm() / cov.trace().sqrt()).item()
    cov_err = ((torch.cov(out.t()) - ref.covariance_matrix).norm() / cov.norm()).item()
    ok = mean_err < 0.1 and cov_err < 0.2
    return Check(
        "prior-matches-embedding-stats",
        bool(ok),
        f"sampler with the exact Gaussian denoiser, {samples} samples: |Δmean| / √tr Σ = "
        f"{mean_err:.3f} (needs < 0.1), ‖ΔΣ‖/‖Σ‖ = {cov_err:.3f} (needs < 0.2)",
    )


class Dalle2Toy(Demo):
    # -- setup: the frozen CLIP ---------------------------------------------------------

    def setup(self, ctx: RunContext) -> None:
        p = ctx.params
        data = load_digits()
        rng = ctx.rng()
        perm = rng.permutation(len(data.x))
        x = torch.from_numpy(data.x[perm].reshape(len(perm), -1))  # (N, 64)
        y = torch.from_numpy(data.y[perm])
        templates = rng.integers(0, len(TEMPLATES), size=len(perm))
        tokens = caption_tokens(y.tolist(), templates.tolist())  # (N, L)
        self.side, n_eval = data.size, 300
        dev = ctx.device
        self.train_x, self.eval_x = x[n_eval:].to(dev), x[:n_eval].to(dev)
        self.train_y, self.eval_y = y[n_eval:].to(dev), y[:n_eval].to(dev)
        self.train_tok = tokens[n_eval:].to(dev)
        parts = build_clip(x.shape[1], 128, p["dim"])
        self.image_enc, self.text_enc = parts[0].to(dev), parts[1].to(dev)
        self.logit_scale = torch.nn.Parameter(parts[2].detach().to(dev))
        self._train_clip(ctx)
        prompts = caption_tokens(list(range(10)), [TEMPLATES.index(PROMPT)] * 10).to(dev)
        self.scale = math.sqrt(p["dim"])  # unit-norm embeddings → entries of about unit size
        with torch.no_grad():
            self.prompt_emb = encode_text(self.text_enc, prompts)  # (10, d)
            self.train_txt = encode_text(self.text_enc, self.train_tok)  # (N, d)
            self.train_img = encode_image(self.image_enc, self.train_x) * self.scale
            self.eval_img = encode_image(self.image_enc, self.eval_x)
            self.class_mean = torch.stack(
                [self.train_img[self.train_y == c].mean(0) for c in range(10)]
            )  # (10, d), scaled
            within = self.train_img - self.class_mean[self.train_y]
            self.spread = within.norm(dim=1).mean().item()  # real within-class spread
        self.sched64 = make_schedule(p["timesteps"])
        self.sched = on_device(self.sched64, dev)
        self.prior = build_denoiser(p["dim"], p["hidden"], cond=p["dim"]).to(dev)

        self.decoder = nn.Sequential(
            nn.Linear(p["dim"], 128), nn.ReLU(), nn.Linear(128, 128), nn.ReLU(),
            nn.Linear(128, x.shape[1]), nn.Sigmoid(),
        ).to(dev)  # fmt: skip
        cpu = torch.Generator().manual_seed(ctx.seed + 1)  # same start on every device
        k = p["per_caption"]
        self.noise = torch.randn(10 * k, p["dim"], generator=cpu).to(dev)
        self.sample_y = torch.arange(10, device=dev).repeat_interleave(k)  # (10k,)
        t_count = p["timesteps"]  # the GIF's chain: 24 steps from x_T to x_0, and x_0
        self.chain_steps = sorted({round(t_count * (1 - k / 24)) for k in range(25)}, reverse=True)
        self.snapshot: dict[int, Any] = {}

    def _train_clip(self, ctx: RunContext) -> None:
        params = [*self.image_enc.parameters(), *self.text_enc.parameters(), self.logit_scale]
        opt = torch.optim.Adam(params, lr=3e-3)
        gen = torch.Generator(device=ctx.device).manual_seed(ctx.seed + 5)
        self.clip_curve = []
        for _ in range(ctx.params["clip_steps"]):
            idx = torch.randint(0, len(self.train_x), (128,), device=ctx.device, generator=gen)
            img = encode_image(self.image_enc, self.train_x[idx])
            txt = encode_text(self.text_enc, self.train_tok[idx])
            loss = clip_loss(img, txt, self.logit_scale)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            self.clip_curve.append(loss.detach())
        self.clip_curve = torch.stack(self.clip_curve).cpu() if self.clip_curve else None
        for w in params:
            w.requires_grad_(False)

    def zero_shot(self, img: torch.Tensor) -> torch.Tensor:
        """CLIP's class for each image embedding: the most similar prompt."""
        return (F.normalize(img, dim=-1) @ self.prompt_emb.t()).argmax(dim=1)

    # -- checks --------------------------------------------------------------------------

    def checks(self, ctx: RunContext) -> Iterator[Check]:
        acc = (self.zero_shot(self.eval_img) == self.eval_y).float().mean().item()
        yield Check(
            "clip-zero-shot",
            acc >= 0.5,
            f"frozen toy CLIP, held-out digits vs '{PROMPT}': accuracy {acc:.3f} "
            "(needs ≥ 0.5; chance 0.1)",
        )
        gen = torch.Generator().manual_seed(ctx.seed + 2)
        yield check_oracle_prior(self.train_img.cpu(), self.sched64, gen)
        dev, t_count = ctx.device, ctx.params["timesteps"]
        z = torch.randn(64, ctx.params["dim"], generator=gen).to(dev)
        t = torch.randint(0, t_count, (64,), generator=gen).to(dev)
        yield check_guidance_one(self.prior, z, t, self.train_txt[:64], t_count)

    # -- sampling --------------------------------------------------------------------------

    def sample_prior(
        self, ctx: RunContext, text: torch.Tensor, scale: Any, seed: int = 3, keep=()
    ) -> Any:
        """Image embeddings (scaled) for text embeddings (B, d), guided with ``scale``.

        ``scale`` 0 is the unconditional prior (the caption ignored), 1 the conditional one.
        A tuple of scales samples them all in one chain (one batch, the same x_T for each)
        and returns one result per scale. With ``keep`` the chain's x_t at those steps come
        back too.
        """
        t_count = ctx.params["timesteps"]
        scales = tuple(scale) if isinstance(scale, tuple | list) else (scale,)
        b = len(text)
        text = text.repeat(len(scales), 1)  # (S·B, d)
        null = torch.zeros_like(text)
        column = torch.tensor(scales, device=text.device).repeat_interleave(b)[:, None]

        def predict(x: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
            both = denoise(
                self.prior, torch.cat([x, x]), torch.cat([t, t]), t_count, torch.cat([text, null])
            )
            return guide(*both.chunk(2), column)  # ε̂; guidance is linear, so ε or x̂_0 alike

        gen = torch.Generator(device=ctx.device).manual_seed(ctx.seed + seed)
        with torch.no_grad():
            out, kept = reverse_sample(
                predict, self.noise[:b].repeat(len(scales), 1), self.sched, gen, keep=tuple(keep)
            )
        outs = list(out.split(b)) if len(scales) > 1 else out
        return (outs, kept) if keep else outs

    # -- training --------------------------------------------------------------------------

    def run(self, ctx: RunContext) -> Iterator[Frame]:
        p = ctx.params
        opt = torch.optim.Adam([*self.prior.parameters(), *self.decoder.parameters()], lr=p["lr"])
        anneal = torch.optim.lr_scheduler.CosineAnnealingLR(opt, ctx.total_steps)
        gen = torch.Generator(device=ctx.device).manual_seed(ctx.seed)
        n, t_count = len(self.train_x), p["timesteps"]
        for step in range(ctx.total_steps):
            idx = torch.randint(0, n, (p["batch"],), device=ctx.device, generator=gen)
            z0, txt = self.train_img[idx], self.train_txt[idx]  # (B, d) each
            keep = torch.rand(len(idx), 1, device=ctx.device, generator=gen) >= p["drop"]
            txt = txt * keep  # dropped captions become the null (zero) condition
            t = torch.randint(0, t_count, (len(idx),), device=ctx.device, generator=gen)
            eps = torch.randn(z0.shape, device=ctx.device, generator=gen)
            zt = q_sample(z0, t, eps, self.sched["alpha_bar"])
            prior_loss = F.mse_loss(denoise(self.prior, zt, t, t_count, txt), eps)
            decoder_loss = F.mse_loss(self.decoder(z0), self.train_x[idx])
            opt.zero_grad(set_to_none=True)
            (prior_loss + decoder_loss).backward()
            opt.step()
            anneal.step()
            if ctx.wants(step):
                yield self._frame(ctx, step, prior_loss, decoder_loss)
        return self.caption(ctx)

    def _frame(self, ctx: RunContext, step: int, prior_loss, decoder_loss) -> Frame:
        text = self.prompt_emb[self.sample_y]  # (10k, d)
        final = step == ctx.total_steps - 1
        # s = 1, the chosen guidance, and s = 0 (the contrast: the caption ignored), one chain
        scales = (1.0, ctx.params["guidance"], 0.0)
        samples = self.sample_prior(ctx, text, scales, keep=self.chain_steps if final else ())
        if final:
            samples, kept = samples
            kept = {t: v[: len(text)] for t, v in kept.items()}  # the s = 1 rows
        z1, zg, z0 = samples
        acc = (self.zero_shot(z1) == self.sample_y).float().mean().item()
        guided_acc = (self.zero_shot(zg) == self.sample_y).float().mean().item()
        uncond_acc = (self.zero_shot(z0) == self.sample_y).float().mean().item()
        cos = F.cosine_similarity(z1, self.class_mean[self.sample_y], dim=1).mean().item()
        norm_ratio = (z1.norm(dim=1).mean() / self.train_img.norm(dim=1).mean()).item()
        spread = (z1 - self.class_mean[self.sample_y]).norm(dim=1).mean().item() / self.spread
        k = ctx.params["per_caption"]
        sims = F.normalize(z1, dim=-1) @ F.normalize(self.class_mean, dim=-1).t()  # (10k, 10)
        sim_matrix = sims.view(10, k, 10).mean(1)  # (caption, class)
        with torch.no_grad():
            first = torch.arange(10, device=ctx.device) * k
            real = torch.stack([self.eval_x[self.eval_y == c][0] for c in range(10)])  # (10, 64)
            images = self.decoder(z1)  # (10k, 64): every prior sample drawn
            # the whole pipeline scored end to end: CLIP reads the decoded image
            round_trip = self.zero_shot(encode_image(self.image_enc, images)) == self.sample_y
            direct = self.decoder(self.prompt_emb * self.scale)  # no prior: text as if image
            direct_acc = (
                (self.zero_shot(encode_image(self.image_enc, direct)) == first // k)
                .float()
                .mean()
                .item()
            )
            rows = [
                real,
                self.decoder(encode_image(self.image_enc, real) * self.scale),
                images[first],
                self.decoder(zg[first]),
                self.decoder(z0[first]),
                direct,
            ]
            pics = [r.view(10, self.side, self.side) for r in rows]
        board = montage(torch.cat(pics[:4]), cols=10, pad=0.35)
        per_class = (self.zero_shot(z1) == self.sample_y).float().view(10, k).mean(1)
        self.last = {
            "board": board.cpu(),
            "rows": [r.cpu() for r in pics],
            "sim": sim_matrix.cpu(),
            "per_class": per_class.cpu(),
            "z1": z1.cpu(),
            "zg": zg.cpu(),
            "z0": z0.cpu(),
        }
        if final:  # the prior's chain for the GIF: where the samples are, what they will be
            with torch.no_grad():
                self.snapshot = {
                    t: (
                        kept[t].cpu(),
                        self.decoder(self._clean_guess(ctx, kept[t][first], t, text[first]))
                        .view(10, self.side, self.side)
                        .cpu(),
                    )
                    for t in self.chain_steps
                }
        return Frame(
            step=step,
            metrics={
                "prior_loss": prior_loss.item(),
                "decoder_loss": decoder_loss.item(),
                "prior_acc": acc,
                "guided_acc": guided_acc,
                "uncond_acc": uncond_acc,
                "round_trip_acc": round_trip.float().mean().item(),
                "direct_acc": direct_acc,
                "prior_cos": cos,
                "norm_ratio": norm_ratio,
                "spread_ratio": spread,
            },
            pictures=[
                picture(
                    "captions 0-9: a real digit / decoder(CLIP(real)) / "
                    f"decoder(prior(text)), s=1 / s={ctx.params['guidance']:g}",
                    board,
                    key="board",
                ),
                picture(
                    "the caption ignored (s = 0): decoder(prior(∅))",
                    montage(pics[4], cols=10, pad=0.35),
                    key="unconditional",
                ),
            ],
            heatmaps=[
                heatmap(
                    "cosine: prior samples per caption vs class mean image embedding",
                    sim_matrix,
                    "class",
                    "caption",
                    key="caption-class",
                    vmin=-1,
                    vmax=1,
                )
            ],
            histograms=[
                histogram(
                    "CLIP accuracy of prior samples per caption",
                    per_class,
                    list(NUMBERS),
                    key="per-caption",
                )
            ],
        )

    def _clean_guess(self, ctx: RunContext, x: torch.Tensor, t: int, text) -> torch.Tensor:
        """x̂_0 of the conditional prior seen from x_t: the embedding it is heading for."""
        if t == 0:
            return x
        ab = self.sched["alpha_bar"][t - 1]
        tt = torch.full((len(x),), t - 1, device=x.device, dtype=torch.long)
        eps = denoise(self.prior, x, tt, ctx.params["timesteps"], text)
        return (x - (1 - ab).sqrt() * eps) / ab.sqrt()

    # -- judgement and figures -----------------------------------------------------------

    def caption(self, ctx: RunContext) -> Bilingual:
        """What to look for, from this run's numbers."""
        f, p = ctx.final, ctx.params
        s = p["guidance"]
        pc = {k: f"{f[k]:.0%}" for k in ("prior_acc", "guided_acc", "uncond_acc", "round_trip_acc")}
        return Bilingual(
            en=(
                f"The prior turns the caption's CLIP text embedding into an image embedding "
                f"that CLIP reads as the caption in {pc['prior_acc']} of cases, "
                f"{pc['guided_acc']} with guidance s = {s:g}; the same network with the "
                f"caption dropped (s = 0) draws any digit, {pc['uncond_acc']} (chance 10%). "
                f"Decoded to pixels and read back by CLIP, the pipeline's images still match "
                f"their caption in {pc['round_trip_acc']} of cases."
            ),
            it=(
                f"Il prior trasforma l'embedding testuale CLIP della didascalia in un embedding "
                f"d'immagine che CLIP legge come la didascalia nel {pc['prior_acc']} dei casi, "
                f"nel {pc['guided_acc']} con guidance s = {_it(s, 'g')}; la stessa rete senza "
                f"didascalia (s = 0) disegna una cifra qualsiasi, {pc['uncond_acc']} (caso 10%). "
                f"Decodificate in pixel e rilette da CLIP, le immagini della pipeline "
                f"corrispondono ancora alla didascalia nel {pc['round_trip_acc']} dei casi."
            ),
        )

    def learned(self, ctx: RunContext) -> Check:
        f = ctx.final
        acc, cos, ratio, spread = (
            f.get(k, math.nan) for k in ("prior_acc", "prior_cos", "norm_ratio", "spread_ratio")
        )
        uncond, trip = f.get("uncond_acc", math.nan), f.get("round_trip_acc", math.nan)
        lead = 0.4
        ok = (
            acc >= 0.6
            and cos >= 0.7
            and abs(ratio - 1.0) <= 0.2
            and 0.5 <= spread <= 1.6
            and acc - uncond >= lead
            and trip >= 0.5
        )
        return Check(
            "learning",
            bool(ok),
            f"prior samples (s = 1): CLIP picks their caption {acc:.3f} of the time (needs ≥ "
            f"0.6, chance 0.1; with the caption dropped, s = 0: {uncond:.3f}, needs a lead of "
            f"{lead}); decoded and re-read by CLIP {trip:.3f} (needs ≥ 0.5); cosine to the "
            f"class's mean image embedding {cos:.3f} (needs ≥ 0.7); norm / image-embedding norm "
            f"{ratio:.3f} (needs 1 ± 0.2); within-class spread / real spread {spread:.3f} "
            f"(needs 0.5…1.6: no collapse onto the mean)",
        )

    def _pipeline(self, ax, p: dict[str, Any]) -> None:
        """The DALL-E 2 (unCLIP) pipeline as boxes and arrows, with this toy's sizes."""
        ax.set(xlim=(0, 10), ylim=(0, 3))
        ax.axis("off")
        boxes = (
            (0.1, 1.9, "caption\n'a photo of the\ndigit seven'", "#eeeeee"),
            (2.1, 1.9, "CLIP text\nencoder (frozen)", "#c6dbef"),
            (4.1, 1.9, f"diffusion prior\nT = {p['timesteps']}, guidance s", "#fdd0a2"),
            (6.1, 1.9, "decoder\n(an MLP here)", "#c7e9c0"),
            (8.1, 1.9, "8×8 image", "#eeeeee"),
            (4.1, 0.2, "CLIP image\nencoder (frozen)", "#c6dbef"),
        )
        for x, y, text, colour in boxes:
            ax.add_patch(Rectangle((x, y), 1.5, 0.9, fc=colour, ec="k"))
            ax.text(x + 0.75, y + 0.45, text, ha="center", va="center", fontsize=8)
        for x0, x1, label in ((1.6, 2.1, ""), (3.6, 4.1, "z_t"), (5.6, 6.1, "z_i"), (7.6, 8.1, "")):
            ax.annotate("", (x1, 2.35), (x0, 2.35), arrowprops={"arrowstyle": "->"})
            ax.text((x0 + x1) / 2, 2.45, label, ha="center", fontsize=9)
        ax.annotate("", (4.85, 1.9), (4.85, 1.1), arrowprops={"arrowstyle": "->", "ls": "--"})
        ax.text(4.95, 1.45, f"training targets z_i (d = {p['dim']})", fontsize=7)
        ax.set_title("DALL-E 2 (unCLIP): P(x | y) = P(x | z_i, y) · P(z_i | y)")

    def figures(self, ctx: RunContext, out_dir: Path) -> list[Path]:
        hist, p, last = ctx.history, ctx.params, self.last
        fig = plt.figure(figsize=(19, 15))
        grid = fig.add_gridspec(3, 4, height_ratios=(0.8, 1, 1.5))
        self._pipeline(fig.add_subplot(grid[0, 0:2]), p)
        ax = fig.add_subplot(grid[0, 2])
        if self.clip_curve is not None:
            ax.plot(self.clip_curve.numpy(), color="grey", label="InfoNCE (train)")
        ax.axhline(math.log(128), ls=":", color="k", label="ln N = ln 128 (constant logits)")
        ax.set(title="1. CLIP, trained in setup, then frozen", xlabel="setup step")
        ax.text(
            0.3,
            0.4,
            "starts above ln N: random embeddings\ntimes the logit scale "
            "1/0.07 ≈ 14\ngive confident wrong logits",
            transform=ax.transAxes,
            fontsize=8,
        )
        ax.legend(fontsize=8)
        ax = fig.add_subplot(grid[0, 3])
        plot_history(ax, hist, ["prior_loss"], labels=["prior (ε-MSE on z_i)"])
        plot_history(ax, hist, ["decoder_loss"], labels=["decoder (pixel MSE)"])
        ax.set_yscale("log")
        ax.set(title="2-3. prior and decoder (train)")
        ax.legend(fontsize=8)
        ax = fig.add_subplot(grid[1, 0])
        plot_history(ax, hist, ["prior_acc"], labels=["s = 1 (conditional)"], color="C0", lw=2)
        plot_history(
            ax, hist, ["guided_acc"], labels=[f"s = {p['guidance']:g} (guided)"], color="C2"
        )
        plot_history(
            ax, hist, ["uncond_acc"], styles=["--"], labels=["s = 0 (caption dropped)"], color="C3"
        )
        plot_history(
            ax,
            hist,
            ["round_trip_acc"],
            styles=["-."],
            labels=["s = 1, decoded, re-read by CLIP"],
            color="C1",
        )
        ax.axhline(0.1, color="grey", ls=":", label="chance 0.1")
        ax.set(title="prior samples CLIP reads as their caption", ylim=(0, 1.02))
        ax.legend(fontsize=8, loc="center right")
        ax = fig.add_subplot(grid[1, 1])
        image_panel(
            fig,
            ax,
            last["sim"].numpy(),
            title="cos(prior sample | caption, class mean)",
            cmap="RdBu_r",
            vmin=-1,
            vmax=1,
        )
        ax.set(xlabel="class of the image embeddings", ylabel="caption")
        ax.set_xticks(range(10))
        ax.set_yticks(range(10))
        ax = fig.add_subplot(grid[1, 2])
        real = self.train_img[:500].cpu()
        basis = torch_pca(real)
        labels = self.train_y[:500].cpu().numpy()
        pts = ((real - real.mean(0)) @ basis).numpy()
        for c in range(10):
            ax.scatter(pts[labels == c, 0], pts[labels == c, 1], s=5, color=f"C{c}", alpha=0.3)
        prior = ((last["z1"] - real.mean(0)) @ basis).numpy()
        ys = self.sample_y.cpu().numpy()
        for c in range(10):
            ax.scatter(
                prior[ys == c, 0],
                prior[ys == c, 1],
                s=30,
                marker="*",
                color=f"C{c}",
                edgecolor="k",
                linewidth=0.3,
                label=str(c),
            )
        ax.set(
            title="image-embedding space: real • and prior samples ★", xlabel="PC 1", ylabel="PC 2"
        )
        ax.legend(title="caption", fontsize=7, ncol=2)
        ax = fig.add_subplot(grid[1, 3])
        uncond = ((last["z0"] - real.mean(0)) @ basis).numpy()
        ax.scatter(pts[:, 0], pts[:, 1], s=5, color="0.8")
        ax.scatter(uncond[:, 0], uncond[:, 1], s=12, color="C3", alpha=0.7)
        ax.set(title="s = 0: the same prior, no caption", xlabel="PC 1", ylabel="PC 2")
        ax = fig.add_subplot(grid[2, :])
        names = (
            "a real digit",
            "decoder(CLIP image emb.)",
            "decoder(prior(text)), s = 1",
            f"decoder(prior(text)), s = {p['guidance']:g}",
            "decoder(prior(∅)), s = 0",
            "decoder(text emb.): no prior",
        )
        board = montage(torch.cat(last["rows"]), cols=10, pad=1.0)
        ax.imshow(board.numpy(), cmap="gray", vmin=0, vmax=1)
        ax.set_yticks([4 + 9 * r for r in range(len(names))], names, fontsize=10)
        ax.set_xticks([4 + 9 * c for c in range(10)], [f"'{n}'" for n in NUMBERS], fontsize=10)
        ax.tick_params(length=0)
        for side in ax.spines.values():
            side.set_visible(False)
        ax.set_title(
            "one column per caption 'a photo of the digit …'; one row per way of drawing it"
        )
        title = (
            f"dalle2-toy: d = {p['dim']}, prior T = {p['timesteps']}, {ctx.total_steps} steps on "
            f"{ctx.device}; contrast: the same prior with the caption dropped"
        )
        fig.suptitle(title, y=1.0, fontsize=13)
        words = self.caption(ctx)
        path = save_figure(out_dir, "dalle2-toy", fig, caption=f"{words.en}\n{words.it}")
        return [path, self._animation(out_dir)]

    def _animation(self, out_dir: Path) -> Path:
        """The prior's reverse chain: samples in the embedding plane and their decoded x̂_0."""
        steps = self.chain_steps
        real = self.train_img[:500].cpu()
        basis, centre = torch_pca(real), real.mean(0)
        pts = ((real - centre) @ basis).numpy()
        fig = plt.figure(figsize=(10, 5))
        grid = fig.add_gridspec(
            2, 10, height_ratios=(4, 1), hspace=0.35, top=0.88, bottom=0.03, left=0.04, right=0.98
        )
        ax = fig.add_subplot(grid[0, 2:8])
        ax.scatter(pts[:, 0], pts[:, 1], s=4, color="0.85")
        ys = self.sample_y.cpu()
        dots = ax.scatter(pts[: len(ys), 0], pts[: len(ys), 1], s=14, c=[f"C{int(c)}" for c in ys])
        span = float(abs(pts).max()) * 1.3
        ax.set(xlim=(-span, span), ylim=(-span, span), xlabel="PC 1", ylabel="PC 2")
        tiles = []
        for c in range(10):
            tile = fig.add_subplot(grid[1, c])
            tiles.append(tile.imshow(np.zeros((self.side, self.side)), cmap="gray", vmin=0, vmax=1))
            tile.set_title(NUMBERS[c], fontsize=8, color=f"C{c}")
            tile.axis("off")
        head = fig.suptitle("")

        def update(i: int) -> None:
            t = steps[min(i, len(steps) - 1)]
            x, guess = self.snapshot[t]
            dots.set_offsets(((x - centre) @ basis).numpy())
            for c, tile in enumerate(tiles):
                tile.set_data(guess[c].numpy())
            head.set_text(
                f"the prior's reverse chain (s = 1), t = {t}: samples ★ by caption; "
                "below, decoder(x̂_0)"
            )

        return animation(out_dir, "dalle2-toy", fig, update, len(steps) + 4, fps=5, dpi=70)


def _it(value: float, fmt: str) -> str:
    """A number as Italian writes it: decimal comma."""
    return format(value, fmt).replace(".", ",")


def torch_pca(x: torch.Tensor, k: int = 2) -> torch.Tensor:
    """The top-k principal directions of x (N, d), as a (d, k) matrix."""
    _, _, v = torch.linalg.svd(x - x.mean(0), full_matrices=False)
    return v[:k].t()
