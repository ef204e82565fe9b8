"""Topic f: vector-quantised autoencoders (vq-vae)."""

from __future__ import annotations

from demos.platform import IMAGE_DATA, Bilingual, DemoSpec, Kind, Param, Plot

SPECS: tuple[DemoSpec, ...] = (
    DemoSpec(
        name="vq-vae",
        title=Bilingual(
            en="VQ-VAE: codebook, straight-through gradient and the three losses",
            it="VQ-VAE: codebook, gradiente straight-through e le tre loss",
        ),
        questions=("f.01", "f.02", "f.03", "f.04", "f.05", "f.06", "f.07", "f.08", "f.09", "f.10"),
        summary="Trains a small conv VQ-VAE on 8x8 digits: cdist/argmin quantization, "
        "straight-through gradient, reconstruction + codebook + beta*commitment losses, "
        "perplexity and dead codes, generation from random codes; a twin without dead-code "
        "restarts shows codebook collapse.",
        params=(
            Param("steps", Kind.INT, 1500, "training steps", 10, 100_000),
            Param("batch", Kind.INT, 128, "images per step", 8, 4096),
            Param("lr", Kind.FLOAT, 2e-3, "Adam learning rate", 1e-5, 1.0),
            Param("codes", Kind.INT, 32, "codebook size K", 2, 1024),
            Param("dim", Kind.INT, 8, "code dimension D", 1, 256),
            Param("hidden", Kind.INT, 32, "channels of the conv layers", 4, 256),
            Param("beta", Kind.FLOAT, 0.25, "weight of the commitment loss", 0.0, 10.0),
            Param(
                "ema", Kind.BOOL, False, "update the codebook by EMA instead of the codebook loss"
            ),
            Param("decay", Kind.FLOAT, 0.99, "EMA decay", 0.5, 0.9999),
            Param("restart", Kind.BOOL, True, "restart dead codes on random encoder outputs"),
            Param(
                "init",
                Kind.STR,
                "normal",
                "codebook start: N(0, 1) as nn.Embedding, or uniform(-1/K, 1/K)",
                choices=("normal", "uniform"),
            ),
            Param(
                "contrast",
                Kind.BOOL,
                True,
                "also train a twin without restarts (same start, same batches)",
            ),
            Param(
                "dead_after",
                Kind.INT,
                100,
                "steps without use before a code counts as dead",
                1,
                100_000,
            ),
            Param(
                "sample", Kind.INT, 0, "held-out image whose distances and codes are shown", 0, 255
            ),
            IMAGE_DATA,
        ),
        quick={"steps": 300, "hidden": 16, "batch": 64, "dead_after": 50},
        plots=(
            Plot(
                "perplexity",
                "perplexity: with restarts vs the twin without (K = even use, 1 = collapse)",
                ("perplexity", "twin_perplexity"),
            ),
            Plot(
                "codes",
                "codes in use: with restarts vs without",
                ("codes_used", "twin_codes_used"),
            ),
            Plot("recon", "losses", ("recon", "codebook", "beta_commitment"), log=True),
            Plot(
                "nmse",
                "held-out reconstruction error / variance: with vs without restarts",
                ("nmse", "twin_nmse"),
            ),
        ),
        focus="plot:perplexity",
        impl="demos.f_vq_vae.vq_vae:VQVAE",
    ),
)
