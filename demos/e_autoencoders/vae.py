"""Variational autoencoder on digits: reparameterisation, KL, ELBO, generation (e.07–e.11, e.13).

The encoder outputs the parameters of a Gaussian, ``μ(x)`` and ``log σ²(x)`` (two heads
side by side), instead of a single code. A code is drawn with the reparameterisation
trick ``z = μ + σ ⊙ ε``, ``ε ~ N(0, I)``: the randomness enters as an input, so the
gradient of the loss reaches ``μ`` and ``log σ²``. The loss is the negative ELBO per
image,

    reconstruction  −log p(x | z) = Bernoulli NLL summed over the pixels
    + β · KL(q(z | x) ‖ N(0, I)) = −½ Σ_j (1 + log σ_j² − μ_j² − σ_j²)   (closed form).

The KL term pulls every posterior towards the prior, so the region where ``N(0, I)`` puts
its mass is covered by codes the decoder understands: decoding ``z ~ N(0, I)`` — no
encoder involved — yields new digits. Live: both terms on held-out images, the KL of each
latent dimension (dimensions with ~0 nats are unused), reconstructions from ``μ``, samples
from the prior, a straight-line interpolation between the codes of two held-out digits,
and with a 2-D code the latent plane coloured by digit plus the decoder over ±2σ of the
prior.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import torch
from torch.distributions import Normal, kl_divergence

from demos.lib.autoencoders import build_mlp, class_map, decode_plane, recon_error, split
from demos.lib.images import montage, small
from demos.platform import Check, Demo, Frame, RunContext, heatmap, histogram, picture
from demos.platform.data import load_images
from demos.platform.figures import plot_history, plt, save_figure, subplots


def reparameterize(mu: torch.Tensor, logvar: torch.Tensor, eps: torch.Tensor) -> torch.Tensor:
    """z = μ + σ ⊙ ε with σ = exp(½ log σ²): differentiable in μ and log σ²."""
    return mu + torch.exp(0.5 * logvar) * eps


def kl_to_prior(mu: torch.Tensor, logvar: torch.Tensor) -> torch.Tensor:
    """KL(N(μ, diag σ²) ‖ N(0, I)) per latent dimension, closed form; shape of μ."""
    return -0.5 * (1 + logvar - mu**2 - logvar.exp())


def encode(encoder: Any, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """(μ, log σ²), each (B, d): the encoder's output split in two heads."""
    mu, logvar = encoder(x).chunk(2, dim=1)
    return mu, logvar


