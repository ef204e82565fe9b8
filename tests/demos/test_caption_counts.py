"""Captions that quote a count put its noun in the right number (issue 14 review).

The captions are re-made from the shared quick run with the counts set to 1 and to
several; where the count's next word is a noun it must change between the two.
"""

from __future__ import annotations

import re

import pytest
import torch

from demos.g_gans.dcgan_digits import DCGANDigits
from demos.g_gans.gan_2d import GAN2D
from demos.h_advanced.latent_diffusion import _su
from demos.lib.images import count
from demos.platform.context import RunContext

# the counts each caption quotes, and how the demo is set up for its caption
COUNTS = {
    "gan-2d": (GAN2D, ("modes", "other_modes", "collapse_modes")),
    "dcgan-digits": (DCGANDigits, ("classes", "twin_classes")),
}
LINKS = {"of", "su", "di"}  # "1 of 8 modes", "1 modo su 8": the noun is elsewhere


def _caption(name: str, run, n: int):
    cls, keys = COUNTS[name]
    saved = run.saved
    history = [dict(h) for h in saved["history"]]
    history[-1].update({k: float(n) for k in keys})
    ctx = RunContext(
        params=saved["params"],
        device=torch.device("cpu"),
        quick=True,
        seed=saved["seed"],
        history=history,
    )
    demo = object.__new__(cls)
    if cls is GAN2D:
        demo.k = saved["params"]["modes"]
    return demo.caption(ctx)


def _after(text: str, n: int) -> list[tuple[int, str]]:
    words = text.split()
    return [(i, words[i + 1]) for i, w in enumerate(words[:-1]) if w == str(n)]


@pytest.mark.parametrize("name", sorted(COUNTS))
def test_a_count_of_one_takes_the_singular(name, quick_run):
    run = quick_run(name)
    one, several = _caption(name, run, 1), _caption(name, run, 5)
    for lang in ("en", "it"):
        a, b = getattr(one, lang), getattr(several, lang)
        assert "(es)" not in a, a
        pairs = list(zip(_after(a, 1), _after(b, 5), strict=True))
        assert pairs, (lang, a)
        nouns = [(x, y) for (_, x), (_, y) in pairs if x not in LINKS or y not in LINKS]
        assert nouns, (lang, a)
        for x, y in nouns:  # "1 class" / "5 classes", never the same word for both
            assert x != y, (lang, x, a, b)
    # the run's own caption (with its own counts) is what the demo wrote
    assert run.saved["caption"]["en"]


def test_count_and_the_italian_article():
    assert count(1, "modo", "modi") == "1 modo"
    assert count(3.0, "modo", "modi") == "3 modi"
    assert count(0, "class", "classes") == "0 classes"
    assert [_su(n) for n in (8, 11, 16, 64, 80)] == [
        "sugli 8",
        "sugli 11",
        "sui 16",
        "sui 64",
        "sugli 80",
    ]
    assert re.fullmatch(r"su(i|gli) \d+", _su(2))
