"""Topic h: advanced architectures: detection (yolo-grid, rpn-anchors), segmentation
(unet-seg), contrastive text-image models (clip-toy) and diffusion (ddpm-2d,
latent-diffusion, dalle2-toy).
"""

from __future__ import annotations

from demos.platform import Bilingual, DemoSpec, Kind, Param, Plot

SPECS: tuple[DemoSpec, ...] = (
    DemoSpec(
        name="yolo-grid",
        title=Bilingual(
            en="YOLO grid: responsible cells, box encoding, IoU and NMS",
            it="La griglia di YOLO: celle responsabili, codifica dei box, IoU e NMS",
        ),
        questions=("h.01", "h.02", "h.03"),
        summary="A one-look detector on synthetic scenes: S×S grid, the responsible cell, "
        "(x, y, √w, √h, conf) per box, the YOLOv1 loss, IoU and greedy NMS step by step; "
        "precision with and without NMS.",
        params=(
            Param("steps", Kind.INT, 1200, "training steps", 10, 100_000),
            Param("batch", Kind.INT, 32, "images per step", 4, 1024),
            Param("lr", Kind.FLOAT, 2e-3, "Adam learning rate", 1e-5, 1.0),
            Param("grid", Kind.INT, 4, "grid size S: 2, 4 or 8 (cells of 16, 8 or 4 px)", 2, 8),
            Param("boxes", Kind.INT, 2, "boxes B predicted per cell", 1, 4),
            Param("width", Kind.INT, 16, "channels of the first conv layer", 4, 128),
            Param("objects", Kind.INT, 3, "most objects per scene", 1, 6),
            Param("l_coord", Kind.FLOAT, 5.0, "λ_coord, weight of the box terms", 0.0, 100.0),
            Param(
                "l_noobj",
                Kind.FLOAT,
                0.5,
                "λ_noobj, weight of empty predictors' confidence",
                0.0,
                10,
            ),
            Param("score", Kind.FLOAT, 0.25, "score threshold before NMS", 0.0, 1.0),
            Param("nms_iou", Kind.FLOAT, 0.5, "NMS IoU threshold", 0.0, 1.0),
            Param("probe", Kind.INT, 0, "held-out scene shown", 0, 255),
        ),
        quick={"steps": 250, "width": 8},
        plots=(
            Plot(
                "precision",
                "held-out precision at IoU 0.5: after NMS vs every box above score",
                ("precision", "raw_precision"),
                ylim=(0, 1),
            ),
            Plot(
                "mean-iou",
                "held-out recall with and without NMS, IoU of the responsible boxes",
                ("recall", "raw_recall", "mean_iou"),
                ylim=(0, 1),
            ),
            Plot(
                "boxes",
                "boxes per held-out image: above score, kept by NMS, true",
                ("raw_boxes", "kept_boxes", "true_boxes"),
            ),
            Plot("coord", "loss terms", ("coord", "obj", "noobj", "class"), log=True),
        ),
        impl="demos.h_advanced.yolo_grid:YOLOGrid",
    ),
    DemoSpec(
        name="rpn-anchors",
        title=Bilingual(
            en="RPN: anchors, IoU labels, box deltas and proposals after NMS",
            it="RPN: anchor, etichette per IoU, delta dei box e proposte dopo la NMS",
        ),
        questions=("h.04",),
        summary="Faster R-CNN's region proposal network on synthetic scenes: H·W·k anchors as "
        "torchvision defines them, positive/negative labels by IoU, objectness + smooth-L1 "
        "deltas, proposals after NMS vs the bare anchors.",
        params=(
            Param("steps", Kind.INT, 1200, "training steps", 10, 100_000),
            Param("batch", Kind.INT, 32, "images per step", 4, 1024),
            Param("lr", Kind.FLOAT, 5e-3, "Adam learning rate", 1e-5, 1.0),
            Param("width", Kind.INT, 16, "channels of the first conv layer", 4, 128),
            Param(
                "sizes", Kind.STR, "8,14,22", "anchor sizes in pixels (side of the ratio-1 anchor)"
            ),
            Param("ratios", Kind.STR, "0.5,1,2", "anchor aspect ratios h/w"),
            Param(
                "pos_iou", Kind.FLOAT, 0.7, "IoU at or above which an anchor is positive", 0.0, 1.0
            ),
            Param("neg_iou", Kind.FLOAT, 0.3, "IoU below which an anchor is negative", 0.0, 1.0),
            Param(
                "sample", Kind.INT, 64, "anchors sampled per image (at most half positive)", 2, 4096
            ),
            Param("nms_iou", Kind.FLOAT, 0.7, "NMS IoU threshold for proposals", 0.0, 1.0),
            Param("proposals", Kind.INT, 8, "proposals kept per image after NMS", 1, 1000),
            Param("objects", Kind.INT, 3, "most objects per scene", 1, 6),
            Param("probe", Kind.INT, 0, "held-out scene shown", 0, 255),
        ),
        quick={"steps": 250, "width": 8},
        plots=(
            Plot(
                "refine",
                "IoU with their true box: positive anchors after the deltas vs before",
                ("refined_iou", "pos_anchor_iou"),
                ylim=(0, 1),
            ),
            Plot(
                "recall",
                "recall of true boxes at IoU 0.5: proposals, no deltas, no NMS, best anchor",
                ("recall", "anchor_recall", "no_nms_recall", "oracle_recall"),
                ylim=(0, 1),
            ),
            Plot(
                "best-iou",
                "mean best IoU per true box: proposals vs the same anchors undeformed",
                ("best_iou", "anchor_best_iou"),
                ylim=(0, 1),
            ),
            Plot("objectness", "losses", ("objectness", "regression")),
        ),
        impl="demos.h_advanced.rpn_anchors:RPNAnchors",
    ),
    DemoSpec(
        name="unet-seg",
        title=Bilingual(
            en="U-Net: encoder, decoder and skip connections segmenting shapes",
            it="U-Net: encoder, decoder e skip connection che segmentano forme",
        ),
        questions=("h.05",),
        summary="A small U-Net segments generated discs, squares and triangles pixel by pixel: "
        "same-size output, skip concatenation, pixel-wise cross-entropy, per-class IoU; a "
        "twin with its skips zeroed, trained alongside, blurs the boundaries into blobs.",
        params=(
            Param("steps", Kind.INT, 800, "training steps", 10, 100_000),
            Param("batch", Kind.INT, 16, "images per step", 2, 1024),
            Param("lr", Kind.FLOAT, 1e-2, "peak Adam learning rate (one-cycle)", 1e-5, 1.0),
            Param("width", Kind.INT, 12, "channels at full resolution (doubled per level)", 2, 128),
            Param("levels", Kind.INT, 3, "max-pool levels (24 px: at most 3)", 1, 3),
            Param("shapes", Kind.INT, 3, "most shapes per scene", 1, 6),
            Param("probe", Kind.INT, 0, "held-out scene shown", 0, 255),
        ),
        quick={"steps": 200, "width": 8, "batch": 12},
        plots=(
            Plot(
                "miou",
                "held-out mean IoU: with skips vs skips zeroed",
                ("miou", "twin_miou"),
                ylim=(0, 1),
            ),
            Plot(
                "boundary",
                "pixels next to a boundary classified right",
                ("boundary_acc", "twin_boundary_acc"),
                ylim=(0, 1),
            ),
            Plot(
                "per-class",
                "held-out IoU per class (with skips)",
                ("iou_disc", "iou_square", "iou_triangle"),
                ylim=(0, 1),
            ),
            Plot("loss", "pixel-wise cross-entropy (train)", ("loss", "twin_loss"), log=True),
        ),
        impl="demos.h_advanced.unet_seg:UNetSeg",
    ),
    DemoSpec(
        name="clip-toy",
        title=Bilingual(
            en="CLIP in miniature: digits and captions in one space, InfoNCE, zero-shot",
            it="CLIP in miniatura: cifre e didascalie in un solo spazio, InfoNCE, zero-shot",
        ),
        questions=("h.06",),
        summary="An image encoder and a text encoder learn a shared space from (digit, caption) "
        "pairs with the symmetric InfoNCE loss over the N×N similarity matrix; zero-shot "
        "classification from class prompts; a twin trained on positive pairs only collapses.",
        params=(
            Param("steps", Kind.INT, 1000, "training steps", 10, 100_000),
            Param("batch", Kind.INT, 64, "pairs per step: N (N - 1 negatives per row)", 2, 1024),
            Param("lr", Kind.FLOAT, 3e-3, "Adam learning rate", 1e-5, 1.0),
            Param("dim", Kind.INT, 16, "shared embedding dimension", 2, 512),
            Param("hidden", Kind.INT, 64, "hidden units of both encoders", 4, 1024),
            Param("temperature", Kind.FLOAT, 0.07, "initial temperature 1/e^τ", 0.01, 10.0),
            Param("learn_scale", Kind.BOOL, True, "learn the logit scale e^τ (capped at 100)"),
            Param("probe", Kind.INT, 0, "first held-out image of the similarity matrix", 0, 255),
        ),
        quick={"steps": 300},
        plots=(
            Plot(
                "gap",
                "cosine of matching − other pairs: CLIP vs positives-only twin",
                ("gap", "twin_gap"),
                ylim=(-0.25, 1),
            ),
            Plot(
                "zero-shot",
                "held-out zero-shot accuracy",
                ("zero_shot", "zero_shot_ensemble", "retrieval"),
                ylim=(0, 1),
                chance=0.1,
            ),
            Plot(
                "loss",
                "InfoNCE (train): CLIP, the twin's logits, ln N",
                ("loss", "twin_infonce", "chance"),
            ),
            Plot("logit-scale", "logit scale e^τ (cap 100)", ("logit_scale",), ylim=(0, 100)),
        ),
        focus="heatmap:batch-sim",
        impl="demos.h_advanced.clip_toy:CLIPToy",
    ),
    DemoSpec(
        name="ddpm-2d",
        title=Bilingual(
            en="DDPM on 2-D points: forward noising, the schedule, reverse sampling",
            it="DDPM su punti 2-D: rumore in avanti, lo schedule, campionamento inverso",
        ),
        questions=("h.07",),
        summary="A denoising diffusion model on 2-D toy data: closed-form forward noising, linear "
        "or cosine schedule, the epsilon-prediction loss, ancestral sampling from pure noise.",
        params=(
            Param("steps", Kind.INT, 4000, "training steps", 10, 100_000),
            Param("batch", Kind.INT, 256, "points per step", 8, 8192),
            Param("lr", Kind.FLOAT, 3e-3, "Adam learning rate (cosine-annealed to 0)", 1e-5, 1.0),
            Param("hidden", Kind.INT, 128, "width of the ε-network", 8, 1024),
            Param("timesteps", Kind.INT, 200, "diffusion steps T", 2, 2000),
            Param("schedule", Kind.STR, "linear", "β schedule", choices=("linear", "cosine")),
            Param(
                "beta_end", Kind.FLOAT, 0.02, "linear β_T at T = 1000 (scaled by 1000/T)", 1e-4, 0.5
            ),
            Param("data", Kind.STR, "moons", "2-D data set", choices=("moons", "ring", "spirals")),
            Param("samples", Kind.INT, 1000, "points sampled for each picture", 100, 20_000),
        ),
        quick={"steps": 1300, "timesteps": 100, "hidden": 64, "lr": 5e-3},
        plots=(
            Plot(
                "cover-samples",
                "held-out point → nearest sample: with σ_t·z, without, fresh data",
                ("cover_samples", "cover_no_noise", "cover_data"),
                log=True,
            ),
            Plot(
                "nn-samples",
                "sample → nearest held-out point (pure noise, fresh data for scale)",
                ("nn_samples", "nn_noise", "nn_data"),
            ),
            Plot("loss", "ε-prediction loss", ("loss",)),
        ),
        impl="demos.h_advanced.ddpm_2d:DDPM2D",
    ),
    DemoSpec(
        name="latent-diffusion",
        title=Bilingual(
            en="Latent diffusion: DDPM in the latent space of a frozen digit autoencoder",
            it="Diffusione latente: DDPM nello spazio latente di un autoencoder di cifre congelato",
        ),
        questions=("h.07",),
        summary="Trains and freezes an autoencoder on 8x8 digits, rescales its latents to unit "
        "std, trains a DDPM on the latents and decodes the samples; the same ε-network trained "
        "as long on the raw pixels draws speckles.",
        params=(
            Param("steps", Kind.INT, 4000, "diffusion training steps", 10, 100_000),
            Param(
                "ae_steps", Kind.INT, 2000, "autoencoder training steps (during setup)", 0, 100_000
            ),
            Param("latent", Kind.INT, 8, "latent dimension of the autoencoder", 2, 64),
            Param("ae_hidden", Kind.INT, 128, "width of the autoencoder", 8, 1024),
            Param("hidden", Kind.INT, 128, "width of the ε-network", 8, 1024),
            Param("batch", Kind.INT, 256, "latents (and images) per step", 8, 4096),
            Param("lr", Kind.FLOAT, 3e-3, "Adam learning rate (cosine-annealed to 0)", 1e-5, 1.0),
            Param("timesteps", Kind.INT, 200, "diffusion steps T", 2, 2000),
            Param("schedule", Kind.STR, "linear", "β schedule", choices=("linear", "cosine")),
            Param("scale", Kind.BOOL, True, "rescale latents to unit std (off: s = 1)"),
            Param("samples", Kind.INT, 512, "latents sampled for each frame", 16, 20_000),
        ),
        quick={
            "steps": 1000,
            "ae_steps": 400,
            "timesteps": 100,
            "hidden": 96,
            "lr": 5e-3,
            "samples": 256,
        },
        plots=(
            Plot(
                "pixel-distance",
                "sample → nearest held-out digit: latent diffusion vs pixel-space twin",
                ("px_nn_latent", "px_nn_pixel", "px_nn_data", "px_nn_noise"),
            ),
            Plot(
                "nn-samples",
                "distance from sampled latents to held-out latents",
                ("nn_samples", "nn_noise", "nn_data"),
            ),
            Plot(
                "cover-samples",
                "distance from held-out latents to samples",
                ("cover_samples", "cover_data"),
            ),
            Plot("loss", "ε-prediction loss: latents vs pixels", ("loss", "pixel_loss"), log=True),
        ),
        focus="picture:latent-samples",
        impl="demos.h_advanced.latent_diffusion:LatentDiffusion",
    ),
    DemoSpec(
        name="dalle2-toy",
        title=Bilingual(
            en="DALL-E 2 in miniature: CLIP text embedding → diffusion prior → decoder",
            it="DALL-E 2 in miniatura: embedding testuale CLIP → prior di diffusione → decoder",
        ),
        questions=("h.08",),
        summary="A frozen toy CLIP on digits and captions, a diffusion prior from text embedding "
        "to image embedding with classifier-free guidance, and a decoder back to pixels; with "
        "the caption dropped the same prior draws any digit.",
        params=(
            Param("steps", Kind.INT, 3000, "prior and decoder training steps", 10, 100_000),
            Param("clip_steps", Kind.INT, 800, "CLIP training steps (during setup)", 0, 100_000),
            Param("dim", Kind.INT, 16, "CLIP embedding dimension d", 2, 256),
            Param("hidden", Kind.INT, 192, "width of the prior network", 8, 1024),
            Param("batch", Kind.INT, 256, "pairs per step", 8, 4096),
            Param("lr", Kind.FLOAT, 3e-3, "Adam learning rate (cosine-annealed to 0)", 1e-5, 1.0),
            Param("timesteps", Kind.INT, 100, "diffusion steps T of the prior", 2, 2000),
            Param(
                "drop",
                Kind.FLOAT,
                0.2,
                "probability of dropping the caption (for guidance)",
                0,
                0.9,
            ),
            Param("guidance", Kind.FLOAT, 3.0, "classifier-free guidance scale shown", 0.0, 20.0),
            Param(
                "per_caption", Kind.INT, 20, "embeddings sampled per caption for each frame", 1, 500
            ),
        ),
        quick={
            "steps": 600,
            "clip_steps": 200,
            "hidden": 128,
            "per_caption": 10,
            "lr": 6e-3,
        },
        plots=(
            Plot(
                "prior-acc",
                "prior samples CLIP reads as their caption: s = 1, guided, caption dropped, "
                "decoded and re-read",
                ("prior_acc", "guided_acc", "uncond_acc", "round_trip_acc"),
                ylim=(0, 1),
                chance=0.1,
            ),
            Plot(
                "prior-cos",
                "prior samples vs real image embeddings",
                ("prior_cos", "norm_ratio", "spread_ratio"),
            ),
            Plot("prior-loss", "losses", ("prior_loss", "decoder_loss"), log=True),
        ),
        impl="demos.h_advanced.dalle2_toy:Dalle2Toy",
    ),
)
