"""sgd-step: one (minibatch) SGD step on a squared-error loss, with the loss curve drawn.

The model is y_hat = w*x (one parameter) at difficulties 1-2 and y_hat = w*x + b at 3; the loss
is the mean squared error over the minibatch, so every number is an exact fraction.
"""

from __future__ import annotations

import random
from fractions import Fraction

from tutor.drills.base import Content, Drill, Field, fmt_approx, fraction_ok, paren
from tutor.i18n import drills as T
from tutor.i18n.lists import DRILL_TITLES

LRS = {
    1: (Fraction(1, 10), Fraction(1, 20), Fraction(1, 8), Fraction(1, 4)),
    2: (Fraction(1, 10), Fraction(1, 20), Fraction(1, 5), Fraction(1, 4)),
    3: (Fraction(1, 10), Fraction(1, 20), Fraction(1, 8), Fraction(1, 5)),
}
# (dataset size, minibatch size, with bias)
SHAPE = {1: (1, 1, False), 2: (5, 2, False), 3: (6, 3, True)}
BOUND = {1: (200, 80), 2: (400, 200), 3: (1000, 400)}


def _loss(w: Fraction, b: Fraction, batch: list[tuple[int, int]]) -> Fraction:
    return sum(((w * x + b - y) ** 2 for x, y in batch), Fraction(0)) / len(batch)


def _grads(w: Fraction, b: Fraction, batch: list[tuple[int, int]]) -> tuple[Fraction, Fraction]:
    m = len(batch)
    gw = sum((2 * (w * x + b - y) * x for x, y in batch), Fraction(0)) / m
    gb = sum((2 * (w * x + b - y) for x, y in batch), Fraction(0)) / m
    return gw, gb


def plot(
    w0: Fraction,
    w1: Fraction | None,
    b: Fraction,
    batch: list[tuple[int, int]],
    lang: str = "en",
) -> str:
    """A text plot of L(w) around w0 (and w1): 'o' marks w0, '*' marks w1."""
    pts = [float(w0)] + ([float(w1)] if w1 is not None else [])
    a = sum(x * x for x, _ in batch) / len(batch)
    wmin_star = float(sum(x * (y - b) for x, y in batch)) / (a * len(batch)) if a else 0.0
    lo = min([*pts, wmin_star]) - 1.0
    hi = max([*pts, wmin_star]) + 1.0
    cols, rows = 49, 11
    ws = [lo + (hi - lo) * i / (cols - 1) for i in range(cols)]
    ls = [float(_loss(Fraction(w), b, batch)) for w in ws]
    top = max(ls) or 1.0
    grid = [[" "] * cols for _ in range(rows)]

    def row(v: float) -> int:
        return rows - 1 - round((rows - 1) * v / top)

    for c, v in enumerate(ls):
        grid[row(v)][c] = "."
    for mark, w in (("o", w0), ("*", w1)):
        if w is None:
            continue
        c = round((float(w) - lo) / (hi - lo) * (cols - 1))
        grid[row(float(_loss(w, b, batch)))][c] = mark
    lines = ["L(w)"] + ["  |" + "".join(r) for r in grid]
    lines.append("  +" + "-" * cols + "> w")
    lines.append(f"   {lo:<.2f}{'':>{cols - 10}}{hi:>.2f}")
    legend = "o = w0" + (f", {T.SGD_LEGEND_STEP(lang)}" if w1 is not None else "")
    lines.append(f"   {legend}")
    return "\n".join(lines)


