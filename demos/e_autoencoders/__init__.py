"""Topic e: autoencoders, denoising, variational autoencoders and face swap."""

from __future__ import annotations

from demos.platform import IMAGE_DATA, Bilingual, DemoSpec, Kind, Param, Plot

# latent sizes of the autoencoder sweep; corruptions of denoising-ae; styles of faceswap
SWEEP = (1, 2, 4, 8, 16, 32)
NOISES = ("gaussian", "mask", "saltpepper")
STYLES = ("bold", "blurred")

SPECS: tuple[DemoSpec, ...] = (
    DemoSpec(
        name="autoencoder",
        title=Bilingual(
            en="Autoencoder: bottleneck, latent space and reconstruction error",
            it="Autoencoder: collo di bottiglia, spazio latente ed errore di ricostruzione",
        ),
        questions=("e.01", "e.02", "e.03", "e.04", "e.05", "e.12"),
        summary="Trains an MLP autoencoder on 8x8 digits without labels: reconstructions, the 2-D "
        "latent space coloured by class, the decoder swept over it, and held-out error vs "
        "latent size (1..32), each next to PCA, the best linear code of the same size.",
        params=(
            Param("steps", Kind.INT, 2000, "training steps", 10, 100_000),
            Param("batch", Kind.INT, 128, "images per step", 8, 4096),
            Param("lr", Kind.FLOAT, 3e-3, "Adam learning rate", 1e-5, 1.0),
            Param("latent", Kind.INT, 2, "latent size d of the main autoencoder", 1, 256),
            Param("hidden", Kind.INT, 128, "width of the first hidden layer", 4, 2048),
            Param("loss", Kind.STR, "mse", "reconstruction loss", choices=("mse", "bce")),
            Param("sweep", Kind.BOOL, True, "also train autoencoders with d = 1, 2, 4, 8, 16, 32"),
            IMAGE_DATA,
        ),
        quick={"steps": 600, "hidden": 64},
        plots=(
            Plot(
                "nmse",
                "held-out error / variance: autoencoder vs PCA (same d)",
                ("nmse", "pca_nmse"),
                log=True,
            ),
            Plot("sweep", "error vs latent size", tuple(f"nmse_d{d}" for d in SWEEP), log=True),
            Plot(
                "knn",
                "latent 1-NN digit accuracy: autoencoder vs PCA codes",
                ("knn", "pca_knn"),
                ylim=(0, 1),
                chance=0.1,
            ),
            Plot("loss", "training loss", ("loss",)),
        ),
        focus="plot:nmse",
        impl="demos.e_autoencoders.autoencoder:Autoencoder",
    ),
    DemoSpec(
        name="denoising-ae",
        title=Bilingual(
            en="Denoising autoencoder: noisy input, clean target, vs a plain AE",
            it=(
                "Autoencoder di denoising: ingresso rumoroso, obiettivo pulito, contro un AE "
                "semplice"
            ),
        ),
        questions=("e.06",),
        summary="Trains a denoising AE (fresh noise per batch, loss against the clean image) and a "
        "plain AE from the same weights on the same batches; compares how well each cleans "
        "noisy held-out digits.",
        params=(
            Param("steps", Kind.INT, 2000, "training steps", 10, 100_000),
            Param("batch", Kind.INT, 128, "images per step", 8, 4096),
            Param("lr", Kind.FLOAT, 3e-3, "Adam learning rate (both models)", 1e-5, 1.0),
            Param("latent", Kind.INT, 64, "code size (64 = as many numbers as pixels)", 1, 1024),
            Param("hidden", Kind.INT, 256, "width of the first hidden layer", 4, 4096),
            Param("noise", Kind.STR, "gaussian", "corruption", choices=NOISES),
            Param("level", Kind.FLOAT, 0.5, "noise std, or fraction of pixels hit", 0.0, 1.0),
            IMAGE_DATA,
        ),
        quick={"steps": 400, "hidden": 128},
        plots=(
            Plot(
                "dae-denoise",
                "error vs the clean image, noisy held-out input (/variance)",
                ("dae_denoise", "ae_denoise", "noisy_input"),
            ),
            Plot(
                "dae-clean",
                "reconstruction of clean held-out input (/variance)",
                ("dae_clean", "ae_clean"),
            ),
            Plot("dae-loss", "training loss (both against clean x)", ("dae_loss", "ae_loss")),
        ),
        focus="plot:dae-denoise",
        impl="demos.e_autoencoders.denoising_ae:DenoisingAE",
    ),
    DemoSpec(
        name="vae",
        title=Bilingual(
            en="VAE: reparameterisation, KL + reconstruction, sampling from the prior",
            it="VAE: riparametrizzazione, KL + ricostruzione, campionamento dalla prior",
        ),
        questions=("e.07", "e.08", "e.09", "e.10", "e.11", "e.13"),
        summary="Trains an MLP VAE on 8x8 digits: the reparameterisation trick, the reconstruction "
        "and KL terms of the ELBO, KL per latent dimension, samples decoded from N(0, I) and "
        "latent interpolation; a beta = 0 twin shows codes that leave the prior behind.",
        params=(
            Param("steps", Kind.INT, 3000, "training steps", 10, 100_000),
            Param("batch", Kind.INT, 128, "images per step", 8, 4096),
            Param("lr", Kind.FLOAT, 2e-3, "Adam learning rate", 1e-5, 1.0),
            Param("latent", Kind.INT, 2, "latent size d (2 shows the plane)", 1, 256),
            Param("hidden", Kind.INT, 256, "width of the first hidden layer", 4, 4096),
            Param("beta", Kind.FLOAT, 1.0, "weight of the KL term (1 = the ELBO)", 0.0, 100.0),
            Param(
                "contrast",
                Kind.BOOL,
                True,
                "also train a twin with beta = twin_beta (same start, same batches)",
            ),
            Param(
                "twin_beta",
                Kind.FLOAT,
                0.0,
                "the twin's KL weight (0: no pull to the prior)",
                0.0,
                1.0,
            ),
            IMAGE_DATA,
        ),
        quick={"steps": 500, "hidden": 128},
        plots=(
            Plot(
                "inside",
                "held-out codes inside the prior's 95% ball: VAE vs beta -> 0 twin",
                ("inside", "twin_inside"),
                ylim=(0, 1),
            ),
            Plot(
                "prior-score",
                "z ~ N(0, I) decoded: digit score (1..10), VAE vs twin",
                ("prior_score", "twin_prior_score"),
                ylim=(0, 10),
                chance=1.0,
            ),
            Plot(
                "recon", "held-out terms (nats / image)", ("recon", "kl", "twin_recon", "twin_kl")
            ),
            Plot("neg-elbo", "held-out negative ELBO (nats / image)", ("neg_elbo",)),
            Plot("active", "latent dimensions in use (KL > 0.1 nat)", ("active",)),
        ),
        focus="plot:inside",
        impl="demos.e_autoencoders.vae:VAE",
    ),
    DemoSpec(
        name="faceswap",
        title=Bilingual(
            en="Face swap: shared encoder, two decoders, decoder_B(encoder(x_A))",
            it="Face swap: encoder condiviso, due decoder, decoder_B(encoder(x_A))",
        ),
        questions=("e.14",),
        summary="Two digit styles from disjoint images, one shared encoder and two decoders; the "
        "swap D_B(E(x_A)) redraws A's digits in B's style, scored against the true restyling; "
        "a control with private encoders fails to swap.",
        params=(
            Param("steps", Kind.INT, 3000, "training steps", 10, 100_000),
            Param("batch", Kind.INT, 64, "images per domain per step", 8, 4096),
            Param("lr", Kind.FLOAT, 2e-3, "Adam learning rate", 1e-5, 1.0),
            Param("latent", Kind.INT, 16, "size of the shared code", 1, 1024),
            Param("hidden", Kind.INT, 256, "width of the first hidden layer", 4, 4096),
            Param("style", Kind.STR, "bold", "domain B's style", choices=STYLES),
            Param("warp", Kind.BOOL, False, "randomly shift the inputs by up to a pixel"),
            Param("control", Kind.BOOL, True, "also train two AEs with private encoders"),
            IMAGE_DATA,
        ),
        quick={"steps": 400, "hidden": 64},
        plots=(
            Plot("swap", "swap error vs the true restyling (/variance)", ("swap", "control_swap")),
            Plot("recon-a", "held-out reconstruction (/variance)", ("recon_a", "recon_b")),
            Plot("loss", "training loss", ("loss",)),
        ),
        focus="plot:swap",
        impl="demos.e_autoencoders.faceswap:FaceSwap",
    ),
)
