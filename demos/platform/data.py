"""Offline data for the demos: vendored digits, user-supplied MNIST, generated toys.

Nothing here downloads anything. Everything returns NumPy arrays (no torch import), so
the data can be inspected and tested without the training stack. Generators take a
``numpy.random.Generator`` so that a seed fixes the data.
"""

from __future__ import annotations

import gzip
import math
import os
import struct
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from demos.platform.errors import DemoError

DATA_DIR = Path(__file__).parents[1] / "data"
DIGITS_FILE = DATA_DIR / "digits.csv.gz"

# IDX type codes (http://yann.lecun.com/exdb/mnist/ describes the format).
_IDX_DTYPES = {
    0x08: np.dtype(np.uint8),
    0x09: np.dtype(np.int8),
    0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"),
    0x0D: np.dtype(">f4"),
    0x0E: np.dtype(">f8"),
}


class DataError(DemoError, ValueError):
    """A data source is missing or malformed; the message says which file and why."""


@dataclass(frozen=True)
class Images:
    """Images scaled to [0, 1] with their labels."""

    x: np.ndarray  # (N, 1, H, W) float32
    y: np.ndarray  # (N,) int64
    name: str

    @property
    def size(self) -> int:
        return int(self.x.shape[-1])


def load_digits() -> Images:
    """The 1797 UCI 8×8 digits (see data/README.md for citation and licence)."""
    raw = np.loadtxt(DIGITS_FILE, delimiter=",", dtype=np.float32)  # (1797, 65)
    x = (raw[:, :64] / 16.0).reshape(-1, 1, 8, 8).astype(np.float32)
    y = raw[:, 64].astype(np.int64)
    return Images(x=x, y=y, name="digits")


def _open(path: Path):
    return gzip.open(path, "rb") if path.suffix == ".gz" else open(path, "rb")


def read_idx(path: str | Path) -> np.ndarray:
    """Read an IDX file (optionally gzipped) into an array of its declared type and shape.

    The header's sizes are checked against what the file holds before anything is read,
    so a damaged or crafted header is a one-line error, not a huge allocation.
    """
    path = Path(path)
    try:
        with _open(path) as fh:
            header = fh.read(4)
            if len(header) != 4 or header[0] != 0 or header[1] != 0:
                raise DataError(f"{path}: not an IDX file (bad magic number)")
            code, ndim = header[2], header[3]
            if code not in _IDX_DTYPES:
                raise DataError(f"{path}: unknown IDX element type 0x{code:02x}")
            raw_dims = fh.read(4 * ndim)
            if len(raw_dims) != 4 * ndim:
                raise DataError(f"{path}: truncated IDX header")
            dims = struct.unpack(f">{ndim}I", raw_dims)
            dtype = _IDX_DTYPES[code]
            want = math.prod(dims) * dtype.itemsize
            body = _read_body(fh, path, want, 4 + 4 * ndim, dims)
    except OSError as exc:
        raise DataError(f"{path}: {exc.strerror or exc}") from exc
    return np.frombuffer(body, dtype=dtype).reshape(dims).astype(dtype.newbyteorder("="))


def _read_body(fh, path: Path, want: int, header: int, dims: tuple[int, ...]) -> bytes:
    """Exactly ``want`` bytes, or a DataError that says how many the file really has."""
    shape = "×".join(map(str, dims)) or "scalar"
    if not isinstance(fh, gzip.GzipFile):
        have = os.fstat(fh.fileno()).st_size - header
        if want > have:
            raise DataError(
                f"{path}: truncated IDX file (the header claims {shape}, {want} bytes; "
                f"the file holds {have})"
            )
        return fh.read(want)
    chunks, got = [], 0  # gzip: the size is known only by reading, so read in slices
    while got < want:
        chunk = fh.read(min(1 << 20, want - got))
        if not chunk:
            raise DataError(
                f"{path}: truncated IDX file (the header claims {shape}, {want} bytes; "
                f"the file holds {got})"
            )
        chunks.append(chunk)
        got += len(chunk)
    return b"".join(chunks)


def _find(directory: Path, stem: str) -> Path:
    for name in (
        stem,
        stem + ".gz",
        stem.replace("-idx", ".idx"),
        stem.replace("-idx", ".idx") + ".gz",
    ):
        if (directory / name).is_file():
            return directory / name
    raise DataError(f"{directory}: no {stem}[.gz] file (expected the MNIST IDX files)")


