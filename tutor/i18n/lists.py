"""The demo list, the drill list and the demos and drills of one question."""

from __future__ import annotations

from tutor.i18n import Text

DEMOS_HELP_TITLE = Text("Demos", "Demo")
DRILLS_HELP_TITLE = Text("Drills", "Esercizi")
LINKED_HELP_TITLE = Text("Demos and drills of a question", "Demo ed esercizi di una domanda")
DEMOS_HEADING = Text(
    "[b]Demos[/b] — live PyTorch models, each run in its own process (enter to open)",
    "[b]Demo[/b] — modelli PyTorch dal vivo, ognuno nel suo processo (invio per aprire)",
)
DRILLS_HEADING = Text(
    "[b]Drills[/b] — generated exercises with exact answers (enter to start)",
    "[b]Esercizi[/b] — esercizi generati con risposte esatte (invio per iniziare)",
)
LINKED_HEADING = Text(
    "[b]{qid}[/b] — demos and drills for this question (enter to open)",
    "[b]{qid}[/b] — demo ed esercizi per questa domanda (invio per aprire)",
)
KIND_DEMO = Text("demo", "demo")
KIND_DRILL = Text("drill", "eserc.")
NOT_AVAILABLE = Text("not available yet", "non ancora disponibile")
NOTHING_LINKED = Text("nothing linked to this question", "niente di collegato a questa domanda")
KEY_OPEN = Text("Open the highlighted entry", "Apri la voce evidenziata")

#: Drill titles in Italian (the drills' own titles are English); keys are catalogue names.
DRILL_TITLES: dict[str, Text] = {
    "cg-reverse": Text(
        "Computational graph: reverse-mode adjoints",
        "Grafo computazionale: aggiunti in reverse mode",
    ),
    "cg-forward": Text(
        "Computational graph: forward-mode tangents",
        "Grafo computazionale: tangenti in forward mode",
    ),
    "sgd-step": Text("One SGD step by hand", "Un passo di SGD a mano"),
    "tensor-shapes": Text(
        "Tensor shapes: broadcasting, matmul, reductions, view",
        "Forme dei tensori: broadcasting, matmul, riduzioni, view",
    ),
    "conv-shape": Text(
        "Conv2d and pooling: output shapes and parameter counts",
        "Conv2d e pooling: forme dell'output e numero di parametri",
    ),
    "rnn-params": Text(
        "RNN, LSTM and GRU: parameter counts and one step by hand",
        "RNN, LSTM e GRU: numero di parametri e un passo a mano",
    ),
    "vq-assign": Text(
        "Vector quantization: distances and code assignment",
        "Quantizzazione vettoriale: distanze e assegnazione dei codici",
    ),
    "iou-nms": Text(
        "Object detection: IoU and non-maximum suppression",
        "Object detection: IoU e non-maximum suppression",
    ),
}
