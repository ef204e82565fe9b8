"""The home screen: today's figures, the topic table and the ways in."""

from __future__ import annotations

from tutor.i18n import Text

HELP_TITLE = Text("Home", "Schermata iniziale")
KEY_STUDY = Text("Study", "Studia")
KEY_CRAM = Text("Cram", "Ripasso libero")
KEY_EXAM = Text("Exam", "Esame")
KEY_BROWSE = Text("Browse", "Sfoglia")
KEY_STATS = Text("Stats", "Statistiche")
KEY_DEMOS = Text("Demos", "Demo")
KEY_DRILLS = Text("Drills", "Esercizi")
KEY_EXPORT = Text("Export", "Esporta")
KEY_TOPIC = Text("Study the selected topic", "Studia l'argomento selezionato")

COL_TOPIC = Text("Topic", "Argomento")
COL_QUESTIONS = Text("Questions", "Domande")
COL_DUE = Text("Due", "Da ripassare")
COL_NEW = Text("New", "Nuove")
COL_MASTERY = Text("Mastery", "Padronanza")

TODAY = Text(
    "[b]Today[/b]  reviews {reviews}  ·  new {new}  ·  due now {due}  ·  "
    "new left today {left}  ·  {total} questions",
    "[b]Oggi[/b]  ripassi {reviews}  ·  nuove {new}  ·  da ripassare ora {due}  ·  "
    "nuove ancora oggi {left}  ·  {total} domande",
)
WAYS_IN = Text(
    "[b]s[/b] study due + new   [b]c[/b] cram (no scheduling)   [b]e[/b] exam simulation   "
    "[b]b[/b] browse   [b]t[/b] stats   [b]m[/b] demos   [b]r[/b] drills   [b]x[/b] export   "
    "[b]enter[/b] study the selected topic   [b]ctrl+p[/b] jump to a question   "
    "[b]ctrl+l[/b] italiano   [b]?[/b] help",
    "[b]s[/b] studia (da ripassare + nuove)   [b]c[/b] ripasso libero (senza pianificazione)   "
    "[b]e[/b] simulazione d'esame   [b]b[/b] sfoglia   [b]t[/b] statistiche   [b]m[/b] demo   "
    "[b]r[/b] esercizi   [b]x[/b] esporta   [b]invio[/b] studia l'argomento selezionato   "
    "[b]ctrl+p[/b] vai a una domanda   [b]ctrl+l[/b] english   [b]?[/b] aiuto",
)
MASTERY_MEANS = Text(
    "Mastery: the chance of recalling a topic's questions today (FSRS retrievability), "
    "averaged over the topic; new questions and those last rated Again count 0.",
    "Padronanza: la probabilità di ricordare oggi le domande dell'argomento (retrievability "
    "di FSRS), in media sull'argomento; le domande nuove e quelle valutate Ripeti l'ultima "
    "volta contano 0.",
)
