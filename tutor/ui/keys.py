"""Keys in the student's language: the footer and the help sheet, both read from the bindings.

Screens declare bindings with :class:`~tutor.i18n.Label` descriptions (``T.KEY.label``),
which Textual keeps as plain English strings. :class:`TutorFooter` translates them each
time it is composed, and the app recomposes every footer when the language changes, so
no screen keeps a second list of its keys; :func:`key_help` builds the help sheet from
the same bindings.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from textual.app import ComposeResult
from textual.events import Resize
from textual.screen import Screen
from textual.widgets import Footer

from tutor.i18n import Text, tr
from tutor.i18n.help import TEXTUAL_KEYS

__all__ = ["HelpKeys", "KeyHelp", "TutorFooter", "key_help"]


class TutorFooter(Footer):
    """Textual's footer with every binding described in the app's language; compact on
    narrow terminals, so that 80 columns show every key in full."""

    #: Below this width the keys lose their padding.
    COMPACT_BELOW = 100

    def on_resize(self, event: Resize) -> None:
        self.compact = event.size.width < self.COMPACT_BELOW

    def compose(self) -> ComposeResult:
        lang = getattr(self.app, "lang", "en")
        for widget in super().compose():
            description = getattr(widget, "description", None)
            if isinstance(description, str):
                widget.description = tr(description, lang)  # type: ignore[attr-defined]
            yield widget


class HelpKeys:
    """Mixin for screens whose widgets handle keys that are not bindings of the screen
    (``enter`` on a table row): ``HELP_KEYS`` puts them in the help sheet too."""

    HELP_KEYS: ClassVar[tuple[tuple[str, Text], ...]] = ()


@dataclass(frozen=True)
class KeyHelp:
    """One line of the help sheet: the keys (``? / f1``) and what they do."""

    keys: str
    description: str


def key_help(screen: Screen, lang: str) -> tuple[list[KeyHelp], list[KeyHelp]]:
    """(the keys of ``screen``, the keys that work everywhere), from their bindings.

    Every key of the screen is listed, also those that do nothing at the moment (the
    ratings while an answer is being typed, the letter keys while a text box has the
    focus): the footer shows what works now, the help sheet what there is. Keys bound to
    the same action share a line; bindings of widgets (cursor keys of a text box) are
    left out, and so are Textual's own unlabelled ones.
    """
    app = screen.app
    own: dict[tuple[str, str], list[str]] = {}
    everywhere: dict[tuple[str, str], list[str]] = {}
    bindings = [(screen, b) for _, b in screen._bindings] + [(app, b) for _, b in app._bindings]
    for node, binding in bindings:
        if not binding.description or binding.system:
            continue
        description = tr(binding.description, lang)
        inherited = TEXTUAL_KEYS.get(binding.action)
        if node is app or inherited is not None:  # Textual's tab, shift+tab, copy: anywhere
            target = everywhere
            description = inherited(lang) if inherited is not None else description
        elif node is screen:
            target = own
        else:
            continue
        keys = target.setdefault((binding.action, description), [])
        display = app.get_key_display(binding)
        if display not in keys:
            keys.append(display)
    bound = {key for _, b in screen._bindings for key in b.key.split(",")}
    # a key a widget handles (enter on a table row) unless the screen binds it itself
    extra = [KeyHelp(k, t(lang)) for k, t in getattr(screen, "HELP_KEYS", ()) if k not in bound]
    return (
        extra + [KeyHelp(" / ".join(k), d) for (_, d), k in own.items()],
        [KeyHelp(" / ".join(k), d) for (_, d), k in everywhere.items()],
    )
