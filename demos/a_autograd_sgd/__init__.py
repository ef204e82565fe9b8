"""Topic a: computational graphs, automatic differentiation and (stochastic) gradient descent.

The specs of ``autograd-graph`` and ``sgd-descent``; importing this package imports
neither torch nor the demos.
"""

from __future__ import annotations

from demos.platform import Bilingual, DemoSpec, Kind, Param, Plot

# the expressions autograd-graph can draw (its EXPRESSIONS table has exactly these keys)
EXPRESSIONS = ("bank", "sinexp", "ratio")

SPECS: tuple[DemoSpec, ...] = (
    DemoSpec(
        name="autograd-graph",
        title=Bilingual(
            en="Computational graphs: forward values, reverse adjoints, forward tangents",
            it=(
                "Grafi computazionali: valori in avanti, aggiunti in modalità inversa, tangenti "
                "in modalità diretta"
            ),
        ),
        questions=(
            "a.02",
            "a.03",
            "a.04",
            "a.05",
            "a.06",
            "a.07",
            "a.08",
            "a.09",
            "a.10",
            "a.11",
            "a.12",
            "a.13",
            "b.01",
        ),
        summary="A hand-written autodiff engine on a small expression (values, adjoints summed at "
        "fan-out, tangents) checked against torch.autograd, forward_ad and torch.func; then "
        "the cost of a whole Jacobian by forward vs reverse mode as inputs/outputs grow.",
        params=(
            Param("expr", Kind.STR, "bank", "expression (bank = x·y·(x·y+y))", choices=EXPRESSIONS),
            Param("x", Kind.FLOAT, 2.0, "value of the input x", -5.0, 5.0),
            Param("y", Kind.FLOAT, 3.0, "value of the input y (not 0 for 'ratio')", -5.0, 5.0),
            Param("steps", Kind.INT, 12, "sizes in the Jacobian-cost sweep", 2, 64),
            Param("max_inputs", Kind.INT, 512, "largest n (inputs of the wide function)", 4, 4096),
            Param(
                "outputs",
                Kind.INT,
                4,
                "m: outputs of the wide / inputs of the tall function",
                1,
                64,
            ),
            Param("repeats", Kind.INT, 3, "timing repeats (the best is kept)", 1, 50),
        ),
        quick={"steps": 20, "max_inputs": 96, "repeats": 2},
        plots=(
            Plot(
                "wide-fwd-ms",
                "wide R^n→R^m: Jacobian time (ms, log): forward n passes, reverse m",
                ("wide_fwd_ms", "wide_rev_ms"),
                log=True,
            ),
            Plot(
                "tall-fwd-ms",
                "tall R^m→R^n: Jacobian time (ms, log): forward m passes, reverse n",
                ("tall_fwd_ms", "tall_rev_ms"),
                log=True,
            ),
            Plot(
                "ratio",
                "time of the wrong mode / the right one, vs passes n/m (log)",
                ("wide_ratio_ms", "tall_ratio_ms", "passes_ratio"),
                log=True,
            ),
            Plot("n", "inputs n", ("n",)),
            Plot("jac-err", "max |jacfwd − jacrev|", ("jac_err",)),
        ),
        focus="heatmap:heatmap-0",
        impl="demos.a_autograd_sgd.autograd_graph:AutogradGraph",
    ),
    DemoSpec(
        name="sgd-descent",
        title=Bilingual(
            en="Gradient descent vs SGD on a loss surface; linear regression with torch.optim.SGD",
            it=(
                "Discesa del gradiente e SGD su una superficie di loss; regressione lineare con "
                "torch.optim.SGD"
            ),
        ),
        questions=("a.01", "a.14", "b.10", "b.11", "b.12"),
        summary="Linear regression with nn.Linear, MSELoss, DataLoader and optim.SGD from one "
        "start: SGD with batch 1 vs batch 64 (noise ∝ 1/√B), full-batch GD, and GD with η just "
        "above 2/λ_max overshooting and diverging, on one loss surface and one loss scale; "
        "a.14's 1-D step; SGD step checked by hand.",
        params=(
            Param("steps", Kind.INT, 400, "SGD steps (minibatches)", 5, 100_000),
            Param("batch", Kind.INT, 64, "large minibatch size (= n gives full-batch GD)", 1, 4096),
            Param("small_batch", Kind.INT, 1, "small minibatch size of the noisy twin", 1, 4096),
            Param(
                "lr", Kind.FLOAT, 0.05, "learning rate η (GD diverges above about 0.75)", 1e-5, 2.0
            ),
            Param(
                "overshoot",
                Kind.FLOAT,
                1.02,
                "η of the too-large-step GD twin, as a multiple of the limit 2/λ_max",
                1.0,
                3.0,
            ),
            Param("n", Kind.INT, 256, "number of data points", 8, 100_000),
            Param("slope", Kind.FLOAT, 2.0, "true slope", -10.0, 10.0),
            Param("intercept", Kind.FLOAT, -1.0, "true intercept", -10.0, 10.0),
            Param("noise", Kind.FLOAT, 0.5, "standard deviation of the label noise", 0.0, 10.0),
            Param("w0", Kind.FLOAT, -2.0, "initial slope", -10.0, 10.0),
            Param("b0", Kind.FLOAT, 3.0, "initial intercept", -10.0, 10.0),
        ),
        quick={"steps": 150},
        plots=(
            Plot(
                "loss-sgd",
                "full-data loss: batch 64, batch 1, GD, GD with too-large η (log)",
                ("loss_sgd", "loss_small", "loss_gd", "loss_big", "loss_min"),
                log=True,
            ),
            Plot(
                "excess",
                "excess loss L − L_min: batch 1 stays noisier (log)",
                ("excess_small", "excess_sgd", "excess_gd"),
                log=True,
            ),
            Plot("w-sgd", "slope w", ("w_sgd", "w_small", "w_gd", "w_star")),
            Plot("b-sgd", "intercept b", ("b_sgd", "b_small", "b_gd", "b_star")),
            Plot(
                "grad-noise",
                "minibatch gradient noise (std of dL/dw): batch 1 vs 64",
                ("grad_noise_small", "grad_noise"),
            ),
        ),
        focus="heatmap:heatmap-0",
        impl="demos.a_autograd_sgd.sgd_descent:SGDDescent",
    ),
)
