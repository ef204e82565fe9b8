"""The exam simulation: setup, questions and follow-ups, abandoning, the result and its review."""

from __future__ import annotations

from tutor.i18n import Text

SETUP_TITLE = Text(
    "[b]Exam simulation[/b] — questions from different topics, as in the oral exam.",
    "[b]Simulazione d'esame[/b] — domande da argomenti diversi, come all'orale.",
)
SETUP_RULES = Text(
    "After each answer the examiner may ask back about up to {n} missed points. Each "
    "answer is marked out of 30 like the exam itself; the exam's mark is their mean "
    "(18 passes). Grades stay hidden until the end.",
    "Dopo ogni risposta l'esaminatore può chiedere ancora su al massimo {n} punti mancanti. "
    "Ogni risposta ha un voto su 30 come l'esame; il voto dell'esame è la loro media "
    "(18 è la sufficienza). I voti restano nascosti fino alla fine.",
)
FIELD_QUESTIONS = Text("Questions", "Domande")
FIELD_MINUTES = Text(
    "Minutes per question (0 = no limit)", "Minuti per domanda (0 = nessun limite)"
)
START = Text("Start", "Inizia")
BAD_SETUP = Text(
    "Questions must be 1–20 and minutes 0–60.", "Le domande devono essere 1–20 e i minuti 0–60."
)
CANNOT_START = Text("Cannot start the exam: {error}", "Impossibile iniziare l'esame: {error}")

KEY_SUBMIT = Text("Submit answer", "Invia risposta")
KEY_PASS = Text("Pass", "Passo")
KEY_ABANDON = Text("Abandon", "Abbandona")
KEY_OPEN = Text("Open the question", "Apri la domanda")
KEY_BACK = Text("Back", "Indietro")
KEY_MODEL_LANG = Text("EN/IT", "IT/EN")
KEY_JUDGE = Text("Correct", "Correggi")

PROGRESS = Text(
    "[b]Question {n} of {total}[/b]  ·  topic {topic}",
    "[b]Domanda {n} di {total}[/b]  ·  argomento {topic}",
)
TIME_LEFT = Text("{time} left", "restano {time}")
PLACEHOLDER = Text(
    "Your answer — ctrl+s submits (the grade comes at the end)",
    "La tua risposta — ctrl+s invia (il voto arriva alla fine)",
)
PLACEHOLDER_FOLLOWUP = Text(
    "Answer the examiner — ctrl+s submits, ctrl+n passes",
    "Rispondi all'esaminatore — ctrl+s invia, ctrl+n passa",
)
FOLLOWUP = Text(
    "The examiner asks back ({n} of at most {total}):",
    "L'esaminatore chiede ancora ({n} di al massimo {total}):",
)
SAVING = Text("Saving…", "Salvataggio…")
FAILED = Text(
    "Not saved: {error} (your answer is still here; try again)",
    "Non salvato: {error} (la risposta è ancora qui; riprova)",
)
TIME_UP = Text("Time is up: answer submitted.", "Tempo scaduto: risposta inviata.")
NOT_STORED = Text(
    "The exam result was not saved: {error}", "Il risultato dell'esame non è stato salvato: {error}"
)

ABANDON_TITLE = Text("Abandon the exam?", "Abbandonare l'esame?")
ABANDON_BODY = Text(
    "The answers given so far are kept, and the one you are typing is kept as a draft; "
    "the exam gets no mark.",
    "Le risposte date finora restano, e quella che stai scrivendo resta come bozza; "
    "l'esame non avrà un voto.",
)
ABANDON_YES = Text("Abandon", "Abbandona")
ABANDON_NO = Text("Go on with the exam", "Continua l'esame")
ABANDONED = Text(
    "Exam abandoned; the answers given so far are kept.",
    "Esame abbandonato; le risposte date finora restano.",
)

MARK = Text("{mark}/30", "{mark}/30")
MARK_LODE = Text("30 e lode", "30 e lode")
MARK_FAILED = Text("{mark}/30 — not passed", "{mark}/30 — non superato")
MEAN = Text("mean score {mean}", "punteggio medio {mean}")
CORRECTED = Text("(with your corrections)", "(con le tue correzioni)")
MARK_WORKING = Text(
    "Mark = the points' total ÷ answers, rounded half up: {total} ÷ {n} = {mean} → {mark}",
    "Voto = totale dei punti ÷ risposte, arrotondato (da ,5 in su): {total} ÷ {n} = {mean} → "
    "{mark}",
)
MARK_WORKING_LODE = Text(
    "; every answer correct and a mean score of at least 95%: 30 e lode",
    "; ogni risposta corretta e un punteggio medio di almeno il 95%: 30 e lode",
)
POINTS_MEAN = Text(
    "Points: each answer's own mark out of 30 (its score × 30 to one decimal, follow-ups "
    "counted: a point stated only when asked earns half its weight). The exam's mark is "
    "their mean, rounded half up, as worked out under the mark; 18 passes, 30 e lode needs "
    "a 95% mean with every answer correct. Enter on a row opens the question with your "
    "answer, its feedback and the model answer.",
    "Punti: il voto su 30 di ogni risposta (punteggio × 30 con un decimale, domande "
    "aggiuntive comprese: un punto detto solo su domanda vale metà del suo peso). Il voto "
    "dell'esame è la loro media arrotondata (da ,5 in su), come nel calcolo sotto il voto; "
    "18 è la sufficienza, il 30 e lode chiede una media del 95% con ogni risposta corretta. "
    "Invio su una riga apre la domanda con la tua risposta, il commento e la risposta modello.",
)
COL_QUESTION = Text("Question", "Domanda")
COL_POINTS = Text("Points /30", "Punti /30")
COL_VERDICT = Text("Verdict", "Giudizio")
COL_KEY_POINTS = Text("Key points", "Punti chiave")
COL_FOLLOWUPS = Text("Asked back", "Richieste")
COL_TEXT = Text("Text", "Testo")

