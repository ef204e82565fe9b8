"""LSTM gates, live: a hand-written LSTM cell on a task that needs memory (question d.07).

The cell follows the d.07 answer, with PyTorch's layout (gates stacked i, f, g, o in
``weight_ih_l0``/``weight_hh_l0``, two biases):

    i = σ(W_ii x + b_ii + W_hi h + b_hi)      input gate: how much new content enters
    f = σ(W_if x + b_if + W_hf h + b_hf)      forget gate: how much of c is kept
    g = tanh(W_ig x + b_ig + W_hg h + b_hg)   candidate content
    o = σ(W_io x + b_io + W_ho h + b_ho)      output gate: how much of c is shown
    c' = f ⊙ c + i ⊙ g                        additive memory path
    h' = o ⊙ tanh(c')

The task: every step shows one of a few symbols, one step carries a mark, and at the end
the network must name the marked symbol. The LSTM learns it: with f close to 1, c adds
to what it holds instead of being overwritten, and i and f (computed from the input,
mark included) decide what is added; the vanilla RNN trained on the same batches
recomputes h from every new symbol and stays near chance. How this run's gates behave
at the mark and after it is measured (mean over units) and said in the caption. Live:
heatmaps of i, f, g, o, c and h over time for one sequence (under its input), the
vanilla RNN's h on the same scale, the mean gates at the mark and afterwards, and both
accuracies. The GIF shows i, f, c and the RNN's h of that sequence over training.
"""

from __future__ import annotations

from typing import Any, ClassVar

import torch

from demos.lib.recurrent import GateDemo, it_number, it_percent
from demos.platform import Bilingual, RunContext


def lstm_cell(x: torch.Tensor, h: torch.Tensor, c: torch.Tensor, p: Any):
    """One LSTM step; returns h', c' and the gates (each (B, H))."""
    gates = x @ p["weight_ih"].t() + p["bias_ih"] + h @ p["weight_hh"].t() + p["bias_hh"]
    i, f, g, o = gates.chunk(4, dim=1)  # each (B, H)
    i, f, g, o = torch.sigmoid(i), torch.sigmoid(f), torch.tanh(g), torch.sigmoid(o)
    c = f * c + i * g
    h = o * torch.tanh(c)
    return h, c, (i, f, g, o)


class LSTMGates(GateDemo):
    gates = 4
    shown = ("i", "f", "g", "o", "c", "h")
    holder = "f"
    writer = "i"
    memory = "c"
    reference = "LSTM"
    layout = (("i", "f", "c", "rnn"), ("g", "o", "h", "equations"))
    gif_panels = ("i", "f", "c", "rnn")
    equations: ClassVar[str] = (
        "i  = σ(W_ii x + b_ii + W_hi h + b_hi)\n"
        "f  = σ(W_if x + b_if + W_hf h + b_hf)\n"
        "g  = tanh(W_ig x + b_ig + W_hg h + b_hg)\n"
        "o  = σ(W_io x + b_io + W_ho h + b_ho)\n"
        "c' = f ⊙ c + i ⊙ g     (additive path)\n"
        "h' = o ⊙ tanh(c')\n\n"
        "i: how much of g is added to c\n"
        "f: how much of c is kept (f ≈ 1: carried on)\n"
        "o: how much of c is shown as h\n"
        "vanilla RNN: h' = tanh(W x + U h + b),\n"
        "  recomputed from every input"
    )

    def zero_state(self, batch: int, hidden: int, like: torch.Tensor) -> tuple:
        zeros = like.new_zeros(batch, hidden)
        return zeros, zeros.clone()

    def cell(self, x: torch.Tensor, state: tuple, p: Any) -> tuple[tuple, dict[str, Any]]:
        h, c = state
        h, c, (i, f, g, o) = lstm_cell(x, h, c, p)
        return (h, c), {"i": i, "f": f, "g": g, "o": o, "c": c, "h": h}

    def caption_for(self, ctx: RunContext, f: dict[str, float]) -> Bilingual:
        """Accuracy contrast and the gates at the mark / while holding, from the last record."""
        p = ctx.params
        acc, rnn = f.get("accuracy", 0.0), f.get("rnn_accuracy", 0.0)
        i_mark, i_hold, f_hold = f.get("i_mark", 0.0), f.get("i_hold", 0.0), f.get("f_memory", 0)
        chance = 1 / p["symbols"]
        return Bilingual(
            en=(
                f"After {ctx.total_steps} steps the LSTM names the marked symbol in {acc:.0%} "
                f"of held-out sequences of length {p['length']}, the vanilla RNN trained on the "
                f"same batches in {rnn:.0%} (chance {chance:.0%}). Averaged over units, the input "
                f"gate i is {i_mark:.2f} at the mark and {i_hold:.2f} afterwards and the "
                f"forget gate f stays at {f_hold:.2f}, so c adds to what it holds "
                f"(c' = f ⊙ c + i ⊙ g) where the RNN recomputes h from every new symbol."
            ),
            it=(
                f"Dopo {ctx.total_steps} passi l'LSTM riconosce il simbolo contrassegnato "
                f"{it_percent(acc, 'nel')} delle sequenze di test di lunghezza {p['length']}, "
                f"la RNN semplice addestrata sugli stessi batch {it_percent(rnn, 'nel')} "
                f"(caso {chance:.0%}). In media sulle "
                f"unità la porta d'ingresso i vale {it_number(i_mark)} nel passo "
                f"contrassegnato e {it_number(i_hold)} in quelli successivi e la porta di "
                f"oblio f resta a {it_number(f_hold)}: c somma a ciò che contiene (c' = f ⊙ c "
                f"+ i ⊙ g), mentre la RNN ricalcola h da ogni nuovo simbolo."
            ),
        )
