"""The statistics screen: charts, the topic table, exams, drills and what the numbers mean."""

from __future__ import annotations

from tutor.i18n import Text

HELP_TITLE = Text("Statistics", "Statistiche")
KEY_REFRESH = Text("Refresh", "Aggiorna")

PER_DAY = Text(
    "Reviews per day, {first} to {last} (today)", "Ripassi al giorno, dal {first} al {last} (oggi)"
)
PER_TOPIC = Text("Retention and mastery per topic (%)", "Ritenzione e padronanza per argomento (%)")
FORECAST = Text(
    "Due in the next 14 days, from today {first}",
    "In scadenza nei prossimi 14 giorni, da oggi {first}",
)
RETENTION = Text("retention", "ritenzione")
MASTERY = Text("mastery", "padronanza")

COL_TOPIC = Text("Topic", "Argomento")
COL_QUESTIONS = Text("Questions", "Domande")
COL_NEW = Text("New", "Nuove")
COL_DUE = Text("Due", "Da ripassare")
COL_LEARNED = Text("Learned", "Imparate")
COL_REVIEWS = Text("Reviews", "Ripassi")
COL_RETENTION = Text("Retention", "Ritenzione")
COL_MASTERY = Text("Mastery", "Padronanza")

EXAMS = Text("Exam simulations", "Simulazioni d'esame")
COL_DATE = Text("Finished", "Conclusa")
COL_MARK = Text("Mark", "Voto")
COL_RESULT = Text("Result", "Esito")
MARK = Text("{mark}/30", "{mark}/30")
LODE = Text("30 e lode (30/30 with honours)", "30 e lode")
PASSED = Text("passed", "superato")
FAILED = Text("not passed", "non superato")
UNFINISHED = Text("not finished", "non conclusa")
NO_EXAMS = Text(
    "No exam simulation yet: press e on the home screen.",
    "Ancora nessuna simulazione d'esame: premi e nella schermata iniziale.",
)

DRILLS = Text("Drills", "Esercizi")
COL_DRILL = Text("Drill", "Esercizio")
COL_SESSIONS = Text("Checked", "Verificati")
COL_CORRECT = Text("Answers right", "Risposte giuste")
NO_DRILLS = Text(
    "No drill checked yet: press r on the home screen.",
    "Ancora nessun esercizio verificato: premi r nella schermata iniziale.",
)

DEFINITIONS = Text(
    "[b]Learned[/b]: past the first learning steps (the card is in FSRS's review state).  "
    "[b]Reviews[/b]: every rating given to the topic's cards (cram excluded).  "
    "[b]Retention[/b]: share of reviews of learned cards not rated Again.  "
    "[b]Mastery[/b]: the chance of recalling the topic's questions today (FSRS "
    "retrievability), averaged over all of them; new ones and those last rated Again count 0.",
    "[b]Imparate[/b]: superate le prime fasi di apprendimento (la carta è nello stato di "
    "ripasso di FSRS).  [b]Ripassi[/b]: ogni valutazione data alle carte dell'argomento "
    "(ripasso libero escluso).  [b]Ritenzione[/b]: quota dei ripassi di carte imparate non "
    "valutati Ripeti.  [b]Padronanza[/b]: la probabilità di ricordare oggi le domande "
    "dell'argomento (retrievability di FSRS), in media su tutte; le nuove e quelle valutate "
    "Ripeti l'ultima volta contano 0.",
)
