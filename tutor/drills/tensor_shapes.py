"""tensor-shapes: result shapes of broadcasting, matmul and reductions; legality of a view."""

from __future__ import annotations

import random
from collections.abc import Callable
from math import prod
from typing import Any

from tutor.drills import shapes as S
from tutor.drills.base import Content, Drill, Field, fmt_shape
from tutor.i18n import drills as T
from tutor.i18n.lists import DRILL_TITLES

Question = tuple[str, list[Field], list[str], dict[str, Any]]
#: ``(rng, key, difficulty, lang)``: one question of the drill.
Maker = Callable[[random.Random, str, int, str], Question]
SIZES = (2, 3, 4, 5, 6)


def _t(shape: tuple[int, ...]) -> str:
    return f"torch.randn{fmt_shape(shape)}" if len(shape) != 1 else f"torch.randn({shape[0]})"


def _broadcast(rng: random.Random, key: str, d: int, lang: str) -> Question:
    rank = rng.randint(2, 3 if d == 1 else 4)
    full = tuple(rng.choice(SIZES) for _ in range(rank))
    a = tuple(1 if rng.random() < 0.3 else s for s in full)
    b = tuple(1 if rng.random() < 0.35 else s for s in full)
    b = b[rng.randint(0, rank - 1) :]
    if rng.random() < 0.25 and b:
        i = rng.randrange(len(b))
        b = (*b[:i], rng.choice([s for s in SIZES if s != full[-len(b) + i]]), *b[i + 1 :])
    if rng.random() < 0.5:
        a, b = b, a
    op = rng.choice("+*")
    res = S.broadcast(a, b)
    expr = T.TS_BINARY(lang, op=op, a=_t(a), b=_t(b))
    steps = [T.TS_ALIGN(lang, key=key, expr=expr, a=fmt_shape(a), b=fmt_shape(b))]
    n = max(len(a), len(b))
    pa, pb = (1,) * (n - len(a)) + a, (1,) * (n - len(b)) + b
    pairs = ", ".join(f"{x}&{y}" for x, y in zip(pa, pb, strict=False))
    if res is None:
        steps.append("  " + T.TS_CLASH(lang, pairs=pairs, error=T.ERROR(lang)))
    else:
        steps.append("  " + T.TS_PAIRS(lang, pairs=pairs, shape=fmt_shape(res)))
    spec = {"key": key, "op": "broadcast", "sym": op, "a": list(a), "b": list(b)}
    return expr, [Field(key, T.TS_SHAPE_OR_ERROR(lang, expr=expr), "shape", res)], steps, spec


def _matmul(rng: random.Random, key: str, d: int, lang: str) -> Question:
    n, m, p, bt, bt2 = (rng.choice(SIZES) for _ in range(5))
    cases = [((n, m), (m, p)), ((m,), (m, p)), ((n, m), (m,)), ((n, m), (p, m))]
    if d >= 2:
        cases += [((bt, n, m), (m, p)), ((bt, n, m), (bt, m, p)), ((m,), (m,))]
    if d >= 3:
        cases += [((bt, 1, n, m), (bt2, m, p)), ((m,), (bt, m, p)), ((bt, n, m), (bt2, m, p))]
    a, b = rng.choice(cases)
    res = S.matmul(a, b)
    expr = T.TS_BINARY(lang, op="@", a=_t(a), b=_t(b))
    steps = [f"{key}: {expr}."]
    if len(a) == 1 and len(b) == 1:
        steps.append("  " + T.TS_DOT(lang))
    else:
        if len(a) == 1:
            steps.append("  " + T.TS_A_1D(lang))
        if len(b) == 1:
            steps.append("  " + T.TS_B_1D(lang))
        a2 = (1, *a) if len(a) == 1 else a
        b2 = (*b, 1) if len(b) == 1 else b
        if a2[-1] == b2[-2]:
            steps.append("  " + T.TS_INNER_MATCH(lang, a=a2[-1], b=b2[-2]))
        else:
            steps.append("  " + T.TS_INNER_DIFFER(lang, a=a2[-1], b=b2[-2], error=T.ERROR(lang)))
        if a2[-1] == b2[-2] and (len(a2) > 2 or len(b2) > 2):
            batch = S.broadcast(a2[:-2], b2[:-2])
            steps.append(
                "  "
                + T.TS_BATCH(
                    lang, a=fmt_shape(a2[:-2]), b=fmt_shape(b2[:-2]), shape=fmt_shape(batch, lang)
                )
            )
    steps.append(f"  -> {fmt_shape(res, lang)}")
    spec = {"key": key, "op": "matmul", "a": list(a), "b": list(b)}
    return expr, [Field(key, T.TS_SHAPE_OR_ERROR(lang, expr=expr), "shape", res)], steps, spec


