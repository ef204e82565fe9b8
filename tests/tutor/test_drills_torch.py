"""Every drill's expected answers against PyTorch, over many seeds and all difficulties.

The reference is rebuilt from the exercise's JSON ``inputs`` only, so a drill that computes
the right numbers for the wrong exercise (or describes it wrongly) fails too.
"""

from __future__ import annotations

import math
from fractions import Fraction

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from tutor.drills import registry

SEEDS = range(400)  # x 3 difficulties x 8 drills = 9600 exercises checked against torch
DIFFICULTIES = (1, 2, 3)


def close(a: float, b: float, tol: float = 1e-9) -> bool:
    return math.isclose(a, b, rel_tol=tol, abs_tol=tol)


def expected_float(field) -> float:
    return float(field.expected)


def exercises(name: str):
    drill = registry.get(name)
    for d in DIFFICULTIES:
        for s in SEEDS:
            yield drill.generate(s, d)


# ---------------------------------------------------------------- computational graphs

UNARY = {
    "exp": torch.exp,
    "log": torch.log,
    "sin": torch.sin,
    "tanh": torch.tanh,
    "sigmoid": torch.sigmoid,
}


def build_graph(inputs: dict, leaves: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    vals: dict[str, torch.Tensor] = {}
    for node in inputs["nodes"]:
        op, args = node["op"], [vals[a] for a in node["args"]]
        if op == "input":
            vals[node["id"]] = leaves[node["name"]]
        elif op == "add":
            vals[node["id"]] = args[0] + args[1]
        elif op == "sub":
            vals[node["id"]] = args[0] - args[1]
        elif op == "mul":
            vals[node["id"]] = args[0] * args[1]
        elif op == "div":
            vals[node["id"]] = args[0] / args[1]
        elif op == "pow":
            vals[node["id"]] = args[0] ** node["k"]
        else:
            vals[node["id"]] = UNARY[op](args[0])
    return vals


def leaves_of(inputs: dict, requires_grad: bool) -> dict[str, torch.Tensor]:
    return {
        name: torch.tensor(float(Fraction(v)), dtype=torch.float64, requires_grad=requires_grad)
        for name, v in inputs["x"].items()
    }


def check_values(ex, vals: dict[str, torch.Tensor]) -> None:
    for f in ex.fields:
        if f.key in vals:
            assert close(expected_float(f), vals[f.key].item()), (ex.seed, f.key)


def test_cg_reverse_matches_autograd():
    n = 0
    for ex in exercises("cg-reverse"):
        inputs = ex.inputs
        vals = build_graph(inputs, leaves_of(inputs, True))
        for v in vals.values():
            if not v.is_leaf:
                v.retain_grad()
        out = vals[inputs["output"]]
        ids = [k for k in vals if k != inputs["output"]]
        grads = torch.autograd.grad(out, [vals[k] for k in ids], allow_unused=True)
        check_values(ex, vals)
        bars = {f.key: f for f in ex.fields if f.key.endswith("_bar")}
        assert set(bars) == {f"{k}_bar" for k in ids}
        for k, g in zip(ids, grads, strict=False):
            ref = 0.0 if g is None else g.item()
            assert close(expected_float(bars[f"{k}_bar"]), ref), (ex.seed, ex.difficulty, k)
        n += 1
    assert n == len(SEEDS) * len(DIFFICULTIES)


def test_cg_forward_matches_forward_ad_and_jvp():
    import torch.autograd.forward_ad as fwAD

    for ex in exercises("cg-forward"):
        inputs = ex.inputs
        wrt = inputs["wrt"]
        leaves = leaves_of(inputs, False)
        with fwAD.dual_level():
            duals = {
                k: fwAD.make_dual(v, torch.ones_like(v) if k == wrt else torch.zeros_like(v))
                for k, v in leaves.items()
            }
            vals = build_graph(inputs, duals)
            tangents = {}
            for k, v in vals.items():
                primal, tangent = fwAD.unpack_dual(v)
                tangents[k] = 0.0 if tangent is None else tangent.item()
                vals[k] = primal
        check_values(ex, vals)
        dots = [f for f in ex.fields if f.key.endswith("_dot")]
        assert dots
        for f in dots:
            assert close(expected_float(f), tangents[f.key[: -len("_dot")]]), (ex.seed, f.key)
        # the last tangent is df/dx_wrt: cross-check with torch.func.jvp on the whole function
        names = list(leaves)

        def fn(*xs, names=names, inputs=inputs):
            return build_graph(inputs, dict(zip(names, xs, strict=False)))[inputs["output"]]

        primals = tuple(leaves[k] for k in names)
        tans = tuple(
            torch.ones_like(p) if k == wrt else torch.zeros_like(p)
            for k, p in zip(names, primals, strict=False)
        )
        _, jvp_out = torch.func.jvp(fn, primals, tans)
        assert close(expected_float(dots[-1]), jvp_out.item())


def test_cg_exact_fields_are_exact_and_shared_subexpressions_exist():
    for ex in exercises("cg-reverse"):
        kinds = {f.kind for f in ex.fields}
        assert kinds <= {"exact", "decimal"}
        if ex.difficulty == 1:
            assert kinds == {"exact"}, ex.seed  # by hand: no transcendental at level 1
        consumers: dict[str, int] = {}
        for node in ex.inputs["nodes"]:
            for a in node["args"]:
                consumers[a] = consumers.get(a, 0) + 1
        assert max(consumers.values()) >= 2, ex.seed  # some node feeds several others


# ---------------------------------------------------------------- sgd-step


def test_sgd_step_matches_torch_optim_sgd():
    for ex in exercises("sgd-step"):
        inp = ex.inputs
        data = torch.tensor(inp["data"], dtype=torch.float64)[inp["batch"]]  # (m, 2)
        x, y = data[:, 0], data[:, 1]
        w = torch.tensor(float(Fraction(inp["w0"])), dtype=torch.float64, requires_grad=True)
        params = [w]
        b = torch.tensor(0.0, dtype=torch.float64)
        if inp["b0"] is not None:
            b = torch.tensor(float(Fraction(inp["b0"])), dtype=torch.float64, requires_grad=True)
            params.append(b)
        opt = torch.optim.SGD(params, lr=float(Fraction(inp["lr"])))
        loss = F.mse_loss(w * x + b, y)
        opt.zero_grad()
        loss.backward()
        got = {"loss0": loss.item(), "grad_w": w.grad.item()}
        if inp["b0"] is not None:
            got["grad_b"] = b.grad.item()
        opt.step()
        with torch.no_grad():
            got["w1"] = w.item()
            got["loss1"] = F.mse_loss(w * x + b, y).item()
            if inp["b0"] is not None:
                got["b1"] = b.item()
        assert {f.key for f in ex.fields} == set(got)
        for f in ex.fields:
            assert f.kind == "exact"
            assert close(expected_float(f), got[f.key]), (ex.seed, ex.difficulty, f.key)


# ---------------------------------------------------------------- tensor-shapes


def torch_shape(fn):
    try:
        return tuple(fn().shape)
    except RuntimeError:
        return None


def test_tensor_shapes_match_torch():
    seen = {"error": 0, "legal": 0, "illegal": 0}
    for ex in exercises("tensor-shapes"):
        for q in ex.inputs["questions"]:
            key, op = q["key"], q["op"]
            if op == "broadcast":
                a, b = torch.empty(q["a"]), torch.empty(q["b"])
                ref = torch_shape(lambda a=a, b=b, s=q["sym"]: a + b if s == "+" else a * b)
            elif op == "matmul":
                a, b = torch.empty(q["a"]), torch.empty(q["b"])
                ref = torch_shape(lambda a=a, b=b: a @ b)
            elif op == "reduce":
                t = torch.randn(q["shape"])
                fn = getattr(t, q["fn"])
                if q["dims"] is None:
                    res = fn()
                else:
                    dims = q["dims"][0] if len(q["dims"]) == 1 else tuple(q["dims"])
                    res = fn(dim=dims, keepdim=q["keepdim"])
                    res = res.values if q["fn"] == "max" else res
                ref = tuple(res.shape)
            elif op == "view_infer":
                t = torch.empty(q["shape"])
                ref = torch_shape(lambda t=t, n=q["new"]: t.view(*n))
            else:
                n = math.prod(q["shape"])
                u = torch.arange(n).reshape(q["shape"]).permute(q["perm"])
                assert ex.field(f"{key}_contig").expected == u.is_contiguous()
                legal = torch_shape(lambda u=u, n=q["new"]: u.view(*n)) is not None
                assert ex.field(f"{key}_view").expected == legal, (ex.seed, q)
                seen["legal" if legal else "illegal"] += 1
                continue
            assert ex.field(key).expected == ref, (ex.seed, ex.difficulty, q)
            seen["error"] += ref is None
    assert all(v > 20 for v in seen.values()), seen  # every outcome is exercised


# ---------------------------------------------------------------- conv-shape


def test_conv_shapes_and_params_match_torch():
    for ex in exercises("conv-shape"):
        x = torch.zeros(ex.inputs["input"], device="meta")  # shapes only, no arithmetic
        total = 0
        for i, spec in enumerate(ex.inputs["layers"], start=1):
            common = dict(
                kernel_size=tuple(spec["kernel_size"]),
                stride=tuple(spec["stride"]),
                padding=tuple(spec["padding"]),
            )
            if spec["type"] == "Conv2d":
                layer = nn.Conv2d(
                    spec["in_channels"],
                    spec["out_channels"],
                    dilation=tuple(spec["dilation"]),
                    bias=spec["bias"],
                    device="meta",
                    **common,
                )
                n = sum(p.numel() for p in layer.parameters())
                assert ex.field(f"L{i}_params").expected == n
                total += n
            else:
                layer = getattr(nn, spec["type"])(**common)
            with torch.no_grad():
                x = layer(x)
            assert ex.field(f"L{i}_shape").expected == tuple(x.shape[1:]), (ex.seed, i)
        if ex.difficulty > 1:
            assert ex.field("total_params").expected == total


# ---------------------------------------------------------------- rnn-params


def test_rnn_param_counts_and_steps_match_torch():
    torch.manual_seed(0)
    for ex in exercises("rnn-params"):
        spec = dict(ex.inputs["layer"])
        kind = spec.pop("type")
        module = getattr(nn, kind)(**spec)
        assert ex.field("total").expected == sum(p.numel() for p in module.parameters())
        for f in ex.fields:
            if f.key.startswith("weight_"):
                assert f.expected == tuple(getattr(module, f.key).shape)
        if "step" in ex.inputs:
            check_step(ex)


def check_step(ex) -> None:
    st = ex.inputs["step"]
    g = {k: {n: float(Fraction(v)) for n, v in w.items()} for k, w in st["gates"].items()}
    order = ("i", "f", "g", "o") if st["cell"] == "LSTM" else ("r", "z", "n")
    cell = getattr(nn, st["cell"])(1, 1).double()
    with torch.no_grad():
        cell.weight_ih_l0.copy_(torch.tensor([[g[k]["w_x"]] for k in order]))
        cell.weight_hh_l0.copy_(torch.tensor([[g[k]["w_h"]] for k in order]))
        cell.bias_ih_l0.copy_(torch.tensor([g[k]["b"] for k in order]))
        cell.bias_hh_l0.copy_(torch.tensor([g[k].get("b_h", 0.0) for k in order]))
    x = torch.tensor([[[float(Fraction(st["x"]))]]], dtype=torch.float64)  # (T, B, I)
    h0 = torch.tensor([[[float(Fraction(st["h0"]))]]], dtype=torch.float64)  # (L, B, H)
    with torch.no_grad():
        pre = cell.weight_ih_l0 @ x[0, 0] + cell.bias_ih_l0  # (G,)
        hid = cell.weight_hh_l0 @ h0[0, 0] + cell.bias_hh_l0  # (G,)
        if st["cell"] == "LSTM":
            c0 = torch.tensor([[[float(Fraction(st["c0"]))]]], dtype=torch.float64)
            _, (h1, c1) = cell(x, (h0, c0))
            i, f, gg, o = (pre + hid).chunk(4)
            ref = {
                "i": torch.sigmoid(i),
                "f": torch.sigmoid(f),
                "g": torch.tanh(gg),
                "o": torch.sigmoid(o),
                "c1": c1,
                "h1": h1,
            }
        else:
            _, h1 = cell(x, h0)
            r = torch.sigmoid(pre[0] + hid[0])
            z = torch.sigmoid(pre[1] + hid[1])
            ref = {"r": r, "z": z, "n": torch.tanh(pre[2] + r * hid[2]), "h1": h1}
    for k, v in ref.items():
        assert close(ex.field(f"step_{k}").expected, v.item()), (ex.seed, k)


# ---------------------------------------------------------------- vq-assign


def test_vq_distances_and_codes_match_cdist():
    for ex in exercises("vq-assign"):
        z = torch.tensor(
            [[float(Fraction(v)) for v in row] for row in ex.inputs["z"]], dtype=torch.float64
        )  # (N, D)
        e = torch.tensor(
            [[float(Fraction(v)) for v in row] for row in ex.inputs["codebook"]],
            dtype=torch.float64,
        )  # (K, D)
        d2 = torch.cdist(z, e) ** 2  # (N, K)
        codes = d2.argmin(dim=1)
        for i in range(z.shape[0]):
            assert ex.field(f"code{i}").expected == codes[i].item()
            for j in range(e.shape[0]):
                assert close(expected_float(ex.field(f"d{i}_{j}")), d2[i, j].item(), 1e-6)


# ---------------------------------------------------------------- iou-nms


def raster(box, size: int = 16) -> torch.Tensor:
    m = torch.zeros(size, size, dtype=torch.bool)  # (H, W): one cell per unit square
    m[box[1] : box[3], box[0] : box[2]] = True
    return m


def brute_iou(a, b) -> float:
    ma, mb = raster(a), raster(b)
    return (ma & mb).sum().item() / (ma | mb).sum().item()


def brute_nms(boxes, scores, thr) -> set[int]:
    order = sorted(range(len(boxes)), key=lambda i: -scores[i])
    keep: list[int] = []
    for i in order:
        if all(brute_iou(boxes[i], boxes[k]) <= thr for k in keep):
            keep.append(i)
    return set(keep)


def test_iou_and_nms_match_brute_force():
    try:
        from torchvision.ops import nms as tv_nms
    except ImportError:  # torchvision is optional
        tv_nms = None
    for ex in exercises("iou-nms"):
        inp = ex.inputs
        assert close(expected_float(ex.field("iou_ab")), brute_iou(inp["a"], inp["b"]))
        if "boxes" not in inp:
            continue
        scores = [float(Fraction(s)) for s in inp["scores"]]
        thr = float(Fraction(inp["threshold"]))
        assert ex.field("kept").expected == brute_nms(inp["boxes"], scores, thr)
        if tv_nms is not None:
            kept = tv_nms(
                torch.tensor(inp["boxes"], dtype=torch.float64),
                torch.tensor(scores, dtype=torch.float64),
                thr,
            )
            assert set(kept.tolist()) == ex.field("kept").expected


@pytest.mark.parametrize("name", registry.names())
def test_every_drill_is_covered_here(name):
    covered = {
        "cg-reverse",
        "cg-forward",
        "sgd-step",
        "tensor-shapes",
        "conv-shape",
        "rnn-params",
        "vq-assign",
        "iou-nms",
    }
    assert name in covered