REVIEW_TITLE = Text("Question {n} of {total}", "Domanda {n} di {total}")
YOUR_ANSWER = Text("Your answer", "La tua risposta")
NO_ANSWER = Text("(no answer)", "(nessuna risposta)")
MODEL_ANSWER = Text(
    "Model answer ({lang}; l switches language)", "Risposta modello ({lang}; l cambia lingua)"
)

# The help sheets of the exam screens (f1 / ?).
SETUP_HELP_TITLE = Text("Exam setup", "Preparazione dell'esame")
HELP_TITLE = Text("Exam", "Esame")
HELP_ASKING = Text(
    "As at the oral: one question at a time, grades hidden until the end. ctrl+s submits "
    "the answer. The examiner may then ask back about up to {n} missed key points: answer "
    "and ctrl+s, or ctrl+n to pass (it counts nothing; what you typed is kept as a draft). "
    "With a time limit, the answer is submitted as it is when the time is up.",
    "Come all'orale: una domanda alla volta, voti nascosti fino alla fine. ctrl+s invia la "
    "risposta. L'esaminatore può poi chiedere ancora su al massimo {n} punti chiave "
    "mancanti: rispondi e ctrl+s, oppure ctrl+n per passare (non conta nulla; quello che "
    "hai scritto resta come bozza). Con un limite di tempo, allo scadere la risposta è "
    "inviata così com'è.",
)
HELP_MARK = Text(
    "The mark: each answer's points are its score × 30, to one decimal, follow-ups counted "
    "(a point stated only when asked earns half its weight); the exam's mark is their mean, "
    "rounded half up. 18 passes; 30 e lode needs a mean score of 95% with every answer "
    "correct.",
    "Il voto: i punti di ogni risposta sono il suo punteggio × 30, con un decimale, domande "
    "aggiuntive comprese (un punto detto solo su domanda vale metà del suo peso); il voto "
    "dell'esame è la loro media, arrotondata da ,5 in su. 18 è la sufficienza; il 30 e lode "
    "chiede un punteggio medio del 95% con ogni risposta corretta.",
)
HELP_SAVING = Text(
    "Saving: each answer is saved when it is submitted, the mark when the exam ends. A "
    "half-typed answer is kept as a draft while you type, when the app is closed and when "
    "you abandon; escape asks first, and an abandoned exam keeps its answers but gets no "
    "mark.",
    "Salvataggio: ogni risposta è salvata quando la invii, il voto alla fine dell'esame. "
    "Una risposta a metà resta come bozza mentre scrivi, quando l'app viene chiusa e quando "
    "abbandoni; esc chiede prima, e un esame abbandonato conserva le risposte ma non ha un "
    "voto.",
)
RESULT_HELP_TITLE = Text("Exam result", "Risultato dell'esame")
RESULT_HELP = Text(
    "Each row is one answer: its points out of 30, the verdict, the key points covered and "
    "the follow-ups (✓ stated, ✗ still missing). The mark is worked out under it from the "
    "same points. Enter opens a question with your answer, its card and the model answer; "
    "a correction made there (o) changes the points and the mark, which is saved again.",
    "Ogni riga è una risposta: i suoi punti su 30, il giudizio, i punti chiave coperti e le "
    "domande aggiuntive (✓ detto, ✗ ancora mancante). Sotto il voto c'è il calcolo dagli "
    "stessi punti. Invio apre una domanda con la tua risposta, la sua scheda e la risposta "
    "modello; una correzione fatta lì (o) cambia i punti e il voto, che viene salvato di "
    "nuovo.",
)
REVIEW_HELP_TITLE = Text("One exam answer", "Una risposta dell'esame")
REVIEW_HELP = Text(
    "Back on the result (escape), the answer's points and the exam's mark follow your "
    "corrections, and the exam is saved again.",
    "Tornando al risultato (esc), i punti della risposta e il voto dell'esame seguono le tue "
    "correzioni, e l'esame viene salvato di nuovo.",
)
