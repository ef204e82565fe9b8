"""The app frame: title bar, keys that work everywhere, language, errors from any screen."""

from __future__ import annotations

from tutor.i18n import Text

SUBTITLE = Text(
    "Computational Intelligence and Deep Learning", "Computational Intelligence and Deep Learning"
)

KEY_QUIT = Text("Quit", "Esci")
KEY_HELP = Text("Help", "Aiuto")
KEY_BACK = Text("Back", "Indietro")
KEY_DOWN = Text("Down", "Giù")
KEY_UP = Text("Up", "Su")
# The key that switches language is labelled with the language it switches to.
KEY_LANGUAGE = Text("Italiano", "English")
KEY_PALETTE = Text("Search", "Cerca")

LANGUAGE_NAME = Text("English", "italiano")
LANGUAGE_SWITCHED = Text(
    "Language: English (remembered for next time)",
    "Lingua: italiano (ricordata per la prossima volta)",
)
LANGUAGE_COMMAND = Text("Switch to Italian", "Passa all'inglese")
LANGUAGE_COMMAND_HELP = Text(
    "Every label, key, verdict and answer in Italian; remembered",
    "Etichette, tasti, giudizi e risposte in inglese; la scelta viene ricordata",
)

UNEXPECTED_ERROR = Text(
    "Something went wrong: {kind}: {detail} (details in {log}); nothing you did is lost",
    "Qualcosa è andato storto: {kind}: {detail} (dettagli in {log}); non hai perso nulla",
)
CRASHED = Text(
    "tutor: the app stopped on an unexpected error (details above); "
    "everything saved before it is kept",
    "tutor: l'app si è fermata per un errore imprevisto (dettagli sopra); "
    "tutto ciò che era stato salvato prima è conservato",
)

DEMO_UNAVAILABLE = Text(
    "The demo {name} is not available in this install",
    "La demo {name} non è disponibile in questa installazione",
)
DRILL_UNAVAILABLE = Text(
    "The drill {name} is not available in this install",
    "L'esercizio {name} non è disponibile in questa installazione",
)
DRILL_NOT_IMPLEMENTED = Text(
    "The drill {name} is not implemented yet", "L'esercizio {name} non è ancora implementato"
)
