"""Where a demo runs: CUDA, then Apple MPS, then the CPU; and the per-run torch settings."""

from __future__ import annotations

import os

import torch

from demos.platform.errors import DeviceError
from demos.platform.params import DEVICES

__all__ = ["DEVICES", "prepare_torch", "select_device"]


def select_device(name: str = "auto") -> torch.device:
    """``auto``: CUDA, then Apple MPS, then CPU. A forced device must exist."""
    if name not in DEVICES:
        raise DeviceError(f"unknown device {name!r} (use one of {', '.join(DEVICES)})")
    cuda = torch.cuda.is_available()
    mps = bool(getattr(torch.backends, "mps", None) and torch.backends.mps.is_available())
    if name == "auto":
        name = "cuda" if cuda else "mps" if mps else "cpu"
    if name == "cuda" and not cuda:
        why = "built without CUDA" if torch.version.cuda is None else "found no usable GPU"
        raise DeviceError(f"device 'cuda' is not available: torch {torch.__version__} {why}")
    if name == "mps" and not mps:
        raise DeviceError(
            f"device 'mps' is not available: torch {torch.__version__} found no Apple GPU"
        )
    return torch.device(name)


def prepare_torch(device: torch.device, seed: int, quick: bool) -> None:
    """Seed every generator and pick the thread count for this run."""
    torch.manual_seed(seed)
    # The quick models are so small that extra CPU threads only add synchronisation.
    # Half the cores (at most 4) otherwise: on a busy 2-core laptop one thread is faster.
    torch.set_num_threads(1 if quick else max(1, min(4, (os.cpu_count() or 1) // 2)))
    if device.type == "cuda":
        torch.cuda.manual_seed_all(seed)
        torch.backends.cudnn.benchmark = True  # fixed shapes: let cuDNN pick its kernels
