"""Topic c: convolutions, CNNs and residual networks.

conv-explorer, cnn-digits and resnet-gradflow.
"""

from __future__ import annotations

from demos.platform import IMAGE_DATA, Bilingual, DemoSpec, Kind, Param, Plot

# the named kernels conv-explorer can slide (make_kernel knows each one)
KERNELS = ("edge-x", "edge-y", "blur", "sharpen", "random")

SPECS: tuple[DemoSpec, ...] = (
    DemoSpec(
        name="conv-explorer",
        title=Bilingual(
            en="Convolution explorer: kernel, padding, stride, dilation, pooling, channels",
            it=(
                "Esploratore della convoluzione: kernel, padding, stride, dilatazione, pooling, "
                "canali"
            ),
        ),
        questions=("c.02", "c.03", "c.04", "c.06", "c.07", "c.11"),
        summary="A kernel slides over a digit one output position per step: window x kernel "
        "products, the output map filling up (== F.conv2d), the same kernel without padding, "
        "with a larger stride and dilation, the output-size formula, feature maps of a "
        "4-kernel bank, ReLU and max-pooling.",
        params=(
            Param("kernel", Kind.STR, "edge-x", "the kernel that slides", choices=KERNELS),
            Param("size", Kind.INT, 3, "kernel size k", 1, 7),
            Param("padding", Kind.INT, 1, "zero padding p on each side", 0, 4),
            Param("stride", Kind.INT, 1, "stride s", 1, 4),
            Param("dilation", Kind.INT, 1, "dilation d (gap between kernel taps)", 1, 3),
            Param("pool", Kind.INT, 2, "max-pool window (= its stride); 1 = no pooling", 1, 4),
            Param("upscale", Kind.INT, 2, "nearest-neighbour upscaling of the digit", 1, 4),
            Param("sample", Kind.INT, 0, "which image", 0, 1796),
            Param("pace", Kind.FLOAT, 0.03, "seconds to wait per position (animation)", 0.0, 2.0),
            IMAGE_DATA,
        ),
        quick={"pace": 0.02, "upscale": 1},
        plots=(
            Plot("value", "value at the window: by hand vs F.conv2d", ("value", "reference")),
            Plot("filled", "output positions computed", ("filled",)),
        ),
        focus="heatmap:input",
        impl="demos.c_cnn.conv_explorer:ConvExplorer",
    ),
    DemoSpec(
        name="cnn-digits",
        title=Bilingual(
            en="A CNN on handwritten digits: feature maps, filters, and why non-linearity matters",
            it=(
                "Una CNN sulle cifre scritte a mano: feature map, filtri e perché serve la non "
                "linearità"
            ),
        ),
        questions=("c.01", "c.05", "c.12", "c.15"),
        summary="Trains conv-act-pool x2 + linear on 8x8 digits next to the same stack with no "
        "activation (which collapses to one linear map W, drawn as ten templates): accuracy, "
        "confusion matrices, learned filters and feature maps.",
        params=(
            Param("steps", Kind.INT, 1000, "training steps", 10, 100_000),
            Param("batch", Kind.INT, 64, "images per step", 4, 4096),
            Param("lr", Kind.FLOAT, 3e-3, "Adam learning rate (both networks)", 1e-5, 1.0),
            Param(
                "channels",
                Kind.INT,
                8,
                "filters of the first conv layer (the second has 2x)",
                1,
                128,
            ),
            Param(
                "activation",
                Kind.STR,
                "relu",
                "activation of the main CNN",
                choices=("relu", "tanh", "none"),
            ),
            Param("pool", Kind.STR, "max", "pooling of the main CNN", choices=("max", "avg")),
            Param("sample", Kind.INT, 0, "held-out image whose feature maps are shown", 0, 255),
            IMAGE_DATA,
        ),
        quick={"steps": 300},
        plots=(
            Plot(
                "accuracy",
                "held-out accuracy: CNN vs its linear twin",
                ("accuracy", "linear_accuracy"),
                ylim=(0, 1),
                chance=0.1,
            ),
            Plot("loss", "training loss", ("loss", "linear_loss")),
        ),
        impl="demos.c_cnn.cnn_digits:CNNDigits",
    ),
    DemoSpec(
        name="resnet-gradflow",
        title=Bilingual(
            en="ResNet vs plain stack: gradient flow through skip connections",
            it="ResNet contro una rete semplice: il gradiente attraverso le skip connection",
        ),
        questions=("c.08", "c.09", "c.10", "c.13", "c.14", "c.16"),
        summary="Trains a deep plain conv stack and the same stack with skip connections on "
        "8x8 digits: per-block gradient norms, training curves, projection shortcut, "
        "and the Jacobian I + dF/dx of one block.",
        params=(
            Param("steps", Kind.INT, 600, "training steps", 10, 100_000),
            Param("batch", Kind.INT, 64, "images per step", 4, 4096),
            Param("lr", Kind.FLOAT, 5e-3, "Adam learning rate (both stacks)", 1e-5, 1.0),
            Param("blocks", Kind.INT, 8, "blocks per stage (2 stages + 1 down block)", 1, 64),
            Param("channels", Kind.INT, 8, "channels of the first stage", 2, 128),
            Param("batchnorm", Kind.BOOL, False, "BatchNorm in the blocks (eases the plain stack)"),
            IMAGE_DATA,
        ),
        quick={"steps": 300, "blocks": 3, "batch": 32},
        plots=(
            Plot(
                "res-accuracy",
                "held-out accuracy: residual vs plain",
                ("res_accuracy", "plain_accuracy"),
                ylim=(0, 1),
                chance=0.1,
            ),
            Plot("res-loss", "training loss", ("res_loss", "plain_loss")),
            Plot(
                "res-reach", "log10 |grad| first block / last block", ("res_reach", "plain_reach")
            ),
        ),
        impl="demos.c_cnn.resnet_gradflow:ResNetGradFlow",
    ),
)
