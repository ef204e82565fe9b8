"""The drill screen: answer fields, checking, the worked solution."""

from __future__ import annotations

from tutor.i18n import Text

HELP_TITLE = Text("Drill", "Esercizio")
TITLE = Text(
    "{title}  ·  {drill}, seed {seed}, difficulty {difficulty}",
    "{title}  ·  {drill}, seed {seed}, difficoltà {difficulty}",
)
HOW_TO = Text(
    "Type each answer and press enter for the next field; enter on the last one, ctrl+s or "
    "Check checks them all.",
    "Scrivi ogni risposta e premi invio per passare al campo successivo; invio sull'ultimo, "
    "ctrl+s o Verifica le controlla tutte.",
)
CHECK = Text("Check", "Verifica")
NEXT = Text("Next exercise", "Nuovo esercizio")
KEY_CHECK = Text("Check", "Verifica")
KEY_NEXT = Text("Next exercise", "Nuovo esercizio")
KEY_ENTER = Text("Next field; on the last one, check", "Campo successivo; sull'ultimo, verifica")
RIGHT = Text("✓", "✓")
WRONG = Text("✗ expected {expected}", "✗ atteso {expected}")
YOU_GAVE = Text("you gave {given}", "hai scritto {given}")
NO_ANSWER = Text("no answer", "nessuna risposta")
ALL_RIGHT = Text(
    "{correct}/{total} correct: all right.  ctrl+n: next exercise",
    "{correct}/{total} corrette: tutto giusto.  ctrl+n: nuovo esercizio",
)
SOME_WRONG = Text(
    "{correct}/{total} correct; to review: {wrong}. The worked solution is below.  "
    "ctrl+n: next exercise",
    "{correct}/{total} corrette; da rivedere: {wrong}. La soluzione svolta è qui sotto.  "
    "ctrl+n: nuovo esercizio",
)
SOLUTION = Text("Worked solution", "Soluzione svolta")
