"""Every user-visible string of the app and the CLI, in English and Italian.

A string is a :class:`Text` constant in one of this package's modules (one module per
area: ``tutor.i18n.demo``, ``tutor.i18n.study``, …), so a typo in a name fails at import
time and ``tests/tutor/test_i18n.py`` can check that nothing lacks its Italian. Screens
and commands never hold literal UI text; they call ``T.SOMETHING(lang, **fields)``.
"""

from __future__ import annotations

import string
from dataclasses import dataclass
from typing import Any

__all__ = ["LANGS", "Text", "resolve_lang"]

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


def resolve_lang(value: str | None) -> str:
    """``en`` or ``it`` from a setting, an option or a locale name such as ``it_IT.UTF-8``."""
    if not value:
        return "en"
    head = value.strip().lower().replace("-", "_").split("_")[0].split(".")[0]
    return head if head in LANGS else "en"
