"""Texts that are not answers: the question pasted back, repetition, word salad, keyword lists.

Each of these can carry every match term of a rubric and so look like an excellent
answer to a term matcher; none says how the ideas connect. They are recognised here
from the text's shape alone, before any key point is credited:

- the question pasted back: nearly every content word comes from the question;
- repetition: the same sentence (or a handful of words) over and over, which a
  compressor squeezes to a fraction of its length;
- word salad: words in no order, recognised by the sequence of function words.
  Ordinary prose (the bank's model answers) makes "the" precede a content word and
  "of" precede "the"; a shuffled bag of the same words does not, and its
  function-word bigrams are no likelier than their single-word frequencies;
- a keyword list: hardly any function words and no formula (see ``Features``).
"""

from __future__ import annotations

import math
import re
import zlib
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from itertools import pairwise

from quizbank.textnorm import normalize, sentences

from .lang import FUNCTION_WORDS
from .negation import ARROW, PUNCT, TOKEN_RE, clause_ids
from .rubric import content_stems

__all__ = [
    "NOT_AN_ANSWER",
    "SyntaxModel",
    "is_code",
    "list_layout",
    "pasted_question",
    "prose_ratio",
    "repetition",
    "restated",
    "without_admissions",
    "without_code",
    "word_salad",
]

# reason -> what the student is told, per language
NOT_AN_ANSWER = {
    "pasted-question": {
        "en": "Not an answer: this repeats the question.",
        "it": "Non è una risposta: ripete la domanda.",
    },
    "repetition": {
        "en": "Not an answer: the same words are repeated over and over.",
        "it": "Non è una risposta: le stesse parole sono ripetute più volte.",
    },
    "word-salad": {
        "en": "Not an answer: the words are in no meaningful order (word salad).",
        "it": "Non è una risposta: le parole non formano frasi (insalata di parole).",
    },
    "keyword-list": {
        "en": "Not an answer: a list of keywords does not show how the ideas connect; "
        "write full sentences.",
        "it": "Non è una risposta: un elenco di parole chiave non mostra come si collegano "
        "i concetti; scrivi frasi complete.",
    },
    "off-topic": {
        "en": "The answer does not address this question.",
        "it": "La risposta non riguarda questa domanda.",
    },
    "elsewhere": {
        "en": "Not an answer: most of this long text is about other things than this "
        "question; answer this question on its own.",
        "it": "Non è una risposta: gran parte di questo testo lungo parla d'altro; "
        "rispondi a questa domanda e basta.",
    },
}

_PASTE_NOVEL = 0.15  # at most this share of the answer's content words may be new
_PASTE_COVER = 0.6  # ... and it must reuse this share of the question's own words
_REPEAT_MIN_WORDS = 30
_REPEAT_RATIO = 0.15  # compressed / raw size of the word sequence below which it repeats
_REPEAT_SENTENCES = 3  # the same sentence this many times, making up most of the text
_SALAD_MIN_TOKENS = 50
_SALAD_GAIN = -0.15  # mean log-likelihood gain of the function-word bigrams (prose > 0)
_SMOOTH = 0.5
_PRIOR = 5.0  # weight of the unigram in a bigram estimate (a Dirichlet prior)


def pasted_question(answer: str, questions: Iterable[tuple[str, str]]) -> bool:
    """Whether ``answer`` is just one of ``questions`` ((text, lang) pairs) said back."""
    n_answer = len(answer.split())
    for qtext, lang in questions:
        if n_answer > 2 * len(qtext.split()) + 10:
            continue  # far longer than the question: whatever it is, not just the question
        if _adds_formula(answer, qtext):
            continue
        q = content_stems(qtext, lang)
        if len(q) < 2:
            continue
        a = content_stems(answer, lang)
        if len(a) < 2:
            continue
        novel = len(a - q)
        if novel <= _PASTE_NOVEL * len(a) and len(a & q) >= _PASTE_COVER * len(q):
            return True
    return False