def generate(rng: random.Random, difficulty: int, lang: str = "en") -> Content:
    n, m, bias = SHAPE[difficulty]
    max_num, max_den = BOUND[difficulty]
    for _ in range(10_000):
        data = [(rng.choice((-2, -1, 1, 2, 3)), rng.randint(-4, 6)) for _ in range(n)]
        batch_idx = sorted(rng.sample(range(n), m))
        w0 = Fraction(rng.randint(-2, 3))
        b0 = Fraction(rng.randint(-2, 2)) if bias else Fraction(0)
        lr = rng.choice(LRS[difficulty])
        batch = [data[i] for i in batch_idx]
        gw, gb = _grads(w0, b0, batch)
        if not bias:
            gb = Fraction(0)  # b is the constant 0, not a parameter
        if gw == 0 or (bias and gb == 0):
            continue
        w1, b1 = w0 - lr * gw, b0 - lr * gb
        loss0, loss1 = _loss(w0, b0, batch), _loss(w1, b1, batch)
        if loss1 >= loss0 and rng.random() > 0.15:
            continue  # an overshooting step is worth seeing, now and then
        if all(fraction_ok(v, max_num, max_den) for v in (loss0, loss1, gw, gb, w1, b1)):
            break
    else:  # pragma: no cover - the bounds leave plenty of room
        raise RuntimeError("could not generate an SGD step")

    model = "w*x + b" if bias else "w*x"
    params = f"w0 = {w0}, b0 = {b0}" if bias else f"w0 = {w0}"
    if n == 1:
        ((x, y),) = data
        where = T.SGD_SINGLE(lang, x=x, y=y)
    else:
        rows_ = ", ".join(f"#{i}: ({x}, {y})" for i, (x, y) in enumerate(data))
        batch_ids = ", ".join(f"#{i}" for i in batch_idx)
        where = T.SGD_DATASET(lang, rows=rows_, batch=batch_ids)
    statement = T.SGD_STATEMENT(lang, model=model, m=m, where=where, params=params, lr=lr)
    fields = [Field("loss0", T.SGD_LOSS0(lang), "exact", loss0)]
    fields.append(Field("grad_w", T.SGD_GRAD(lang, p="w"), "exact", gw))
    if bias:
        fields.append(Field("grad_b", T.SGD_GRAD(lang, p="b"), "exact", gb))
    fields.append(Field("w1", T.SGD_AFTER(lang, p="w"), "exact", w1))
    if bias:
        fields.append(Field("b1", T.SGD_AFTER(lang, p="b"), "exact", b1))
    fields.append(Field("loss1", T.SGD_LOSS1(lang), "exact", loss1))

    steps = [(T.SGD_BATCH_MANY if m > 1 else T.SGD_BATCH_ONE)(lang, m=m)]
    res = []
    for x, y in batch:
        r = w0 * x + b0 - y
        res.append(r)
        lin = f"{paren(w0)}*{paren(x)}" + (f" + {paren(b0)}" if bias else "")
        value = f"{lin} - {paren(y)} = {r}"
        steps.append("  " + T.SGD_RESIDUAL(lang, x=x, y=y, value=value))
    sq = " + ".join(f"{paren(r)}^2" for r in res)
    steps.append(T.SGD_LOSS_START(lang, value=f"({sq}) / {m} = {fmt_approx(loss0)}"))
    terms = " + ".join(f"{paren(r)}*{paren(x)}" for r, (x, _) in zip(res, batch, strict=False))
    value = f"(2/{m}) * ({terms}) = {fmt_approx(gw)}"
    steps.append(T.SGD_GRAD_W(lang, m=m, value=value))
    if bias:
        terms_b = " + ".join(paren(r) for r in res)
        value = f"(2/{m}) * ({terms_b}) = {fmt_approx(gb)}"
        steps.append(T.SGD_GRAD_B(lang, m=m, value=value))
    steps.append(f"w1 = w0 - eta * dL/dw = {w0} - {lr} * {paren(gw)} = {fmt_approx(w1)}")
    if bias:
        steps.append(f"b1 = b0 - eta * dL/db = {b0} - {lr} * {paren(gb)} = {fmt_approx(b1)}")
    after = T.SGD_FELL if loss1 < loss0 else T.SGD_OVERSHOT
    steps.append(after(lang, value=fmt_approx(loss1)))
    diagram = None
    if not bias:
        steps.append(T.SGD_ON_THE_CURVE(lang) + "\n" + plot(w0, w1, b0, batch, lang))
        diagram = plot(w0, None, b0, batch, lang)
    inputs = {
        "model": model,
        "data": [[x, y] for x, y in data],
        "batch": batch_idx,
        "w0": str(w0),
        "b0": str(b0) if bias else None,
        "lr": str(lr),
        "loss": "mse",
    }
    return Content(statement, diagram, inputs, fields, steps)


DRILL = Drill(
    name="sgd-step",
    titles=DRILL_TITLES["sgd-step"],
    questions=("a.01", "a.14", "b.10"),
    generator=generate,
)
