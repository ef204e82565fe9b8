"""The list of demos, by the names in shared/catalogue.md (a contract with the bank).

Importing a demo module only defines its class and metadata; torch is imported when the
demo runs, so ``tutor demo list`` stays fast.
"""

from __future__ import annotations

from importlib import import_module

from demos.framework import Demo, DemoError

# name -> "module:Class"; keep in catalogue order.
_DEMOS = {
    "autograd-graph": "demos.autograd_graph:AutogradGraph",
    "sgd-descent": "demos.sgd_descent:SGDDescent",
    "tensor-lab": "demos.tensor_lab:TensorLab",
    "data-pipeline": "demos.data_pipeline:DataPipeline",
    "module-anatomy": "demos.module_anatomy:ModuleAnatomy",
    "conv-explorer": "demos.conv_explorer:ConvExplorer",
    "cnn-digits": "demos.cnn_digits:CNNDigits",
    "resnet-gradflow": "demos.resnet_gradflow:ResNetGradFlow",
    "rnn-memory": "demos.rnn_memory:RNNMemory",
    "seq-classifier": "demos.seq_classifier:SeqClassifier",
    "lstm-gates": "demos.lstm_gates:LSTMGates",
    "gru-gates": "demos.gru_gates:GRUGates",
    "autoencoder": "demos.autoencoder:Autoencoder",
    "denoising-ae": "demos.denoising_ae:DenoisingAE",
    "vae": "demos.vae:VAE",
    "faceswap": "demos.faceswap:FaceSwap",
    "vq-vae": "demos.vq_vae:VQVAE",
    "gan-2d": "demos.gan_2d:GAN2D",
    "dcgan-digits": "demos.dcgan_digits:DCGANDigits",
    "acgan-digits": "demos.acgan_digits:ACGANDigits",
    "yolo-grid": "demos.yolo_grid:YOLOGrid",
    "rpn-anchors": "demos.rpn_anchors:RPNAnchors",
    "unet-seg": "demos.unet_seg:UNetSeg",
    "clip-toy": "demos.clip_toy:CLIPToy",
    "ddpm-2d": "demos.ddpm_2d:DDPM2D",
    "latent-diffusion": "demos.latent_diffusion:LatentDiffusion",
    "dalle2-toy": "demos.dalle2_toy:Dalle2Toy",
}


class UnknownDemo(DemoError):
    """No demo has this name."""


def names() -> list[str]:
    return list(_DEMOS)


def get(name: str) -> type[Demo]:
    try:
        target = _DEMOS[name]
    except KeyError:
        raise UnknownDemo(f"unknown demo {name!r} (available: {', '.join(_DEMOS)})") from None
    module, _, attr = target.partition(":")
    return getattr(import_module(module), attr)


def all_demos() -> list[type[Demo]]:
    return [get(n) for n in _DEMOS]
