"""VQ-VAE on handwritten digits: the quantization trick, live (questions f.01–f.10).

A small convolutional encoder maps each image to a grid of D-dimensional vectors; every
vector is replaced by its nearest entry of a K×D codebook (``torch.cdist`` + ``argmin``);
the decoder rebuilds the image from those codes. ``argmin`` has no gradient, so the
straight-through estimator ``(q - z).detach() + z`` copies the decoder's gradient onto
the encoder output. Three losses train it: reconstruction (encoder + decoder), codebook
``||sg[z] - q||²`` (moves the codes) and β·commitment ``||z - sg[q]||²`` (keeps the
encoder close to its codes), β = 0.25. Optionally the codebook follows an exponential
moving average of its assigned vectors instead of the codebook loss.

The contrast is codebook collapse. The codes start N(0, 1), as ``nn.Embedding`` draws
them, while the encoder's outputs start near 0: only the few codes nearest the origin are
ever chosen, and since the codebook loss reaches only chosen codes, the others never move
and stay dead. The main model restarts every code unused for ``dead_after`` steps on a
random encoder output; a twin from the very same weights, on the very same batches,
does not, and ends with a handful of codes in use.

Live: the three losses, perplexity (the effective number of codes in use) of both models,
the usage histograms, the encoder outputs and the codes in a 2-D projection of the latent
space (the quantization picture; the GIF shows the outputs moving and snapping to their
codes), the distance matrix and the chosen codes for one image, reconstructions next to
inputs; at the end, images decoded from random codes (f.10).
"""

from __future__ import annotations

import copy
import math
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from matplotlib.collections import LineCollection
from torch import nn

from demos.lib.images import decimal_comma, diagram, label_montage, montage, small, thin
from demos.platform import Bilingual, Check, Demo, Frame, RunContext, heatmap, histogram, picture
from demos.platform.data import load_images
from demos.platform.figures import (
    animation,
    image_panel,
    integer_ticks,
    plot_history,
    plt,
    save_figure,
)

PLANE = 20  # cells per side of the streamed latent-plane heatmap
SHOWN = 240  # encoder outputs drawn in the quantization picture and the GIF

# --- the model pieces (plain functions, so the quantizer reads like the equations) ---


def build_nets(size: int, hidden: int, dim: int) -> tuple[Any, Any]:
    """Encoder/decoder pair: stride-2 convolutions halve the image while it stays even."""
    downs, s = 0, size
    while s >= 8 and s % 2 == 0:
        downs, s = downs + 1, s // 2
    enc: list[nn.Module] = [nn.Conv2d(1, hidden, 3, padding=1), nn.ReLU()]
    dec: list[nn.Module] = [nn.Conv2d(dim, hidden, 3, padding=1), nn.ReLU()]
    for _ in range(downs):
        enc += [nn.Conv2d(hidden, hidden, 4, stride=2, padding=1), nn.ReLU()]
        dec += [nn.ConvTranspose2d(hidden, hidden, 4, stride=2, padding=1), nn.ReLU()]
    enc += [nn.Conv2d(hidden, hidden, 3, padding=1), nn.ReLU(), nn.Conv2d(hidden, dim, 1)]
    dec += [nn.Conv2d(hidden, 1, 3, padding=1), nn.Sigmoid()]
    return nn.Sequential(*enc), nn.Sequential(*dec)


def quantize(z: torch.Tensor, codebook: torch.Tensor):
    """Nearest code per latent vector: returns q (B, D, H, W), codes (B, H, W), dist (N, K)."""
    b, d, h, w = z.shape
    flat = z.permute(0, 2, 3, 1).reshape(-1, d)  # (N, D), N = B·H·W
    dist = torch.cdist(flat, codebook)  # (N, K)
    codes = dist.argmin(dim=1)  # (N,)
    q = codebook[codes].view(b, h, w, d).permute(0, 3, 1, 2)  # (B, D, H, W)
    return q, codes.view(b, h, w), dist


def straight_through(z: torch.Tensor, q: torch.Tensor) -> torch.Tensor:
    """Forward value q, backward identity onto z: the quantization trick."""
    return (q - z).detach() + z