def load_mnist(directory: str | Path, split: str = "train") -> Images:
    """MNIST (or Fashion-MNIST) from the IDX files in a directory the user provides."""
    directory = Path(directory).expanduser()
    if not directory.is_dir():
        raise DataError(f"{directory}: not a directory")
    prefix = "train" if split == "train" else "t10k"
    images = read_idx(_find(directory, f"{prefix}-images-idx3-ubyte"))
    labels = read_idx(_find(directory, f"{prefix}-labels-idx1-ubyte"))
    if images.ndim != 3 or labels.ndim != 1 or len(images) != len(labels):
        raise DataError(
            f"{directory}: images {images.shape} and labels {labels.shape} do not match"
        )
    x = (images.astype(np.float32) / 255.0)[:, None]  # (N, 1, H, W)
    return Images(x=x, y=labels.astype(np.int64), name=f"mnist:{directory}")


def load_images(spec: str) -> Images:
    """``digits`` or ``mnist:/path/to/idx-dir`` — the value of a demo's ``data`` parameter."""
    if spec == "digits":
        return load_digits()
    if spec.startswith("mnist:"):
        return load_mnist(spec.removeprefix("mnist:"))
    raise DataError(f"unknown data source {spec!r} (use 'digits' or 'mnist:/path')")


# --- 2-D toy data -------------------------------------------------------------------


def two_moons(
    n: int, rng: np.random.Generator, noise: float = 0.1
) -> tuple[np.ndarray, np.ndarray]:
    """Two interleaved half circles, labels 0/1."""
    half = n // 2
    t = rng.uniform(0.0, np.pi, size=n)
    y = (np.arange(n) >= half).astype(np.int64)
    x = np.stack([np.cos(t), np.sin(t)], axis=1)  # (n, 2)
    x[y == 1] = np.stack([1.0 - np.cos(t[y == 1]), 0.5 - np.sin(t[y == 1])], axis=1)
    x += rng.normal(scale=noise, size=x.shape)
    return x.astype(np.float32), y


def gaussian_ring(
    n: int, rng: np.random.Generator, modes: int = 8, radius: float = 2.0, std: float = 0.05
) -> tuple[np.ndarray, np.ndarray]:
    """A ring of Gaussian blobs (the classic mode-collapse target); labels are the modes."""
    y = rng.integers(0, modes, size=n)
    angle = 2 * np.pi * y / modes
    centres = radius * np.stack([np.cos(angle), np.sin(angle)], axis=1)  # (n, 2)
    return (centres + rng.normal(scale=std, size=(n, 2))).astype(np.float32), y.astype(np.int64)


def spirals(n: int, rng: np.random.Generator, noise: float = 0.05) -> tuple[np.ndarray, np.ndarray]:
    """Two intertwined spirals, labels 0/1."""
    y = rng.integers(0, 2, size=n)
    t = np.sqrt(rng.uniform(0.0, 1.0, size=n)) * 3 * np.pi
    sign = np.where(y == 0, 1.0, -1.0)
    x = np.stack([sign * t * np.cos(t), sign * t * np.sin(t)], axis=1) / (3 * np.pi)
    return (x + rng.normal(scale=noise, size=x.shape)).astype(np.float32), y.astype(np.int64)


# --- sequences ----------------------------------------------------------------------


@dataclass(frozen=True)
class RecallTask:
    """Recall the first symbol of a sequence after a run of distractors.

    Tokens: ``0..symbols-1`` are the symbols to remember, the next ``distractors`` ids are
    noise, and the last id is the query marker that ends every sequence. The answer
    depends only on step 0, so a model must carry it across ``length - 2`` steps.
    """

    length: int = 20
    symbols: int = 4
    distractors: int = 4

    @property
    def vocab(self) -> int:
        return self.symbols + self.distractors + 1

    def sample(self, n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        x = rng.integers(self.symbols, self.symbols + self.distractors, size=(n, self.length))
        y = rng.integers(0, self.symbols, size=n)
        x[:, 0] = y
        x[:, -1] = self.vocab - 1
        return x.astype(np.int64), y.astype(np.int64)  # (n, T), (n,)


def adding_problem(n: int, length: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Hochreiter & Schmidhuber's adding problem: sum the two values whose marker is 1."""
    values = rng.uniform(0.0, 1.0, size=(n, length))
    markers = np.zeros((n, length))
    first = rng.integers(0, length // 2, size=n)
    second = rng.integers(length // 2, length, size=n)
    markers[np.arange(n), first] = 1.0
    markers[np.arange(n), second] = 1.0
    x = np.stack([values, markers], axis=2).astype(np.float32)  # (n, T, 2)
    y = (values * markers).sum(axis=1).astype(np.float32)  # (n,)
    return x, y
