"""Shared by the export tests (no tests here): a tiny bank with math, HTML-like text and code."""

from __future__ import annotations

from pathlib import Path

from quizbank import Bank, load_bank

ANSWER_EN = (
    "The gradient $\\nabla_\\theta L$ points uphill so we step against it: "
    "$$\\theta_{t+1} = \\theta_t - \\eta \\nabla L$$\n"
    "If $a_i * b_j < c$ the learning rate scales the step, <script>alert(1)</script> & co.\n"
    "Minibatches give a noisy estimate; in a shell `echo $HOME` costs $5 nothing.\n"
    "```\nx -> [h] -> y   $not math$\n```\n"
)
ANSWER_IT = (
    "Il gradiente $\\nabla L$ punta in salita quindi si va contro di esso.\n"
    "Il learning rate scala il passo.\n"
    "I minibatch danno una stima rumorosa.\n"
)


def _yaml_block(text: str, indent: int) -> str:
    pad = " " * indent
    return "|\n" + "".join(f"{pad}{line}\n" for line in text.splitlines())


def write_bank(directory: Path, answer_en: str = ANSWER_EN, topics: str = "xy") -> Path:
    """Two topics with two questions each; every key point is hit by the answers."""
    directory.mkdir(parents=True, exist_ok=True)
    for t in topics:
        out = [f"bank: cidl\ntopic: {t}\ntitle: {{en: Topic {t} title, it: Argomento {t}}}\n"]
        out.append("questions:\n")
        for i in (1, 2):
            kind = "open" if i == 1 else "exercise"
            out.append(
                f"""  - id: {t}.{i:02d}
    question: "Why <b>step</b> against the gradient ($\\\\nabla L$) in {t}.{i:02d}?"
    kind: {kind}
    answer:
      en: {_yaml_block(answer_en, 8)}      it: {_yaml_block(ANSWER_IT, 8)}    key_points:
      - {{id: dir, weight: 3, text: {{en: "Step against the gradient $\\\\nabla L$.", it: Contro il gradiente.}},
          terms: {{en: [[gradient], [against, opposite]], it: [[gradiente], [contro, opposto]]}}}}
      - {{id: lr, weight: 2, text: {{en: Learning rate scales the step., it: Il learning rate scala.}},
          terms: {{en: [[learning rate], [step]], it: [[learning rate], [passo]]}}}}
      - {{id: noise, weight: 1, text: {{en: Minibatch noise., it: Rumore del minibatch.}},
          terms: {{en: [[minibatch], [noisy, noise]], it: [[minibatch], [rumorosa, rumore]]}}}}
    misconceptions:
      - {{id: uphill, text: {{en: We follow the gradient uphill., it: Si segue il gradiente in salita.}},
          correction: {{en: Against it., it: Contro.}},
          terms: {{en: [[follow], [uphill]], it: [[segue], [salita]]}}}}
    demos: [sgd-descent]
    drills: [sgd-step]
    see_also: [{t}.{3 - i:02d}]
"""
            )
        (directory / f"{t}.yaml").write_text("".join(out), encoding="utf-8")
    return directory


def load(directory: Path) -> Bank:
    return load_bank([directory], include_builtin=False)
