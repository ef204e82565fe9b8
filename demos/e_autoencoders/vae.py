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

import copy
import math
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import torch
from torch.distributions import Normal, kl_divergence

from demos.lib.autoencoders import build_mlp, class_map, decode_plane, recon_error, split
from demos.lib.gan import judge, train_classifier
from demos.lib.images import decimal_comma, diagram, label_montage, montage, small, thin
from demos.platform import Bilingual, Check, Demo, Frame, RunContext, heatmap, histogram, picture
from demos.platform.data import load_images
from demos.platform.figures import animation, plot_history, plt, save_figure


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


def prior_radius(d: int, mass: float = 0.95, n: int = 200_000) -> float:
    """Radius of the ball holding ``mass`` of N(0, I_d) (fixed Monte Carlo draws): 2.45 in 2-D."""
    gen = torch.Generator().manual_seed(1234)
    norms = torch.randn(n, d, generator=gen).norm(dim=1)
    return float(torch.quantile(norms, mass))


class VAE(Demo):
    def setup(self, ctx: RunContext) -> None:
        p = self.params = ctx.params
        data = load_images(p["data"])
        self.size = data.size
        self.train_x, train_y, self.eval_x, self.eval_y = split(ctx, data)
        enc, dec = build_mlp(self.size, p["hidden"], p["latent"], heads=2)
        self.twin: tuple[Any, Any] | None = None
        if p["contrast"]:  # the same weights, trained with β = twin_beta on the same batches
            self.twin = (copy.deepcopy(enc).to(ctx.device), copy.deepcopy(dec).to(ctx.device))
        self.encoder, self.decoder = enc.to(ctx.device), dec.to(ctx.device)
        gen = torch.Generator().manual_seed(ctx.seed + 1)  # CPU: same draws on every device
        self.prior_z = torch.randn(256, p["latent"], generator=gen).to(ctx.device)  # (256, d)
        self.eval_eps = torch.randn(len(self.eval_x), p["latent"], generator=gen).to(ctx.device)
        pair = [int(i) for i in torch.randperm(len(self.eval_x), generator=gen)[:2]]
        self.pair = pair
        self.radius = prior_radius(p["latent"])
        # the judge of prior samples: a digit classifier trained once on real digits, frozen
        with torch.random.fork_rng(devices=[]):
            self.judge = train_classifier(self.train_x, train_y, 300, ctx.seed + 11)
        self.snapshots: dict[int, dict[str, Any]] = {}

    def _models(self) -> list[tuple[str, Any, Any, float]]:
        p = self.params
        models = [("vae", self.encoder, self.decoder, p["beta"])]
        if self.twin is not None:
            models.append(("twin", *self.twin, p["twin_beta"]))
        return models

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
        models = self._models()
        params = [w for _, e, g, _ in models for w in (*e.parameters(), *g.parameters())]
        opt = torch.optim.Adam(params, lr=p["lr"])  # per-parameter updates: independent runs
        gen = torch.Generator(device=ctx.device).manual_seed(ctx.seed)
        n, d = len(self.train_x), p["latent"]
        for step in range(ctx.total_steps):
            idx = torch.randint(0, n, (p["batch"],), device=ctx.device, generator=gen)
            x = self.train_x[idx]  # (B, 1, S, S): the same batch for both models
            eps = torch.randn(len(x), d, device=ctx.device, generator=gen)  # (B, d), and noise
            losses = [neg_elbo(e, g, x, eps, beta)[0] for _, e, g, beta in models]
            opt.zero_grad(set_to_none=True)
            sum(losses).backward()
            opt.step()
            if ctx.wants(step):
                yield self._frame(ctx, step, losses[0].item())
        return self.caption(ctx)

    def _measure(self, encoder: Any, decoder: Any) -> dict[str, Any]:
        """Held-out terms, posterior placement and what the prior decodes to, for one model."""
        x = self.eval_x
        with torch.no_grad():
            mu, logvar = encode(encoder, x)
            z = reparameterize(mu, logvar, self.eval_eps)
            recon = (recon_error(decoder(z), x, "bce") * x[0].numel()).mean().item()
            kl_dims = kl_to_prior(mu, logvar).mean(0)  # (d,)
            samples = decoder(self.prior_z)  # (256, 1, S, S): no encoder involved
            seen = judge(self.judge, samples)
        return {
            "mu": mu,
            "kl_dims": kl_dims,
            "recon": recon,
            "kl": kl_dims.sum().item(),
            "inside": (mu.norm(dim=1) <= self.radius).float().mean().item(),
            "score": seen["score"],
            "classes": float(seen["classes"]),
            "samples": samples,
        }

    def _frame(self, ctx: RunContext, step: int, loss: float) -> Frame:
        p = ctx.params
        x = self.eval_x
        vae = self._measure(self.encoder, self.decoder)
        twin = self._measure(*self.twin) if self.twin is not None else None
        with torch.no_grad():
            mu = vae["mu"]
            n = 8 if self.size <= 8 else 6
            rows = [x[:n], self.decoder(mu[:n])]
            if twin is not None:
                rows.append(self.twin[1](twin["mu"][:n]))
            pair = montage(torch.cat([small(r) for r in rows]), n)
            prior = montage(small(vae["samples"][:32])[:, 0], 8)
            a, b = mu[self.pair[0]], mu[self.pair[1]]
            t = torch.linspace(0, 1, 8, device=mu.device)[:, None]
            walk = montage(small(self.decoder((1 - t) * a + t * b)))
        kl_dims = vae["kl_dims"]
        metrics = {
            "train_loss": loss,
            "recon": vae["recon"],
            "kl": vae["kl"],
            "neg_elbo": vae["recon"] + vae["kl"],
            "active": float((kl_dims > 0.1).sum().item()),
            "inside": vae["inside"],
            "prior_score": vae["score"],
            "prior_classes": vae["classes"],
        }
        frame = Frame(
            step=step,
            metrics=metrics,
            pictures=[
                picture(
                    "rows: held-out inputs / decoded from μ"
                    + (f" / the β = {p['twin_beta']:g} twin" if twin is not None else ""),
                    pair,
                    key="recon",
                ),
                picture("decoded from z ~ N(0, I): new digits", prior, key="prior"),
                picture(
                    f"interpolating μ of held-out digits {self.pair[0]} -> {self.pair[1]}",
                    walk,
                    key="walk",
                ),
            ],
            histograms=[
                histogram(
                    "KL per latent dimension (nats)",
                    kl_dims,
                    [f"z{j}" for j in range(len(kl_dims))],
                    key="kl-dims",
                )
            ],
        )
        self.last: dict[str, Any] = {
            "pair": pair.cpu(),
            "walk": walk.cpu(),
            "kl_dims": kl_dims.cpu(),
            "rows": len(rows),
        }
        if twin is not None:
            metrics.update(
                twin_recon=twin["recon"],
                twin_kl=twin["kl"],
                twin_inside=twin["inside"],
                twin_prior_score=twin["score"],
                twin_prior_classes=twin["classes"],
            )
            twin_prior = montage(small(twin["samples"][:32])[:, 0], 8)
            frame.pictures.append(
                picture(
                    f"the β = {p['twin_beta']:g} twin decodes z ~ N(0, I) to",
                    twin_prior,
                    key="twin-prior",
                )
            )
            self.last["twin_kl_dims"] = twin["kl_dims"].cpu()
        if ctx.should_record(step):
            self.snapshots[step] = {
                "metrics": dict(metrics),
                "mu": vae["mu"][:400, :2].cpu().numpy().copy(),
                "prior": small(vae["samples"][:24]).cpu()[:, 0],
                **(
                    {
                        "twin_mu": twin["mu"][:400, :2].cpu().numpy().copy(),
                        "twin_prior": small(twin["samples"][:24]).cpu()[:, 0],
                    }
                    if twin is not None
                    else {}
                ),
            }
        if p["latent"] == 2:
            frame.heatmaps.append(
                heatmap(
                    "μ plane (±3): most common digit per cell (-1 empty)",
                    class_map(mu, self.eval_y, -3.0, 3.0),
                    "z1",
                    "z2",
                    key="mu-plane",
                    vmin=-1,
                    vmax=9,
                )
            )
            grid = decode_plane(self.decoder, -2.0, 2.0, 6 if self.size <= 8 else 5)
            frame.pictures.append(
                picture("decoder over the prior plane, z in [-2, 2]²", grid, key="plane")
            )
            self.last.update(grid=grid.cpu())
            if twin is not None:
                self.last["twin_grid"] = decode_plane(
                    self.twin[1], -2.0, 2.0, 6 if self.size <= 8 else 5
                ).cpu()
        return frame

    # -- judgement, caption and figures --------------------------------------------

    def learned(self, ctx: RunContext) -> Check:
        start = ctx.history[0]["neg_elbo"] if ctx.history else math.nan
        f = ctx.final
        end, kl, active = f.get("neg_elbo", math.nan), f.get("kl", math.nan), f.get("active", 0)
        ok = end <= 0.75 * start and kl >= 1.0 and active >= 1
        detail = (
            f"held-out negative ELBO {start:.1f} -> {end:.1f} nats/image (needs <= 0.75 x start);"
            f" KL {kl:.2f} nats (needs >= 1: the code carries information, no posterior "
            f"collapse); {int(active)} of {ctx.params['latent']} dimensions active"
        )
        if self.twin is not None:
            inside, twin_inside = f.get("inside", math.nan), f.get("twin_inside", math.nan)
            score, twin_score = f.get("prior_score", math.nan), f.get("twin_prior_score", math.nan)
            ok = ok and inside >= 0.7 and inside - twin_inside >= 0.35 and score - twin_score >= 0.5
            detail += (
                f"; codes inside the prior's 95% ball (r = {self.radius:.2f}): {inside:.2f} vs "
                f"{twin_inside:.2f} for the β = {ctx.params['twin_beta']:g} twin (needs >= 0.7 "
                f"and a lead of 0.35); digit score of prior samples {score:.2f} vs "
                f"{twin_score:.2f} (needs a lead of 0.5)"
            )
        return Check("learning", bool(ok), detail)

    def caption(self, ctx: RunContext) -> Bilingual:
        """What to look for, filled from this run's numbers."""
        f, p = ctx.final, ctx.params
        en = (
            f"The KL term ({f['kl']:.1f} nats) pulls each q(z|x) towards N(0, I): "
            f"{f['inside']:.0%} of the held-out codes μ lie in the ball that holds 95% of the "
            f"prior, so z ~ N(0, I) decodes to digits (digit score {f['prior_score']:.1f} of "
            f"10, {f['prior_classes']:.0f} kinds of digit)."
        )
        it = (
            f"Il termine KL ({f['kl']:.1f} nat) tira ogni q(z|x) verso N(0, I): il "
            f"{f['inside']:.0%} dei codici μ di test cade nella sfera che contiene il 95% della "
            f"prior, quindi z ~ N(0, I) si decodifica in cifre (punteggio {f['prior_score']:.1f}"
            f" su 10, {f['prior_classes']:.0f} tipi di cifra)."
        )
        if self.twin is not None:
            b = p["twin_beta"]
            en += (
                f" The β = {b:g} twin, same start and batches, reconstructs as well (recon "
                f"{f['twin_recon']:.1f} vs {f['recon']:.1f} nats) but nothing ties its codes to "
                f"the prior: only {f['twin_inside']:.0%} lie in that ball (KL "
                f"{f['twin_kl']:.0f} nats), and the prior decodes to {f['twin_prior_classes']:.0f}"
                f" kinds of digit (score {f['twin_prior_score']:.1f})."
            )
            it += (
                f" Il gemello con β = {b:g}, stessa partenza e stessi batch, ricostruisce "
                f"altrettanto bene ({f['twin_recon']:.1f} contro {f['recon']:.1f} nat) ma nulla "
                f"lega i suoi codici alla prior: solo il {f['twin_inside']:.0%} cade in quella "
                f"sfera (KL {f['twin_kl']:.0f} nat), e la prior si decodifica in "
                f"{f['twin_prior_classes']:.0f} tipi di cifra (punteggio "
                f"{f['twin_prior_score']:.1f})."
            )
        return Bilingual(en=en, it=decimal_comma(it))

    def figures(self, ctx: RunContext, out_dir: Path) -> list[Path]:
        hist, p, last = ctx.history, ctx.params, self.last
        twin = self.twin is not None
        tb = f"β = {p['twin_beta']:g} twin"
        fig = plt.figure(figsize=(22, 16))
        grid = fig.add_gridspec(3, 4, height_ratios=(1, 1.3, 1.05))

        ax = fig.add_subplot(grid[0, 0])
        plot_history(ax, hist, ["recon"], labels=["VAE: reconstruction −log p(x|z)"], color="C0")
        plot_history(ax, hist, ["kl"], labels=["VAE: KL(q(z|x) ‖ N(0, I))"], color="C1")
        plot_history(ax, hist, ["neg_elbo"], styles=["k-"], labels=["VAE: negative ELBO"], lw=0.8)
        if twin:
            plot_history(
                ax,
                hist,
                ["twin_recon"],
                styles=["--"],
                labels=[f"{tb}: reconstruction"],
                color="C0",
            )
            plot_history(
                ax,
                hist,
                ["twin_kl"],
                styles=["--"],
                labels=[f"{tb}: KL (not in its loss)"],
                color="C1",
            )
        ax.set(title="held-out terms, nats per image", ylabel="nats", ylim=(0, None))
        ax.legend(fontsize=8)
        ax = fig.add_subplot(grid[0, 1])
        dims = len(last["kl_dims"])
        width = 0.4 if twin else 0.8
        at = torch.arange(dims).numpy()
        ax.bar(
            at - (width / 2 if twin else 0),
            last["kl_dims"].numpy(),
            width,
            label=f"VAE (β = {p['beta']:g})",
            color="C0",
        )
        if twin:
            ax.bar(at + width / 2, last["twin_kl_dims"].numpy(), width, label=tb, color="C3")
        ax.set_xticks(at, [f"z{j + 1}" for j in range(dims)])
        ax.set(
            title="KL per latent dimension (0 = unused)",
            ylabel="nats",
            yscale="log" if twin else "linear",
        )
        ax.legend(fontsize=8)
        ax = fig.add_subplot(grid[0, 2])
        self._pair(ax, hist, "inside", "VAE", tb)
        ax.axhline(0.95, color="grey", ls=":", label="0.95: codes distributed as the prior")
        ax.set(title=f"share of held-out μ inside the prior's 95% ball (r = {self.radius:.2f})",
               ylim=(0, 1.02), ylabel="share")  # fmt: skip
        ax.legend(fontsize=8)
        ax = fig.add_subplot(grid[0, 3])
        self._pair(ax, hist, "prior_score", "VAE", tb)
        self._pair(ax, hist, "prior_classes", "VAE: kinds of digit", f"{tb}: kinds", dotted=True)
        ax.set(title="z ~ N(0, I) decoded, judged by a fixed digit classifier",
               ylabel="digit score / kinds of digit (of 10)", ylim=(0, 10.5))  # fmt: skip
        ax.legend(fontsize=8)

        final = self.snapshots[max(self.snapshots)]
        lim = self._plane_limit()
        labels = self.eval_y[: len(final["mu"])].cpu().numpy()
        planes = [("mu", f"VAE (β = {p['beta']:g})")] + ([("twin_mu", tb)] if twin else [])
        for col, (key, who) in enumerate(planes):
            ax = fig.add_subplot(grid[1, col])
            sc = self._scatter(ax, final[key], labels, lim)
            ax.set_title(f"{who}: held-out μ (first two dims), circle = prior's 95%")
            if key == "mu" and lim > 6:  # the same axes as the twin's, and a closer look
                zoom = ax.inset_axes((0.6, 0.6, 0.38, 0.38))
                self._scatter(zoom, final[key], labels, 1.3 * self.radius)
                zoom.set(xlabel="", ylabel="", xticks=[], yticks=[])
                zoom.text(0.04, 0.9, "zoom", transform=zoom.transAxes, fontsize=8)
        fig.colorbar(sc, ax=ax, ticks=range(10), label="digit", fraction=0.046)
        grids = [("grid", "VAE decoder over z ∈ [−2, 2]²")] + (
            [("twin_grid", f"{tb}'s decoder, same z")] if twin else []
        )
        for col, (key, title) in enumerate(grids):
            ax = fig.add_subplot(grid[1, 2 + col])
            if key in last:
                ax.imshow(last[key].numpy(), cmap="gray", vmin=0, vmax=1)
                n = 6 if self.size <= 8 else 5
                ticks = [f"{v:.1f}" for v in torch.linspace(-2, 2, n).tolist()]
                tile = min(self.size, 14)
                label_montage(ax, tile, ticks[::-1], ticks)
                ax.set(xlabel="z1", ylabel="z2")
                ax.set_title(title)
            else:
                ax.axis("off")

        row = grid[2, :].subgridspec(1, 4, width_ratios=(1.25, 1.25, 1.3, 1.1))
        tile = min(self.size, 14)
        prior_rows = [("prior", "VAE: decoder(z), z ~ N(0, I)")] + (
            [("twin_prior", f"{tb}: decoder(z), same z")] if twin else []
        )
        for col, (key, title) in enumerate(prior_rows):
            ax = fig.add_subplot(row[col])
            ax.imshow(montage(final[key], 6).numpy(), cmap="gray", vmin=0, vmax=1)
            label_montage(ax, tile)
            ax.set_title(title)
        sub = row[2].subgridspec(2, 1, height_ratios=(last["rows"], 1.2))
        ax = fig.add_subplot(sub[0])
        ax.imshow(last["pair"].numpy(), cmap="gray", vmin=0, vmax=1)
        label_montage(ax, tile, ["input", "VAE from μ"] + (["twin from μ"] if twin else []))
        ax.set_title("held-out reconstructions")
        ax = fig.add_subplot(sub[1])
        ax.imshow(last["walk"].numpy(), cmap="gray", vmin=0, vmax=1)
        label_montage(ax, tile, [], [f"{v:.2f}" for v in torch.linspace(0, 1, 8).tolist()])
        ax.set_title(
            f"VAE: decoding (1 − t)·μ_a + t·μ_b (held-out digits {self.pair[0]}, {self.pair[1]})",
            fontsize=10,
        )
        ax.set_xlabel("t")
        self._schematic(fig.add_subplot(row[3]))

        title = (
            f"VAE on {p['data']}: d = {p['latent']}, β = {p['beta']:g}, {ctx.total_steps} steps "
            f"on {ctx.device}"
            + (f"; twin: same start and batches, β = {p['twin_beta']:g}" if twin else "")
        )
        fig.suptitle(title, fontsize=14, y=1.01)
        words = self.caption(ctx)
        with warnings.catch_warnings():  # the zoom inset is placed by hand, not by the layout
            warnings.filterwarnings("ignore", message=".*tight_layout.*")
            paths = [save_figure(out_dir, "vae", fig, caption=f"{words.en}\n{words.it}")]
        paths.append(self._animation(out_dir))
        return paths

    def _plane_limit(self) -> float:
        """One half-width for every μ plane (VAE and twin, every frame): the same scale."""
        every = [s[k] for s in self.snapshots.values() for k in ("mu", "twin_mu") if k in s]
        big = max(float(abs(m).max()) for m in every)
        return max(3.0, min(big * 1.05, 25.0))

    def _scatter(self, ax, mu, labels, lim: float):
        sc = ax.scatter(mu[:, 0], mu[:, 1], c=labels, cmap="tab10", vmin=-0.5, vmax=9.5, s=9)
        ax.add_patch(plt.Circle((0, 0), self.radius, fill=False, ls="--", color="k", lw=1.2))
        ax.set(xlim=(-lim, lim), ylim=(-lim, lim), xlabel="μ1", ylabel="μ2")
        ax.set_aspect("equal")
        return sc

    def _pair(self, ax, hist, key: str, main: str, twin: str, dotted: bool = False) -> None:
        """A metric of the VAE (blue) and of its β twin (red, dashed)."""
        plot_history(ax, hist, [key], labels=[main], styles=[":" if dotted else "-"], color="C0")
        if self.twin is not None:
            style = ":" if dotted else "--"
            plot_history(ax, hist, [f"twin_{key}"], labels=[twin], styles=[style], color="C3")

    @staticmethod
    def _schematic(ax) -> None:
        """e.09: the VAE's graph, with the noise as an input beside it (the trick)."""
        diagram(
            ax,
            {
                "x": (0.07, 0.85, "x"),
                "enc": (0.3, 0.85, "encoder"),
                "mu": (0.55, 0.94, "μ"),
                "lv": (0.74, 0.76, "log σ²"),
                "eps": (0.92, 0.58, "ε ~ N(0, I)"),
                "z": (0.6, 0.42, "z = μ + σ ⊙ ε"),
                "dec": (0.3, 0.42, "decoder"),
                "xh": (0.07, 0.42, "x̂"),
                "kl": (0.9, 0.94, "KL to N(0, I)"),
            },
            [
                ("x", "enc", ""),
                ("enc", "mu", ""),
                ("enc", "lv", ""),
                ("mu", "z", ""),
                ("lv", "z", ""),
                ("eps", "z", ""),
                ("z", "dec", ""),
                ("dec", "xh", ""),
                ("mu", "kl", ""),
                ("lv", "kl", ""),
            ],
            colors={"z": "#fde0c5", "eps": "#e6e6e6", "kl": "#d6e6f5"},
            fontsize=10,
            title="e.08–e.09: the reparameterisation trick",
        )
        ax.text(
            0.5,
            0.06,
            "ε is an input, not a node to differentiate:\n∂z/∂μ = 1, ∂z/∂log σ² = ½ σ ⊙ ε\n"
            "loss = −log p(x|z) + β·KL(q(z|x) ‖ N(0, I))",
            ha="center",
            va="bottom",
            fontsize=9,
            family="monospace",
        )

    def _animation(self, out_dir: Path) -> Path:
        """The codes over training, VAE beside its twin, and what the prior decodes to."""
        steps = thin(self.snapshots, 30)
        twin = self.twin is not None
        cols = 2 if twin else 1
        fig, axes = plt.subplots(2, cols, figsize=(5.2 * cols, 8.6), squeeze=False,
                                 gridspec_kw={"height_ratios": (1.6, 1)})  # fmt: skip
        fig.subplots_adjust(left=0.08, right=0.97, top=0.9, bottom=0.03, hspace=0.25, wspace=0.25)
        lim = self._plane_limit()
        labels = self.eval_y[:400].cpu().numpy()
        head = fig.suptitle("")
        p = self.params
        names = [("mu", "prior", f"VAE (β = {p['beta']:g})", "")]
        if twin:
            names.append(("twin_mu", "twin_prior", f"twin (β = {p['twin_beta']:g})", "twin_"))

        first = self.snapshots[steps[0]]
        artists = []
        for col, (key, prior, _, _) in enumerate(names):
            dots = self._scatter(axes[0, col], first[key], labels[: len(first[key])], lim)
            tiles = axes[1, col].imshow(
                montage(first[prior], 8).numpy(), cmap="gray", vmin=0, vmax=1
            )
            axes[1, col].axis("off")
            artists.append((dots, tiles))

        def update(i: int) -> None:
            snap = self.snapshots[steps[i]]
            m = snap["metrics"]
            head.set_text(f"codes μ and the prior's 95% ball, step {steps[i]}")
            for col, ((key, prior, who, pre), (dots, tiles)) in enumerate(
                zip(names, artists, strict=True)
            ):
                dots.set_offsets(snap[key])
                tiles.set_data(montage(snap[prior], 8).numpy())
                axes[0, col].set_title(f"{who}: {m[pre + 'inside']:.0%} inside", fontsize=10)
                axes[1, col].set_title(
                    f"decoder(z ~ N(0, I)): digit score {m[pre + 'prior_score']:.1f}", fontsize=10
                )

        return animation(out_dir, "vae", fig, update, len(steps), fps=4, dpi=70)


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
