"""Which language a sentence is written in, from its function words.

Students mix English technical terms into Italian sentences ("il forget gate
resta vicino a 1"), so content words say little; articles, prepositions and
auxiliaries say a lot and are cheap to count.
"""

from __future__ import annotations

from collections.abc import Iterable

__all__ = [
    "EN_FUNCTION",
    "FUNCTION_WORDS",
    "IT_FUNCTION",
    "classify",
    "detect",
    "detect_words",
]


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# Normalised (lower-case, accent-free) function words; words shared by both
# languages ("a", "in", "come", "se") are left out of the language vote.
EN_FUNCTION = _words(
    """
    the of and to is are was were be been being it its this that these those with for on
    by from as at an or not no if then than so but which who what when where how why
    does do did done has have had can could will would should may might must into onto
    over under each every all any both one only also there their they them we our you your
    he she his her after before while because since through between about out up down
    very more most less such same other just same too much many some own off again once
    """
)
IT_FUNCTION = _words(
    """
    il lo la i gli le un uno una del dello della dei degli delle al allo alla ai agli alle
    dal dallo dalla dai dagli dalle nel nello nella nei negli nelle sul sullo sulla sui
    sugli sulle di da con su per tra fra e ed o oppure ma pero che chi cui non piu meno
    anche quando dove perche poi quindi cioe ogni tutti tutte tutto tutta questo questa
    questi queste quello quella quelli quelle sono siamo essere stato stata viene vengono
    ha hanno ho abbiamo puo possono deve devono si ci ne cosi molto poco dopo prima mentre
    invece sempre mai solo altro altra altri altre stesso stessa suo sua suoi sue loro
    della nello fa fanno cosa dunque oppure senza verso sia ossia ee
    """
)
FUNCTION_WORDS = EN_FUNCTION | IT_FUNCTION | _words("a in se come")


def detect_words(words: Iterable[str]) -> tuple[int, int]:
    """Counts of English-only and Italian-only function words among ``words``."""
    en = it = 0
    for w in words:
        if w in EN_FUNCTION:
            en += 1
        elif w in IT_FUNCTION:
            it += 1
    return en, it


def classify(en: int, it: int) -> str:
    """ "en", "it" or "mixed" from the counts of ``detect_words``.

    A quarter of the votes for the minority language makes a mix: one stray
    "the" in an Italian answer does not.
    """
    if en and it and min(en, it) / (en + it) >= 0.25:
        return "mixed"
    return "it" if it > en else "en"


def detect(words: Iterable[str]) -> str:
    """ "en", "it" or "mixed" for a bag of normalised words (English when unsure)."""
    return classify(*detect_words(words))
