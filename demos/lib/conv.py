"""The output size of a convolution or a pooling layer, shared by the CNN demos."""

from __future__ import annotations


def conv_out_size(h: int, k: int, p: int = 0, s: int = 1, d: int = 1) -> int:
    """⌊(H + 2p − d·(k − 1) − 1) / s⌋ + 1: Conv2d's formula (and pooling's with d = 1)."""
    return (h + 2 * p - d * (k - 1) - 1) // s + 1


def formula_text(h: int, k: int, p: int = 0, s: int = 1, d: int = 1) -> str:
    """The output-size formula with the numbers filled in, e.g. ⌊(8+2·1−1·2−1)/1⌋+1 = 8."""
    return f"⌊({h}+2·{p}−{d}·{k - 1}−1)/{s}⌋+1 = {conv_out_size(h, k, p, s, d)}"
