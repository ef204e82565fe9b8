"""A question as the student reads it: headings of the question sheet (app, CLI, exports)."""

from __future__ import annotations

from tutor.i18n import Text

ANSWER = Text("Model answer", "Risposta modello")
POINTS = Text("Key points", "Punti chiave")
MISTAKES = Text("Common mistakes", "Errori comuni")
DEMOS = Text("Demos", "Demo")
DRILLS = Text("Drills", "Esercizi")
SEE_ALSO = Text("See also", "Vedi anche")
CONTEXT = Text("Context", "Contesto")
SHEET_TITLE = Text("CIDL — study sheet", "CIDL — scheda di studio")
CONTENTS = Text("Contents", "Indice")
COUNT = Text("questions", "domande")
LANGUAGE = Text("English", "Italiano")
