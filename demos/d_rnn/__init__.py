"""Topic d: recurrent networks: gradients through time, sequence tasks, LSTM and GRU gates.

The two gate demos share their parameters (:data:`GATE_PARAMS`) and chart layout; each
implementation module holds its own cell equations.
"""

from __future__ import annotations

from demos.platform import Bilingual, DemoSpec, Kind, Param, Plot

# lstm-gates and gru-gates: the same memory task (recall the marked symbol), the same knobs
GATE_PARAMS = (
    Param("steps", Kind.INT, 1500, "training steps", 10, 100_000),
    Param("batch", Kind.INT, 64, "sequences per step", 4, 4096),
    Param("hidden", Kind.INT, 24, "hidden units", 2, 512),
    Param(
        "length",
        Kind.INT,
        40,
        "sequence length (the mark falls in the first half, the query is last)",
        3,
        500,
    ),
    Param("symbols", Kind.INT, 4, "symbols in the alphabet (chance = 1/symbols)", 2, 32),
    Param("lr", Kind.FLOAT, 1e-2, "Adam learning rate (both models)", 1e-5, 1.0),
    Param("clip", Kind.FLOAT, 1.0, "gradient-norm clipping (0 = off)", 0.0, 100.0),
    Param(
        "gate_bias",
        Kind.FLOAT,
        3.0,
        "added to the initial bias of the memory gate (f or z); 0 = PyTorch's init",
        -10.0,
        10.0,
    ),
    Param("probe", Kind.INT, 0, "held-out sequence shown in the heatmaps", 0, 255),
)


def gate_plots(holder: str, writer: str) -> tuple[Plot, ...]:
    """The charts of a gate demo: ``holder`` keeps the memory (f or z), ``writer`` stores it."""
    memory = [f"{holder}_memory", f"{writer}_mark"]
    if writer != holder:
        memory.append(f"{writer}_hold")
    return (
        Plot(
            "accuracy",
            "held-out accuracy: gated cell vs vanilla RNN",
            ("accuracy", "rnn_accuracy"),
            ylim=(0, 1),
            chance=0.25,  # 1/symbols at the default 4 symbols
        ),
        Plot("loss", "training loss", ("loss", "rnn_loss")),
        Plot(
            "memory",
            f"mean gates: {holder} after the mark, {writer} at the mark",
            tuple(memory),
            ylim=(0, 1),
        ),
    )


