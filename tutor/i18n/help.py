"""The help sheet: a heading per screen, its keys, the keys that work everywhere."""

from __future__ import annotations

from tutor.i18n import Text

TITLE = Text("Keys", "Tasti")
THIS_SCREEN = Text("On this screen", "In questa schermata")
EVERYWHERE = Text("Everywhere", "Ovunque")
KEY_CLOSE = Text("Close", "Chiudi")
NOTHING = Text("No keys of its own.", "Nessun tasto proprio.")
FOOTER_NOTE = Text(
    "The footer shows the most used keys; this sheet lists all of them. escape, q or ? closes it.",
    "Il piè di pagina mostra i tasti più usati; qui ci sono tutti. "
    "esc, q o ? chiude questa scheda.",
)

#: Textual's own bindings, which every screen inherits, in both languages (by action).
TEXTUAL_KEYS: dict[str, Text] = {
    "app.focus_next": Text("Next field or button", "Campo o pulsante successivo"),
    "app.focus_previous": Text("Previous field or button", "Campo o pulsante precedente"),
    "screen.copy_text": Text("Copy the selected text", "Copia il testo selezionato"),
}
