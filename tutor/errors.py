"""The one error type the CLI turns into a one-line message and an exit code.

An error raised deep in the core (the store, the data directory, an export) does not know
the language of the run that meets it, so it carries a catalogue :class:`~tutor.i18n.Text`
and its fields instead of a finished sentence; whoever shows it (the CLI, a screen) calls
:meth:`TutorError.render` with its own language. ``message`` and ``str(exc)`` stay the
English sentence, for logs, JSON reports and the code that already reads them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from tutor.i18n import Text

__all__ = ["Phrase", "TutorError", "localize"]


@dataclass(frozen=True)
class Phrase:
    """A catalogue text with its fields filled later, in the language of whoever shows it.

    A field of an error that is itself a sentence (why a record is unreadable) is a
    ``Phrase``, so that the Italian message does not carry an English clause inside it.
    """

    text: Text
    fields: Mapping[str, Any] = field(default_factory=dict)

    def __call__(self, lang: str = "en") -> str:
        return self.text(lang, **{k: localize(v, lang) for k, v in self.fields.items()})

    def __str__(self) -> str:
        return self("en")


def localize(value: Any, lang: str) -> Any:
    """A field value as ``lang`` shows it: texts, phrases and errors are translated,
    anything else (a path, a number, an OS error string) is left as it is."""
    if isinstance(value, Text | Phrase):
        return value(lang)
    if isinstance(value, TutorError):
        return value.render(lang)
    return value


class TutorError(Exception):
    """A user-facing failure: bad input, a missing file, an unknown id.

    ``message`` is a plain (English) string, or a :class:`Text` whose ``{name}`` fields
    are given as keywords; :meth:`render` gives it in either language.
    """

    def __init__(self, message: str | Text | Phrase, /, exit_code: int = 1, **fields: Any) -> None:
        if isinstance(message, Phrase):
            message, fields = message.text, {**message.fields, **fields}
        self.phrase: Phrase | None = Phrase(message, fields) if isinstance(message, Text) else None
        self.message = self.phrase("en") if self.phrase is not None else str(message)
        super().__init__(self.message)
        self.exit_code = exit_code

    def render(self, lang: str = "en") -> str:
        """The message in ``lang`` (a plain-string message has only its English)."""
        return self.phrase(lang) if self.phrase is not None else self.message