SPECS: tuple[DemoSpec, ...] = (
    DemoSpec(
        name="rnn-memory",
        title=Bilingual(
            en="Gradient connectivity through time: vanishing, exploding, clipping",
            it="Il gradiente nel tempo: scomparsa, esplosione, clipping",
        ),
        questions=("d.04", "d.05", "d.12"),
        summary="RNN, LSTM and GRU learn to recall a marked symbol among look-alikes; live "
        "log10 |dh_T/dx_t| over t per cell, gradient norms before clipping, accuracy; an "
        "amplifying vanilla RNN trained by SGD on first-symbol recall, with and without "
        "clipping.",
        params=(
            Param("steps", Kind.INT, 800, "training steps", 10, 100_000),
            Param("batch", Kind.INT, 64, "sequences per step", 4, 4096),
            Param("hidden", Kind.INT, 32, "hidden units (all cells)", 2, 512),
            Param("length", Kind.INT, 30, "sequence length", 3, 500),
            Param("symbols", Kind.INT, 4, "symbols to remember (chance = 1/symbols)", 2, 32),
            Param("lr", Kind.FLOAT, 1e-2, "Adam learning rate", 1e-5, 1.0),
            Param("clip", Kind.FLOAT, 1.0, "gradient-norm clipping c (0 = off)", 0.0, 100.0),
            Param(
                "rnn_scale", Kind.FLOAT, 1.0, "multiplies the vanilla RNN's W_hh at init", 0.0, 10.0
            ),
            Param(
                "gate_bias", Kind.FLOAT, 3.0, "added to the LSTM f / GRU z bias at init", -5.0, 5.0
            ),
            Param("probe", Kind.INT, 16, "held-out sequences averaged in the connectivity", 1, 256),
            Param(
                "explode_scale",
                Kind.FLOAT,
                3.0,
                "the exploding pair: multiplies W_hh of two vanilla RNNs at init",
                0.0,
                10.0,
            ),
            Param(
                "twin_lr",
                Kind.FLOAT,
                0.1,
                "SGD learning rate of the exploding pair (one clipped at c, or 1 if clip = 0)",
                1e-4,
                10.0,
            ),
        ),
        quick={"steps": 300, "hidden": 24},
        plots=(
            Plot(
                "acc-rnn",
                "marked recall: held-out accuracy",
                ("acc_rnn", "acc_lstm", "acc_gru"),
                ylim=(0, 1),
                chance=0.25,  # 1/symbols at the default 4 symbols
            ),
            Plot(
                "grad-rnn", "gradient norm before clipping", ("grad_rnn", "grad_lstm", "grad_gru")
            ),
            Plot(
                "reach-rnn",
                "log10 |dh_T/dx_1| / |dh_T/dx_T|",
                ("reach_rnn", "reach_lstm", "reach_gru"),
            ),
            Plot(
                "explode",
                "exploding pair (W_hh scaled up, SGD): peak gradient norm, unclipped vs clipped",
                ("grad_noclip", "grad_clip"),
                log=True,
            ),
            Plot(
                "explode-loss",
                "exploding pair: held-out loss, unclipped vs clipped",
                ("loss_noclip", "loss_clip"),
            ),
        ),
        focus="plot:explode-loss",
        impl="demos.d_rnn.rnn_memory:RNNMemory",
    ),
    DemoSpec(
        name="seq-classifier",
        title=Bilingual(
            en="Sequence classification: self-crossing polylines with RNN, LSTM, GRU",
            it="Classificazione di sequenze: spezzate che si intersecano, con RNN, LSTM e GRU",
        ),
        questions=("d.01", "d.02", "d.03", "d.06", "d.10", "d.11"),
        summary="RNN, LSTM and GRU classify variable-length 2-D polylines (self-crossing or not) "
        "with padding + packing and a head on h_n (vs reading output[:, -1] of the padded "
        "batch); an LSTM also tags every point (crossed yet?) with a masked loss.",
        params=(
            Param("steps", Kind.INT, 1200, "training steps", 10, 100_000),
            Param("batch", Kind.INT, 64, "polylines per step", 4, 4096),
            Param("hidden", Kind.INT, 32, "hidden units (all models)", 2, 512),
            Param("lr", Kind.FLOAT, 1e-2, "Adam learning rate", 1e-5, 1.0),
            Param("min_len", Kind.INT, 6, "shortest polyline (points)", 4, 64),
            Param("max_len", Kind.INT, 16, "longest polyline (points)", 4, 64),
            Param(
                "turn", Kind.FLOAT, 1.0, "std of the heading change per step (radians)", 0.05, 3.0
            ),
            Param("train_size", Kind.INT, 3000, "training polylines", 64, 100_000),
            Param("clip", Kind.FLOAT, 1.0, "gradient-norm clipping (0 = off)", 0.0, 100.0),
            Param("probe", Kind.INT, 0, "held-out polyline shown", 0, 255),
        ),
        quick={"steps": 220, "hidden": 24, "train_size": 1000},
        plots=(
            Plot(
                "acc-rnn",
                "held-out accuracy (sequence to task)",
                ("acc_rnn", "acc_lstm", "acc_gru"),
                ylim=(0, 1),
                chance=0.5,
            ),
            Plot(
                "readout",
                "GRU accuracy: packed h_n vs output[:, -1] of the padded batch",
                ("acc_gru", "pad_gru"),
                ylim=(0, 1),
                chance=0.5,
            ),
            Plot("loss-rnn", "training loss", ("loss_rnn", "loss_lstm", "loss_gru")),
            Plot(
                "tag-balanced",
                "per-step tagger (sequence to sequence)",
                ("tag_balanced", "tag_accuracy", "tag_loss"),
            ),
        ),
        focus="plot:readout",
        impl="demos.d_rnn.seq_classifier:SeqClassifier",
    ),
    DemoSpec(
        name="lstm-gates",
        title=Bilingual(
            en="LSTM gates: a hand-written cell that writes, keeps and recalls a marked symbol",
            it=(
                "Le porte dell'LSTM: una cella scritta a mano che scrive, conserva e richiama "
                "un simbolo contrassegnato"
            ),
        ),
        questions=("d.07",),
        summary="A hand-written LSTM cell (equal to nn.LSTM) learns to recall the marked symbol "
        "among look-alike symbols, which a vanilla RNN on the same batches cannot; heatmaps "
        "of i, f, g, o, c, h over time under the input; parameters vs GRU and RNN.",
        params=GATE_PARAMS,
        quick={"steps": 400, "hidden": 24, "length": 30},
        plots=gate_plots("f", "i"),
        focus="heatmap:gate-c",
        impl="demos.d_rnn.lstm_gates:LSTMGates",
    ),
    DemoSpec(
        name="gru-gates",
        title=Bilingual(
            en="GRU gates: reset, update and new gate on a memory task",
            it="Le porte della GRU: reset, update e new gate su un compito di memoria",
        ),
        questions=("d.08", "d.09"),
        summary="A hand-written GRU cell (equal to nn.GRU, r applied after the hidden matmul) "
        "learns to recall the marked symbol, which a vanilla RNN cannot; heatmaps of r, z, "
        "n, h under the input; parameters: 3/4 of an LSTM's.",
        params=GATE_PARAMS,
        quick={"steps": 300, "hidden": 24, "length": 30},
        plots=gate_plots("z", "z"),
        focus="heatmap:gate-z",
        impl="demos.d_rnn.gru_gates:GRUGates",
    ),
)
