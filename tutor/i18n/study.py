"""The study screen: answering, the examiner's follow-ups, rating, the end of a session."""

from __future__ import annotations

from tutor.i18n import Text

KEY_SUBMIT = Text("Submit", "Invia")
KEY_REVEAL = Text("Show answer", "Mostra risposta")
KEY_ACCEPT = Text("Accept", "Accetta")
KEY_JUDGE = Text("Correct", "Correggi")
KEY_MODEL_LANG = Text("EN/IT", "IT/EN")
KEY_LINKS = Text("Demos & drills", "Demo ed esercizi")
KEY_SKIP = Text("Skip", "Salta")
KEY_SKIP_FOLLOWUP = Text("See the grade", "Vedi il voto")

PLACEHOLDER = Text(
    "Type your answer (English or Italian) — ctrl+s submits, ctrl+r shows the answer",
    "Scrivi la risposta (italiano o inglese) — ctrl+s invia, ctrl+r mostra la risposta",
)
PLACEHOLDER_FOLLOWUP = Text(
    "Answer the examiner — ctrl+s submits, ctrl+n shows the grade instead",
    "Rispondi all'esaminatore — ctrl+s invia, ctrl+n mostra invece il voto",
)
KIND_DIAGRAM = Text(
    "draw it in text, then describe nodes and edges",
    "disegnalo in testo, poi descrivi nodi e archi",
)
KIND_EXERCISE = Text("work it out step by step", "risolvilo passo per passo")
POINTS_EXPECTED = Text("{n} key points", "{n} punti chiave")

PROGRESS = Text(
    "{topic}  ·  due {due}  ·  new {new}  ·  reviewed {reviewed}",
    "{topic}  ·  da ripassare {due}  ·  nuove {new}  ·  ripassate {reviewed}",
)
PROGRESS_CRAM = Text(
    "{topic}  ·  cram: {left} left  ·  reviewed {reviewed}",
    "{topic}  ·  ripasso libero: ne restano {left}  ·  ripassate {reviewed}",
)
SESSION = Text("Session: {reviewed} reviewed", "Sessione: {reviewed} ripassate")
SESSION_CRAM = Text("Cram session: {reviewed} reviewed", "Ripasso libero: {reviewed} ripassate")

GRADING = Text("Grading…", "Valutazione…")
SAVING = Text("Saving…", "Salvataggio…")
LOADING = Text("Loading the next question…", "Carico la prossima domanda…")
FAILED = Text(
    "Not done: {error} (your answer is still here; try again)",
    "Non riuscito: {error} (la risposta è ancora qui; riprova)",
)
FAILED_RATING = Text(
    "The rating was not saved: {error}; press 1–4 again",
    "Il voto non è stato salvato: {error}; premi di nuovo 1–4",
)
FAILED_QUEUE = Text(
    "The next question could not be read: {error}; press ctrl+n to try again",
    "Non riesco a leggere la prossima domanda: {error}; premi ctrl+n per riprovare",
)

FOLLOWUP = Text(
    "The examiner asks back ({n} of {total}):",
    "L'esaminatore chiede ({n} di {total}):",
)
YOUR_ANSWER = Text("Your answer", "La tua risposta")
MORE_LINES = Text("… ({n} more lines)", "… (altre {n} righe)")
MODEL_ANSWER = Text(
    "Model answer ({lang}; l switches language)", "Risposta modello ({lang}; l cambia lingua)"
)

HINT_ACCEPT = Text("enter accepts the suggestion", "invio accetta il suggerimento")
HINT_RATE = Text("1–4: how well did you know it?", "1–4: quanto la sapevi?")
HINT_CRAM = Text("cram: the schedule is not changed", "ripasso libero: il calendario non cambia")

DONE_TITLE = Text("All done for now", "Per ora hai finito")
DONE_BODY = Text(
    "No review is due and today's new questions are used up.",
    "Nessun ripasso in scadenza e le domande nuove di oggi sono finite.",
)
DONE_SKIPPED = Text(
    "{n} skipped question(s) left for later (ctrl+n brings them back).",
    "{n} domanda/e saltata/e per dopo (ctrl+n le ripropone).",
)
DONE_WAITING = Text(
    "Next card due at {at} (in {left}): it will appear here by itself.",
    "Prossima carta alle {at} (tra {left}): comparirà qui da sola.",
)
DONE_NEXT = Text("Next review: {at}.", "Prossimo ripasso: {at}.")
DONE_NOTHING = Text("Nothing else is scheduled.", "Nient'altro in programma.")
DONE_LEAVE = Text("Press escape to go back.", "Premi esc per tornare indietro.")
CRAM_DONE_TITLE = Text("Cram session finished", "Ripasso libero finito")
CRAM_DONE_BODY = Text(
    "Every question of the selection was shown once.",
    "Ogni domanda della selezione è stata mostrata una volta.",
)
SECONDS = Text("{n} s", "{n} s")
MINUTES = Text("{n} min", "{n} min")

