"""Topic g: generative adversarial networks (gan-2d, dcgan-digits, acgan-digits)."""

from __future__ import annotations

from demos.platform import IMAGE_DATA, Bilingual, DemoSpec, Kind, Param, Plot

# the two generator losses of gan-2d
LOSSES = ("nonsat", "minimax")

SPECS: tuple[DemoSpec, ...] = (
    DemoSpec(
        name="gan-2d",
        title=Bilingual(
            en="GAN on 2-D data: the discriminator's map, the generator's samples, mode collapse",
            it=(
                "GAN su dati 2-D: la mappa del discriminatore, i campioni del generatore, il "
                "mode collapse"
            ),
        ),
        questions=("g.01", "g.02", "g.03", "g.04", "g.05", "g.06", "g.08"),
        summary="An MLP generator and discriminator on a ring of Gaussians (or moons/spirals): "
        "D's probability map, where the fakes land, both BCE losses, D(real)/D(fake), "
        "modes covered; twins from the same weights with the other G loss (the gradient on "
        "rejected fakes) and without the fixes (mode collapse); label smoothing, k D-steps.",
        params=(
            Param(
                "steps",
                Kind.INT,
                3000,
                "training iterations (k D steps + 1 G step each)",
                10,
                100_000,
            ),
            Param("batch", Kind.INT, 128, "real and fake points per step", 8, 4096),
            Param(
                "data",
                Kind.STR,
                "ring",
                "target distribution",
                choices=("ring", "moons", "spirals"),
            ),
            Param("modes", Kind.INT, 8, "Gaussians on the ring", 2, 32),
            Param(
                "spread",
                Kind.FLOAT,
                0.1,
                "std of each ring Gaussian / noise of moons, spirals",
                0.01,
                1,
            ),
            Param("noise_dim", Kind.INT, 4, "size of the generator's input z", 1, 64),
            Param("hidden", Kind.INT, 64, "hidden units of both MLPs", 4, 1024),
            Param("lr_g", Kind.FLOAT, 1e-3, "generator Adam learning rate", 1e-5, 1.0),
            Param("lr_d", Kind.FLOAT, 1e-3, "discriminator Adam learning rate", 1e-5, 1.0),
            Param("beta1", Kind.FLOAT, 0.5, "Adam β1 of both optimisers (DCGAN: 0.5)", 0.0, 0.999),
            Param(
                "loss",
                Kind.STR,
                "nonsat",
                "generator loss: -log D(G(z)) or log(1-D(G(z)))",
                choices=LOSSES,
            ),
            Param(
                "smooth",
                Kind.FLOAT,
                1.0,
                "target for real points (0.9 = one-sided smoothing)",
                0.5,
                1,
            ),
            Param("d_steps", Kind.INT, 1, "discriminator steps per generator step", 1, 20),
            Param(
                "contrast",
                Kind.BOOL,
                True,
                "also train two twins from the same weights: the other G loss, and no fixes",
            ),
        ),
        quick={"steps": 1200},
        plots=(
            Plot(
                "modes",
                "modes covered: this run / the other G loss / no fixes (G lr x10, beta1 0.9)",
                ("modes", "other_modes", "collapse_modes"),
            ),
            Plot(
                "push",
                "push on the fakes D rejects most: -log D vs log(1 - D), same D",
                ("push_nonsat", "push_minimax"),
                log=True,
            ),
            Plot("loss-d", "losses (D at equilibrium: 2 ln 2 = 1.386)", ("loss_d", "loss_g")),
            Plot("d-real", "mean D output (0.5 at equilibrium)", ("d_real", "d_fake"), ylim=(0, 1)),
            Plot(
                "precision",
                "sample quality (this run; precision of the no-fixes twin)",
                ("precision", "recall", "collapse_precision"),
                ylim=(0, 1),
            ),
        ),
        focus="plot:modes",
        impl="demos.g_gans.gan_2d:GAN2D",
    ),
    DemoSpec(
        name="dcgan-digits",
        title=Bilingual(
            en="DCGAN on digits: the recipe, and samples judged by a fixed classifier",
            it="DCGAN sulle cifre: la ricetta, e i campioni giudicati da un classificatore fisso",
        ),
        questions=("g.08", "g.09"),
        summary="A DCGAN (transposed convs, BN, no pooling, LeakyReLU, tanh, N(0,0.02) init, "
        "Adam beta1=0.5) on 8x8 digits; samples of a fixed noise batch, both losses, and a "
        "fixed classifier's confidence and digit score rising as G improves, next to a twin "
        "without the recipe that collapses.",
        params=(
            Param(
                "steps",
                Kind.INT,
                3000,
                "training iterations (one D step + one G step)",
                10,
                100_000,
            ),
            Param("batch", Kind.INT, 64, "real and fake images per step", 8, 4096),
            Param("noise_dim", Kind.INT, 32, "size of z (DCGAN on MNIST: 100)", 1, 512),
            Param("hidden", Kind.INT, 32, "base channel count of G and D", 2, 256),
            Param("lr", Kind.FLOAT, 2e-4, "Adam learning rate of both networks", 1e-5, 1.0),
            Param("beta1", Kind.FLOAT, 0.5, "Adam beta1 (DCGAN: 0.5)", 0.0, 0.999),
            Param("init", Kind.BOOL, True, "DCGAN initialisation (false = PyTorch's default)"),
            Param(
                "smooth",
                Kind.FLOAT,
                1.0,
                "target for real images (0.9 = one-sided smoothing)",
                0.5,
                1,
            ),
            Param("clf_steps", Kind.INT, 300, "training steps of the fixed judge", 50, 10_000),
            Param(
                "contrast",
                Kind.BOOL,
                True,
                "also train a twin without the recipe (default init, no BN, beta1 0.9)",
            ),
            IMAGE_DATA,
        ),
        quick={
            "steps": 200,
            "batch": 48,
            "hidden": 16,
            "lr": 2e-3,
            "clf_steps": 150,
        },
        plots=(
            Plot(
                "digit-score",
                "digit score (1..10): DCGAN recipe vs the twin without it",
                ("digit_score", "twin_digit_score"),
                ylim=(0, 10),
                chance=1.0,
            ),
            Plot(
                "classes",
                "classes the fixed classifier sees: recipe vs twin",
                ("classes", "twin_classes"),
                ylim=(0, 10),
            ),
            Plot(
                "confidence",
                "fixed classifier's confidence on G(fixed z): recipe vs twin",
                ("confidence", "twin_confidence"),
                ylim=(0, 1),
                chance=0.1,
            ),
            Plot("loss-d", "losses", ("loss_d", "loss_g")),
            Plot("d-real", "mean D output", ("d_real", "d_fake"), ylim=(0, 1)),
        ),
        focus="plot:digit-score",
        impl="demos.g_gans.dcgan_digits:DCGANDigits",
    ),
    DemoSpec(
        name="acgan-digits",
        title=Bilingual(
            en="ACGAN: class-conditional digits, an auxiliary classifier head, noise vs class",
            it=(
                "ACGAN: cifre condizionate alla classe, una testa di classificazione ausiliaria, "
                "rumore contro classe"
            ),
        ),
        questions=("g.07", "g.10"),
        summary="G(z, c) with a class embedding, D with a real/fake head and an auxiliary class "
        "head; a class x noise grid of samples, the auxiliary head's accuracy and confusion "
        "on fakes, an independent classifier's agreement, within-class diversity vs lambda.",
        params=(
            Param(
                "steps",
                Kind.INT,
                3000,
                "training iterations (one D step + one G step)",
                10,
                100_000,
            ),
            Param("batch", Kind.INT, 64, "real and fake images per step", 10, 4096),
            Param("noise_dim", Kind.INT, 32, "size of z", 1, 512),
            Param("hidden", Kind.INT, 32, "base channel count of G and D", 2, 256),
            Param("lr", Kind.FLOAT, 2e-4, "Adam learning rate of both networks", 1e-5, 1.0),
            Param("beta1", Kind.FLOAT, 0.5, "Adam beta1", 0.0, 0.999),
            Param("weight", Kind.FLOAT, 1.0, "lambda: weight of the class loss L_C", 0.0, 20.0),
            Param(
                "inject",
                Kind.STR,
                "mul",
                "how c enters G: embedding x z, or [z, embedding]",
                choices=("mul", "concat"),
            ),
            Param(
                "truncation", Kind.FLOAT, 1.0, "scale of z when sampling the shown grid", 0.0, 3.0
            ),
            Param(
                "clf_steps",
                Kind.INT,
                300,
                "training steps of the independent classifier",
                50,
                10_000,
            ),
            Param(
                "contrast",
                Kind.BOOL,
                True,
                "also train a twin with lambda = 0 (same start, same batches)",
            ),
            IMAGE_DATA,
        ),
        quick={
            "steps": 200,
            "batch": 50,
            "hidden": 16,
            "lr": 2e-3,
            "clf_steps": 150,
        },
        plots=(
            Plot(
                "clf-agree",
                "independent classifier agrees with c: lambda vs the lambda = 0 twin",
                ("clf_agree", "twin_clf_agree"),
                ylim=(0, 1),
                chance=0.1,
            ),
            Plot(
                "aux-real",
                "auxiliary head accuracy",
                ("aux_real", "aux_fake", "twin_aux_fake"),
                ylim=(0, 1),
                chance=0.1,
            ),
            Plot("loss-d", "losses", ("loss_d", "loss_g")),
            Plot(
                "diversity",
                "within-class spread / real digits': lambda vs twin",
                ("diversity", "twin_diversity"),
            ),
        ),
        focus="plot:clf-agree",
        impl="demos.g_gans.acgan_digits:ACGANDigits",
    ),
)
