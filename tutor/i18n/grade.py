"""The grade card: score, verdict, key points, wrong statements, follow-ups and ratings."""

from __future__ import annotations

from tutor.domain import Rating, Verdict
from tutor.i18n import Text

SCORE = Text("Score", "Punteggio")
VERDICT_CORRECT = Text("CORRECT", "CORRETTA")
VERDICT_PARTIAL = Text("PARTIAL", "PARZIALE")
VERDICT_WRONG = Text("WRONG", "ERRATA")
VERDICTS: dict[Verdict, Text] = {
    Verdict.CORRECT: VERDICT_CORRECT,
    Verdict.PARTIAL: VERDICT_PARTIAL,
    Verdict.WRONG: VERDICT_WRONG,
}

# Anki's Italian names of the four ratings.
RATING_AGAIN = Text("Again", "Ripeti")
RATING_HARD = Text("Hard", "Difficile")
RATING_GOOD = Text("Good", "Bene")
RATING_EASY = Text("Easy", "Facile")
RATINGS: dict[Rating, Text] = {
    Rating.AGAIN: RATING_AGAIN,
    Rating.HARD: RATING_HARD,
    Rating.GOOD: RATING_GOOD,
    Rating.EASY: RATING_EASY,
}

# How the score is made: the key points' credit, then each listed deduction.
FROM_POINTS = Text("key points {share}", "punti chiave {share}")
PENALTY_MISCONCEPTION = Text("wrong statement", "affermazione errata")
PENALTY_DENIAL = Text("contradicted point", "punto contraddetto")
PENALTY_KEYWORDS = Text("keyword list", "elenco di parole chiave")
PENALTY_NOT_ANSWER = Text("not an answer", "non è una risposta")
PENALTIES: dict[str, Text] = {
    "misconception": PENALTY_MISCONCEPTION,
    "denial": PENALTY_DENIAL,
    "keyword-list": PENALTY_KEYWORDS,
    "not-an-answer": PENALTY_NOT_ANSWER,
}

KEY_POINTS = Text("Key points", "Punti chiave")
COUNTED = Text("{hit} of {total} covered", "{hit} su {total} coperti")
COUNTED_PARTLY = Text("{n} partly", "{n} in parte")
PARTLY = Text("partly stated: {share} of its weight", "detto in parte: {share} del suo peso")
# after PARTLY on a ★★★ point, which a CORRECT needs: whether what was said of it is enough
HEART_ENOUGH = Text("; enough of it for a CORRECT", "; basta per una CORRETTA")
HEART_SHORT = Text("; a CORRECT needs more of it", "; per una CORRETTA ne serve di più")
NEGATED = Text("your answer states the opposite", "la tua risposta afferma il contrario")
CONTRADICTED = Text(
    "not credited: a wrong statement below denies it",
    "non conteggiato: un'affermazione errata qui sotto lo nega",
)
STATUS_HIT = Text("covered", "coperto")
STATUS_PARTIAL = Text("partly", "in parte")
STATUS_MISSED = Text("missed", "mancante")
STATUSES: dict[str, Text] = {"hit": STATUS_HIT, "partial": STATUS_PARTIAL, "missed": STATUS_MISSED}
OVERRIDDEN = Text("you: {you} (grader: {grader})", "tu: {you} (valutatore: {grader})")
FROM_FOLLOWUP = Text(
    "said when asked back: {share} of its weight", "detto alla domanda: {share} del suo peso"
)

WRONG_STATEMENTS = Text("Wrong statements", "Affermazioni errate")
DISMISSED = Text(
    "dismissed by you (“I said the opposite”): no penalty",
    "respinta da te («ho detto il contrario»): nessuna penalità",
)
NOT_AN_ANSWER_DISMISSED = Text(
    "dismissed by you: graded as an answer", "respinto da te: valutata come risposta"
)

JUDGE_HINT = Text("o: correct the grader", "o: correggi il valutatore")
JUDGE_HELP = Text(
    "The card is yours to correct: o (or Tab) moves to its lines, ↑/↓ between them, and "
    "space, enter or a click toggles one — a key point covered or missed, a wrong "
    "statement dismissed (“I said the opposite”). Score, verdict and the suggested "
    "rating follow at once; the grader's judgement is kept next to yours.",
    "La scheda la puoi correggere tu: o (o Tab) porta alle sue righe, ↑/↓ fra le righe, e "
    "spazio, invio o un clic ne cambia una — un punto chiave coperto o mancante, "
    "un'affermazione errata respinta («ho detto il contrario»). Punteggio, giudizio e voto "
    "suggerito si aggiornano subito; il giudizio del valutatore resta accanto al tuo.",
)
JUDGED = Text("corrected by you", "corretta da te")
# under the score when only the answer's length keeps a CORRECT away
SHORT_HELD = Text(
    "an answer of {words} words needs {share} for a CORRECT (the shorter, the more): "
    "say more of it",
    "una risposta di {words} parole chiede il {share} per una CORRETTA (più è breve, più chiede): "
    "dinne di più",
)

FOLLOWUPS = Text("The examiner asks back", "L'esaminatore chiede ancora")
FOLLOWUP_ASK = Text("f: answer it", "f: rispondi")
FOLLOWUP_HIT = Text("stated: it counts", "detto: conta")
FOLLOWUP_MISS = Text("still missing", "ancora mancante")

REVEALED = Text(
    "Answer shown without grading: rate how well you knew it (1–4).",
    "Risposta mostrata senza valutazione: indica quanto la sapevi (1–4).",
)
NO_ANSWER = Text("No answer was given.", "Nessuna risposta data.")

# The interval a rating gives, shown next to it.
MINUTES = Text("{n}m", "{n}min")
HOURS = Text("{n}h", "{n}h")
DAYS = Text("{n}d", "{n}g")
MONTHS = Text("{n}mo", "{n}mesi")
