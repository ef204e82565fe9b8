"""The help sheet: a heading per screen, its keys, the keys that work everywhere."""

from __future__ import annotations

from tutor.i18n import Text

TITLE = Text("Keys", "Tasti")
THIS_SCREEN = Text("On this screen", "In questa schermata")
EVERYWHERE = Text("Everywhere", "Ovunque")
KEY = Text("key", "tasto")
ACTION = Text("what it does", "cosa fa")
KEY_CLOSE = Text("Close", "Chiudi")
NOTHING = Text("No keys of its own.", "Nessun tasto proprio.")
FOOTER_NOTE = Text(
    "The footer shows the most used keys; this sheet lists all of them. "
    "`escape`, `q` or `?` closes it.",
    "Il piè di pagina mostra i tasti più usati; qui ci sono tutti. "
    "`esc`, `q` o `?` chiude questa scheda.",
)
