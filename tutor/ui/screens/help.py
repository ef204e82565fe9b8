"""Help: every key of the screen it was opened from, and the keys that work everywhere.

Nothing here lists keys by hand: the sheet is built from the screen's and the app's
bindings (:func:`tutor.ui.keys.key_help`), so a new binding is in the help at once, in
the app's language. A screen can add ``HELP_TITLE`` (a :class:`Text`) and ``HELP_NOTE``:
how the screen works, in paragraphs (texts, or phrases with their fields), each led by
the words before its first colon in bold. One line per key, no ruled table: a screen's
keys fit on a 24-row terminal.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text as RichText
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widgets import Static

from tutor.i18n import Text
from tutor.i18n import help as T
from tutor.ui.keys import KeyHelp, key_help


def _keys(rows: list[KeyHelp], lang: str) -> RenderableType:
    if not rows:
        return RichText(T.NOTHING(lang), style="italic")
    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="bold", no_wrap=True)
    grid.add_column()
    for r in rows:
        grid.add_row(r.keys, r.description)
    return grid


#: A paragraph of a help note: a catalogue text, or a phrase with its fields.
Paragraph = Callable[[str], str]


def note_paragraphs(screen: Screen) -> list[Paragraph]:
    """The screen's ``HELP_NOTE``: one text, or a sequence of them."""
    note: Paragraph | Sequence[Paragraph] | None = getattr(screen, "HELP_NOTE", None)
    if note is None:
        return []
    return [note] if callable(note) else list(note)


def _paragraph(text: str) -> RichText:
    lead, colon, rest = text.partition(": ")
    if not colon or len(lead) > 40:
        return RichText(f"\n{text}")
    out = RichText("\n")
    out.append(lead + ":", style="bold")
    out.append(" " + rest)
    return out


def help_sheet(screen: Screen, lang: str) -> Group:
    """The help sheet of ``screen``: its keys, how it works, the keys that work everywhere."""
    own, everywhere = key_help(screen, lang)
    title: Text | None = getattr(screen, "HELP_TITLE", None)
    heading = T.TITLE(lang) + (f" — {title(lang)}" if title else "")
    parts: list[RenderableType] = [
        RichText(heading, style="bold reverse"),
        RichText(f"\n{T.THIS_SCREEN(lang)}", style="bold underline"),
        _keys(own, lang),
    ]
    parts += [_paragraph(paragraph(lang)) for paragraph in note_paragraphs(screen)]
    parts += [
        RichText(f"\n{T.EVERYWHERE(lang)}", style="bold underline"),
        _keys(everywhere, lang),
        RichText(f"\n{T.FOOTER_NOTE(lang)}", style="dim"),
    ]
    return Group(*parts)


class HelpScreen(ModalScreen):
    """A modal sheet of the keys of ``screen`` (the one below it)."""

    BINDINGS = [Binding("escape,q,question_mark", "dismiss", T.KEY_CLOSE.label)]

    def __init__(self, screen: Screen) -> None:
        super().__init__()
        self.for_screen = screen

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help"):
            yield Static(help_sheet(self.for_screen, self.app.lang), id="help-sheet")
