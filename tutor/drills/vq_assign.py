"""vq-assign: squared distances between encoder vectors and a codebook, and the chosen codes.

This is what a VQ-VAE's quantizer does with ``torch.cdist(z, codebook)`` and ``argmin``; squared
distances keep the numbers exact (the argmin is the same as for the distances themselves).
"""

from __future__ import annotations

import random
from fractions import Fraction

from tutor.drills.base import Content, Drill, Field, paren
from tutor.i18n import drills as T
from tutor.i18n.lists import DRILL_TITLES

# (vectors N, codes K, dim D, value pool)
SIZES = {1: (2, 3, 2), 2: (3, 4, 2), 3: (4, 4, 3)}


def _pool(difficulty: int) -> list[Fraction]:
    ints = [Fraction(i) for i in range(-3, 4)]
    if difficulty < 3:
        return ints
    return ints + [Fraction(i, 2) for i in (-3, -1, 1, 3)]


def sqdist(a: tuple[Fraction, ...], b: tuple[Fraction, ...]) -> Fraction:
    return sum(((x - y) ** 2 for x, y in zip(a, b, strict=False)), Fraction(0))


def _vec(v: tuple[Fraction, ...]) -> str:
    return "(" + ", ".join(str(x) for x in v) + ")"


def generate(rng: random.Random, difficulty: int, lang: str = "en") -> Content:
    n, k, dim = SIZES[difficulty]
    pool = _pool(difficulty)
    while True:
        codes = [tuple(rng.choice(pool) for _ in range(dim)) for _ in range(k)]
        zs = [tuple(rng.choice(pool) for _ in range(dim)) for _ in range(n)]
        if len(set(codes)) < k:
            continue
        dist = [[sqdist(z, e) for e in codes] for z in zs]
        # unique argmin per row, so the chosen code is unambiguous
        if all(sorted(row)[0] < sorted(row)[1] for row in dist):
            break
    chosen = [row.index(min(row)) for row in dist]
    book = "; ".join(f"e{j} = {_vec(e)}" for j, e in enumerate(codes))
    enc = "; ".join(f"z{i} = {_vec(z)}" for i, z in enumerate(zs))
    statement = T.VQ_STATEMENT(lang, k=k, dim=dim, book=book, enc=enc)
    fields = []
    steps = [T.VQ_RULE(lang)]
    for i, z in enumerate(zs):
        for j, e in enumerate(codes):
            fields.append(Field(f"d{i}_{j}", f"||z{i} - e{j}||^2", "exact", dist[i][j]))
            terms = " + ".join(f"({paren(a)} - {paren(b)})^2" for a, b in zip(z, e, strict=False))
            steps.append(f"  d(z{i}, e{j}) = {terms} = {dist[i][j]}")
        row = ", ".join(str(x) for x in dist[i])
        code = _vec(codes[chosen[i]])
        steps.append("  " + T.VQ_NEAREST(lang, i=i, row=row, j=chosen[i], code=code))
    for i in range(n):
        fields.append(Field(f"code{i}", T.VQ_CODE_FOR(lang, i=i), "int", chosen[i]))
    used = sorted(set(chosen))
    if len(used) < k:
        unused = sorted(set(range(k)) - set(used))
        steps.append(T.VQ_SOME_UNUSED(lang, used=used, k=k, unused=unused))
    else:
        steps.append(T.VQ_ALL_USED(lang, used=used, k=k))
    inputs = {
        "codebook": [[str(x) for x in e] for e in codes],
        "z": [[str(x) for x in z] for z in zs],
    }
    return Content(statement, None, inputs, fields, steps)


DRILL = Drill(
    name="vq-assign",
    titles=DRILL_TITLES["vq-assign"],
    questions=("f.02", "f.03", "f.06"),
    generator=generate,
)