# Code and formulas are terse by nature, not a keyword list: "loss = loss_fn(out, y);
# opt.step()" has no function words, yet says how the ideas connect. A statement (an
# assignment, a call with arguments, an operator between operands, an arrow, a line of
# Python) is taken out before the text's prose is measured; bare names ("backward()",
# "requires_grad") are taken out only beside such statements, since a list of them is a
# keyword list.
_CODE_LINE_RE = re.compile(
    r"^[ \t]*(?:for|def|class|return|with|while|import|from|if|elif|else)\b[^\n]*$", re.M
)
# (Each alternative starts only where a token starts, and does not give back what it has
# read: a pasted page is scanned once, not once per letter.)
_STATEMENT_RE = re.compile(
    r"(?<!\w)[A-Za-z_][\w.]*+\((?:[^()\n]|\([^()\n]*\))*[\w'][^()\n]*\)"  # a call
    # an assignment, a keyword argument; not a definition in notes ("reset = quanto
    # dimenticare del passato", "new = il nuovo stato"), whose right side goes on in words
    r"|(?<![\w.\[\]'])[\w.\[\]']++\s*+[-+*/]?=\s*+[^\s,;]++(?!\s+[^\W\d_]{3,})"
    r"|(?<![\w)\]²'])[\w)\]²']++(?:(?:\s*+[+*^·×−∘⊙]|\s-\s)\s*+[\w(∂∇][\w()²']*+)++"  # operators
    r"|(?<![^\s.)\]])\S+?\s*(?:->|→|⇒|↦)\s*\S+"  # an arrow and its two ends
)
_NAME_RE = re.compile(r"[A-Za-z_]\w*(?:\.[A-Za-z_]\w+)+(?:\(\))?|\b\w*_\w+\b|\b\w+\(\)|\.\w+")
_CODE_STATEMENTS = 2  # this many statements make the text's bare names code too
_LETTERS_RE = re.compile(r"[^\W\d_]{2,}")  # a word of prose left beside the code
_CODE_CHARS = re.compile(r"[=()\[\]_]|->|→|:\s*$")  # no line of code lacks all of these


def without_code(text: str) -> tuple[str, int]:
    """``text`` with its code and formulas replaced by commas, and how many statements
    there were."""
    n = 0

    def cut(m: re.Match[str]) -> str:
        nonlocal n
        n += 1
        return " , "

    text = _CODE_LINE_RE.sub(cut, text)
    text = _STATEMENT_RE.sub(cut, text)
    if n >= _CODE_STATEMENTS:
        text = _NAME_RE.sub(" , ", text)
    return text, n


def is_code(line: str) -> bool:
    """Whether a line is code: statements and names ("opt.zero_grad()"), no prose."""
    if not _CODE_CHARS.search(line):
        return False
    prose, statements = without_code(line)
    rest, names = _NAME_RE.subn(" , ", prose)
    return (statements > 0 or names > 0) and not _LETTERS_RE.search(rest)


_MIN_PROSE = 4  # fewer words of prose than this beside code: the answer is its code
_PROSE_SAMPLE = 4000  # characters: a pasted page is measured by its start
# Notes that also hold sentences ("Main problems: (1) vanishing gradients; fix with ReLU,
# BatchNorm, ... Making a CNN deeper doesn't automatically make it better: ...") are
# measured by their sentences, when those hold this share of the words.
_SENTENCE_WORDS = 6
_SENTENCE_RATIO = 0.2
_SENTENCE_SHARE = 0.4


def prose_ratio(text: str) -> float | None:
    """Share of function words in the prose of ``text`` (code and formulas left out), or
    None when the text is written as code or formulas."""
    prose, statements = without_code(text[:_PROSE_SAMPLE])
    per_sentence = [_words(prose[a:b]) for a, b in sentences(prose)]
    words = [w for sent in per_sentence for w in sent]
    if statements and len(words) < _MIN_PROSE:
        return None
    if not words:
        return 0.0
    ratio = _ratio(words)
    full = [w for w in per_sentence if _sentence(w)]
    if sum(len(w) for w in full) >= _SENTENCE_SHARE * len(words):
        ratio = max(ratio, _ratio([x for w in full for x in w]))
    return ratio


def _ratio(words: list[str]) -> float:
    return sum(1 for w in words if w in FUNCTION_WORDS) / len(words)


def _sentence(words: list[str]) -> bool:
    return len(words) >= _SENTENCE_WORDS and _ratio(words) >= _SENTENCE_RATIO


