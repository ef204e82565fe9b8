"""GRU gates, live: a hand-written GRU cell on the same memory task (questions d.08, d.09).

PyTorch's equations (gates stacked r, z, n in ``weight_ih_l0``; note that the reset gate
multiplies the hidden term *after* its matrix product, bias included):

    r = σ(W_ir x + b_ir + W_hr h + b_hr)          reset gate: how much of h feeds n
    z = σ(W_iz x + b_iz + W_hz h + b_hz)          update gate: keep h (z≈1) or take n
    n = tanh(W_in x + b_in + r ⊙ (W_hn h + b_hn))   new gate: the candidate state
    h' = (1 − z) ⊙ n + z ⊙ h

Two gates and a candidate, no separate cell state: h itself is the memory, held while
z ≈ 1. With three weight blocks instead of four it has 3/4 of an LSTM's parameters.
Live: heatmaps of r, z, n and h over time for one sequence, the mean update gate on the
units that hold the memory, and the held-out accuracy next to a vanilla RNN.
"""

from __future__ import annotations

from typing import Any

import torch

from demos.lib.recurrent import GateDemo


def gru_cell(x: torch.Tensor, h: torch.Tensor, p: Any):
    """One GRU step; returns h' and the gates (each (B, H))."""
    x_r, x_z, x_n = (x @ p["weight_ih"].t() + p["bias_ih"]).chunk(3, dim=1)  # each (B, H)
    h_r, h_z, h_n = (h @ p["weight_hh"].t() + p["bias_hh"]).chunk(3, dim=1)
    r = torch.sigmoid(x_r + h_r)
    z = torch.sigmoid(x_z + h_z)
    n = torch.tanh(x_n + r * h_n)
    h = (1 - z) * n + z * h
    return h, (r, z, n)


class GRUGates(GateDemo):
    gates = 3
    shown = ("r", "z", "n", "h")
    holder = "z"
    reference = "GRU"

    def zero_state(self, batch: int, hidden: int, like: torch.Tensor) -> tuple:
        return (like.new_zeros(batch, hidden),)

    def cell(self, x: torch.Tensor, state: tuple, p: Any) -> tuple[tuple, dict[str, Any]]:
        h, (r, z, n) = gru_cell(x, state[0], p)
        return (h,), {"r": r, "z": z, "n": n, "h": h}
