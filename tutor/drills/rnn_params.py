"""rnn-params: parameter counts of nn.RNN / nn.LSTM / nn.GRU, and one LSTM or GRU step by hand.

Per layer and direction a recurrent layer has G gate blocks (RNN 1, GRU 3, LSTM 4), each with an
input matrix (H x in), a hidden matrix (H x H) and, with bias=True, two bias vectors (b_ih, b_hh):
    G*H*(in + H) + 2*G*H.
Layer 0 reads input_size features; deeper layers read H (2H when bidirectional).
The step uses PyTorch's equations (gate order i, f, g, o for the LSTM; r, z, n for the GRU, with
r applied to the hidden term W_hn*h + b_hn, and h' = (1 - z)*n + z*h).
"""

from __future__ import annotations

import math
import random
from fractions import Fraction
from typing import Any

from tutor.drills.base import Content, Drill, Field, Tolerance, fmt_num
from tutor.i18n import drills as T
from tutor.i18n.lists import DRILL_TITLES

GATES = {"RNN": 1, "GRU": 3, "LSTM": 4}
SMALL = tuple(Fraction(x) for x in ("-1", "-1/2", "0", "1/2", "1"))


def count(kind: str, inp: int, hid: int, layers: int, bias: bool, bidir: bool) -> int:
    g, dirs = GATES[kind], 2 if bidir else 1
    total = 0
    for layer in range(layers):
        i = inp if layer == 0 else hid * dirs
        total += dirs * (g * hid * (i + hid) + (2 * g * hid if bias else 0))
    return total


def _sig(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x))


def _d(x: Fraction) -> str:
    return fmt_num(float(x))


def _pd(x: Fraction) -> str:
    return f"({_d(x)})" if x < 0 else _d(x)


def _pf(x: float) -> str:
    return f"({x:.4f})" if x < 0 else f"{x:.4f}"


def lstm_step(p: dict[str, Any]) -> dict[str, float]:
    def pre(gate: str) -> float:
        w = p["gates"][gate]
        return float(w["w_x"] * p["x"] + w["w_h"] * p["h0"] + w["b"])

    i, f, g, o = _sig(pre("i")), _sig(pre("f")), math.tanh(pre("g")), _sig(pre("o"))
    c1 = f * float(p["c0"]) + i * g
    return {"i": i, "f": f, "g": g, "o": o, "c1": c1, "h1": o * math.tanh(c1)}


def gru_step(p: dict[str, Any]) -> dict[str, float]:
    gs, x, h = p["gates"], p["x"], p["h0"]
    r = _sig(float(gs["r"]["w_x"] * x + gs["r"]["w_h"] * h + gs["r"]["b"]))
    z = _sig(float(gs["z"]["w_x"] * x + gs["z"]["w_h"] * h + gs["z"]["b"]))
    n_in = float(gs["n"]["w_x"] * x + gs["n"]["b"])
    n_h = float(gs["n"]["w_h"] * h + gs["n"]["b_h"])
    n = math.tanh(n_in + r * n_h)
    return {"r": r, "z": z, "n": n, "h1": (1 - z) * n + z * float(h)}


def _step(rng: random.Random, lang: str) -> tuple[str, dict[str, Any], list[Field], list[str], str]:
    kind = rng.choice(("LSTM", "GRU"))
    x = rng.choice((Fraction(-1), Fraction(1, 2), Fraction(1), Fraction(2)))
    h0 = rng.choice((Fraction(-1, 2), Fraction(0), Fraction(1, 2), Fraction(1)))
    names = ("i", "f", "g", "o") if kind == "LSTM" else ("r", "z", "n")
    gates = {}
    for gname in names:
        gates[gname] = {k: rng.choice(SMALL) for k in ("w_x", "w_h", "b")}
        if gname == "n":
            gates[gname]["b_h"] = rng.choice(SMALL)
    p: dict[str, Any] = {"cell": kind, "x": x, "h0": h0, "gates": gates}
    tol = Tolerance()
    lines = []
    for gname, w in gates.items():
        extra = f", b_h{gname} = {_d(w['b_h'])}" if "b_h" in w else ""
        lines.append(
            f"    {gname}: w_x{gname} = {_d(w['w_x'])}, w_h{gname} = {_d(w['w_h'])}, "
            f"b_{gname} = {_d(w['b'])}{extra}"
        )
    steps = []
    if kind == "LSTM":
        p["c0"] = rng.choice((Fraction(-1), Fraction(0), Fraction(1)))
        v = lstm_step(p)
        setup = T.RNN_LSTM_SETUP(lang, x=_d(x), h0=_d(h0), c0=_d(p["c0"]), weights="\n".join(lines))
        labels = {k: T.RNN_STEP_LABELS[k](lang) for k in ("i", "f", "g", "o", "c1", "h1")}
        for gname in names:
            w = gates[gname]
            z = w["w_x"] * x + w["w_h"] * h0 + w["b"]
            fn = "tanh" if gname == "g" else "sigmoid"
            steps.append(
                f"  {gname} = {fn}({_pd(w['w_x'])}*{_pd(x)} + {_pd(w['w_h'])}*{_pd(h0)} + "
                f"{_pd(w['b'])}) = {fn}({_pd(z)}) = {v[gname]:.4f}"
            )
        steps.append(
            f"  c1 = f*c0 + i*g = {v['f']:.4f}*{_pd(p['c0'])} + {v['i']:.4f}*{_pf(v['g'])} "
            f"= {v['c1']:.4f}"
        )
        steps.append(f"  h1 = o*tanh(c1) = {v['o']:.4f}*tanh({v['c1']:.4f}) = {v['h1']:.4f}")
    else:
        v = gru_step(p)
        setup = T.RNN_GRU_SETUP(lang, x=_d(x), h0=_d(h0), weights="\n".join(lines))
        labels = {k: T.RNN_STEP_LABELS[k](lang) for k in ("r", "z", "n")}
        labels["h1"] = T.RNN_GRU_NEW(lang)
        for gname in ("r", "z"):
            w = gates[gname]
            z_ = w["w_x"] * x + w["w_h"] * h0 + w["b"]
            steps.append(
                f"  {gname} = sigmoid({_pd(w['w_x'])}*{_pd(x)} + {_pd(w['w_h'])}*{_pd(h0)} + "
                f"{_pd(w['b'])}) = sigmoid({_pd(z_)}) = {v[gname]:.4f}"
            )
        w = gates["n"]
        steps.append(
            f"  n = tanh({_pd(w['w_x'])}*{_pd(x)} + {_pd(w['b'])} + r*({_pd(w['w_h'])}*{_pd(h0)} + "
            f"{_pd(w['b_h'])})) = {v['n']:.4f}  {T.RNN_HIDDEN_ONLY(lang)}"
        )
        steps.append(
            f"  h1 = (1 - z)*n + z*h0 = {1 - v['z']:.4f}*{_pf(v['n'])} + {v['z']:.4f}*{_pd(h0)} "
            f"= {v['h1']:.4f}"
        )
    fields = [Field(f"step_{k}", labels[k], "decimal", v[k], tol) for k in labels]
    js = {
        "cell": kind,
        "x": str(x),
        "h0": str(h0),
        "c0": str(p["c0"]) if kind == "LSTM" else None,
        "gates": {g: {k: str(val) for k, val in w.items()} for g, w in gates.items()},
    }
    return kind, js, fields, [T.RNN_ONE_STEP(lang, kind=kind), *steps], setup