# "I don't remember", "non me lo ricordo", "no wait": the student says what the answer is
# not. The clause that says so is no evidence of anything ("Il grafo non me lo ricordo"
# names the graph; "no wait" is not the "no" of "no region proposals").
_ADMISSIONS = tuple(
    tuple(phrase.split())
    for phrase in (
        "i do not remember",
        "i can not remember",
        "i forgot",
        "i forget",
        "i do not know",
        "i am not sure",
        "no idea",
        "no wait",
        "i can not draw",
        "non me lo ricordo",
        "non mi ricordo",
        "non ricordo",
        "non lo so",
        "non so",
        "non saprei",
        "non riesco",
        "mi sono dimenticato",
        "mi sono dimenticata",
        "boh",
    )
)


_ADMISSION_STARTS = frozenset(p[0] for p in _ADMISSIONS)


def without_admissions(words: list[str]) -> list[str]:
    """``words`` (a sentence's normalised tokens) without the clauses that admit not
    knowing."""
    hits = [
        range(i, i + len(p))
        for i, w in enumerate(words)
        if w in _ADMISSION_STARTS
        for p in _ADMISSIONS
        if tuple(words[i : i + len(p)]) == p
    ]
    if not hits:
        return words
    ids = clause_ids(words)
    drop = {ids[i] for span in hits for i in span}  # "non so" may span a clause: "so"
    return [w for w, c in zip(words, ids, strict=True) if c not in drop]


_RESTATE_MIN = 5  # content words
_RESTATE_NEW = 1  # at most this many content words the question does not have
_KEY = 5  # letters that identify a word across languages and inflections ("generano",
# "generate"; "images", "image")


def restated(answer: str, questions: Iterable[tuple[str, str]]) -> bool:
    """Whether ``answer`` says nothing but the question's own words, in any order or
    language, however often: "Addition and multiplication between tensors work like
    addition and multiplication between tensors", "Si generano le images dai random codes
    e l'insight è che il VQ-VAE può generare le images"."""
    questions = list(questions)
    longest = max((len(text.split()) for text, _ in questions), default=0)
    if len(answer.split()) > 2 * longest + 10:
        return False  # a restatement is about as long as the question
    if any(_adds_formula(answer, text) for text, _ in questions):
        return False
    asked: set[str] = set()
    for text, _ in questions:
        asked |= set(_content_keys(text))
    words = _content_keys(answer)
    if len(words) < _RESTATE_MIN or not asked:
        return False
    return len(set(words) - asked) <= _RESTATE_NEW


def _adds_formula(answer: str, question: str) -> bool:
    """Whether ``answer`` holds more formulas or code than ``question``: "a network is a
    composition of layers, f3(f2(f1(x)))" says what the question only names, in symbols
    too short to count as its content words."""
    return without_code(answer)[1] > without_code(question)[1]


def _content_keys(text: str) -> list[str]:
    return [
        w[:_KEY] for w in _words(text) if len(w) > 2 and w not in FUNCTION_WORDS and not w.isdigit()
    ]


_LIST_SPLIT_RE = re.compile(r"[,;\n•|]+|\s[-–—*]\s")
_LIST_MIN_ITEMS = 4
_LIST_SHORT = 3  # words in a list item
_LIST_SHARE = 0.8
_LIST_MAX_CHARS = 3000
_LIST_PROSE_SHARE = 0.5  # share of the words in full sentences that makes a list prose


def list_layout(text: str) -> tuple[bool, bool]:
    """(whether the text is a list of short items rather than sentences, whether most of
    its words are nonetheless in full sentences).

    A list: most of its comma- or line-separated pieces have three words or fewer
    ("codebook, argmin, encoder, ..."). "... si fa il ciclo di training: per ogni batch
    zero_grad, forward, loss, backward, step." is laid out as one, yet its words are
    mostly a sentence: prose, when that sentence states something."""
    if len(text) > _LIST_MAX_CHARS:
        return False, False  # pages of notes are judged by their function words alone
    text, _ = without_code(text)
    items = [w for w in (_words(seg) for seg in _LIST_SPLIT_RE.split(text)) if w]
    if len(items) < _LIST_MIN_ITEMS:
        return False, False
    short = sum(1 for w in items if len(w) <= _LIST_SHORT)
    if short < _LIST_SHARE * len(items):
        return False, False
    in_sentences = sum(len(w) for w in items if _sentence(w))
    return True, in_sentences >= _LIST_PROSE_SHARE * sum(len(w) for w in items)


def _words(text: str) -> list[str]:
    return [t for t in TOKEN_RE.findall(normalize(text)) if t not in PUNCT and t != ARROW]