def neg_elbo(
    encoder: Any, decoder: Any, x: torch.Tensor, eps: torch.Tensor, beta: float
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """(loss, reconstruction, KL), each a batch mean of per-image sums in nats."""
    mu, logvar = encode(encoder, x)
    z = reparameterize(mu, logvar, eps)
    pixels = x[0].numel()
    recon = (recon_error(decoder(z), x, "bce") * pixels).mean()  # Bernoulli NLL, summed
    kl = kl_to_prior(mu, logvar).sum(1).mean()
    return recon + beta * kl, recon, kl


class VAE(Demo):
    def setup(self, ctx: RunContext) -> None:
        p = ctx.params
        data = load_images(p["data"])
        self.size = data.size
        self.train_x, _, self.eval_x, self.eval_y = split(ctx, data)
        enc, dec = build_mlp(self.size, p["hidden"], p["latent"], heads=2)
        self.encoder, self.decoder = enc.to(ctx.device), dec.to(ctx.device)
        gen = torch.Generator().manual_seed(ctx.seed + 1)  # CPU: same draws on every device
        self.prior_z = torch.randn(16, p["latent"], generator=gen).to(ctx.device)
        self.eval_eps = torch.randn(len(self.eval_x), p["latent"], generator=gen).to(ctx.device)
        pair = [int(i) for i in torch.randperm(len(self.eval_x), generator=gen)[:2]]
        self.pair = pair

    # -- checks ---------------------------------------------------------------------

    def checks(self, ctx: RunContext) -> Iterator[Check]:
        with torch.no_grad():
            mu, logvar = encode(self.encoder, self.train_x[:64])
        gen = torch.Generator().manual_seed(ctx.seed + 2)
        wide_mu = (3 * torch.randn(64, mu.shape[1], generator=gen)).to(mu)
        wide_lv = (2 * torch.randn(64, mu.shape[1], generator=gen)).to(mu)
        ok, detail = kl_check(kl_to_prior, torch.cat([mu, wide_mu]), torch.cat([logvar, wide_lv]))
        yield Check("kl-closed-form", ok, detail)

        x = self.train_x[:64]
        eps = torch.randn(len(x), mu.shape[1], generator=gen).to(x)
        ok, detail = gradient_check(reparameterize, self.encoder, self.decoder, x, eps)
        yield Check("gradient-reaches-mu-logvar", ok, detail)

        ok, detail = sample_check(reparameterize, ctx.device, ctx.seed)
        yield Check("reparam-distribution", ok, detail)

    # -- training -------------------------------------------------------------------

    def run(self, ctx: RunContext) -> Iterator[Frame]:
        p = ctx.params
        params = [*self.encoder.parameters(), *self.decoder.parameters()]
        opt = torch.optim.Adam(params, lr=p["lr"])
        gen = torch.Generator(device=ctx.device).manual_seed(ctx.seed)
        n, d = len(self.train_x), p["latent"]
        for step in range(ctx.total_steps):
            idx = torch.randint(0, n, (p["batch"],), device=ctx.device, generator=gen)
            x = self.train_x[idx]  # (B, 1, S, S)
            eps = torch.randn(len(x), d, device=ctx.device, generator=gen)  # (B, d)
            loss, _, _ = neg_elbo(self.encoder, self.decoder, x, eps, p["beta"])
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            if ctx.wants(step):
                yield self._frame(ctx, step, loss.item())

    def _frame(self, ctx: RunContext, step: int, loss: float) -> Frame:
        p = ctx.params
        x = self.eval_x
        with torch.no_grad():
            mu, logvar = encode(self.encoder, x)
            z = reparameterize(mu, logvar, self.eval_eps)
            recon = (recon_error(self.decoder(z), x, "bce") * x[0].numel()).mean().item()
            kl_dims = kl_to_prior(mu, logvar).mean(0)  # (d,)
            kl = kl_dims.sum().item()
            n = 8 if self.size <= 8 else 6
            pair = montage(torch.cat([small(x[:n]), small(self.decoder(mu[:n]))]), n)
            samples = small(self.decoder(self.prior_z))[:, 0]
            half = len(samples) // 2
            prior = montage(samples, half)
            a, b = mu[self.pair[0]], mu[self.pair[1]]
            t = torch.linspace(0, 1, 8, device=mu.device)[:, None]
            walk = montage(small(self.decoder((1 - t) * a + t * b)))
        metrics = {
            "train_loss": loss,
            "recon": recon,
            "kl": kl,
            "neg_elbo": recon + kl,
            "active": float((kl_dims > 0.1).sum().item()),
        }
        frame = Frame(
            step=step,
            metrics=metrics,
            pictures=[
                picture("held-out inputs (top) / decoded from μ (bottom)", pair),
                picture("decoded from z ~ N(0, I): new digits", prior),
                picture(
                    f"interpolating μ of held-out digits {self.pair[0]} -> {self.pair[1]}", walk
                ),
            ],
            histograms=[
                histogram(
                    "KL per latent dimension (nats)",
                    kl_dims,
                    [f"z{j}" for j in range(len(kl_dims))],
                )
            ],
        )
        self.last: dict[str, Any] = {
            "pair": pair.cpu(),
            "prior": prior.cpu(),
            "walk": walk.cpu(),
            "kl_dims": kl_dims.cpu(),
        }
        if p["latent"] == 2:
            frame.heatmaps.append(
                heatmap(
                    "μ plane (±3): most common digit per cell (-1 empty)",
                    class_map(mu, self.eval_y, -3.0, 3.0),
                    "z1",
                    "z2",
                )
            )
            grid = decode_plane(self.decoder, -2.0, 2.0, 6 if self.size <= 8 else 5)
            frame.pictures.append(picture("decoder over the prior plane, z in [-2, 2]²", grid))
            self.last.update(mu=mu.cpu(), grid=grid.cpu())
        return frame

    # -- judgement and figures -----------------------------------------------------

    def learned(self, ctx: RunContext) -> Check:
        start = ctx.history[0]["neg_elbo"] if ctx.history else math.nan
        f = ctx.final
        end, kl, active = f.get("neg_elbo", math.nan), f.get("kl", math.nan), f.get("active", 0)
        ok = end <= 0.75 * start and kl >= 1.0 and active >= 1
        return Check(
            "learning",
            bool(ok),
            f"held-out negative ELBO {start:.1f} -> {end:.1f} nats/image (needs <= 0.75 x start);"
            f" KL {kl:.2f} nats (needs >= 1: the code carries information, no posterior "
            f"collapse); {int(active)} of {ctx.params['latent']} dimensions active",
        )

    def figures(self, ctx: RunContext, out_dir: Path) -> list[Path]:
        hist = ctx.history
        fig, axes = subplots(2, 4, (17, 8))
        ax = axes[0, 0]
        plot_history(ax, hist, ["recon"], labels=["reconstruction -log p(x|z)"])
        plot_history(ax, hist, ["kl"], labels=["KL(q(z|x) || N(0,I))"])
        plot_history(ax, hist, ["neg_elbo"], styles=["k--"], labels=["negative ELBO"])
        ax.set(title="held-out, nats per image", xlabel="step")
        ax.legend(fontsize=8)
        ax = axes[0, 1]
        kl_dims = self.last["kl_dims"].numpy()
        ax.bar(range(len(kl_dims)), kl_dims)
        ax.set(title="KL per latent dimension", xlabel="dimension", ylabel="nats")
        ax = axes[0, 2]
        if "mu" in self.last:
            mu, labels = self.last["mu"].numpy(), self.eval_y.cpu().numpy()
            sc = ax.scatter(mu[:, 0], mu[:, 1], c=labels, cmap="tab10", s=8)
            ax.add_patch(plt.Circle((0, 0), 2.0, fill=False, ls=":", color="grey"))
            fig.colorbar(sc, ax=ax, ticks=range(10))
            ax.set(title="μ of held-out digits (circle: 2σ of prior)", xlabel="z1", ylabel="z2")
            ax.set_aspect("equal")
        else:
            ax.axis("off")
        pictures = [
            (axes[0, 3], "grid", "decoder over z in [-2, 2]²"),
            (axes[1, 0], "pair", "inputs / decoded from μ"),
            (axes[1, 1], "prior", "samples: decoder(z), z ~ N(0, I)"),
            (axes[1, 2], "walk", "interpolation between two codes"),
        ]
        for ax, key, title in pictures:
            if key in self.last:
                ax.imshow(self.last[key].numpy(), cmap="gray", vmin=0, vmax=1)
                ax.set_title(title)
            ax.axis("off")
        axes[1, 3].axis("off")
        p = ctx.params
        title = (
            f"VAE on {p['data']}: d = {p['latent']}, beta = {p['beta']} "
            f"({ctx.total_steps} steps, {ctx.device})"
        )
        return [save_figure(out_dir, "vae", fig, title=title, dpi=100)]


# --- checks as functions (the tests feed them broken pieces) ---------------------------


def kl_check(kl_fn: Any, mu: torch.Tensor, logvar: torch.Tensor) -> tuple[bool, str]:
    """Closed-form KL per dimension vs torch.distributions.kl_divergence."""
    with torch.no_grad():
        ours = kl_fn(mu, logvar).cpu()  # float64 reference on the CPU (MPS has no float64)
        mu, logvar = mu.cpu().double(), logvar.cpu().double()
        q = Normal(mu, torch.exp(0.5 * logvar))
        ref = kl_divergence(q, Normal(torch.zeros_like(q.loc), torch.ones_like(q.scale)))
        if ours.shape != ref.shape:
            return (
                False,
                f"KL per dimension has shape {tuple(ours.shape)}, expected {tuple(ref.shape)}",
            )
        rel = ((ours.double() - ref).abs() / ref.abs().clamp_min(1e-3)).max().item()
    ok = rel <= 1e-4
    return ok, (
        f"closed form vs torch.distributions.kl_divergence on {mu.shape[0]} posteriors "
        f"x {mu.shape[1]} dims: max relative difference {rel:.1e}"
    )


def gradient_check(
    sample_fn: Any, encoder: Any, decoder: Any, x: torch.Tensor, eps: torch.Tensor
) -> tuple[bool, str]:
    """The reconstruction loss through z reaches μ and log σ², with ∂z/∂μ = 1, ∂z/∂logσ² = ½σε."""
    mu, logvar = encode(encoder, x)
    z = sample_fn(mu, logvar, eps)
    loss = recon_error(decoder(z), x, "bce").mean()
    g_mu, g_lv = torch.autograd.grad(loss, [mu, logvar], allow_unused=True)
    reached = (
        g_mu is not None and g_lv is not None and g_mu.abs().sum() > 0 and g_lv.abs().sum() > 0
    )
    if not reached:
        return False, "no gradient reaches μ and log σ² (the sample is cut from the graph)"
    mu0, lv0 = mu.detach().requires_grad_(True), logvar.detach().requires_grad_(True)
    dz_mu, dz_lv = torch.autograd.grad(sample_fn(mu0, lv0, eps).sum(), [mu0, lv0])
    err_mu = (dz_mu - 1).abs().max().item()
    err_lv = (dz_lv - 0.5 * torch.exp(0.5 * lv0) * eps).abs().max().item()
    ok = err_mu <= 1e-6 and err_lv <= 1e-6
    return ok, (
        f"|dL/dμ| = {g_mu.norm().item():.2e}, |dL/dlogσ²| = {g_lv.norm().item():.2e}; "
        f"autograd dz/dμ vs 1: {err_mu:.1e}, dz/dlogσ² vs σε/2: {err_lv:.1e}"
    )


def sample_check(sample_fn: Any, device: Any, seed: int, n: int = 20000) -> tuple[bool, str]:
    """z = μ + σε over many ε has the mean and std of N(μ, σ²) (torch.distributions.Normal)."""
    gen = torch.Generator().manual_seed(seed + 3)
    mu = torch.tensor([1.5, -0.5, 0.0])
    logvar = torch.tensor([0.0, -2.0, 1.0])
    eps = torch.randn(n, 3, generator=gen)
    z = sample_fn(mu.to(device), logvar.to(device), eps.to(device)).cpu()
    ref = Normal(mu, torch.exp(0.5 * logvar))
    tol = 4 * ref.stddev / math.sqrt(n)  # 4 standard errors
    mean_ok = bool(((z.mean(0) - ref.mean).abs() <= tol).all())
    std_ok = bool(((z.std(0) - ref.stddev).abs() <= 2 * tol).all())
    return mean_ok and std_ok, (
        f"{n} draws: mean {[round(v, 3) for v in z.mean(0).tolist()]} vs "
        f"{ref.mean.tolist()}, std {[round(v, 3) for v in z.std(0).tolist()]} vs "
        f"{[round(v, 3) for v in ref.stddev.tolist()]}"
    )
