"""Names of every demo and drill of the course catalogue (../shared/catalogue.md).

The names are a contract between the bank, the CLI and the UI. The validator
uses this list to tell a typo (an error) from a demo or drill that the
catalogue promises but this install does not implement yet (a warning).
"""

from __future__ import annotations

DEMOS: tuple[str, ...] = (
    "autograd-graph",
    "sgd-descent",
    "tensor-lab",
    "data-pipeline",
    "module-anatomy",
    "conv-explorer",
    "cnn-digits",
    "resnet-gradflow",
    "rnn-memory",
    "seq-classifier",
    "lstm-gates",
    "gru-gates",
    "autoencoder",
    "denoising-ae",
    "vae",
    "faceswap",
    "vq-vae",
    "gan-2d",
    "dcgan-digits",
    "acgan-digits",
    "yolo-grid",
    "rpn-anchors",
    "unet-seg",
    "clip-toy",
    "ddpm-2d",
    "latent-diffusion",
    "dalle2-toy",
)

DRILLS: tuple[str, ...] = (
    "cg-reverse",
    "cg-forward",
    "sgd-step",
    "tensor-shapes",
    "conv-shape",
    "rnn-params",
    "vq-assign",
    "iou-nms",
)