def repetition(sentences_words: list[list[str]]) -> bool:
    """Whether the text (its sentences as normalised words) is mostly the same sentence,
    or the same few words, repeated."""
    words = [w for sent in sentences_words for w in sent if w not in PUNCT and w != ARROW]
    if len(words) < _REPEAT_MIN_WORDS // 3:
        return False
    if len(sentences_words) >= _REPEAT_SENTENCES:
        keys = Counter(" ".join(sent) for sent in sentences_words)
        top, count = keys.most_common(1)[0]
        total = sum(c * len(k) for k, c in keys.items())
        if count >= _REPEAT_SENTENCES and count * len(top) >= 0.5 * total:
            return True
    if len(words) < _REPEAT_MIN_WORDS:
        return False
    raw = " ".join(words).encode()
    return len(zlib.compress(raw, 6)) / len(raw) < _REPEAT_RATIO


@dataclass(frozen=True)
class SyntaxModel:
    """Bigram statistics of word classes (each function word its own class, every content
    word one class) in prose known to be well formed."""

    unigram: dict[str, int]
    bigram: dict[tuple[str, str], int]
    total: int

    @classmethod
    def from_texts(cls, texts: Iterable[str]) -> SyntaxModel:
        uni: Counter[str] = Counter()
        bi: Counter[tuple[str, str]] = Counter()
        for text in texts:
            c = _classes(text)
            uni.update(c)
            bi.update(pairwise(c))
        return cls(dict(uni), dict(bi), sum(uni.values()))

    def gain(self, text: str) -> tuple[float, int]:
        """Mean log-ratio of bigram to unigram likelihood per token, and the token count."""
        return self.gain_of(_classes(text))

    def gain_words(self, sentences_words: list[list[str]]) -> tuple[float, int]:
        """``gain`` of a text already split into sentences of normalised tokens."""
        return self.gain_of(_classes_of(sentences_words))

    def gain_of(self, c: list[str]) -> tuple[float, int]:
        v = max(1, len(self.unigram))
        total = 0.0
        n = 0
        for a, b in pairwise(c):
            if b == "<s>":
                continue
            pu = (self.unigram.get(b, 0) + _SMOOTH) / (self.total + _SMOOTH * v)
            # a word seen a few times says little about what follows it: its estimate
            # leans on the unigram ("molto", "very" are no evidence of a salad)
            pb = (self.bigram.get((a, b), 0) + _PRIOR * pu) / (self.unigram.get(a, 0) + _PRIOR)
            total += math.log(pb / pu)
            n += 1
        return (total / n if n else 0.0), n


def _classes(text: str) -> list[str]:
    return _classes_of([TOKEN_RE.findall(normalize(text[a:b])) for a, b in sentences(text)])


def _classes_of(sentences_words: list[list[str]]) -> list[str]:
    out: list[str] = []
    for toks in sentences_words:
        out.append("<s>")
        for t in toks:
            if t in PUNCT or t == ARROW:
                out.append(",")
            elif t in FUNCTION_WORDS:
                out.append(t)
            else:
                out.append("C")
    return out


def word_salad(
    sentences_words: list[list[str]], model: SyntaxModel, text: str | None = None
) -> bool:
    """Whether a long text's function words fall in no order prose would give them.

    A real answer with a formula or a terse aside can have a low mean too, so between
    ``_SALAD_GAIN`` and ``_SALAD_SURE`` the text (when given) must also show words
    shuffled out of their sentences: capitalised words stranded in the middle of one
    ("the boxes The over follows").
    """
    gain, n = model.gain_words(sentences_words)
    if n < _SALAD_MIN_TOKENS or gain >= _SALAD_GAIN:
        return False
    return gain < _SALAD_SURE or text is None or _stray_capitals(text) >= _SALAD_STRAY


_SALAD_SURE = -0.5
_SALAD_STRAY = 2
_WORD_RE = re.compile(r"[^\W\d_]+")
_STRAY_RE = re.compile(r"[^\W\d_][^\W\d_A-Z]+")


def _stray_capitals(text: str) -> int:
    """Words written Capitalised (one capital, then lower case) after the first word of
    their sentence: where the first words of shuffled sentences end up."""
    count = 0
    for a, b in sentences(text):
        for k, m in enumerate(_WORD_RE.finditer(text[a:b])):
            w = m.group(0)
            if k and w[0].isupper() and _STRAY_RE.fullmatch(w) and len(w) > 1:
                count += 1
    return count
