"""Browse, the one-question view and the command palette: finding and reading questions."""

from __future__ import annotations

from tutor.i18n import Text

HELP_TITLE = Text("Browse", "Sfoglia")
QUESTION_HELP_TITLE = Text("One question", "Una domanda")
SEARCH_PLACEHOLDER = Text(
    "id or words of a question or its answer…", "id o parole di una domanda o della risposta…"
)
ALL_TOPICS = Text("all topics", "tutti gli argomenti")
NO_MATCH = Text("*No question matches.*", "*Nessuna domanda corrisponde.*")
RESULTS = Text("{count} questions", "{count} domande")
RESULTS_ONE = Text("1 question", "1 domanda")

KEY_SEARCH = Text("Search", "Cerca")
KEY_STUDY_THIS = Text("Study it", "Studiala")
KEY_LINKS = Text("Demos, drills", "Demo, esercizi")
KEY_PRACTICE = Text("Practice", "Esercitati")
KEY_RESULTS = Text("Go to the results", "Vai ai risultati")
KEY_OPEN = Text("Open the highlighted question", "Apri la domanda evidenziata")
KEY_ENTER = Text(
    "In the search box: go to the results; on a result: open it",
    "Nella ricerca: vai ai risultati; su un risultato: aprilo",
)

PALETTE_PLACEHOLDER = Text(
    "Jump to a question: an id (c.10) or words of its text or answer…",
    "Vai a una domanda: un id (c.10) o parole del testo o della risposta…",
)
OPEN_QUESTION = Text("open this question", "apri questa domanda")
FOUND_IN_QUESTION = Text("in the question", "nella domanda")
FOUND_IN_POINTS = Text("in its key points", "nei punti chiave")
FOUND_IN_ANSWER = Text("in its model answer", "nella risposta modello")