def _reduce(rng: random.Random, key: str, d: int, lang: str) -> Question:
    shape = tuple(rng.choice(SIZES) for _ in range(rng.randint(2, 3 if d == 1 else 4)))
    fn = rng.choice(("sum", "mean", "amax", "max", "argmax"))
    keepdim = rng.random() < 0.5
    dims: tuple[int, ...] | None
    if d >= 3 and fn in ("sum", "mean", "amax") and rng.random() < 0.5:
        dims = tuple(sorted(rng.sample(range(len(shape)), 2)))
        dims = tuple(x - len(shape) if rng.random() < 0.4 else x for x in dims)
    elif rng.random() < 0.1:
        dims, keepdim = None, False
    else:
        dim = rng.randrange(len(shape))
        if d >= 2 and rng.random() < 0.5:
            dim -= len(shape)
        dims = (dim,)
    res = S.reduce(shape, dims, keepdim)
    if dims is None:
        call = f"t.{fn}()"
    else:
        dim_txt = str(dims[0]) if len(dims) == 1 else f"({dims[0]}, {dims[1]})"
        call = f"t.{fn}(dim={dim_txt}{', keepdim=True' if keepdim else ''})"
    if fn == "max" and dims is not None:
        call += ".values"
    expr = T.TS_ON(lang, call=call, t=_t(shape))
    steps = [f"{key}: {expr}."]
    if dims is None:
        steps.append("  " + T.TS_ALL_DIMS(lang))
    else:
        reduced = sorted({x % len(shape) for x in dims})
        norm = ", ".join(str(x) for x in reduced)
        neg = T.TS_NEGATIVE_DIM(lang) if any(x < 0 for x in dims) else ""
        if len(reduced) > 1:
            what = T.TS_DIMS_KEPT if keepdim else T.TS_DIMS_REMOVED
        else:
            what = T.TS_DIM_KEPT if keepdim else T.TS_DIM_REMOVED
        steps.append("  " + what(lang, dims=norm, negative=neg, shape=fmt_shape(shape)))
        steps.append(f"  -> {fmt_shape(res, lang)}")
    spec = {"key": key, "op": "reduce", "fn": fn, "shape": list(shape), "keepdim": keepdim}
    spec["dims"] = None if dims is None else list(dims)
    return expr, [Field(key, T.TS_SHAPE(lang, expr=expr), "shape", res)], steps, spec


def _view_infer(rng: random.Random, key: str, d: int, lang: str) -> Question:
    shape = tuple(rng.choice(SIZES) for _ in range(rng.randint(2, 3)))
    numel = prod(shape)
    divisors = [x for x in range(2, 13) if numel % x == 0] or [numel]
    k = rng.choice(divisors) if rng.random() < 0.8 else rng.choice([5, 7, 9])
    new = (k, -1) if rng.random() < 0.5 else (-1, k)
    res = S.infer_view(numel, new)
    expr = T.TS_ON(lang, call=f"t.view{new}", t=_t(shape))
    division = f"  {numel} / {k} = {numel / k:g}"
    if res is None:
        division += " " + T.TS_NOT_INTEGER(lang, error=T.ERROR(lang))
    steps = [T.TS_INFER(lang, key=key, expr=expr, numel=numel), division]
    if res is not None:
        steps.append(f"  -> {fmt_shape(res, lang)}")
    spec = {"key": key, "op": "view_infer", "shape": list(shape), "new": list(new)}
    return expr, [Field(key, T.TS_SHAPE_OR_ERROR(lang, expr=expr), "shape", res)], steps, spec


