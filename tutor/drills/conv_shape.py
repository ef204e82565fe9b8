"""conv-shape: output sizes and parameter counts through a stack of Conv2d / pooling layers.

Output size per spatial dim, as PyTorch computes it:
    floor((W + 2P - D*(K - 1) - 1) / S) + 1   (W input, K kernel, P padding, S stride, D dilation)
"""

from __future__ import annotations

import random
from typing import Any

from tutor.drills.base import Content, Drill, Field, fmt_shape
from tutor.i18n import drills as T
from tutor.i18n.lists import DRILL_TITLES


def out_size(w: int, k: int, s: int, p: int, d: int) -> int:
    return (w + 2 * p - d * (k - 1) - 1) // s + 1


def _conv(rng: random.Random, c_in: int, d: int) -> dict[str, Any]:
    k = rng.choice((1, 3, 3, 5) if d == 1 else (1, 3, 3, 5, 7))
    kw = k if d < 3 or rng.random() < 0.6 else rng.choice((1, 3, 5))
    return {
        "type": "Conv2d",
        "in_channels": c_in,
        "out_channels": rng.choice((4, 8, 16, 32) if d == 1 else (6, 8, 16, 24, 32, 64)),
        "kernel_size": [k, kw],
        "stride": [rng.choice((1, 1, 2))] * 2 if d > 1 else [rng.choice((1, 2))] * 2,
        "padding": [k // 2, kw // 2] if rng.random() < 0.6 else [0, 0],
        "dilation": [rng.choice((1, 1, 2)) if d == 3 else 1] * 2,
        "bias": d < 3 or rng.random() < 0.7,
    }


def _pool(rng: random.Random, d: int) -> dict[str, Any]:
    k = rng.choice((2, 2, 3))
    s = k if d == 1 or rng.random() < 0.6 else rng.choice((1, 2))
    return {
        "type": rng.choice(("MaxPool2d", "AvgPool2d")) if d > 1 else "MaxPool2d",
        "kernel_size": [k, k],
        "stride": [s, s],
        "padding": [rng.choice((0, 0, k // 2)) if d > 1 else 0] * 2,
        "dilation": [1, 1],
    }


def _call(layer: dict[str, Any]) -> str:
    def one(v: list[int]) -> str:
        return str(v[0]) if v[0] == v[1] else f"({v[0]}, {v[1]})"

    ks = one(layer["kernel_size"])
    extra = f", stride={one(layer['stride'])}, padding={one(layer['padding'])}"
    if layer["type"] == "Conv2d":
        if layer["dilation"] != [1, 1]:
            extra += f", dilation={one(layer['dilation'])}"
        if not layer["bias"]:
            extra += ", bias=False"
        return f"nn.Conv2d({layer['in_channels']}, {layer['out_channels']}, {ks}{extra})"
    return f"nn.{layer['type']}({ks}{extra})"


def params(layer: dict[str, Any]) -> int:
    if layer["type"] != "Conv2d":
        return 0
    kh, kw = layer["kernel_size"]
    weights = layer["out_channels"] * layer["in_channels"] * kh * kw
    return weights + (layer["out_channels"] if layer["bias"] else 0)


def _try(rng: random.Random, d: int) -> tuple[list[int], list[dict[str, Any]]] | None:
    h = rng.choice((8, 12, 16, 28, 32) if d == 1 else (16, 28, 32, 48, 64))
    w = h if d < 3 or rng.random() < 0.5 else rng.choice((20, 24, 32, 40))
    c = rng.choice((1, 3))
    n_layers = {1: rng.randint(1, 2), 2: 3, 3: rng.randint(3, 4)}[d]
    layers = []
    shape = [c, h, w]
    for i in range(n_layers):
        is_pool = i > 0 and layers[-1]["type"] == "Conv2d" and rng.random() < 0.45
        layer = _pool(rng, d) if is_pool else _conv(rng, shape[0], d)
        new = [layer.get("out_channels", shape[0])]
        for dim in (0, 1):
            size = out_size(
                shape[1 + dim],
                layer["kernel_size"][dim],
                layer["stride"][dim],
                layer["padding"][dim],
                layer["dilation"][dim],
            )
            if size < 1:
                return None
            new.append(size)
        layer["out_shape"] = new
        layers.append(layer)
        shape = new
    return [c, h, w], layers


def generate(rng: random.Random, difficulty: int, lang: str = "en") -> Content:
    while (found := _try(rng, difficulty)) is None:
        pass
    inp, layers = found
    lines = [f"  {i}. {_call(layer)}" for i, layer in enumerate(layers, start=1)]
    statement = (T.CONV_STATEMENT_TOTAL if difficulty > 1 else T.CONV_STATEMENT)(
        lang, c=inp[0], h=inp[1], w=inp[2], layers="\n".join(lines)
    )
    fields: list[Field] = []
    steps = [T.CONV_RULE(lang)]
    shape = inp
    total = 0
    for i, layer in enumerate(layers, start=1):
        out = layer["out_shape"]
        fields.append(Field(f"L{i}_shape", T.CONV_SHAPE_AFTER(lang, i=i), "shape", tuple(out)))
        parts = []
        for dim, name in ((0, "H"), (1, "W")):
            k, s = layer["kernel_size"][dim], layer["stride"][dim]
            p, dl = layer["padding"][dim], layer["dilation"][dim]
            eff = f"{dl}*({k} - 1) - 1" if dl != 1 else f"{k}"
            parts.append(
                f"{name}: floor(({shape[1 + dim]} + 2*{p} - {eff}) / {s}) + 1 = {out[1 + dim]}"
            )
        steps.append(
            T.CONV_LAYER(
                lang, i=i, call=_call(layer), sizes="; ".join(parts), shape=fmt_shape(tuple(out))
            )
        )
        if layer["type"] == "Conv2d":
            n = params(layer)
            total += n
            kh, kw = layer["kernel_size"]
            bias = f" + {layer['out_channels']}" if layer["bias"] else f" {T.CONV_NO_BIAS(lang)}"
            c_out, c_in = layer["out_channels"], layer["in_channels"]
            formula = f"{c_out}*{c_in}*{kh}*{kw}{bias}"
            steps.append("  " + T.CONV_PARAMS(lang, formula=formula, n=n))
            fields.append(Field(f"L{i}_params", T.CONV_PARAMS_OF(lang, i=i), "int", n))
        shape = out
    if difficulty > 1:
        fields.append(Field("total_params", T.CONV_TOTAL_FIELD(lang), "int", total))
        steps.append(T.CONV_TOTAL(lang, total=total))
    inputs = {"input": [1, *inp], "layers": layers}
    return Content(statement, None, inputs, fields, steps)


DRILL = Drill(
    name="conv-shape",
    titles=DRILL_TITLES["conv-shape"],
    questions=("c.03", "c.04", "c.06", "c.07"),
    generator=generate,
)