#: The gate blocks of each layer type, as PyTorch stacks them.
_GATES_OF = {
    "RNN": "(tanh(W_ih x + b_ih + W_hh h + b_hh))",
    "GRU": "(r, z, n)",
    "LSTM": "(i, f, g, o)",
}


def generate(rng: random.Random, difficulty: int, lang: str = "en") -> Content:
    kind = rng.choice(("RNN", "LSTM", "GRU"))
    inp = rng.choice((1, 2, 3, 4, 8, 10, 16, 32))
    hid = rng.choice((2, 4, 8, 16, 20, 32, 64))
    layers = 1 if difficulty == 1 else rng.randint(2, 3 if difficulty == 3 else 2)
    bias = difficulty < 3 or rng.random() < 0.7
    bidir = difficulty == 3 and rng.random() < 0.6
    g, dirs = GATES[kind], 2 if bidir else 1
    total = count(kind, inp, hid, layers, bias, bidir)
    call = f"nn.{kind}(input_size={inp}, hidden_size={hid}, num_layers={layers}"
    call += ", bias=False" if not bias else ""
    call += ", bidirectional=True" if bidir else ""
    call += ")"
    last = layers - 1
    in_last = inp if last == 0 else hid * dirs
    w_ih = (g * hid, in_last)
    fields = [
        Field(f"weight_ih_l{last}", T.RNN_SHAPE_OF(lang, name=f"weight_ih_l{last}"), "shape", w_ih),
        Field("weight_hh_l0", T.RNN_SHAPE_OF(lang, name="weight_hh_l0"), "shape", (g * hid, hid)),
        Field("total", T.RNN_TOTAL_OF(lang, call=call), "int", total),
    ]
    shape_ih = f"({g * hid}, {in_last})"
    steps = [
        (T.RNN_BLOCKS if g > 1 else T.RNN_BLOCK)(
            lang, kind=kind, g=g, gates=_GATES_OF[kind], h=hid, rows=g * hid
        ),
        f"weight_ih_l{last}: "
        + (
            T.RNN_READS_BELOW(lang, shape=shape_ih, layer=last, dirs=dirs, width=in_last)
            if last > 0
            else T.RNN_READS_INPUT(lang, shape=shape_ih)
        ),
        f"weight_hh_l0: ({g * hid}, {hid})",
    ]
    for layer in range(layers):
        i = inp if layer == 0 else hid * dirs
        per = g * hid * (i + hid) + (2 * g * hid if bias else 0)
        b = f" + 2*{g}*{hid}" if bias else ""
        formula = f"{g}*{hid}*({i} + {hid}){b}"
        if bidir:
            steps.append(
                T.RNN_LAYER_BIDIRECTIONAL(lang, layer=layer, formula=formula, n=per, both=2 * per)
            )
        else:
            steps.append(T.RNN_LAYER(lang, layer=layer, formula=formula, n=per))
    steps.append(T.RNN_TOTAL(lang, total=total))
    statement = T.RNN_STATEMENT(lang, call=call, last=last)
    inputs: dict[str, Any] = {
        "layer": {
            "type": kind,
            "input_size": inp,
            "hidden_size": hid,
            "num_layers": layers,
            "bias": bias,
            "bidirectional": bidir,
        }
    }
    if difficulty >= 2:
        _, js, step_fields, step_steps, setup = _step(rng, lang)
        statement += "\n" + T.RNN_THEN(lang, setup=setup)
        fields += step_fields
        steps += step_steps
        inputs["step"] = js
    return Content(statement, None, inputs, fields, steps)


DRILL = Drill(
    name="rnn-params",
    titles=DRILL_TITLES["rnn-params"],
    questions=("d.07", "d.08", "d.09"),
    generator=generate,
)