def _view_legal(rng: random.Random, key: str, d: int, lang: str) -> Question:
    shape = tuple(rng.choice((2, 3, 4)) for _ in range(rng.randint(2, 3 if d == 2 else 4)))
    strides = S.contiguous_strides(shape)
    kind = rng.choice(("transpose", "transpose", "permute", "none"))
    if kind == "none":
        perm = list(range(len(shape)))
        how = "u = t"
    elif kind == "transpose" or len(shape) == 2:
        i, j = sorted(rng.sample(range(len(shape)), 2))
        perm = list(range(len(shape)))
        perm[i], perm[j] = perm[j], perm[i]
        kind, how = "transpose", f"u = t.transpose({i}, {j})"
    else:
        perm = list(range(len(shape)))
        while perm == sorted(perm):
            rng.shuffle(perm)
        how = f"u = t.permute{tuple(perm)}"
    ushape = tuple(shape[i] for i in perm)
    ustrides = tuple(strides[i] for i in perm)
    want = rng.random() < 0.5
    new = ushape
    for _ in range(50):
        new = _random_factorisation(rng, prod(shape))
        if new != ushape and S.view_ok(ushape, ustrides, new) == want:
            break
    legal = S.view_ok(ushape, ustrides, new)
    contig = S.is_contiguous(ushape, ustrides)
    expr = f"t = torch.arange({prod(shape)}).reshape{shape}; {how}; u.view{new}"
    chunks = S.memory_chunks(ushape, ustrides)
    hits = ", ".join(str(prod(chunks[: i + 1])) for i in range(len(chunks)))
    steps = [
        T.TS_STRIDES(
            lang,
            key=key,
            shape=fmt_shape(ushape),
            strides=fmt_shape(ustrides),
            original=fmt_shape(strides),
        ),
        "  " + T.TS_CONTIGUOUS(lang, answer=(T.YES if contig else T.NO)(lang)),
        "  " + T.TS_RUNS(lang, chunks=chunks, new=fmt_shape(new), hits=hits),
        "  " + (T.TS_VIEW_LEGAL if legal else T.TS_VIEW_RAISES)(lang),
    ]
    spec = {
        "key": key,
        "op": "view_legal",
        "shape": list(shape),
        "perm": perm,
        "new": list(new),
    }
    fields = [
        Field(f"{key}_contig", T.TS_IS_CONTIGUOUS(lang, how=how), "yesno", contig),
        Field(f"{key}_view", T.TS_IS_LEGAL(lang, expr=expr), "yesno", legal),
    ]
    return expr, fields, steps, spec


def _random_factorisation(rng: random.Random, n: int) -> tuple[int, ...]:
    factors: list[int] = []
    x = n
    while x > 1:
        divs = [k for k in range(2, x + 1) if x % k == 0]
        f = rng.choice(divs[: max(1, len(divs) // 2 + 1)])
        factors.append(f)
        x //= f
    rng.shuffle(factors)
    # merge a few neighbours so shapes are not all tiny primes
    while len(factors) > 4 or (len(factors) > 1 and rng.random() < 0.4):
        i = rng.randrange(len(factors) - 1)
        factors[i : i + 2] = [factors[i] * factors[i + 1]]
    return tuple(factors) or (1,)


PLAN: dict[int, list[Maker]] = {
    1: [_broadcast, _matmul, _reduce, _view_infer],
    2: [_broadcast, _matmul, _reduce, _reduce, _view_legal],
    3: [_broadcast, _broadcast, _matmul, _reduce, _reduce, _view_legal],
}


def generate(rng: random.Random, difficulty: int, lang: str = "en") -> Content:
    fields: list[Field] = []
    steps: list[str] = []
    specs: list[dict[str, Any]] = []
    lines = []
    for i, make in enumerate(PLAN[difficulty], start=1):
        expr, fs, st, spec = make(rng, f"q{i}", difficulty, lang)
        lines.append(f"  q{i}. {expr}")
        fields += fs
        steps += st
        specs.append(spec)
    statement = T.TS_STATEMENT(lang) + "\n" + "\n".join(lines)
    return Content(statement, None, {"questions": specs}, fields, steps)


DRILL = Drill(
    name="tensor-shapes",
    titles=DRILL_TITLES["tensor-shapes"],
    questions=("b.02", "b.03", "b.04"),
    generator=generate,
)
