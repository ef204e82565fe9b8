"""Offline data: the vendored digits, the IDX reader, the generators."""

from __future__ import annotations

import gzip
import struct

import numpy as np
import pytest

from demos.platform.data import (
    DATA_DIR,
    DataError,
    RecallTask,
    adding_problem,
    gaussian_ring,
    load_digits,
    load_images,
    load_mnist,
    read_idx,
    spirals,
    two_moons,
)


def test_digits_vendored_with_licence():
    d = load_digits()
    assert d.x.shape == (1797, 1, 8, 8) and d.x.dtype == np.float32
    assert d.x.min() == 0.0 and d.x.max() == 1.0
    assert np.bincount(d.y).tolist() == [178, 182, 177, 183, 181, 182, 181, 179, 174, 180]
    readme = (DATA_DIR / "README.md").read_text()
    assert "10.24432/C50P49" in readme and "CC BY 4.0" in readme and "Alpaydin" in readme


def _write_idx(path, array: np.ndarray, code: int) -> None:
    header = struct.pack(">BBBB", 0, 0, code, array.ndim) + struct.pack(
        f">{array.ndim}I", *array.shape
    )
    data = header + array.astype(array.dtype.newbyteorder(">")).tobytes()
    if path.suffix == ".gz":
        path.write_bytes(gzip.compress(data))
    else:
        path.write_bytes(data)


def test_mnist_idx_loader(tmp_path):
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, size=(5, 28, 28), dtype=np.uint8)
    labels = np.array([3, 1, 4, 1, 5], dtype=np.uint8)
    _write_idx(tmp_path / "train-images-idx3-ubyte.gz", images, 0x08)
    _write_idx(tmp_path / "train-labels-idx1-ubyte", labels, 0x08)
    m = load_mnist(tmp_path)
    assert m.x.shape == (5, 1, 28, 28) and m.size == 28
    np.testing.assert_allclose(m.x[:, 0] * 255, images)
    assert m.y.tolist() == [3, 1, 4, 1, 5]
    assert load_images(f"mnist:{tmp_path}").x.shape == (5, 1, 28, 28)

    floats = rng.normal(size=(2, 3)).astype(np.float32)
    _write_idx(tmp_path / "f.idx", floats, 0x0D)
    np.testing.assert_array_equal(read_idx(tmp_path / "f.idx"), floats)


def test_idx_errors(tmp_path):
    (tmp_path / "bad").write_bytes(b"\x01\x02\x08\x01\x00\x00\x00\x05")
    with pytest.raises(DataError, match="magic"):
        read_idx(tmp_path / "bad")
    _write_idx(tmp_path / "short", np.zeros(10, np.uint8), 0x08)
    (tmp_path / "short").write_bytes((tmp_path / "short").read_bytes()[:-3])
    with pytest.raises(DataError, match="truncated"):
        read_idx(tmp_path / "short")
    (tmp_path / "header").write_bytes(b"\x00\x00\x08\x03\x00")  # 3 dims, 1 byte of them
    with pytest.raises(DataError, match="truncated IDX header"):
        read_idx(tmp_path / "header")
    with pytest.raises(DataError, match="train-images"):
        load_mnist(tmp_path)
    with pytest.raises(DataError, match="not a directory"):
        load_images(f"mnist:{tmp_path / 'missing'}")
    with pytest.raises(DataError, match="unknown data source"):
        load_images("cifar")


@pytest.mark.parametrize("suffix", ["", ".gz"])
def test_idx_header_claiming_more_than_the_file_holds_is_refused(tmp_path, suffix):
    """A crafted header (60000 images of 28×28) on a tiny body: one clear error, no attempt
    to allocate what the header claims."""
    path = tmp_path / f"crafted-idx3-ubyte{suffix}"
    data = struct.pack(">BBBB", 0, 0, 0x08, 3) + struct.pack(">3I", 60000, 28, 28) + b"\0" * 100
    path.write_bytes(gzip.compress(data) if suffix else data)
    with pytest.raises(DataError) as err:
        read_idx(path)
    message = str(err.value)
    assert "header claims 60000×28×28" in message and "holds 100" in message
    assert "\n" not in message
    huge = tmp_path / "huge-idx3-ubyte"
    huge.write_bytes(struct.pack(">BBBB", 0, 0, 0x0E, 4) + struct.pack(">4I", *[2**32 - 1] * 4))
    with pytest.raises(DataError, match="truncated IDX file"):
        read_idx(huge)


def test_recall_task_needs_only_the_first_token():
    task = RecallTask(length=12, symbols=3, distractors=5)
    x, y = task.sample(200, np.random.default_rng(1))
    assert x.shape == (200, 12) and task.vocab == 9
    assert (x[:, 0] == y).all() and (x[:, -1] == 8).all()
    assert ((x[:, 1:-1] >= 3) & (x[:, 1:-1] < 8)).all()
    again, _ = task.sample(200, np.random.default_rng(1))
    assert (again == x).all()


def test_generators_shapes_and_labels():
    rng = np.random.default_rng(0)
    for fn in (two_moons, gaussian_ring, spirals):
        x, y = fn(300, rng)
        assert x.shape == (300, 2) and x.dtype == np.float32 and len(y) == 300
    _, modes = gaussian_ring(400, rng, modes=8)
    assert set(modes.tolist()) == set(range(8))
    x, y = adding_problem(50, 20, rng)
    assert x.shape == (50, 20, 2) and (x[:, :, 1].sum(1) == 2).all()
    np.testing.assert_allclose(y, (x[:, :, 0] * x[:, :, 1]).sum(1), rtol=1e-6)
