"""Negation, contrast and claim boundaries inside a sentence.

A key point is not covered by "view does not copy the data" when the point says
it copies; a misconception is not stated by "unlike a VAE, which samples z, …" or
"padding prevents the output from shrinking". The matcher asks, for each matched
term, whether a negation or a denial governs it, whether it sits in a contrast
("unlike X", "instead of X", "than X") that attributes it to something else, and
which clause and which claim of the sentence it belongs to.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from quizbank.textnorm import OPERATOR_WORDS

from .lang import FUNCTION_WORDS, detect_words

__all__ = [
    "BOUNDARY_WORDS",
    "CLAIM_BOUNDARIES",
    "CONTRAST_WORDS",
    "CUES",
    "META",
    "NEGATION_WORDS",
    "NONE",
    "NO_OWNED",
    "PUNCT",
    "TOKEN_RE",
    "Owned",
    "bracket_depth",
    "claim_ids",
    "clause_ids",
    "contrast_positions",
    "governed",
    "hypothetical_positions",
    "negated_near",
    "negated_positions",
    "negation_sources",
    "owned_cues",
    "plain_cue",
    "strip_negation",
]


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


CUES = _words(
    "not never no none nothing cannot neither nor without non mai nessun nessuno nessuna "
    "niente nulla neanche nemmeno neppure senza"
)
# Verbs of denial: what they govern is said not to happen ("prevents the output from
# shrinking", "evita che l'output si riduca", "detach stops the gradient").
DENIAL_CUES = _words(
    "prevent prevents prevented preventing avoid avoids avoided avoiding stop stops stopped "
    "stopping block blocks blocked lacks lack unnecessary evita evitano evitare evitando "
    "impedisce impediscono impedire previene prevengono prevenire blocca bloccano bloccare"
)
# "detach removes the gradient", "gets rid of the gradient", "elimina il gradiente": said of
# the gradient, a removal denies that it flows; "NMS removes the overlapping boxes" is what
# NMS does, not a denial.
_REMOVE_VERBS = _words(
    "remove removes removed removing eliminate eliminates eliminated eliminating rid elimina "
    "eliminano eliminare eliminando rimuove rimuovono rimuovere rimuovendo toglie tolgono"
)
_RID_AFTER = _words("get gets got getting")
_FLOW_OBJECTS = _words(
    "gradient gradients grad grads gradiente gradienti flow flusso backprop backpropagation "
    "signal segnale"
)
_REMOVE_SKIP = _words("the a an any all its their every of il lo la l i gli le ogni qualsiasi")
# Two-word denials: the cue is the second word ("instead of X", "rather than X").
# ("instead of X", "rather than X" are contrasts, see below: a key point may be stated
# right next to one, "the probability that it is real rather than generated".)
_DENIAL_PAIRS = {("no", "need"), ("an", "error"), ("un", "errore")}
# "raises an error", "solleva un errore": an error is a denial only when something raises
# it; "un errore di training più alto" is a quantity.
_RAISES = _words(
    "raise raises raised raising throw throws threw thrown give gives gave get gets got "
    "produce produces return returns is with solleva sollevano sollevare lancia lanciano "
    "genera generano restituisce restituiscono producono ottiene ottengono ee e con da danno"
)
# "block" is a verb ("detach blocks the gradient") when an object follows, else the noun
# of ResNets ("residual blocks with skip connections", "each block is a conv").
_VERB_NOUNS = _words("block blocks")
_OBJECT_START = _words(
    "the a an any all every its their this that these those it them gradient gradients flow "
    "backprop backpropagation information signal il lo la l i gli le un una ogni qualsiasi "
    "qualunque"
)
_STOP_VERBS = _words("stop stops stopped stopping ferma fermano fermare fermando")
_STOP_AT = _words("at before in alla al prima a")
_STOP_NOUN_NEXT = _words("gradient gradients grad sg")
# "non-linearity", "non-maximum suppression", "non stazionaria": "non" before one of these
# is a prefix and denies only the word it is attached to.
_NON_PREFIX_ROOTS = (
    "linear",
    "stazionar",
    "stationar",
    "saturat",
    "saturant",
    "maxim",
    "massim",
    "negativ",
    "contigu",
    "convex",
    "convess",
    "match",
    "corrispond",
    "zero",
    "scalar",
    "differentiab",
    "differenziab",
    "learnab",
    "apprendib",
    "trivial",
    "banal",
    "parametric",
    "overlap",
    "sovrappost",
    "uniform",
    "monoton",
    "digit",
    "cifr",
    "convergen",
    "quantiz",
    "causal",
)
# "finché la memoria non si riempie" means until it fills: the "non" is expletive.
_EXPLETIVE_BEFORE = _words("finche finch")
_EXPLETIVE_REACH = 12
# "diverso da zero", "different from zero": not zero.
_DIFFERENT = _words("diverso diversa diversi diverse different distinct")
_DIFFERENT_FROM = _words("da dal from")
_ZERO = _words("zero 0 nullo nulla")
# "X is not needed": the negation reaches back to X.
_BACKWARD_AFTER = _words(
    "needed required necessary used use applied involved present sampled stored learned "
    "trained necessario necessaria necessari necessarie serve servono usato usata usati usate "
    "utilizzato utilizzata campionato campionata richiesto richiesta usa usano campiona "
    "impara imparano apprende exist exists existed esiste esistono matter matters conta "
    "contano importa sense senso"
)
_BACKWARD_REACH = 4  # content words
_BACKWARD_TOKENS = 9
_POST_DENIALS = _words(
    "useless pointless unnecessary superfluous irrelevant inutile inutili superfluo superflua "
    "superflui superflue irrilevante irrilevanti"
)
# "random access by index doesn't make sense", "non ha senso": the subject is denied
_BACKWARD_SKIP = _words("be is are been being get gets si e viene vengono make makes ha")
# "not only X", "not just X", "non solo X" deny the restriction, not X: only the word
# "only" is negated ("a tensor is not just an array" denies "just an array", "not only
# the sign but also the size" affirms the sign). "non appena" (as soon as) denies nothing.
_FALSE_CUES = {("not", "only"), ("not", "just"), ("non", "solo"), ("non", "appena")}
_RESTRICTIVE = _words("only just solo")
# English contractions arrive as "doesn t" after normalisation.
_CONTRACTED = _words("don doesn didn isn aren wasn weren can couldn won wouldn shouldn hasn haven")
# Words that end the scope of a negation.
BOUNDARY_WORDS = _words(
    "but while whereas although though instead however so because since then and or thus "
    "hence therefore ma mentre pero invece quindi perche poiche poi e ed o oppure cioe dunque "
    "anzi bensi"
)
# Words that start a new claim: contrast and cause, not "and"/"or" (a claim may list).
CLAIM_BOUNDARIES = _words(
    "but while whereas although though however because since thus hence therefore yet "
    "ma mentre pero invece perche poiche quindi dunque tuttavia sebbene benche anzi bensi "
    "siccome"
)
PUNCT = frozenset(",;:()[]")
_BRACKETS = frozenset("()[]")
_CLAIM_PUNCT = frozenset(";")  # not brackets: model(x), G(z).detach() are everywhere
ARROW = "->"
SCOPE = 3  # words after a cue that it negates (articles and auxiliaries not counted)
# "non devi scrivere le derivate a mano", "non ha effetto sulla convergenza": modals,
# auxiliaries, articles and prepositions do not use up the scope, the words they carry do.
_SCOPE_FREE = FUNCTION_WORDS | _words(
    "to need needs it its l devi dover dovere bisogna bisogno c alcun alcuna alcuno alcuni alcune"
)
DENIAL_SCOPE = 5  # "prevents the output from shrinking"
TOKEN_RE = re.compile(r"[a-z0-9]+|->|[,;:()\[\]]")

# Contrasts: what follows is said of something else ("unlike a VAE, which samples z").
_CONTRAST_ONE = _words("unlike than anziche diversamente contrariamente")
_CONTRAST_TWO = {
    ("contrary", "to"),
    ("opposed", "to"),
    ("differently", "from"),
    ("different", "from"),
    ("contrast", "to"),
    ("contrast", "with"),
    ("compared", "to"),
    ("compared", "with"),
    ("instead", "of"),
    ("rather", "than"),
    ("place", "of"),
    ("differenza", "di"),
    ("differenza", "del"),
    ("differenza", "della"),
    ("differenza", "dei"),
    ("differenza", "delle"),
    ("differenza", "dello"),
    ("differenza", "degli"),
    ("differenza", "dell"),
    ("contrario", "di"),
    ("contrario", "del"),
    ("contrario", "della"),
    ("invece", "di"),
    ("invece", "del"),
    ("invece", "della"),
    ("invece", "dei"),
    ("invece", "delle"),
    ("invece", "dello"),
    ("invece", "degli"),
    ("invece", "dell"),
    ("piuttosto", "che"),
    ("posto", "di"),
    ("posto", "del"),
    ("posto", "della"),
    ("rispetto", "a"),
    ("rispetto", "al"),
    ("rispetto", "alla"),
    ("rispetto", "ai"),
    ("rispetto", "agli"),
    ("rispetto", "alle"),
    ("rispetto", "allo"),
    ("rispetto", "all"),
    ("confronto", "a"),
    ("confronto", "con"),
}
_CONTRAST_REACH = 5  # words of the contrasted phrase
# The words of a contrast cue, for telling a term that is only a cue ("unlike", "instead
# of", "a differenza di").
CONTRAST_WORDS = _CONTRAST_ONE | _words("instead of rather than invece di a differenza piuttosto")
_ARTICLES = _words("the a an il lo la l i gli le un una uno")
_RELATIVE_REACH = 20
# A relative clause right after the contrast still speaks of the contrasted thing.
_RELATIVE = _words("which that who whose where whom che cui dove quale quali")
_RELATIVE_PREP = _words("in of by with for on from per con da di nel nella nei nelle al alla")


# "se no fa una copia", "if not, it copies": "otherwise", which denies nothing after it
# ("if not contiguous, it copies" still denies "contiguous").
_IF = _words("if se")


def _otherwise(words: list[str], i: int) -> bool:
    if i == 0 or words[i - 1] not in _IF:
        return False
    nxt = words[i + 1] if i + 1 < len(words) else ""
    return words[i] == "no" or (words[i] == "not" and (nxt in PUNCT or not nxt))


def _is_cue(words: list[str], i: int) -> bool:
    w = words[i]
    nxt = words[i + 1] if i + 1 < len(words) else ""
    if w in CUES:
        if _otherwise(words, i):
            return False
        if w == "nothing" and nxt in _RELATIVE_PREP:
            return False  # "nothing in the loss rewards small codes": not "not in the loss"
        return (w, nxt) not in _FALSE_CUES and not _expletive(words, i)
    if w in _VERB_NOUNS:
        return nxt in _OBJECT_START
    if w in _STOP_VERBS:
        # "detach stops the gradient", "backprop stops at the argmin"; not "stop-gradient",
        # nor "stop training when the validation loss rises" (early stopping)
        if w == "stop" and nxt in _STOP_NOUN_NEXT:
            return False  # "the stop-gradient", "lo stop gradient": the operator's name
        return nxt in _OBJECT_START or nxt in _STOP_AT
    if w in DENIAL_CUES:
        return True
    if w in _REMOVE_VERBS:
        if w == "rid" and not (i > 0 and words[i - 1] in _RID_AFTER):
            return False
        k = i + 1
        while k < len(words) and k - i <= 3 and words[k] in _REMOVE_SKIP:
            k += 1
        return k < len(words) and words[k] in _FLOW_OBJECTS
    if i > 0 and (words[i - 1], w) in _DENIAL_PAIRS:
        return w not in ("error", "errore") or (i > 1 and words[i - 2] in _RAISES)
    return w == "t" and i > 0 and words[i - 1] in _CONTRACTED


# "z is useless", "la scala è irrilevante": said of the subject; "an irrelevant history" is
# an adjective of its noun.
_COPULAS = _words(
    "is are be been being was were becomes become became seems seem ee e sono diventa "
    "diventano risulta risultano resta restano rimane rimangono"
)
_COPULA_REACH = 3


_WRONG = _words("wrong sbagliato sbagliata sbagliati sbagliate")
_WOULD = _words("would sarebbe sarebbero")


def _would_be_wrong(words: list[str], i: int) -> bool:
    """ "X would be wrong", "X sarebbe sbagliato", "f'(g'(x)) è sbagliato": X is denied
    (not "the wrong sign", nor "è sbagliato pensare che", a meta-denial)."""
    if words[i] not in _WRONG:
        return False
    if any(words[j] in _WOULD for j in range(max(0, i - _COPULA_REACH), i)):
        return True
    nxt = words[i + 1] if i + 1 < len(words) else ""
    return _predicative(words, i) and (not nxt or _ends_scope(words, i + 1))


def _predicative(words: list[str], i: int) -> bool:
    return any(words[j] in _COPULAS for j in range(max(0, i - _COPULA_REACH), i))


def plain_cue(word: str) -> bool:
    """A negation word ("not", "never", "senza"), as opposed to a verb of denial."""
    return word in CUES or word == "t"


def _expletive(words: list[str], i: int) -> bool:
    """ "finché … non": the Italian "non" after "finché" in the same claim says "until"."""
    if words[i] != "non":
        return False
    for j in range(i - 1, max(-1, i - 1 - _EXPLETIVE_REACH), -1):
        if words[j] in _EXPLETIVE_BEFORE:
            return True
        if words[j] in CLAIM_BOUNDARIES or words[j] in _CLAIM_PUNCT:
            return False
    return False


def _prefix(words: list[str], i: int) -> bool:
    """ "non-linearity", "non stazionaria": "non" as a prefix of the next word."""
    nxt = words[i + 1] if i + 1 < len(words) else ""
    return words[i] == "non" and nxt.startswith(_NON_PREFIX_ROOTS)


def _copula(words: list[str], i: int) -> bool:
    """Whether this boundary word is none: "e"/"o" that are not the Italian "and"/"or"
    ("è" typed without its accent after a negation, "non e"; a letter of an English
    sentence, "DALL-E", "x o y"), or a bare "invece"/"instead", an adverb inside its
    clause ("eval() invece serve per calcolare l'accuratezza", "use model(x) instead")."""
    w = words[i]
    if w in _ADVERBS:
        return (words[i + 1] if i + 1 < len(words) else "") not in _ADVERB_PREPS
    if w in _MID_ADVERBS:
        return _inside_clause(words, i)
    if w == "e" and i > 0 and words[i - 1] in CUES:
        return True  # "non è" keeps its scope
    prev = words[i - 1] if i else ""
    nxt = words[i + 1] if i + 1 < len(words) else ""
    if w in _ITALIAN_CONJUNCTIONS and (prev in _FORMULA_SIDES or nxt in _FORMULA_SIDES):
        return True  # a variable of a formula: "sg[e]", "z_e meno e"
    if w == "e" and nxt in _AFTER_COPULA:
        return True  # "è" typed without its accent: "lo spazio e sempre continuo"
    return w in _ITALIAN_CONJUNCTIONS and _english(tuple(words))


_FORMULA_SIDES = frozenset("[]()") | OPERATOR_WORDS | _words("meno diviso")
# words that follow "è" and never an "and": adverbs and the predicates students use
_AFTER_COPULA = _words(
    "sempre mai molto piu meno gia spesso quasi proprio ancora davvero poco troppo "
    "uguale pari simile diverso vero falso possibile necessario differenziabile "
    "costante nullo zero stato dato definito chiamato detto inutile inutili utile utili "
    "fisso fissa fissi fisse importante fondamentale sbagliato sbagliata giusto giusta "
    "corretto corretta obbligatorio obbligatoria impossibile deterministico deterministica "
    "stocastico stocastica lineare discreto discreta uguali diversa diversi simili"
)


_ITALIAN_CONJUNCTIONS = _words("e ed o")
# "L'operatore * fra due matrici però fa il prodotto", "__getitem__ deve però restituire
# un batch": "però" inside a clause is an adverb; after a comma, or before what starts a
# clause of its own ("però il gradiente passa", "however it vanishes"), it is "but".
_MID_ADVERBS = _words("pero tuttavia however")
_CLAUSE_STARTS = _ARTICLES | _words(
    "it this these they we you he she questo questa questi queste esso essa essi esse "
    "io tu lui lei noi voi loro se quando if when"
)


def _inside_clause(words: list[str], i: int) -> bool:
    prev = words[i - 1] if i else ""
    nxt = words[i + 1] if i + 1 < len(words) else ""
    if not prev or prev in PUNCT or prev == ARROW or prev in BOUNDARY_WORDS:
        return False
    return bool(nxt) and nxt not in PUNCT and nxt not in _CLAUSE_STARTS


_ADVERBS = _words("invece instead")
# "invece di X", "invece che X", "instead of X" introduce what is contrasted
_ADVERB_PREPS = _words("di del dello della dei degli delle dell che of")


@lru_cache(maxsize=1024)
def _english(words: tuple[str, ...]) -> bool:
    en, it = detect_words(w for w in words if w not in _ITALIAN_CONJUNCTIONS)
    return en > it


def _ends_scope(words: list[str], i: int) -> bool:
    w = words[i]
    if w in PUNCT or w == ARROW:
        return True
    if w in _SUBORDINATORS:
        return not (i > 0 and words[i - 1] in CUES)  # "non se è reale": not whether
    return w in BOUNDARY_WORDS and not _copula(words, i)


# A condition starts a clause of its own: "the gradient flows without vanishing if the
# forget gate is near 1" does not deny the forget gate.
_SUBORDINATORS = _words("if unless when whenever se quando qualora")


def _ends_contrast(words: list[str], i: int) -> bool:
    # code such as "torch.save(model)" stays inside the contrasted phrase
    return words[i] not in _BRACKETS and _ends_scope(words, i)


# "It is not true that X", "non è vero che X", "a common mistake is to think that X": the
# whole claim that follows is denied, however long.
_META_DENIALS = (
    ("not", "true", "that"),
    ("not", "the", "case", "that"),
    ("non", "ee", "vero", "che"),
    ("non", "e", "vero", "che"),
    ("non", "ee", "che"),  # "non è che il gradiente venga diviso a metà"
    ("non", "e", "che"),
)
# "People say that X, but no", "molti pensano che X, ma non è così": a claim reported as
# others' and then rejected. Without the rejection it is not denied ("some say that…").
_REPORTERS = _words("people some many students molti alcuni tanti studenti")
_REPORTS = _words(
    "say says think thinks believe believes claim claims write dicono pensano credono "
    "scrivono sostengono"
)
_REJECTORS = _words(
    "no not non wrong false untrue myth misconception mistake sbagliato sbagliata falso "
    "falsa mito errore"
)
_REJECT_BOUNDARIES = _words("but however yet ma pero tuttavia invece")
_REJECT_REACH = 6  # words after "but" that hold the rejection
_META_WORDS = _words(
    "mistake myth misconception confusion wrong false untrue errore sbagliato falso mito confusione"
)
# "a common mistake is to assume that", "un errore tipico è ritenere che"
_META_THAT = _words(
    "that think thinking believe believing say saying assume assuming suppose supposing "
    "che pensare credere dire ritenere supporre assumere"
)
_META_REACH = 4


_FINITE_MARKS = _words("si ee is are sono viene vengono ha hanno sia siano")


def _comma_splice(words: list[str], start: int, i: int) -> bool:
    """Whether the comma at ``i`` ends a denied claim that has its verb ("non è vero che i
    percorsi si moltiplicano, i contributi si sommano") and a new clause starts after it;
    not the comma of an aside ("non è vero che il codebook, una volta creato, resta fisso")."""
    nxt = words[i + 1] if i + 1 < len(words) else ""
    return nxt in _ARTICLES and any(w in _FINITE_MARKS for w in words[start:i])


# the words a meta-denial can start with: most tokens start none, and are passed at once
_META_FIRST = frozenset(p[0] for p in _META_DENIALS) | _REPORTERS | _META_WORDS


def _reported_end(words: list[str], i: int) -> int:
    """Index just past "people (often) say (that)" at ``i`` when a "but no" rejects what
    they say later in the sentence, or -1."""
    j = i + 1
    while j < len(words) and j - i <= 2 and words[j] not in _REPORTS:
        j += 1  # "people sometimes say", "molti studenti pensano"
    if j >= len(words) or words[j] not in _REPORTS:
        return -1
    start = j + 1
    while start < len(words) and words[start] in _META_THAT:
        start += 1
    for k in range(start, len(words)):
        if words[k] in _REJECT_BOUNDARIES:
            window = words[k + 1 : k + 1 + _REJECT_REACH]
            return start if any(w in _REJECTORS for w in window) else -1
    return -1


def _meta_denial_end(words: list[str], i: int) -> int:
    """Index just past a meta-denial starting at ``i`` ("it is not true that", "a common
    mistake is to think that", "è sbagliato pensare che"), or -1."""
    w = words[i]
    if w not in _META_FIRST:
        return -1
    for phrase in _META_DENIALS:
        n = len(phrase)
        if w == phrase[0] and tuple(words[i : i + n]) == phrase:
            return i + n
    if w in _REPORTERS:
        end = _reported_end(words, i)
        if end > 0:
            return end
    if w in _META_WORDS:
        for j in range(i + 1, min(len(words), i + 1 + _META_REACH)):
            if words[j] in _META_THAT:
                k = j + 1
                while k < len(words) and words[k] in _META_THAT:
                    k += 1  # "to think that", "pensare che"
                return k
            if words[j] in PUNCT:
                break
    return -1


def _reach_back(words: list[str], out: list[int], i: int) -> None:
    """ "X is not needed", "la scala dei due termini non conta": the cue at ``i`` denies
    the few content words before it in its clause, however many articles lie between."""
    j = i - 1
    content = 0
    brackets = 0  # a formula's brackets are neither words nor the end of the clause
    while (
        j >= 0
        and i - j - brackets <= _BACKWARD_TOKENS
        and (not _ends_scope(words, j) or _head(words, j) or words[j] in _BRACKETS)
        and words[j] not in _RELATIVE  # "a matrix that is never trained": not the matrix
    ):
        if words[j] in _BRACKETS:
            brackets += 1
        elif words[j] not in _SCOPE_FREE:
            if content == _BACKWARD_REACH:
                break
            content += 1
        if out[j] != META:
            out[j] = i
        j -= 1


# "without", "senza", "no" deny the noun phrase after them, not the verb that follows it:
# "calling mean() without arguments collapses the tensor", "senza attivazioni dà
# un'unica convoluzione".
_NOUN_CUES = _words("without senza no nessun nessuno nessuna")
NOUN_SCOPE = 2
_VERB_ENDINGS = ("ing", "are", "ere", "ire")
# "senza etichette minimizzando l'errore", "without labels, minimising the error": a
# gerund after the noun starts what the sentence does.
_GERUND_ENDINGS = ("ing", "ando", "endo")


def _verb_after(noun: str, word: str) -> bool:
    """Whether ``word`` after the plural noun ``noun`` reads as the verb of the sentence:
    "activations gives", "attivazioni dà" (a singular verb after a plural noun)."""
    if len(noun) < 4 or len(word) < 3 or word in FUNCTION_WORDS:
        return False  # "senza alcun termine sulla sorgente": "sulla" is no verb
    if noun.endswith("s") and not noun.endswith("ss"):
        return word.endswith(("s", "ed")) and not word.endswith("ss")
    if noun[-1] in "ie":
        return word.endswith(("a", "ano", "ono", "ce"))
    return False


# "prevents X from Y", "impedisce a X di Y": the denial starts at "from"/"di".
_PREVENT = _words("prevent prevents prevented preventing impedisce impediscono impedire")
_PREVENT_FROM = _words("from di")
_PREVENT_REACH = 5


def _object_before(words: list[str], i: int) -> int:
    """How many words lie between a "prevents" at ``i`` and its "from", or 0."""
    if words[i] not in _PREVENT:
        return 0
    for k in range(i + 1, min(len(words), i + 2 + _PREVENT_REACH)):
        if words[k] in _PREVENT_FROM:
            return k - i if k > i + 1 else 0
        if _ends_scope(words, k):
            return 0
    return 0


NONE = -1  # no cue governs the token
META = -2  # a meta-denial governs it ("it is not true that …"): never a term's own word


_OR = _words("or o oppure")
_N_WORDS = _words("nessun nessuno nessuna niente nulla mai neanche nemmeno neppure")
# a subject after "or" starts a claim of its own: "it is not stored, or it is recomputed"
_NEW_SUBJECT = _words("it they we you i he she this these that si ci esso essa essi loro noi")


# "Per evitare X, conviene Y", "to avoid X we use Y": the verb of denial heads a purpose
# clause, which ends where the main clause starts (often with no comma).
_PURPOSE = _words("per to in order so")
_MEANS = _words("by")
_PURPOSE_MAIN = _words(
    "conviene bisogna occorre serve servono si usa usa usiamo we you one it is are must should can"
)


def _purpose(words: list[str], cue: int) -> bool:
    return cue > 0 and words[cue - 1] in _PURPOSE and words[cue] in DENIAL_CUES


def negation_sources(words: list[str]) -> list[int]:
    """For each token, the position of the cue that governs it, ``NONE`` or ``META``.

    A cue governs the next few content words of its clause: "does not share memory"
    denies sharing, but in "cannot learn long-range dependencies" the dependencies
    themselves are still what the sentence is about. "X is not needed" (and "X non
    serve", "X is useless") also reaches back to X. Knowing which cue it is lets the
    matcher tell a denial from a term that names one ("stop-gradient", "blocks the
    gradient", "no signal").
    """
    n = len(words)
    out = [NONE] * n
    left = 0
    cue = NONE
    noun = False  # the cue denies a noun phrase ("without activations")
    wait = 0  # words between "prevents" and its "from" ("prevents the output from")
    content = ""  # the last content word in its scope
    meta = -1  # inside a meta-denial until the end of the claim
    for i, w in enumerate(words):
        if meta < 0 and (end := _meta_denial_end(words, i)) > 0:
            meta = end
        if meta >= 0 and i >= meta:
            if (
                w in CLAIM_BOUNDARIES
                or w in _CLAIM_PUNCT
                or w == ":"
                or (w == "," and _comma_splice(words, meta, i))
            ):
                # "non è vero che il codebook sia fisso: viene aggiornato": after the
                # colon comes the correction
                meta = -1
            else:
                out[i] = META
                continue
        if _ends_scope(words, i):
            nxt = words[i + 1] if i + 1 < n else ""
            if (
                w in _OR
                and left
                and cue >= 0
                and plain_cue(words[cue])
                and nxt not in _NEW_SUBJECT
                and nxt not in CUES
                and nxt not in PUNCT
            ):
                # "does not sample z or use the trick", "non campiona z o usa il trick":
                # the negation goes on over the second verb phrase
                left = SCOPE
                continue
            left = 0
            continue
        if (w in _POST_DENIALS and _predicative(words, i)) or _would_be_wrong(words, i):
            # "dropout and early stopping are useless", "usare la MSE sarebbe sbagliato":
            # the subject is what is denied
            _reach_back(words, out, i)
        nxt = words[i + 1] if i + 1 < n else ""
        if w in _DIFFERENT and nxt in _DIFFERENT_FROM and i + 2 < n and words[i + 2] in _ZERO:
            out[i + 2] = i  # "diverso da zero": not zero
        if (w, nxt) in _FALSE_CUES and words[i + 1] in _RESTRICTIVE:
            out[i + 1] = i  # "not just": the restriction is what is denied
        if _is_cue(words, i):
            if _prefix(words, i):
                if left and noun and i - cue <= 2:
                    # "without non-linearities", "senza non linearità": linear
                    out[i] = cue
                    left = 0
                    continue
                out[i] = out[i + 1] = i
                left = 0
                continue
            if left and words[cue] == "non" and w in _N_WORDS:
                # "non serve nessuna loss", "non si usa mai": Italian says one negation
                # with two words, so the second goes on with the first
                out[i] = cue
                left = max(left, SCOPE)
                continue
            # a cue inside another one's scope is itself denied: "does not stop at D"
            out[i] = cue if left else i
            if left and plain_cue(words[cue]) and (w in DENIAL_CUES or w in _REMOVE_VERBS):
                # "doesn't block the gradients", "non impedisce il flusso": a denied denial
                # asserts what follows it; the verb itself stays denied, so "blocks the
                # gradient" does not fire
                left = 0
                continue
            if (
                w == "nothing"
                and i
                and words[i - 1] not in _SCOPE_FREE
                and not _ends_scope(words, i - 1)
            ):
                out[i - 1] = i  # "it stores nothing", "changes nothing": the verb is denied
            noun = w in _NOUN_CUES
            left = NOUN_SCOPE if noun else SCOPE if plain_cue(w) else DENIAL_SCOPE
            cue = i
            content = ""
            if w in DENIAL_CUES and (
                nxt in _MEANS or (len(nxt) > 5 and nxt.endswith(_GERUND_ENDINGS[1:]))
            ):
                # "overfitting is avoided by raising the lr", "si evita alzando il lr": what
                # follows is the means, not what is avoided
                left = 0
                continue
            skip = _object_before(words, i)
            if skip:
                # "prevents the network from learning the identity": what is prevented
                # comes after "from"; the network is not denied
                out[i + 1 : i + 1 + skip] = [NONE] * skip
                wait = skip
            after = words[i + 2] if i + 2 < n else ""
            if plain_cue(w) and (
                nxt in _BACKWARD_AFTER or (nxt in _BACKWARD_SKIP and after in _BACKWARD_AFTER)
            ):
                _reach_back(words, out, i)
            continue
        if wait:
            wait -= 1
            continue
        if left:
            if (
                noun
                and content
                and (
                    (w in _ARTICLES and words[i - 1] == content)
                    or _verb_after(content, w)
                    or (len(w) > 5 and w.endswith(_GERUND_ENDINGS))
                )
            ):
                left = 0  # "without arguments collapses the tensor": the noun phrase ended
                continue
            if (
                content
                and w in _PURPOSE_MAIN
                and i > 0
                and words[i - 1] not in FUNCTION_WORDS
                and cue >= 0
                and _purpose(words, cue)
            ):
                left = 0  # "per evitare il mode collapse conviene …": the main clause
                continue
            if w in _LIKE and cue >= 0 and plain_cue(words[cue]):
                # "non classifica le cifre come un classificatore a 10 classi": what it is
                # compared with is denied with it
                left = SCOPE + 1
            if out[i] == NONE:
                out[i] = cue
            if w not in _SCOPE_FREE:
                left -= 1
                if noun and not content and w.endswith(_VERB_ENDINGS):
                    noun = False  # "without copying memory", "senza copiare la memoria"
                    left = SCOPE - 1
                content = w
    _deny_formulas(words, out)
    return out


_LIKE = _words("like come")


# Words a formula is made of besides its brackets and operators: "w", "k", "2p", "1".
_ATOM_RE = re.compile(r"[a-z]\d*|\d+[a-z]?|\d+(?:\.\d+)?")
_FORMULA_COPULAS = _words("is are was be equals ee e sia")


def _deny_formulas(words: list[str], out: list[int]) -> None:
    """A negation governs the whole formula that follows it, brackets included: "the size
    is not (W − K + 2P)/S − 1 but …", "non è (W-K+2P)/S - 1": the formula is what is
    denied, however many of its symbols there are, up to the end of the formula."""
    n = len(words)
    for c in range(n):
        if out[c] != c or not plain_cue(words[c]):
            continue
        j = c + 1
        while j < n and words[j] in _FORMULA_COPULAS:
            j += 1
        if j >= n:
            continue
        nxt = words[j + 1] if j + 1 < n else ""
        if not (words[j] == "(" or words[j] in OPERATOR_WORDS or nxt in OPERATOR_WORDS):
            continue
        depth = 0
        k = j
        while k < n:
            w = words[k]
            if w in ("(", "["):
                depth += 1
            elif w in (")", "]"):
                if depth == 0:
                    break
                depth -= 1
            elif depth == 0 and not (w in OPERATOR_WORDS or _ATOM_RE.fullmatch(w)):
                break
            if out[k] == NONE:
                out[k] = c
            k += 1


def negated_positions(words: list[str]) -> list[bool]:
    """For each token (words and punctuation), whether a negation or denial governs it."""
    return [src != NONE for src in negation_sources(words)]


@dataclass(frozen=True)
class Owned:
    """Cues that are words of an item's own claim, so they deny nothing of the item.

    ``verbs``: verbs of denial inside a term ("stops at the argmin", "the stop-gradient
    blocks the gradient", "detach is unnecessary"): what the term says. ``negations``:
    each negation that a term expects ("no signal", "doesn't saturate", "senza
    attivazioni", or a term the item's text negates), with the group of that term; it
    belongs to the claim, so it does not deny the terms of the item's other groups
    ("without activations gives a single convolution", "initialisation does not matter").
    """

    verbs: frozenset[int] = frozenset()
    negations: tuple[tuple[int, int], ...] = ()  # (cue, group of the term it belongs to)
    bare: frozenset[tuple[int, int]] = frozenset()  # spans of terms that are only a negation

    def denies(self, sources: list[int], a: int, b: int, group: int = -1) -> bool:
        """Whether a cue that is not the item's own governs tokens a..b of ``group``."""
        for src in sources[a:b]:
            if src == NONE or src in self.verbs:
                continue
            if a <= src < b:
                if (a, b) in self.bare:
                    return True  # a term that is a negation ("no", "without") is negated
                continue  # the term's own word: "stops at the discriminator"
            if any(c == src and g != group for c, g in self.negations):
                continue
            return True
        return False


NO_OWNED = Owned()


def owned_cues(
    words: list[str],
    sources: list[int],
    spans: list[tuple[int, int]],
    negative_spans: list[tuple[int, int, int]] = (),
    *,
    verbs: bool = True,
) -> Owned:
    """The cues of ``words`` that belong to an item whose terms occur at ``spans``, of
    which those at ``negative_spans`` (start, end, group) state their own negation.

    ``verbs=False`` leaves out the verbs of denial: reading the item's own text, "the
    noise z is useless" says that z is denied, which a student may say with any negation.
    """
    own_verbs: set[int] = set()
    bare: set[tuple[int, int]] = set()
    for a, b in spans:
        if all(plain_cue(w) or w in _TERM_AUX for w in words[a:b]):
            bare.add((a, b))
        elif verbs:
            for p in range(a, b):
                c = sources[p]
                if a <= c < b and (b - a > 1 or not plain_cue(words[c])):
                    own_verbs.add(c)
                if words[p] in _POST_DENIALS:
                    own_verbs.add(p)  # "z is useless": the subject it denies is what it says
    # A negation belongs to the expected-negated term nearest to it: in "do not need the
    # intermediate values" it is the need, and the values are what is not needed.
    cues = {src for src in sources if src >= 0}
    nearest: dict[int, tuple[float, set[int]]] = {}
    for a, b, group in negative_spans:
        inside = {p for p in range(a, b) if p in cues}  # "no need": "need" is a cue too
        for c in {sources[p] for p in range(a, b)} | inside:
            if c < 0 or c in own_verbs:
                continue
            # before the term it negates it; after it, it reaches back ("X is not needed")
            dist = a - c if c < a else c - b + 1.5 if c >= b else 0
            if dist > _OWN_CUE_REACH:
                continue
            best = nearest.get(c)
            if best is None or dist < best[0]:
                nearest[c] = (dist, {group})
            elif dist == best[0]:
                best[1].add(group)
    negations = tuple((c, g) for c, (_, groups) in nearest.items() for g in sorted(groups))
    return Owned(frozenset(own_verbs), negations, frozenset(bare))


_OWN_CUE_REACH = 4  # "does not saturate", "X is not needed": the cue next to the term


def negated_near(sources: list[int], a: int, b: int) -> bool:
    """Whether tokens a..b are negated by a cue next to them: what a term that states its
    own negation needs ("never saturates", "X is not needed"), and not a negation further
    away that may deny something else ("not cut off from the gradient")."""
    return any(src >= 0 and a - _OWN_CUE_REACH <= src < b + _OWN_CUE_REACH for src in sources[a:b])


def governed(sources: list[int], a: int, b: int, owned: Owned = NO_OWNED, group: int = -1) -> bool:
    """Whether a cue that is not one of the item's own words governs tokens a..b."""
    return owned.denies(sources, a, b, group)


# Auxiliaries around a negation inside a match term: "does not saturate", "non è
# differenziabile" state the same as "never saturates", "non differenziabile".
_TERM_AUX = _words(
    "do does did is are was were be been has have had can could will would should must may "
    "might shall ee e viene vengono ha hanno puo possono deve devono si"
)


NEGATION_WORDS = CUES | _TERM_AUX  # what a term that states its own negation skips


def strip_negation(words: list[str]) -> list[str] | None:
    """A match term without its negation ("doesn't saturate" -> "saturate"), or None
    when the term negates nothing (or is nothing but a negation, such as "never")."""
    if not any(w in CUES for w in words):
        return None
    keep = [True] * len(words)
    found = False
    for i, w in enumerate(words):
        nxt = words[i + 1] if i + 1 < len(words) else ""
        if w == "nothing" and nxt in _RELATIVE_PREP:
            continue  # "changes nothing in the gradient": read as written (see _is_cue)
        if w in CUES and (w, nxt) not in _FALSE_CUES:
            keep[i] = False
            found = True
            j = i - 1
            while j >= 0 and words[j] in _TERM_AUX:
                keep[j] = False
                j -= 1
            j = i + 1
            while j < len(words) and words[j] in _TERM_AUX:
                keep[j] = False
                j += 1
    core = [w for w, k in zip(words, keep, strict=True) if k]
    return core if found and core else None


def contrast_positions(words: list[str]) -> list[bool]:
    """Tokens inside a contrast: "unlike X", "instead of X", "than X", "a differenza di X".

    The scope is the contrasted phrase (up to the end of its clause, at most a few
    words: "unlike a VAE the encoder…" often has no comma) and a relative clause that
    follows it ("unlike a VAE, which samples z, …"): those words describe the
    contrasted thing, not the student's claim.
    """
    n = len(words)
    out = [False] * n
    i = 0
    while i < n:
        w = words[i]
        nxt = words[i + 1] if i + 1 < n else ""
        if w in _CONTRAST_ONE:
            cue_end = i + 1
        elif (w, nxt) in _CONTRAST_TWO and not _with_respect_to(words, i):
            cue_end = i + 2
        elif w in _LIKE and any(words[k] in CUES for k in range(max(0, i - 4), i)):
            cue_end = i + 1  # "it doesn't saturate like the sigmoid": the sigmoid does
        else:
            i += 1
            continue
        j = cue_end
        seen = 0
        while j < n and not _ends_phrase(words, j):
            if words[j] not in _BRACKETS:
                if seen == _CONTRAST_REACH:
                    # a longer phrase that a comma closes: "a differenza dei metodi
                    # two-stage come Faster R-CNN, che …"
                    comma = _comma_ahead(words, j)
                    if comma > 0:
                        j = comma
                    break
                seen += 1
            # a second article starts the main clause: "unlike a VAE the posterior is…"
            if _second_article(words, j, cue_end) or _main_clause(words, j, cue_end):
                break
            j += 1
        while j < n and words[j] in ")]":
            j += 1
        # "unlike X, which …": the relative clause too, up to its comma
        k = j + 1 if j < n and words[j] == "," else j
        if k + 1 < n and words[k] in _RELATIVE_PREP and words[k + 1] in _RELATIVE:
            k += 1  # "in cui", "in which"
        if k < n and words[k] in _RELATIVE:
            j = k + 1
            while j < n and j - k <= _RELATIVE_REACH and not _ends_phrase(words, j):
                j += 1
        for p in range(i, j):
            out[p] = True
        i = max(j, i + 1)
    return out


_LIKE = _words("like come")
# "la derivata di f rispetto a x", "il gradiente rispetto ai pesi": with respect to, not
# "compared with".
_DERIVATIVE_STARTS = ("deriv", "gradient", "partial", "jacobian", "differenz")
_WRT_REACH = 8


def _with_respect_to(words: list[str], i: int) -> bool:
    if words[i] != "rispetto":
        return False
    return any(words[k].startswith(_DERIVATIVE_STARTS) for k in range(max(0, i - _WRT_REACH), i))


_COORDINATORS = _words("and or e ed o oppure")
_COMMA_AHEAD = 6


def _ends_phrase(words: list[str], j: int) -> bool:
    """The end of a contrasted phrase or of its relative clause: punctuation or a
    conjunction, but not "and"/"or" ("instead of deriving and coding the gradients")."""
    return words[j] not in _COORDINATORS and _ends_contrast(words, j)


# "instead of ReLU we use tanh", "invece della ReLU si usa la tanh", "instead of ReLU is
# used": a subject pronoun or an auxiliary after the contrasted noun starts the claim.
_MAIN_STARTS = _words(
    "we you they it i he she is are was were has have can could will would should must "
    "si ci noi voi io loro ee sono ha hanno puo possono deve devono viene vengono serve"
)


# "invece di un latente continuo usa il reparameterization trick": a finite verb of the
# course after the contrasted noun is the student's own claim. Only forms that are not
# also nouns after a content word ("instead of real samples" keeps "samples").
_FINITE_VERBS = _words(
    "usa utilizza calcola produce genera applica impara campiona prende restituisce "
    "moltiplica aggiunge diventa rende permette consente evita riduce aumenta minimizza "
    "massimizza ottimizza aggiorna "
    "uses computes produces generates applies learns takes multiplies becomes makes "
    "allows avoids reduces increases minimises minimizes maximises maximizes optimises "
    "optimizes updates"
)


def _main_clause(words: list[str], j: int, start: int) -> bool:
    return (
        j > start
        and (words[j] in _MAIN_STARTS or words[j] in _FINITE_VERBS)
        and words[j - 1] not in FUNCTION_WORDS
    )


def _second_article(words: list[str], j: int, start: int) -> bool:
    prev = words[j - 1] if j else ""
    return (
        j > start
        and words[j] in _ARTICLES
        and prev not in FUNCTION_WORDS
        and prev not in _BRACKETS
        # "invece di usare il trick", "instead of using the trick": the object of an
        # infinitive or a gerund is still inside the contrasted phrase
        and not (len(prev) > 4 and prev.endswith(_VERB_ENDINGS))
    )


def _comma_ahead(words: list[str], j: int) -> int:
    """The position of a comma a few words after ``j`` that closes the phrase, or -1."""
    for k in range(j, min(len(words), j + _COMMA_AHEAD)):
        if words[k] == ",":
            return k
        if _ends_phrase(words, k) or _second_article(words, k, j):
            return -1
    return -1


def bracket_depth(words: list[str]) -> list[int]:
    """How many brackets are open at each token: "(N, C, H, W)" is one shape, not four
    clauses."""
    out = []
    depth = 0
    for w in words:
        if w in ")]":
            depth = max(0, depth - 1)
        out.append(depth)
        if w in "([":
            depth += 1
    return out


# "Forward mode: una passata per ogni output": a colon after a short head keeps the head
# as the subject of what follows, in one clause.
_HEAD_WORDS = 4


def _head(words: list[str], i: int) -> bool:
    """Whether the colon at ``i`` follows a short head that starts its clause ("Dropout:
    not needed")."""
    if words[i] != ":":
        return False
    n = 0
    for j in range(i - 1, -1, -1):
        if words[j] in PUNCT or (words[j] in BOUNDARY_WORDS and not _copula(words, j)):
            break
        n += words[j] != ARROW
    return 0 < n <= _HEAD_WORDS


_SLICE_NEXT = frozenset("[],:")


def _slice(words: list[str], i: int) -> bool:
    """A colon of a slice ("x[:, 0]", "x[1:3]", "a[i:j]"), not of a clause ("(which is
    linear: W*x + b)")."""
    if words[i] != ":":
        return False
    prev = words[i - 1] if i else ""
    nxt = words[i + 1] if i + 1 < len(words) else ""
    if prev in _SLICE_NEXT or nxt in _SLICE_NEXT:
        return True
    return all(len(x) == 1 or x.isdigit() for x in (prev, nxt))


def clause_ids(words: list[str], depth: list[int] | None = None) -> list[int]:
    """Clause number of each token: punctuation and conjunctions start a new clause, but
    not brackets nor punctuation inside them ("input (N, C, H, W) and output (N, C_out, H,
    W)", the slice ``x[:, 0]``), nor the colon after a short head ("Forward mode: …")."""
    out = []
    n = 0
    head = 0  # words of the clause so far
    if depth is None:
        depth = bracket_depth(words)
    for i, w in enumerate(words):
        if w in _BRACKETS or (depth[i] and (w == "," or _slice(words, i))):
            pass  # "view(6)", "(N, C, H, W)", "x[:, 0]": code and formulas, not clauses
        elif w == ":" and 0 < head <= _HEAD_WORDS:
            pass  # the same as _head, counted on the way
        elif w in PUNCT or w == ARROW or (w in BOUNDARY_WORDS and not _copula(words, i)):
            n += 1
            head = 0
        else:
            head += 1
        out.append(n)
    return out


# "θ − η∇L fa scendere la loss, θ + η∇L la farebbe salire": after what the sentence asserts,
# a clause in the conditional mood says what the other choice would do, which is no claim.
# Alone, the conditional is the claim ("backprop would need one pass per input"). The "if"
# clause of such a conditional is hypothetical too.
_WOULD_WORDS = _words("would wouldn")
_CONDITIONAL_ENDINGS = ("rebbe", "rebbero")
_IF = _words("if se qualora")


def hypothetical_positions(words: list[str]) -> list[bool]:
    """Tokens of a conditional clause that follows an asserted clause of its sentence, and
    of the condition that goes with it."""
    moods = [
        i
        for i, w in enumerate(words)
        if w in _WOULD_WORDS or (len(w) > 6 and w.endswith(_CONDITIONAL_ENDINGS))
    ]
    if not moods:
        return [False] * len(words)
    ids = clause_ids(words)
    mood = {ids[i] for i in moods}
    asserted = [c for i, c in enumerate(ids) if c not in mood and words[i] not in PUNCT]
    if not asserted:
        return [False] * len(words)
    first = min(asserted)
    mood = {c for c in mood if c > first}
    conditions = {ids[i] for i, w in enumerate(words) if w in _IF and ids[i] > first}
    if mood:
        mood |= conditions
    return [c in mood for c in ids]


# A causal conjunction followed by no subject of its own goes on with the same one: "the
# sigmoid is the best activation, since it never saturates", "perché non satura mai".
_CAUSAL = _words("because since perche poiche siccome")
_SAME_SUBJECT = _words(
    "it they this these he she esso essa essi esse cio non ee is are was were does do did "
    "can cannot will would must should never not ha hanno"
)


def claim_ids(words: list[str], depth: list[int] | None = None) -> list[int]:
    """Claim number of each token: a new claim starts at a contrastive or causal conjunction
    ("while", "because", "mentre", "perché") or at ; and brackets, not at "and" or a comma,
    nor at a causal conjunction that keeps the subject ("…, since it never saturates")."""
    out = []
    n = 0
    if depth is None:
        depth = bracket_depth(words)
    for i, w in enumerate(words):
        if w in _CLAIM_PUNCT:
            n += not depth[i]  # "f_2(f_1(x; θ1); θ2)": a formula's, not a claim's
        elif w in CLAIM_BOUNDARIES and not (
            (w in _ADVERBS or w in _MID_ADVERBS) and _copula(words, i)
        ):
            nxt = words[i + 1] if i + 1 < len(words) else ""
            if not (w in _CAUSAL and nxt in _SAME_SUBJECT):
                n += 1
        out.append(n)
    return out
