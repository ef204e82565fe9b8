"""The ``tutor`` command itself: its help, the commands' one-line descriptions, the lines
it prints when a run stops (usage errors, interruptions, internal errors).

argparse's own words ("usage:", "options:", "show this help message and exit") and the
reason argparse gives for a usage error stay English.
"""

from __future__ import annotations

from tutor.i18n import Text

DESCRIPTION = Text(
    "Exam-prep tutor for Computational Intelligence and Deep Learning. "
    "Without a command it opens the study app.",
    "Tutor per l'orale di Computational Intelligence and Deep Learning. "
    "Senza un comando apre l'app di studio.",
)
HELP_BANK_DIR = Text(
    "also load the question bank in DIR (repeatable)",
    "carica anche la banca di domande in DIR (ripetibile)",
)
HELP_DATA_DIR = Text(
    "where progress is stored (default: $TUTOR_DATA_DIR or the user data directory)",
    "dove salvare i progressi (predefinita: $TUTOR_DATA_DIR o la cartella dati dell'utente)",
)
HELP_LANG = Text(
    "language of the app and of every command's output (default: for the app, the one chosen "
    "last in it; else the locale's)",
    "lingua dell'app e dell'output di ogni comando (predefinita: per l'app, l'ultima scelta "
    "nell'app; altrimenti quella del locale)",
)
METAVAR_COMMAND = Text("COMMAND", "COMANDO")

#: The one line of each command in ``tutor --help``.
COMMAND_HELP: dict[str, Text] = {
    "bank": Text(
        "list, show and validate the question bank",
        "elenca, mostra e valida la banca di domande",
    ),
    "grade": Text(
        "grade a typed answer against a question's key points",
        "valuta una risposta scritta rispetto ai punti chiave di una domanda",
    ),
    "drill": Text(
        "practise generated exercises (computational graphs, SGD, shapes, ...)",
        "esercizi generati (grafi computazionali, SGD, forme dei tensori, ...)",
    ),
    "export": Text(
        "export flashcards: Anki .apkg, CSV/TSV, Markdown study sheet, JSON",
        "esporta le flashcard: Anki .apkg, CSV/TSV, scheda di studio Markdown, JSON",
    ),
    "stats": Text(
        "study statistics: per topic, reviews per day, due forecast",
        "statistiche di studio: per argomento, ripassi al giorno, previsione delle scadenze",
    ),
    "doctor": Text(
        "check the progress database (indexes, every record); --repair mends it",
        "controlla il database dei progressi (indici, ogni record); --repair lo ripara",
    ),
}

EMPTY_PATH = Text("a path cannot be empty", "un percorso non può essere vuoto")
USAGE = Text("{message} (see '{prog} --help')", "{message} (vedi '{prog} --help')")
ERROR = Text("tutor: error: {message}", "tutor: errore: {message}")
INTERRUPTED = Text("tutor: interrupted", "tutor: interrotto")
INTERNAL = Text(
    "tutor: internal error: {kind}: {detail} (set TUTOR_DEBUG=1 for details)",
    "tutor: errore interno: {kind}: {detail} (imposta TUTOR_DEBUG=1 per i dettagli)",
)
STDIN = Text("standard input", "lo standard input")
CANNOT_READ = Text("cannot read {name}: {reason}", "impossibile leggere {name}: {reason}")
NOT_UTF8 = Text(
    "{name} is not UTF-8 text (byte {byte} at position {position}); save it as UTF-8",
    "{name} non è testo UTF-8 (byte {byte} in posizione {position}); salvalo come UTF-8",
)
