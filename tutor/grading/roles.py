"""Swapped roles: a key point stated of the wrong thing.

The commonest fluent wrong answer says of one component what holds for its partner:
"the decoder is shared and each person has an encoder", "D minimises what G
maximises". Every word of the key point is there, so matching terms cannot see it.
If the answer, with the two roles exchanged, states a key point it does not state as
written, the student has said that point with the roles the wrong way round.

Only pairs whose two words both occur in the question's model answer are exchanged,
so "mean" and "variance" are roles in a VAE question and ordinary words elsewhere.
Relations that are not roles (before/after, input/output, forward/backward, real/fake)
were measured and left out: a correct sentence names both far too often.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# Each family: two roles the course contrasts, as pairs of word forms exchanged together
# (English and Italian side by side; many course terms are the same in both). Forms are
# lower case; a form in the answer keeps its case; a form of several words matches
# across any spacing.
_FAMILIES: dict[str, tuple[tuple[str, str], ...]] = {
    "encoder-decoder": (
        ("encoder", "decoder"),
        ("encoders", "decoders"),
        ("encode", "decode"),
        ("encodes", "decodes"),
        ("encoded", "decoded"),
        ("encoding", "decoding"),
        ("codifica", "decodifica"),
        ("codificare", "decodificare"),
        ("codificato", "decodificato"),
        ("codificata", "decodificata"),
    ),
    "generator-discriminator": (
        ("generator", "discriminator"),
        ("generators", "discriminators"),
        ("generator's", "discriminator's"),
        ("generatore", "discriminatore"),
        ("generatori", "discriminatori"),
    ),
    "min-max": (
        ("minimize", "maximize"),
        ("minimizes", "maximizes"),
        ("minimized", "maximized"),
        ("minimizing", "maximizing"),
        ("minimise", "maximise"),
        ("minimises", "maximises"),
        ("minimised", "maximised"),
        ("minimising", "maximising"),
        ("minimum", "maximum"),
        ("minimizza", "massimizza"),
        ("minimizzare", "massimizzare"),
        ("minimizzano", "massimizzano"),
        ("minimizzato", "massimizzato"),
        ("minimizzata", "massimizzata"),
        ("minimo", "massimo"),
        ("minima", "massima"),
    ),
    "stride-padding": (("stride", "padding"),),
    "codebook-commitment": (("codebook", "commitment"),),
    "forget-input": (("forget gate", "input gate"),),
    "forget-output": (("forget gate", "output gate"),),
    "input-output-gate": (("input gate", "output gate"),),
    "reset-update": (("reset gate", "update gate"), ("reset", "update")),
    "mean-variance": (("mean", "variance"), ("media", "varianza")),
    "sigmoid-tanh": (("sigmoid", "tanh"), ("sigmoide", "tanh")),
    "batch-layer-norm": (
        ("batch norm", "layer norm"),
        ("batchnorm", "layernorm"),
        ("batch normalization", "layer normalization"),
    ),
}


def _norm(phrase: str) -> str:
    return " ".join(phrase.lower().split())


@dataclass(frozen=True)
class Swap:
    """One family's exchanges, as one pattern."""

    family: str
    table: dict[str, str]
    side: dict[str, int]  # form -> 0 or 1
    pattern: re.Pattern[str]

    def apply(self, text: str) -> str:
        """``text`` with every role word exchanged for its partner, case kept."""

        def one(m: re.Match[str]) -> str:
            word = m.group(0)
            other = self.table[_norm(word)]
            if word.isupper() and len(word) > 1:
                return other.upper()
            if word[0].isupper():
                return other[0].upper() + other[1:]
            return other

        return self.pattern.sub(one, text)

    def forms(self, text: str) -> set[str]:
        return {_norm(m.group(0)) for m in self.pattern.finditer(text)}

    def both_sides(self, text: str) -> bool:
        """Whether ``text`` names both roles: a swap is a claim about the two of them
        ("the decoder is shared, each person has an encoder"), while a sentence about one
        role only is as likely right as wrong."""
        return len({self.side[f] for f in self.forms(text)}) == 2


def _swap(family: str, pairs: tuple[tuple[str, str], ...]) -> Swap:
    table: dict[str, str] = {}
    side: dict[str, int] = {}
    for a, b in pairs:
        table.setdefault(a, b)
        table.setdefault(b, a)
        side.setdefault(a, 0)
        side.setdefault(b, 1)
    alts = "|".join(
        re.escape(w).replace(r"\ ", r"\s+") for w in sorted(table, key=len, reverse=True)
    )
    pattern = re.compile(rf"(?<![\w'])(?:{alts})(?![\w'])", re.IGNORECASE)
    return Swap(family, table, side, pattern)


SWAPS: tuple[Swap, ...] = tuple(_swap(name, pairs) for name, pairs in _FAMILIES.items())


def swaps_for(
    model_answers: dict[str, str], families: tuple[str, ...] | None = None
) -> tuple[Swap, ...]:
    """The families whose two roles both occur in the model answer (either language)."""
    text = " ".join(model_answers.values())
    return tuple(
        sw
        for sw in SWAPS
        if (families is None or sw.family in families)
        and len({sw.side[f] for f in sw.forms(text)}) == 2
    )


SWAPPED = "swapped-"  # id prefix of the misconception a swapped point becomes
_SWAPPED_TEXT = {
    "en": "Said with two roles exchanged.",
    "it": "Detto con due ruoli scambiati.",
}


def swapped_id(point_id: str) -> str:
    return SWAPPED + point_id


def swapped_point(misconception_id: str) -> str | None:
    """The key point a swapped-roles misconception stands for, or None for any other."""
    return misconception_id[len(SWAPPED) :] if misconception_id.startswith(SWAPPED) else None


def swapped_text(lang: str) -> str:
    """What the card says of a swapped point; the quote shows where, and the point itself
    is the correction."""
    return _SWAPPED_TEXT.get(lang, _SWAPPED_TEXT["en"])
