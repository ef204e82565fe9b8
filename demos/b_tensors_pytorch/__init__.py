"""Topic b: tensors and PyTorch itself: tensor-lab, data-pipeline, module-anatomy."""

from __future__ import annotations

from demos.platform import Bilingual, DemoSpec, Kind, Param, Plot

SPECS: tuple[DemoSpec, ...] = (
    DemoSpec(
        name="tensor-lab",
        title=Bilingual(
            en="Tensor lab: broadcasting, products, reductions, view vs reshape and strides",
            it="Laboratorio sui tensori: broadcasting, prodotti, riduzioni, view e reshape, stride",
        ),
        questions=("b.01", "b.02", "b.03", "b.04"),
        summary="Hand-written rules for broadcasting, reductions and view legality (strides and "
        "contiguity) tested against PyTorch on random shapes, permutations and slices; "
        "storage offsets of x and x.t() read in logical order; reshape copies only when needed "
        "(data_ptr); * vs @; what a missing keepdim silently does.",
        params=(
            Param("steps", Kind.INT, 400, "random cases to test", 5, 100_000),
            Param("max_dims", Kind.INT, 4, "most dimensions of a random shape", 1, 6),
            Param("max_size", Kind.INT, 4, "largest size of one dimension", 1, 8),
            Param("rows", Kind.INT, 3, "rows of the pictured matrix x", 1, 12),
            Param("cols", Kind.INT, 4, "columns of the pictured matrix x", 1, 12),
        ),
        quick={"steps": 150},
        plots=(
            Plot(
                "broadcast-agree",
                "agreement with torch (fraction of cases)",
                ("broadcast_agree", "view_agree", "reshape_agree", "reduce_agree"),
                ylim=(0, 1),
            ),
            Plot(
                "broadcastable",
                "how often: broadcastable, a view exists, reshape copied",
                ("broadcastable", "view_legal", "reshape_copied"),
                ylim=(0, 1),
            ),
            Plot(
                "keepdim",
                "largest row mean after centring: keepdim=True vs keepdim=False",
                ("row_mean_keepdim", "row_mean_no_keepdim"),
            ),
        ),
        focus="heatmap:heatmap-1",
        impl="demos.b_tensors_pytorch.tensor_lab:TensorLab",
    ),
    DemoSpec(
        name="data-pipeline",
        title=Bilingual(
            en="Dataset, IterableDataset and DataLoader: batching, shuffling, collate, workers",
            it="Dataset, IterableDataset e DataLoader: batch, mescolamento, collate, worker",
        ),
        questions=("b.05", "b.06", "b.07"),
        summary="A map-style digits Dataset and a generated IterableDataset through DataLoader: "
        "a whole epoch's visit map (permutation vs ramp), why shuffle (the same data sorted by "
        "label and unshuffled trains far worse), len = ceil/floor(N/B) with drop_last, dict "
        "collate and padding, workers' arrival order and sharding; SGD softmax classifiers.",
        params=(
            Param("steps", Kind.INT, 400, "training steps (batches)", 5, 100_000),
            Param("batch", Kind.INT, 32, "batch size B", 1, 1497),
            Param("shuffle", Kind.BOOL, True, "reshuffle the indices every epoch"),
            Param("drop_last", Kind.BOOL, False, "drop the short last batch of each epoch"),
            Param("workers", Kind.INT, 0, "DataLoader worker processes for training", 0, 8),
            Param(
                "check_workers", Kind.INT, 2, "worker processes in the IterableDataset check", 1, 8
            ),
            Param("lr", Kind.FLOAT, 0.5, "SGD learning rate", 1e-5, 5.0),
        ),
        quick={"steps": 100},
        plots=(
            Plot(
                "loss",
                "batch loss: shuffled vs sorted twin (log)",
                ("loss", "loss_sorted"),
                log=True,
            ),
            Plot(
                "accuracy",
                "held-out accuracy: shuffled vs sorted by label, shuffle=False",
                ("accuracy", "accuracy_sorted"),
                ylim=(0, 1),
                chance=0.1,
            ),
            Plot(
                "digits-per-batch",
                "different digits in a batch",
                ("digits_per_batch", "digits_per_batch_sorted"),
                ylim=(0, 10),
            ),
            Plot("epoch", "epoch progress", ("epoch", "epoch_fraction")),
            Plot("batch-size", "batch size", ("batch_size",)),
        ),
        focus="plot:accuracy",
        impl="demos.b_tensors_pytorch.data_pipeline:DataPipeline",
    ),
    DemoSpec(
        name="module-anatomy",
        title=Bilingual(
            en="nn.Module anatomy: __init__/forward, parameters, state_dict, train/eval, the loop",
            it=(
                "Anatomia di nn.Module: __init__/forward, parametri, state_dict, train/eval, il "
                "ciclo di addestramento"
            ),
        ),
        questions=("b.08", "b.09", "b.13"),
        summary="A custom nn.Module (Linear, BatchNorm, Dropout, a bare Parameter, a buffer) "
        "trained on 8x8 digits with the standard loop, beside two twins from the same weights: "
        "its layers in a plain list (never registered: nothing trains) and a loop without "
        "zero_grad (gradients pile up to NaN); the module tree, state_dict, parameter count by "
        "hand, train/eval, and why fc1.bias before BatchNorm gets no gradient.",
        params=(
            Param("steps", Kind.INT, 600, "training steps", 5, 100_000),
            Param("batch", Kind.INT, 64, "batch size", 2, 1024),
            Param("hidden", Kind.INT, 32, "hidden units H", 1, 1024),
            Param(
                "dropout",
                Kind.FLOAT,
                0.3,
                "dropout probability (active in train mode only)",
                0.0,
                0.9,
            ),
            Param("lr", Kind.FLOAT, 0.05, "SGD learning rate", 1e-5, 2.0),
            Param("momentum", Kind.FLOAT, 0.9, "SGD momentum", 0.0, 0.99),
        ),
        quick={"steps": 200},
        plots=(
            Plot(
                "loss",
                "loss (log): training batch, held-out, and the loop without zero_grad",
                ("loss", "eval_loss", "eval_loss_no_zero_grad"),
                log=True,
            ),
            Plot(
                "accuracy",
                "held-out accuracy: eval(), train(), plain-list twin, no-zero_grad twin",
                (
                    "accuracy",
                    "accuracy_train_mode",
                    "accuracy_plain_list",
                    "accuracy_no_zero_grad",
                ),
                ylim=(0, 1),
                chance=0.1,
            ),
            Plot(
                "grad-fc1",
                "‖gradient‖ of fc1 (log): the bias before BatchNorm gets none",
                ("grad_fc1_weight", "grad_fc1_bias"),
                log=True,
            ),
            Plot("temperature", "temperature exp(log_temp)", ("temperature",)),
        ),
        focus="plot:accuracy",
        impl="demos.b_tensors_pytorch.module_anatomy:ModuleAnatomy",
    ),
)
