"""Pure-Python tensor shape rules: broadcasting, matmul, reductions, view legality.

They follow PyTorch's documented semantics; the drill tests check them against torch itself.
"""

from __future__ import annotations

from math import prod

Shape = tuple[int, ...]


def broadcast(a: Shape, b: Shape) -> Shape | None:
    """Align from the right; sizes must be equal or one of them 1. None when they clash."""
    out = []
    for i in range(1, max(len(a), len(b)) + 1):
        x = a[-i] if i <= len(a) else 1
        y = b[-i] if i <= len(b) else 1
        if x != y and 1 not in (x, y):
            return None
        out.append(max(x, y))
    return tuple(reversed(out))


def matmul(a: Shape, b: Shape) -> Shape | None:
    """torch.matmul: 1-D operands get a temporary dim, batch dims broadcast."""
    if not a or not b:
        return None
    if len(a) == 1 and len(b) == 1:
        return () if a == b else None
    a2 = (1, *a) if len(a) == 1 else a
    b2 = (*b, 1) if len(b) == 1 else b
    if a2[-1] != b2[-2]:
        return None
    batch = broadcast(a2[:-2], b2[:-2])
    if batch is None:
        return None
    out = (*batch, a2[-2], b2[-1])
    if len(b) == 1:
        out = out[:-1]
    if len(a) == 1:
        out = out[:-2] + out[-1:]
    return out


def reduce(shape: Shape, dims: tuple[int, ...] | None, keepdim: bool) -> Shape:
    """Shape after reducing over ``dims`` (None: all dims, giving a 0-d tensor)."""
    if dims is None:
        return ()
    norm = {d % len(shape) for d in dims}
    if keepdim:
        return tuple(1 if i in norm else s for i, s in enumerate(shape))
    return tuple(s for i, s in enumerate(shape) if i not in norm)


def contiguous_strides(shape: Shape) -> Shape:
    strides, acc = [], 1
    for s in reversed(shape):
        strides.append(acc)
        acc *= s
    return tuple(reversed(strides))


def is_contiguous(shape: Shape, strides: Shape) -> bool:
    """Row-major layout, ignoring size-1 dims (their stride never matters)."""
    expected = 1
    for s, st in zip(reversed(shape), reversed(strides), strict=False):
        if s == 1:
            continue
        if st != expected:
            return False
        expected *= s
    return True


def memory_chunks(shape: Shape, strides: Shape) -> list[int]:
    """Sizes of the maximal runs of dims that are laid out back to back in memory."""
    chunks: list[int] = []
    prev_stride = None
    for s, st in zip(shape, strides, strict=False):
        if s == 1:
            continue
        if chunks and prev_stride == st * s:
            chunks[-1] *= s
        else:
            chunks.append(s)
        prev_stride = st
    return chunks


def view_ok(shape: Shape, strides: Shape, new: Shape) -> bool:
    """A view only splits or merges dims inside a memory chunk, so every chunk boundary
    must also be a boundary of the new shape (its running products must hit each one)."""
    if prod(new) != prod(shape):
        return False
    boundaries, acc = set(), 1
    for c in memory_chunks(shape, strides):
        acc *= c
        boundaries.add(acc)
    hits, acc = {1}, 1
    for s in new:
        acc *= s
        hits.add(acc)
    return boundaries <= hits


def infer_view(numel: int, new: tuple[int, ...]) -> Shape | None:
    """Resolve one -1 in a view/reshape size; None when it cannot divide evenly."""
    known = prod(s for s in new if s != -1)
    if -1 not in new:
        return new if known == numel else None
    if known == 0 or numel % known:
        return None
    return tuple(numel // known if s == -1 else s for s in new)
