"""VQ-VAE on handwritten digits: the quantization trick, live (questions f.01–f.10).

A small convolutional encoder maps each image to a grid of D-dimensional vectors; every
vector is replaced by its nearest entry of a K×D codebook (``torch.cdist`` + ``argmin``);
the decoder rebuilds the image from those codes. ``argmin`` has no gradient, so the
straight-through estimator ``(q - z).detach() + z`` copies the decoder's gradient onto
the encoder output. Three losses train it: reconstruction (encoder + decoder), codebook
``||sg[z] - q||²`` (moves the codes) and β·commitment ``||z - sg[q]||²`` (keeps the
encoder close to its codes), β = 0.25. Optionally the codebook follows an exponential
moving average of its assigned vectors instead of the codebook loss, and codes unused
for a while are restarted on random encoder outputs.

Live: the three losses, perplexity (the effective number of codes in use) and the usage
histogram, dead codes, the distance matrix and the chosen codes for one image,
reconstructions next to inputs; at the end, images decoded from random codes (f.10).
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from demos.lib.images import montage, small
from demos.platform import Check, Demo, Frame, RunContext, heatmap, histogram, picture
from demos.platform.data import load_images
from demos.platform.figures import plot_history, save_figure, subplots

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
        self.encoder, self.decoder = (
            net.to(ctx.device) for net in build_nets(data.size, p["hidden"], p["dim"])
        )
        k = p["codes"]
        init = torch.empty(k, p["dim"], device=ctx.device).uniform_(-1 / k, 1 / k)
        self.codebook = torch.nn.Parameter(init)  # (K, D)
        self.ema = EMACodebook(init, p["decay"]) if p["ema"] else None
        self.k = k

    def _codebook(self) -> torch.Tensor:
        return self.ema.weight if self.ema is not None else self.codebook

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
        params = list(self.encoder.parameters()) + list(self.decoder.parameters())
        if self.ema is None:
            params.append(self.codebook)
        opt = torch.optim.Adam(params, lr=p["lr"])
        gen = torch.Generator(device=ctx.device).manual_seed(ctx.seed)
        last_used = torch.zeros(self.k, dtype=torch.long, device=ctx.device)
        self.first_nmse: float | None = None
        n = len(self.train_x)
        for step in range(ctx.total_steps):
            idx = torch.randint(0, n, (p["batch"],), device=ctx.device, generator=gen)
            x = self.train_x[idx]  # (B, 1, S, S)
            z = self.encoder(x)  # (B, D, h, w)
            q, codes, _ = quantize(z, self._codebook())
            recon = F.mse_loss(self.decoder(straight_through(z, q)), x)
            codebook_loss, commitment = vq_losses(z, q)
            loss = recon + p["beta"] * commitment
            if self.ema is None:
                loss = loss + codebook_loss
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()

            used = torch.bincount(codes.flatten(), minlength=self.k) > 0  # (K,)
            last_used[used] = step
            if self.ema is not None:
                with torch.no_grad():
                    flat = z.detach().permute(0, 2, 3, 1).reshape(-1, z.shape[1])
                    self.ema.update(flat, codes.flatten())
            dead = (step - last_used) >= p["dead_after"]
            if p["restart"] and step % p["dead_after"] == p["dead_after"] - 1:
                self._restart(z, dead, last_used, step)

            if ctx.wants(step):
                yield self._frame(ctx, step, recon, codebook_loss, commitment, loss, codes, dead)

    def _restart(self, z: torch.Tensor, dead: torch.Tensor, last_used, step: int) -> None:
        count = int(dead.sum())
        if count == 0:
            return
        with torch.no_grad():
            flat = z.detach().permute(0, 2, 3, 1).reshape(-1, z.shape[1])  # (N, D)
            pick = torch.randint(0, len(flat), (count,), device=flat.device)
            vectors = flat[pick] + 0.01 * torch.randn_like(flat[pick])
            if self.ema is not None:
                self.ema.restart(dead, vectors)
            else:
                self.codebook[dead] = vectors
            last_used[dead] = step

    @staticmethod
    def _decode_codes(decoder, codebook: torch.Tensor, codes: torch.Tensor) -> torch.Tensor:
        return decoder(codebook[codes].permute(0, 3, 1, 2))  # (B, 1, S, S)

    def _frame(self, ctx, step, recon, codebook_loss, commitment, loss, codes, dead) -> Frame:
        p = ctx.params
        with torch.no_grad():
            z = self.encoder(self.eval_x)
            q, eval_codes, dist = quantize(z, self._codebook())
            x_hat = self.decoder(q)
            nmse = ((x_hat - self.eval_x) ** 2).mean().item() / self.var
            usage = torch.bincount(eval_codes.flatten(), minlength=self.k)  # (K,)
            positions = eval_codes.shape[1] * eval_codes.shape[2]
            i = p["sample"] % len(self.eval_x)
            sample_dist = dist[i * positions : (i + 1) * positions]  # (h·w, K)
            n_show = 8 if self.eval_x.shape[-1] <= 8 else 4
            pair = montage(torch.cat([small(self.eval_x[:n_show]), small(x_hat[:n_show])]), n_show)
        if self.first_nmse is None:
            self.first_nmse = nmse
        metrics = {
            "loss": loss.item(),
            "recon": recon.item(),
            "codebook": codebook_loss.item(),
            "commitment": commitment.item(),
            "perplexity": perplexity(eval_codes, self.k).item(),
            "codes_used": float((usage > 0).sum().item()),
            "dead_codes": float(dead.sum().item()),
            "nmse": nmse,
        }
        frame = Frame(
            step=step,
            metrics=metrics,
            pictures=[picture("inputs (top) / reconstructions (bottom)", pair)],
            heatmaps=[
                heatmap(f"distances, image {i}", sample_dist, "code k", "latent position"),
                heatmap(f"chosen codes, image {i}", eval_codes[i].float(), "x", "y"),
            ],
            histograms=[histogram("code usage (held-out)", usage)],
        )
        self.last = {"usage": usage.cpu(), "pair": pair.cpu(), "dist": sample_dist.cpu()}
        self.last["chosen"] = eval_codes[i].cpu()
        if step >= ctx.total_steps - 1:
            generated = self._generate(ctx, eval_codes)
            frame.pictures.append(
                picture(
                    "decoded from uniform random codes (top) / "
                    "from the per-position code histogram (bottom)",
                    generated,
                )
            )
            self.last["generated"] = generated.cpu()
        return frame

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

    # -- judgement and figures ---------------------------------------------------

    def learned(self, ctx: RunContext) -> Check:
        start = ctx.history[0]["nmse"] if ctx.history else math.nan
        end, ppl = ctx.final.get("nmse", math.nan), ctx.final.get("perplexity", math.nan)
        floor = min(4.0, self.k / 4)
        ok = end <= 0.35 * start and ppl >= floor
        return Check(
            "learning",
            bool(ok),
            f"normalised reconstruction error {start:.3f} -> {end:.3f} (needs <= 0.35 x start); "
            f"perplexity {ppl:.1f} (floor {floor:g})",
        )

    def figures(self, ctx: RunContext, out_dir: Path) -> list[Path]:
        hist = ctx.history
        fig, axes = subplots(2, 3, (13, 7.5))
        ax = axes[0, 0]
        plot_history(
            ax, hist, ["recon", "codebook", "commitment"], styles=["-", "-", ":"], log=True
        )
        ax.set(title="losses (codebook = commitment in value, not in gradient)", xlabel="step")
        ax.legend()
        ax = axes[0, 1]
        plot_history(ax, hist, ["perplexity"], labels=["perplexity"])
        plot_history(ax, hist, ["dead_codes"], labels=["dead codes"])
        plot_history(ax, hist, ["codes_used"], labels=["codes used"])
        ax.set(title=f"codebook (K = {self.k})", xlabel="step")
        ax.legend()
        ax = axes[0, 2]
        ax.bar(range(self.k), self.last["usage"].numpy())
        ax.set(title="code usage, held-out images", xlabel="code k", ylabel="count")
        ax = axes[1, 0]
        ax.imshow(self.last["dist"].numpy(), aspect="auto", cmap="viridis")
        chosen = self.last["chosen"].flatten().numpy()
        ax.scatter(chosen, range(len(chosen)), marker="x", color="red", label="argmin")
        ax.set(title="cdist: latent positions x codes", xlabel="code k", ylabel="position")
        ax.legend(loc="upper right")
        axes[1, 1].imshow(self.last["pair"].numpy(), cmap="gray", vmin=0, vmax=1)
        axes[1, 1].set_title("inputs / reconstructions")
        axes[1, 2].imshow(self.last["generated"].numpy(), cmap="gray", vmin=0, vmax=1)
        axes[1, 2].set_title("random codes: uniform / usage-drawn")
        for a in (axes[1, 1], axes[1, 2]):
            a.axis("off")
        title = f"VQ-VAE on {ctx.params['data']} ({ctx.total_steps} steps, {ctx.device})"
        return [save_figure(out_dir, "vq-vae", fig, title=title, dpi=110)]