def vq_losses(z: torch.Tensor, q: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """(codebook loss, commitment loss); each stops the gradient on the other side."""
    return F.mse_loss(q, z.detach()), F.mse_loss(z, q.detach())


def perplexity(codes: torch.Tensor, k: int) -> torch.Tensor:
    """exp(entropy of code usage): K when all codes are used equally, 1 when one is."""
    counts = torch.bincount(codes.flatten(), minlength=k).float()  # (K,)
    p = counts / counts.sum()
    return torch.exp(-torch.special.xlogy(p, p).sum())


def flatten_latents(z: torch.Tensor) -> torch.Tensor:
    """(B, D, H, W) → (B·H·W, D): one row per latent position, as ``quantize`` sees them."""
    return z.permute(0, 2, 3, 1).reshape(-1, z.shape[1])


class EMACodebook:
    """Codebook updated as the moving average of the vectors assigned to each code."""

    def __init__(self, codebook: torch.Tensor, decay: float, eps: float = 1e-5):
        self.decay, self.eps = decay, eps
        self.weight = codebook.detach().clone()  # (K, D)
        self.size = torch.ones(codebook.shape[0], device=codebook.device)  # (K,)
        self.total = self.weight.clone()  # (K, D)

    def update(self, flat: torch.Tensor, codes: torch.Tensor) -> None:
        k = self.weight.shape[0]
        onehot = torch.nn.functional.one_hot(codes, k).type_as(flat)  # (N, K)
        self.size.mul_(self.decay).add_(onehot.sum(0), alpha=1 - self.decay)
        self.total.mul_(self.decay).add_(onehot.t() @ flat, alpha=1 - self.decay)
        n = self.size.sum()
        smoothed = (self.size + self.eps) / (n + k * self.eps) * n  # Laplace smoothing
        self.weight.copy_(self.total / smoothed[:, None])

    def restart(self, dead: torch.Tensor, vectors: torch.Tensor) -> None:
        self.weight[dead] = vectors
        self.total[dead] = vectors
        self.size[dead] = 1.0


class Branch:
    """One VQ-VAE in training: its nets, its codebook (learned or EMA), its usage record.

    The demo trains two from the same start: the main one restarts dead codes, the twin
    does not.
    """

    def __init__(self, encoder: Any, decoder: Any, init: torch.Tensor, p: dict, restart: bool):
        self.encoder, self.decoder = encoder, decoder
        self.param = torch.nn.Parameter(init.clone())  # (K, D)
        self.ema = EMACodebook(init, p["decay"]) if p["ema"] else None
        self.restart, self.dead_after = restart, p["dead_after"]
        self.k = init.shape[0]
        # -1: a code never chosen in the first dead_after steps already counts as dead
        self.last_used = torch.full((self.k,), -1, dtype=torch.long, device=init.device)
        self.restarts = 0

    @property
    def codebook(self) -> torch.Tensor:
        return self.ema.weight if self.ema is not None else self.param

    def parameters(self) -> list[Any]:
        params = [*self.encoder.parameters(), *self.decoder.parameters()]
        return params if self.ema is not None else [*params, self.param]

    def losses(self, x: torch.Tensor, beta: float) -> dict[str, torch.Tensor]:
        """The training loss and its parts on one batch, plus z and the chosen codes."""
        z = self.encoder(x)  # (B, D, h, w)
        q, codes, _ = quantize(z, self.codebook)
        recon = F.mse_loss(self.decoder(straight_through(z, q)), x)
        codebook_loss, commitment = vq_losses(z, q)
        loss = recon + beta * commitment
        if self.ema is None:
            loss = loss + codebook_loss
        return {
            "loss": loss,
            "recon": recon,
            "codebook": codebook_loss,
            "commitment": commitment,
            "z": z,
            "codes": codes,
        }

    def after_step(self, step: int, z: torch.Tensor, codes: torch.Tensor) -> torch.Tensor:
        """EMA update, usage bookkeeping and (if enabled) restarts; returns the dead mask."""
        used = torch.bincount(codes.flatten(), minlength=self.k) > 0  # (K,)
        self.last_used[used] = step
        if self.ema is not None:
            with torch.no_grad():
                self.ema.update(flatten_latents(z.detach()), codes.flatten())
        dead = (step - self.last_used) >= self.dead_after
        if self.restart and step % self.dead_after == self.dead_after - 1 and bool(dead.any()):
            count = int(dead.sum())
            with torch.no_grad():
                flat = flatten_latents(z.detach())  # (N, D)
                pick = torch.randint(0, len(flat), (count,), device=flat.device)
                vectors = flat[pick] + 0.01 * torch.randn_like(flat[pick])
                if self.ema is not None:
                    self.ema.restart(dead, vectors)
                else:
                    self.param[dead] = vectors
            self.last_used[dead] = step
            self.restarts += count
            dead = (step - self.last_used) >= self.dead_after
        return dead

    def evaluate(self, x: torch.Tensor) -> dict[str, torch.Tensor]:
        """Held-out pass without gradients: outputs, codes, distances, reconstruction."""
        with torch.no_grad():
            z = self.encoder(x)
            q, codes, dist = quantize(z, self.codebook)
            return {"z": z, "codes": codes, "dist": dist, "x_hat": self.decoder(q)}


def plane_map(flat: torch.Tensor, codebook: torch.Tensor, used: torch.Tensor) -> torch.Tensor:
    """The quantization picture as a PLANE×PLANE heatmap in the top-2 PCA plane of ``flat``.

    Encoder-output density in (0, 1] (top row = largest second coordinate); cells holding
    a used code are −1, a dead code −0.4: with a diverging scale [−1, 1] outputs are warm
    and codes cold.
    """
    centre = flat.mean(0)
    _, _, v = torch.linalg.svd(flat - centre, full_matrices=False)
    basis = v[:2].t()  # (D, 2)
    pts, codes = (flat - centre) @ basis, (codebook - centre) @ basis
    lim = float(pts.abs().max().clamp_min(1e-6)) * 1.1
    grid = torch.zeros(PLANE * PLANE, device=flat.device)

    def cells(points: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        col = ((points[:, 0] + lim) / (2 * lim) * PLANE).long()
        row = ((lim - points[:, 1]) / (2 * lim) * PLANE).long()
        inside = (col >= 0) & (col < PLANE) & (row >= 0) & (row < PLANE)
        return row * PLANE + col, inside

    at, inside = cells(pts)
    grid.index_add_(0, at[inside], torch.ones(int(inside.sum()), device=flat.device))
    grid = grid / grid.max().clamp_min(1.0)
    at, inside = cells(codes)
    grid[at[inside & ~used]] = -0.4
    grid[at[inside & used]] = -1.0
    return grid.view(PLANE, PLANE)


class VQVAE(Demo):
    # -- setup ------------------------------------------------------------------

    def setup(self, ctx: RunContext) -> None:
        p = ctx.params
        data = load_images(p["data"])
        perm = ctx.rng().permutation(len(data.x))
        n_eval = min(1000, max(64, len(data.x) // 7))
        x = torch.from_numpy(data.x[perm]).to(ctx.device)  # (N, 1, S, S)
        self.train_x, self.eval_x = x[n_eval:], x[:n_eval]
        self.var = self.eval_x.var().item()
        encoder, decoder = build_nets(data.size, p["hidden"], p["dim"])
        k = self.k = p["codes"]
        if p["init"] == "normal":  # nn.Embedding's default: far from the encoder's outputs
            init = torch.randn(k, p["dim"])
        else:  # the VQ-VAE paper's uniform(-1/K, 1/K): right on top of them
            init = torch.empty(k, p["dim"]).uniform_(-1 / k, 1 / k)
        init = init.to(ctx.device)
        self.twin: Branch | None = None
        if p["restart"] and p["contrast"]:
            self.twin = Branch(
                copy.deepcopy(encoder).to(ctx.device),
                copy.deepcopy(decoder).to(ctx.device),
                init,
                p,
                restart=False,
            )
        self.main = Branch(encoder.to(ctx.device), decoder.to(ctx.device), init, p, p["restart"])
        self.encoder, self.decoder = self.main.encoder, self.main.decoder
        self.codebook = self.main.param
        self.ema = self.main.ema
        self.snapshots: dict[int, dict[str, Any]] = {}

    def _codebook(self) -> torch.Tensor:
        return self.main.codebook

    # -- checks -----------------------------------------------------------------

    def checks(self, ctx: RunContext) -> Iterator[Check]:
        x = self.train_x[:64]
        cb = self._codebook().detach().clone().requires_grad_(True)

        z = self.encoder(x)
        q, _, _ = quantize(z, cb)
        q_st = straight_through(z, q)
        loss = torch.nn.functional.mse_loss(self.decoder(q_st), x)
        g_z, g_q = torch.autograd.grad(loss, [z, q_st])
        diff = (g_z - g_q).abs().max().item()
        yield Check(
            "straight-through",
            diff == 0.0 and g_q.abs().sum().item() > 0,
            f"max |dL/dz - dL/dq| = {diff:.1e} (gradient norm {g_q.norm().item():.2e})",
        )

        enc_params = list(self.encoder.parameters())
        z = self.encoder(x)
        q, _, _ = quantize(z, cb)
        codebook_loss, commitment = vq_losses(z, q)

        def norms(loss: torch.Tensor) -> tuple[float, float]:
            grads = torch.autograd.grad(
                loss, [*enc_params, cb], retain_graph=True, allow_unused=True
            )
            to_enc = sum(g.abs().sum().item() for g in grads[:-1] if g is not None)
            to_cb = grads[-1].abs().sum().item() if grads[-1] is not None else 0.0
            return to_enc, to_cb

        enc_a, cb_a = norms(codebook_loss)
        enc_b, cb_b = norms(commitment)
        yield Check(
            "codebook-loss-routing",
            enc_a == 0.0 and cb_a > 0.0,
            f"codebook loss: |grad| encoder {enc_a:.1e}, codebook {cb_a:.2e}",
        )
        yield Check(
            "commitment-loss-routing",
            cb_b == 0.0 and enc_b > 0.0,
            f"commitment loss: |grad| encoder {enc_b:.2e}, codebook {cb_b:.1e}",
        )

        k = self.k
        uniform = perplexity(torch.arange(k * 5, device=ctx.device) % k, k).item()
        collapsed = perplexity(torch.zeros(k * 5, dtype=torch.long, device=ctx.device), k).item()
        yield Check(
            "perplexity-range",
            abs(uniform - k) < 1e-3 * k and abs(collapsed - 1.0) < 1e-6,
            f"uniform use: {uniform:.4f} (K = {k}); collapsed: {collapsed:.4f} (expected 1)",
        )

        with torch.no_grad():
            flat = self.encoder(x).permute(0, 2, 3, 1).reshape(-1, cb.shape[1])  # (N, D)
            spread = torch.randn_like(cb) * flat.std()  # codes at the scale of the encoder
            _, codes, _ = quantize(self.encoder(x), spread)
            expanded = ((flat[:, None, :] - spread[None, :, :]) ** 2).sum(-1)  # (N, K)
            ref = expanded.argmin(1)
            codes = codes.flatten()
            rows = torch.arange(len(ref), device=ref.device)
            gap = (expanded[rows, codes] - expanded[rows, ref]).abs()
            ties = (codes != ref) & (gap <= 1e-5 * expanded[rows, ref].clamp_min(1.0))
            bad = int(((codes != ref) & ~ties).sum())
        yield Check(
            "cdist-argmin",
            bad == 0,
            f"{int((codes == ref).sum())}/{len(ref)} codes equal to the expanded-distance argmin"
            f" ({int(ties.sum())} exact ties, {bad} mismatches)",
        )

    # -- training ---------------------------------------------------------------

    def run(self, ctx: RunContext) -> Iterator[Frame]:
        p = ctx.params
        branches = [self.main] + ([self.twin] if self.twin is not None else [])
        # one Adam over both models: its update is per parameter, so this is two runs
        opt = torch.optim.Adam([w for b in branches for w in b.parameters()], lr=p["lr"])
        gen = torch.Generator(device=ctx.device).manual_seed(ctx.seed)
        self.first_nmse: float | None = None
        n = len(self.train_x)
        for step in range(ctx.total_steps):
            idx = torch.randint(0, n, (p["batch"],), device=ctx.device, generator=gen)
            x = self.train_x[idx]  # (B, 1, S, S), the same batch for both models
            parts = [b.losses(x, p["beta"]) for b in branches]
            opt.zero_grad(set_to_none=True)
            sum(part["loss"] for part in parts).backward()
            opt.step()
            dead = [
                b.after_step(step, part["z"], part["codes"])
                for b, part in zip(branches, parts, strict=True)
            ]
            if ctx.wants(step):
                yield self._frame(ctx, step, parts, dead)
        return self.caption(ctx)

    @staticmethod
    def _decode_codes(decoder, codebook: torch.Tensor, codes: torch.Tensor) -> torch.Tensor:
        return decoder(codebook[codes].permute(0, 3, 1, 2))  # (B, 1, S, S)

    def _frame(self, ctx: RunContext, step: int, parts: list, dead: list) -> Frame:
        p = ctx.params
        main = self.main.evaluate(self.eval_x)
        usage = torch.bincount(main["codes"].flatten(), minlength=self.k)  # (K,)
        nmse = ((main["x_hat"] - self.eval_x) ** 2).mean().item() / self.var
        part = parts[0]
        metrics = {
            "loss": part["loss"].item(),
            "recon": part["recon"].item(),
            "codebook": part["codebook"].item(),
            "commitment": part["commitment"].item(),
            "beta_commitment": p["beta"] * part["commitment"].item(),
            "perplexity": perplexity(main["codes"], self.k).item(),
            "codes_used": float((usage > 0).sum().item()),
            "dead_codes": float(dead[0].sum().item()),
            "restarts": float(self.main.restarts),
            "nmse": nmse,
        }
        twin = self.twin.evaluate(self.eval_x) if self.twin is not None else None
        if twin is not None:
            twin_usage = torch.bincount(twin["codes"].flatten(), minlength=self.k)
            metrics.update(
                twin_perplexity=perplexity(twin["codes"], self.k).item(),
                twin_codes_used=float((twin_usage > 0).sum().item()),
                twin_dead_codes=float(dead[1].sum().item()),
                twin_nmse=((twin["x_hat"] - self.eval_x) ** 2).mean().item() / self.var,
            )
        if self.first_nmse is None:
            self.first_nmse = nmse
        positions = main["codes"].shape[1] * main["codes"].shape[2]
        i = p["sample"] % len(self.eval_x)
        sample_dist = main["dist"][i * positions : (i + 1) * positions]  # (h·w, K)
        n_show = 8 if self.eval_x.shape[-1] <= 8 else 4
        rows = [self.eval_x[:n_show], main["x_hat"][:n_show]]
        if twin is not None:
            rows.append(twin["x_hat"][:n_show])
        pair = montage(torch.cat([small(r) for r in rows]), n_show)
        if ctx.should_record(step):
            self.snapshots[step] = self._snapshot(main, twin, metrics)
        frame = Frame(
            step=step,
            metrics=metrics,
            pictures=[
                picture(
                    "rows: inputs / with restarts"
                    + (" / without restarts" if twin is not None else ""),
                    pair,
                    key="recon",
                )
            ],
            heatmaps=[
                heatmap(
                    f"distances, image {i} (dark = near)",
                    sample_dist,
                    "code k",
                    "latent position",
                    key="distances",
                    vmin=0,
                ),
                heatmap(
                    f"chosen codes, image {i}",
                    main["codes"][i].float(),
                    "x",
                    "y",
                    key="codes",
                    vmin=0,
                    vmax=self.k - 1,
                ),
            ],
            histograms=[histogram("code usage with restarts (held-out)", usage, key="usage")],
        )
        if ctx.is_live(step):
            flat = flatten_latents(main["z"])
            frame.heatmaps.append(
                heatmap(
                    "latent plane: encoder outputs (warm) and codes (cold; pale = dead)",
                    plane_map(flat, self.main.codebook.detach(), usage > 0),
                    "pc 1",
                    "pc 2",
                    key="plane",
                    vmin=-1,
                    vmax=1,
                )
            )
            if twin is not None:
                frame.heatmaps.append(
                    heatmap(
                        "twin without restarts: the same plane",
                        plane_map(
                            flatten_latents(twin["z"]), self.twin.codebook.detach(), twin_usage > 0
                        ),
                        "pc 1",
                        "pc 2",
                        key="twin-plane",
                        vmin=-1,
                        vmax=1,
                    )
                )
                frame.histograms.append(
                    histogram("code usage without restarts", twin_usage, key="twin-usage")
                )
        self.last = {
            "usage": usage.cpu(),
            "pair": pair.cpu(),
            "dist": sample_dist.cpu(),
            "chosen": main["codes"][i].cpu(),
            "sample": self.eval_x[i, 0].cpu(),
            "sample_hat": main["x_hat"][i, 0].cpu(),
            "rows": len(rows),
        }
        if twin is not None:
            self.last["twin_usage"] = twin_usage.cpu()
        if step >= ctx.total_steps - 1:
            generated = self._generate(ctx, main["codes"])
            frame.pictures.append(
                picture(
                    "decoded from uniform random codes (top) / "
                    "from the per-position code histogram (bottom)",
                    generated,
                    key="generated",
                )
            )
            self.last["generated"] = generated.cpu()
        return frame

    def _snapshot(self, main: dict, twin: dict | None, metrics: dict) -> dict[str, Any]:
        """What the quantization picture of one recorded step needs (a few KB)."""
        out: dict[str, Any] = {"metrics": dict(metrics)}
        for name, branch, ev in (("main", self.main, main), ("twin", self.twin, twin)):
            if ev is None:
                continue
            flat = flatten_latents(ev["z"])[:SHOWN]  # (SHOWN, D)
            usage = torch.bincount(ev["codes"].flatten(), minlength=self.k)
            out[name] = {
                "z": flat.cpu().numpy(),
                "codes": ev["codes"].flatten()[:SHOWN].cpu().numpy(),
                "codebook": branch.codebook.detach().cpu().numpy().copy(),  # not a view
                "used": (usage > 0).cpu().numpy(),
            }
        return out

    def _generate(self, ctx: RunContext, eval_codes: torch.Tensor) -> torch.Tensor:
        """f.10: decode random code grids, uniform vs drawn from the observed usage."""
        gen = torch.Generator(device=ctx.device).manual_seed(ctx.seed + 1)
        n, (h, w) = 8 if self.eval_x.shape[-1] <= 8 else 4, eval_codes.shape[1:]
        uniform = torch.randint(0, self.k, (n, h, w), device=ctx.device, generator=gen)
        onehot = torch.nn.functional.one_hot(eval_codes, self.k).float()  # (M, h, w, K)
        probs = onehot.mean(0).reshape(h * w, self.k)  # (h·w, K) usage per position
        drawn = torch.multinomial(probs, n, replacement=True, generator=gen)  # (h·w, n)
        drawn = drawn.t().reshape(n, h, w)
        with torch.no_grad():
            cb = self._codebook()
            a = self._decode_codes(self.decoder, cb, uniform)
            b = self._decode_codes(self.decoder, cb, drawn)
        return montage(torch.cat([small(a), small(b)]), n)

    # -- judgement, caption and figures ------------------------------------------

    def learned(self, ctx: RunContext) -> Check:
        start = ctx.history[0]["nmse"] if ctx.history else math.nan
        f = ctx.final
        end, ppl = f.get("nmse", math.nan), f.get("perplexity", math.nan)
        floor = min(4.0, self.k / 4)
        ok = end <= 0.35 * start and ppl >= floor
        detail = (
            f"normalised reconstruction error {start:.3f} -> {end:.3f} (needs <= 0.35 x start); "
            f"perplexity {ppl:.1f} (floor {floor:g})"
        )
        if self.twin is not None:
            twin, margin = f.get("twin_perplexity", math.nan), max(2.0, self.k / 4)
            ok = ok and ppl >= 2 * twin and ppl - twin >= margin
            detail += (
                f"; without restarts the twin collapses to perplexity {twin:.1f} with "
                f"{f.get('twin_codes_used', math.nan):.0f} codes in use (restarts need >= 2 x "
                f"that and a lead of {margin:g})"
            )
        return Check("learning", bool(ok), detail)

    def caption(self, ctx: RunContext) -> Bilingual:
        """What to look for, filled from this run's numbers."""
        f, k = ctx.final, self.k
        en = (
            f"Each encoder output snaps to its nearest code: with dead-code restarts "
            f"({f['restarts']:.0f} so far) the model uses {f['codes_used']:.0f} of K = {k} codes "
            f"(perplexity {f['perplexity']:.1f}) and reconstructs held-out digits with error "
            f"{f['nmse']:.3f} of the variance."
        )
        it = (
            f"Ogni uscita dell'encoder salta sul codice più vicino: con il riavvio dei codici "
            f"morti ({f['restarts']:.0f} finora) il modello usa {f['codes_used']:.0f} codici su "
            f"K = {k} (perplessità {f['perplexity']:.1f}) e ricostruisce le cifre di test con "
            f"errore pari a {f['nmse']:.3f} della varianza."
        )
        if self.twin is not None:
            en += (
                f" The twin without restarts, same start and same batches, collapses to "
                f"{f['twin_codes_used']:.0f} codes (perplexity {f['twin_perplexity']:.1f}, error "
                f"{f['twin_nmse']:.3f}): codes never chosen get no codebook gradient and stay dead."
            )
            it += (
                f" Il gemello senza riavvii, stessa partenza e stessi batch, collassa su "
                f"{f['twin_codes_used']:.0f} codici (perplessità {f['twin_perplexity']:.1f}, "
                f"errore {f['twin_nmse']:.3f}): i codici mai scelti non ricevono gradiente dalla "
                f"loss del codebook e restano morti."
            )
        return Bilingual(en=en, it=decimal_comma(it))

    def figures(self, ctx: RunContext, out_dir: Path) -> list[Path]:
        hist, p, last = ctx.history, ctx.params, self.last
        twin = self.twin is not None
        fig = plt.figure(figsize=(21, 15))
        grid = fig.add_gridspec(3, 4, height_ratios=(1, 1.25, 1.1))

        ax = fig.add_subplot(grid[0, 0])
        labels = ["reconstruction", "codebook ‖sg[z] − q‖²", f"β·commitment (β = {p['beta']:g})"]
        keys = ["recon", "codebook", "beta_commitment"]
        plot_history(ax, hist, keys, labels=labels, styles=["-", "-", "--"], log=True)
        ax.set(title="the three losses (model with restarts)", ylabel="loss")
        ax = fig.add_subplot(grid[0, 1])
        self._pair(ax, hist, "perplexity", "with restarts", "without restarts")
        ax.axhline(self.k, color="grey", ls=":", label=f"K = {self.k}: all codes evenly")
        ax.axhline(1, color="grey", ls="-.", lw=0.8, label="1: collapse")
        ax.set(title="perplexity = exp(entropy of code usage)", ylim=(0, self.k * 1.08))
        ax.legend(fontsize=8)
        ax = fig.add_subplot(grid[0, 2])
        self._pair(ax, hist, "codes_used", "used, with restarts", "used, without")
        self._pair(ax, hist, "dead_codes", "dead, with restarts", "dead, without", dotted=True)
        ax.set(title=f"codes in use / dead (of K = {self.k})", ylim=(0, self.k * 1.08))
        integer_ticks(ax, x=True, y=True)
        ax.legend(fontsize=8)
        ax = fig.add_subplot(grid[0, 3])
        self._pair(ax, hist, "nmse", "with restarts", "without restarts")
        ax.set(title="held-out reconstruction error / variance", ylim=(0, None))
        ax.legend(fontsize=8)

        final = self.snapshots[max(self.snapshots)]
        names = self._names()
        basis = _basis(final, [n for n, _ in names])
        limits = _limits([final], [n for n, _ in names], basis)
        for col, (name, label) in enumerate(names):
            ax = fig.add_subplot(grid[1, col])
            _draw_plane(ax, final[name], basis, limits)
            ax.set_title(
                f"{label}: encoder outputs → nearest code\n"
                f"{int(final[name]['used'].sum())} of {self.k} codes used "
                "(one 2-D PCA plane for both)"
            )
        ax = fig.add_subplot(grid[1, 2])
        width = 0.42 if twin else 0.8
        at = np.arange(self.k)
        ax.bar(at - (width / 2 if twin else 0), last["usage"].numpy(), width, color="C0",
               label="with restarts")  # fmt: skip
        if twin:
            ax.bar(at + width / 2, last["twin_usage"].numpy(), width, color="C3",
                   label="without restarts")  # fmt: skip
        ax.set(title="code usage on held-out images", xlabel="code k", ylabel="latent positions")
        integer_ticks(ax, x=True, y=True)
        ax.legend(fontsize=8)
        ax = fig.add_subplot(grid[1, 3])
        im = image_panel(fig, ax, last["dist"].numpy(), cmap="viridis_r", aspect="auto",
                         title=f"cdist: image {p['sample']}'s positions × codes")  # fmt: skip
        im.colorbar.set_label("distance ‖z − e_k‖")
        chosen = last["chosen"].flatten().numpy()
        ax.scatter(chosen, range(len(chosen)), marker="x", color="red", label="argmin = its code")
        ax.set(xlabel="code k", ylabel="latent position (row-major)")
        ax.legend(loc="upper right", fontsize=8)

        row = grid[2, :].subgridspec(1, 4, width_ratios=(1.15, 1.45, 1.45, 1.2))
        sub = row[0].subgridspec(1, 3)
        gray = {"cmap": "gray", "vmin": 0, "vmax": 1, "colorbar": False}
        image_panel(fig, fig.add_subplot(sub[0]), last["sample"].numpy(),
                    title=f"image {p['sample']}", **gray)  # fmt: skip
        ax = fig.add_subplot(sub[1])
        codes = last["chosen"].numpy()
        image_panel(fig, ax, codes, title="its code grid", cmap="tab20", vmin=0,
                    vmax=max(19, self.k - 1), colorbar=False)  # fmt: skip
        for (r, c), v in np.ndenumerate(codes):
            ax.text(c, r, str(v), ha="center", va="center", fontsize=9, color="k")
        image_panel(fig, fig.add_subplot(sub[2]), last["sample_hat"].numpy(), title="decoded",
                    **gray)  # fmt: skip
        tile = min(self.eval_x.shape[-1], 14)
        ax = fig.add_subplot(row[1])
        ax.imshow(last["pair"].numpy(), cmap="gray", vmin=0, vmax=1)
        label_montage(ax, tile, ["input", "restarts"] + (["no restarts"] if twin else []))
        ax.set_title("held-out reconstructions")
        ax = fig.add_subplot(row[2])
        ax.imshow(last["generated"].numpy(), cmap="gray", vmin=0, vmax=1)
        label_montage(ax, tile, ["uniform", "by usage"])
        ax.set_title("f.10: decoded from random code grids")
        self._schematic(fig.add_subplot(row[3]), p)

        title = (
            f"VQ-VAE on {p['data']}: K = {self.k}, D = {p['dim']}, codes start {p['init']}, "
            f"{ctx.total_steps} steps on {ctx.device}"
            + ("; twin: same start and batches, no dead-code restarts" if twin else "")
        )
        fig.suptitle(title, fontsize=14, y=1.01)
        words = self.caption(ctx)
        paths = [save_figure(out_dir, "vq-vae", fig, caption=f"{words.en}\n{words.it}")]
        paths.append(self._animation(out_dir))
        return paths

    def _names(self) -> list[tuple[str, str]]:
        return [("main", "with restarts")] + (
            [("twin", "without restarts")] if self.twin is not None else []
        )

    def _pair(self, ax, hist, key: str, main: str, twin: str, dotted: bool = False) -> None:
        """A metric of the model with restarts (blue) and of its twin (red, dashed)."""
        plot_history(ax, hist, [key], labels=[main], styles=[":" if dotted else "-"], color="C0")
        if self.twin is not None:
            style = ":" if dotted else "--"
            plot_history(ax, hist, [f"twin_{key}"], labels=[twin], styles=[style], color="C3")

    @staticmethod
    def _schematic(ax, p: dict) -> None:
        """f.05: the forward pass, and where the straight-through gradient goes."""
        diagram(
            ax,
            {
                "x": (0.05, 0.8, "x"),
                "enc": (0.24, 0.8, "encoder"),
                "vq": (0.56, 0.8, "nearest code\ncdist + argmin"),
                "dec": (0.9, 0.8, "decoder"),
                "xh": (0.9, 0.4, "x̂"),
                "cb": (0.56, 0.4, f"codebook\nK×D = {p['codes']}×{p['dim']}"),
            },
            [
                ("x", "enc", ""),
                ("enc", "vq", "z"),
                ("vq", "dec", "q"),
                ("dec", "xh", ""),
                ("cb", "vq", ""),
            ],
            colors={"vq": "#fde0c5", "cb": "#d6e6f5"},
            fontsize=10,
            title="f.05: the forward pass; backward copies ∂L/∂q onto z",
        )
        ax.text(
            0.5,
            0.05,
            "loss = ‖x − x̂‖² + ‖sg[z] − q‖² + β‖z − sg[q]‖²\nstraight-through: q = z + sg[q − z]",
            ha="center",
            va="bottom",
            fontsize=9,
            family="monospace",
        )

    def _animation(self, out_dir: Path) -> Path:
        """The quantization picture over training: outputs move and snap to their codes."""
        steps = thin(self.snapshots, 30)
        names = self._names()
        keys = [name for name, _ in names]
        basis = _basis(self.snapshots[steps[-1]], keys)  # one plane for both models
        limits = _limits([self.snapshots[s] for s in steps], keys, basis)
        fig, axes = plt.subplots(1, len(names), figsize=(5.2 * len(names), 5.4), squeeze=False)
        fig.subplots_adjust(left=0.07, right=0.98, top=0.8, bottom=0.1, wspace=0.22)
        head = fig.suptitle("")
        first = self.snapshots[steps[0]]
        panels = [
            _draw_plane(ax, first[name], basis, limits, legend=name == "main")
            for ax, (name, _) in zip(axes[0], names, strict=True)
        ]

        def update(i: int) -> None:
            snap = self.snapshots[steps[i]]
            head.set_text(f"encoder outputs snap to their nearest code — step {steps[i]}")
            for ax, (name, label), artists in zip(axes[0], names, panels, strict=True):
                _move_plane(artists, snap[name], basis)
                key = "perplexity" if name == "main" else "twin_perplexity"
                used = int(snap[name]["used"].sum())
                ax.set_title(
                    f"{label}\n{used}/{self.k} codes used, perplexity {snap['metrics'][key]:.1f}",
                    fontsize=10,
                )

        return animation(out_dir, "vq-vae", fig, update, len(steps), fps=4, dpi=70)


# --- the quantization picture (PNG panel and GIF frame) ---------------------------------


def _basis(snap: dict, names: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """Centre and top-2 principal directions (D, 2) of the models' final encoder outputs.

    One projection for both models: they start from the same weights, so their first
    frames coincide, and what differs later is what training did.
    """
    z = np.concatenate([snap[name]["z"] for name in names])
    centre = z.mean(0)
    _, _, v = np.linalg.svd(z - centre, full_matrices=False)
    return centre, v[:2].T


def _limits(snaps: list[dict], names: list[str], basis) -> tuple[float, float, float, float]:
    """Axis limits that hold every in-use code and nearly every output of every frame.

    The outputs are taken from their 1st to 99th percentile (a few strays may clip); the
    codes in use are always inside. Dead codes far away are drawn on the edge instead.
    """
    centre, v = basis
    pts = np.concatenate([(s[n]["z"] - centre) @ v for s in snaps for n in names])
    used = [((s[n]["codebook"] - centre) @ v)[s[n]["used"]] for s in snaps for n in names]
    lo, hi = np.percentile(pts, 1, axis=0), np.percentile(pts, 99, axis=0)
    if any(len(u) for u in used):
        codes = np.concatenate(used)
        lo, hi = np.minimum(lo, codes.min(0)), np.maximum(hi, codes.max(0))
    pad = 0.12 * (hi - lo).max()
    return lo[0] - pad, hi[0] + pad, lo[1] - pad, hi[1] + pad


def _project(snap: dict, basis) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Outputs (SHOWN, 2), codes (K, 2) and output→code segments (SHOWN, 2, 2) in the plane."""
    centre, v = basis
    pts = (snap["z"] - centre) @ v
    codes = (snap["codebook"] - centre) @ v
    return pts, codes, np.stack([pts, codes[snap["codes"]]], axis=1)


def _on_edge(codes: np.ndarray, limits) -> tuple[np.ndarray, np.ndarray]:
    """Codes moved onto the border of ``limits`` where they lie beyond it, and which did."""
    lo = np.array([limits[0], limits[2]])
    hi = np.array([limits[1], limits[3]])
    inset = 0.015 * (hi - lo)  # just inside, so the marker shows whole
    outside = ((codes < lo) | (codes > hi)).any(axis=1)
    return np.clip(codes, lo + inset, hi - inset), outside


def _dead_note(n: int) -> str:
    return f"◆ {n} dead codes beyond the axes, drawn on the edge" if n else ""


def _draw_plane(ax, snap: dict, basis, limits, legend: bool = True) -> tuple[Any, ...]:
    """Encoder outputs (dots), a line from each to its code, used codes (★), dead codes (×).

    Dead codes beyond the axes are drawn on the edge (◆), with their count.
    """
    pts, codes, segments = _project(snap, basis)
    lines = LineCollection(segments, colors="0.6", linewidths=0.4, alpha=0.5)
    ax.add_collection(lines)
    dots = ax.scatter(*pts.T, s=7, c="C1", alpha=0.75, label="encoder outputs z", zorder=2)
    used = snap["used"]
    stars = ax.scatter(*codes[used].T, s=110, marker="*", c="C0", edgecolors="k",
                       linewidths=0.5, label="codes in use", zorder=3)  # fmt: skip
    dead, far = _on_edge(codes[~used], limits)
    crosses = ax.scatter(*dead[~far].T, s=30, marker="x", c="0.45", label="dead codes", zorder=3)
    edges = ax.scatter(*dead[far].reshape(-1, 2).T, s=28, marker="D", c="C3", alpha=0.7,
                       label="dead codes beyond the axes", zorder=3, clip_on=False)  # fmt: skip
    note = ax.text(0.01, 0.01, _dead_note(int(far.sum())), transform=ax.transAxes,
                   fontsize=7, color="C3", va="bottom")  # fmt: skip
    ax.set_xlim(limits[0], limits[1])
    ax.set_ylim(limits[2], limits[3])
    ax.set(xlabel="principal direction 1", ylabel="principal direction 2")
    if legend:  # "best": off the codes drawn on the edge where it can
        ax.legend(fontsize=8, loc="best")
    return lines, dots, stars, crosses, edges, note, limits


def _move_plane(artists: tuple[Any, ...], snap: dict, basis) -> None:
    """Update the artists of :func:`_draw_plane` to another recorded step (a GIF frame)."""
    lines, dots, stars, crosses, edges, note, limits = artists
    pts, codes, segments = _project(snap, basis)
    lines.set_segments(segments)
    dots.set_offsets(pts)
    stars.set_offsets(codes[snap["used"]])
    dead, far = _on_edge(codes[~snap["used"]], limits)
    crosses.set_offsets(dead[~far].reshape(-1, 2))
    edges.set_offsets(dead[far].reshape(-1, 2))
    note.set_text(_dead_note(int(far.sum())))