# The help sheet of the study screen (f1 / ?): how a card is made, corrected, rated, saved.
HELP_TITLE = Text("Study", "Studio")
HELP_ANSWERING = Text(
    "Answering: type in English or Italian; ctrl+s submits. ctrl+r (or space, once the "
    "focus is off the text box) shows the model answer instead: that is recorded as shown, "
    "not as a wrong answer. escape leaves the text box first, so that the letter keys work; "
    "a second escape goes back.",
    "Rispondere: scrivi in italiano o in inglese; ctrl+s invia. ctrl+r (o spazio, fuori "
    "dalla casella di testo) mostra invece la risposta modello: resta registrata come "
    "mostrata, non come risposta sbagliata. esc esce prima dalla casella, così funzionano i "
    "tasti delle lettere; un secondo esc torna indietro.",
)
HELP_FOLLOWUPS = Text(
    "Follow-ups: when key points are missing, the examiner asks back about up to {n} of "
    "them before the card appears; a point stated then earns back half its weight. ctrl+n "
    "passes: the card comes at once, and what you had typed is kept as a draft.",
    "Domande aggiuntive: se mancano punti chiave, l'esaminatore ne chiede ancora al massimo "
    "{n} prima della scheda; un punto detto allora recupera metà del suo peso. ctrl+n passa: "
    "la scheda arriva subito e quello che avevi scritto resta come bozza.",
)
HELP_CARD = Text(
    "The card: ✓ covered, ◐ partly, ✗ missed, ★ a point's weight. The score is the key "
    "points' weighted credit minus the deductions listed under it; the verdict follows from "
    "it, but a wrong statement keeps it at PARTIAL at most (WRONG if it is about the heart "
    "of the question) and CORRECT needs the heaviest points (★★★), each stated or, where "
    "partly stated, enough of it: the card says which. A short answer needs more for a "
    "CORRECT: {share} under {words} words, falling evenly to {usual} at {long} words.",
    "La scheda: ✓ coperto, ◐ in parte, ✗ mancante, ★ il peso di un punto. Il punteggio è "
    "il credito pesato dei punti chiave meno le detrazioni elencate sotto; il giudizio ne "
    "segue, ma un'affermazione errata lo ferma a PARZIALE (ERRATA se riguarda il cuore della "
    "domanda) e CORRETTA chiede i punti più pesanti (★★★), ciascuno detto o, se detto in "
    "parte, abbastanza: la scheda dice quale. Una risposta breve chiede di più "
    "per una CORRETTA: il {share} sotto le {words} parole, poi sempre meno fino al {usual} a "
    "{long} parole.",
)
HELP_RATING = Text(
    "Rating: 1 Again, 2 Hard, 3 Good, 4 Easy, each shown with when the question comes back. "
    "The grader's suggestion is highlighted and enter accepts it; it is never forced. A cram "
    "session leaves the schedule as it is. On the card, ctrl+n skips the question for this "
    "session, l switches the model answer between English and Italian, d lists its demos "
    "and drills.",
    "Voto: 1 Ripeti, 2 Difficile, 3 Bene, 4 Facile, ciascuno con quando la domanda "
    "ritorna. Il suggerimento del valutatore è evidenziato e invio lo accetta; non è mai "
    "imposto. Il ripasso libero lascia il calendario com'è. Sulla scheda ctrl+n salta la "
    "domanda per questa sessione, l cambia la lingua della risposta modello, d elenca le sue "
    "demo e i suoi esercizi.",
)
HELP_SAVING = Text(
    "Saving: the attempt is saved the moment it is graded, each correction as you make it, "
    "the rating before the next question appears. A half-typed answer is saved as a draft "
    "while you type (every second and a half), when you leave and when the app is closed; "
    "it is back the next time the question comes up.",
    "Salvataggio: il tentativo è salvato appena valutato, ogni correzione mentre la fai, il "
    "voto prima che compaia la domanda successiva. Una risposta a metà è salvata come bozza "
    "mentre scrivi (ogni secondo e mezzo), quando esci e quando l'app viene chiusa; la "
    "ritrovi la prossima volta che arriva la domanda.",
)
