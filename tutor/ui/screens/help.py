"""Help: every key of the screen it was opened from, and the keys that work everywhere.

Nothing here lists keys by hand: the sheet is built from the screen's and the app's
bindings (:func:`tutor.ui.keys.key_help`), so a new binding is in the help at once, in
the app's language. A screen can add ``HELP_TITLE`` and ``HELP_NOTE`` (:class:`Text`).
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widgets import Markdown

from tutor.i18n import Text
from tutor.i18n import help as T
from tutor.ui.keys import KeyHelp, key_help


def _table(rows: list[KeyHelp], lang: str) -> str:
    if not rows:
        return f"*{T.NOTHING(lang)}*"
    lines = [f"| {T.KEY(lang)} | {T.ACTION(lang)} |", "| --- | --- |"]
    lines += [f"| `{r.keys}` | {r.description.replace('|', '∣')} |" for r in rows]
    return "\n".join(lines)


def help_markdown(screen: Screen, lang: str) -> str:
    """The help sheet of ``screen`` as Markdown."""
    own, everywhere = key_help(screen, lang)
    title: Text | None = getattr(screen, "HELP_TITLE", None)
    note: Text | None = getattr(screen, "HELP_NOTE", None)
    parts = [f"# {T.TITLE(lang)}" + (f" — {title(lang)}" if title else "")]
    parts += [f"## {T.THIS_SCREEN(lang)}", _table(own, lang)]
    if note:
        parts.append(note(lang))
    parts += [f"## {T.EVERYWHERE(lang)}", _table(everywhere, lang), T.FOOTER_NOTE(lang)]
    return "\n\n".join(parts) + "\n"


class HelpScreen(ModalScreen):
    """A modal sheet of the keys of ``screen`` (the one below it)."""

    BINDINGS = [Binding("escape,q,question_mark", "dismiss", T.KEY_CLOSE.label)]

    def __init__(self, screen: Screen) -> None:
        super().__init__()
        self.for_screen = screen

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help"):
            yield Markdown(help_markdown(self.for_screen, self.app.lang))
