"""LSTM gates, live: a hand-written LSTM cell on a task that needs memory (question d.07).

The cell follows the d.07 answer, with PyTorch's layout (gates stacked i, f, g, o in
``weight_ih_l0``/``weight_hh_l0``, two biases):

    i = σ(W_ii x + b_ii + W_hi h + b_hi)      input gate: how much new content enters
    f = σ(W_if x + b_if + W_hf h + b_hf)      forget gate: how much of c is kept
    g = tanh(W_ig x + b_ig + W_hg h + b_hg)   candidate content
    o = σ(W_io x + b_io + W_ho h + b_ho)      output gate: how much of c is shown
    c' = f ⊙ c + i ⊙ g                        additive memory path
    h' = o ⊙ tanh(c')

The task: recall the first symbol of a sequence after a run of distractors. Because c is
updated additively, f ≈ 1 carries both the memory and its gradient across the
distractors; the vanilla RNN trained on the same batches has to push that gradient
through a tanh and a matrix product at every step. Live: heatmaps of i, f, g, o, c and h
over time for one sequence, the mean forget gate on the units that hold the memory, and
the held-out accuracy of both models.
"""

from __future__ import annotations

from typing import Any

import torch

from demos.lib.recurrent import GateDemo


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
    reference = "LSTM"

    def zero_state(self, batch: int, hidden: int, like: torch.Tensor) -> tuple:
        zeros = like.new_zeros(batch, hidden)
        return zeros, zeros.clone()

    def cell(self, x: torch.Tensor, state: tuple, p: Any) -> tuple[tuple, dict[str, Any]]:
        h, c = state
        h, c, (i, f, g, o) = lstm_cell(x, h, c, p)
        return (h, c), {"i": i, "f": f, "g": g, "o": o, "c": c, "h": h}
