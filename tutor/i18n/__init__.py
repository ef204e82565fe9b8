"""Every user-visible string of the app and the CLI, in English and Italian.

A string is a :class:`Text` constant in one of this package's modules (one module per
area: ``tutor.i18n.demo``, ``tutor.i18n.study``, …), so a typo in a name fails at import
time and ``tests/tutor/test_i18n.py`` can check that nothing lacks its Italian. Screens
and commands never hold literal UI text; they call ``T.SOMETHING(lang, **fields)``.
"""

from __future__ import annotations

import string
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

__all__ = ["LANGS", "Label", "Text", "locale_lang", "resolve_lang", "tr"]

LANGS: tuple[str, ...] = ("en", "it")


@dataclass(frozen=True)
class Text:
    """One message in both languages; ``{name}`` fields are filled by keyword."""

    en: str
    it: str

    def __call__(self, lang: str = "en", /, **fields: Any) -> str:
        template = self.it if lang == "it" else self.en
        return template.format(**fields) if fields else template

    def fields(self, lang: str) -> set[str]:
        """The ``{name}`` fields of one language's template (both must name the same)."""
        template = self.it if lang == "it" else self.en
        return {name for _, name, _, _ in string.Formatter().parse(template) if name}

    @property
    def label(self) -> Label:
        """This text as a ``str`` for APIs that take nothing else (``Binding.description``)."""
        return Label(self)


class Label(str):
    """The English text as a ``str`` that remembers its :class:`Text`.

    Textual keeps a binding's description as a plain string; a ``Label`` is one, so
    Textual shows it unchanged, and the app's footer and help call :func:`tr` on it to
    show it in the current language.
    """

    text: Text

    def __new__(cls, text: Text) -> Label:
        self = super().__new__(cls, text.en)
        self.text = text
        return self


def tr(value: str, lang: str) -> str:
    """``value`` in ``lang`` when it is a :class:`Label`; any other string as it is."""
    return value.text(lang) if isinstance(value, Label) else value


def locale_lang(environ: Mapping[str, str]) -> str:
    """The language the user's locale asks for, as gettext reads it: LC_ALL, then
    LC_MESSAGES, then LANG (``it_IT.UTF-8`` gives ``it``); English otherwise."""
    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        if environ.get(name):
            return resolve_lang(environ[name])
    return "en"


def resolve_lang(value: str | None) -> str:
    """``en`` or ``it`` from a setting, an option or a locale name such as ``it_IT.UTF-8``."""
    if not value:
        return "en"
    head = value.strip().lower().replace("-", "_").split("_")[0].split(".")[0]
    return head if head in LANGS else "en"
