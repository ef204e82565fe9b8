"""One catalogue of UI strings: every text has its Italian, and no screen writes its own.

The catalogue is every :class:`tutor.i18n.Text` in every module of ``tutor.i18n`` (also
inside dicts, such as the drill titles). The second half reads the UI modules' source:
a string with words in it, handed to a widget, a notification or a binding, is a string
that the Italian UI would show in English.
"""

from __future__ import annotations

import ast
import importlib
import pkgutil
import re
import string
import subprocess
import sys
from pathlib import Path

import pytest

import tutor.i18n
from tutor.bankload import load
from tutor.i18n import Label, Text, locale_lang, resolve_lang, tr

UI = Path(tutor.__file__).parent / "ui"
UI_MODULES = sorted([*UI.glob("*.py"), *(UI / "screens").glob("*.py")])


def catalogue() -> list[tuple[str, Text]]:
    """(module.NAME, text) for every Text of the package, nested ones included."""
    found = []
    for info in pkgutil.iter_modules(tutor.i18n.__path__):
        module = importlib.import_module(f"tutor.i18n.{info.name}")
        for name, value in vars(module).items():
            if isinstance(value, Text):
                found.append((f"{info.name}.{name}", value))
            elif isinstance(value, dict):
                found += [
                    (f"{info.name}.{name}[{k!r}]", v)
                    for k, v in value.items()
                    if isinstance(v, Text)
                ]
    return found


TEXTS = catalogue()


def test_the_catalogue_is_read():
    areas = {name.split(".")[0] for name, _ in TEXTS}
    assert {"app", "home", "browse", "stats", "drill", "export", "help", "lists"} <= areas


@pytest.mark.parametrize(("name", "text"), TEXTS, ids=[n for n, _ in TEXTS])
def test_every_text_has_italian_with_the_same_fields(name, text):
    assert text.en.strip(), f"{name} has no English"
    assert text.it.strip(), f"{name} has no Italian"
    assert text.fields("it") == text.fields("en"), f"{name}: fields differ"
    sample = _sample(text.en)
    text("en", **sample), text("it", **sample)  # both templates format


def _sample(template: str) -> dict[str, object]:
    """A value for every field that its format spec accepts ({n:d}, {share:.0%}, {name})."""
    out: dict[str, object] = {}
    for _, field, spec, _ in string.Formatter().parse(template):
        if field:
            kind = (spec or "s")[-1]
            out[field] = 1.5 if kind in "eEfFgG%" else 2 if kind in "dxXob" else "X"
    return out


def test_a_label_is_its_english_and_translates():
    t = Text("Study", "Studia")
    assert t.label == "Study" and tr(t.label, "it") == "Studia" and tr("plain", "it") == "plain"


def test_locale_names():
    assert resolve_lang("it_IT.UTF-8") == "it" and resolve_lang("C") == "en"
    assert locale_lang({"LANG": "it_IT.UTF-8"}) == "it" and locale_lang({}) == "en"


# --- no literal UI text in the UI modules ---------------------------------------------

#: Calls whose first positional argument is text the student reads.
_TEXT_FIRST = {
    "Static",
    "Label",
    "Button",
    "Checkbox",
    "RadioButton",
    "Option",
    "Markdown",
    "notify",
    "update",
    "add_column",
    "add_columns",
    "add_row",
    "SystemCommand",
    "DiscoveryHit",
    "Text",
    "RichText",
    "Content",
    "append",
}
#: Keyword arguments that are text the student reads.
_TEXT_KEYWORDS = {"placeholder", "prompt", "description", "label", "tooltip", "help", "title"}
#: Attributes that, assigned, show text.
_TEXT_ATTRIBUTES = {
    "placeholder",
    "prompt",
    "label",
    "border_title",
    "border_subtitle",
    "title",
    "sub_title",
    "tooltip",
    "description",
}
_MARKUP = re.compile(r"\[/?[a-z0-9 #$-]*\]")
_WORD = re.compile(r"[^\W\d_]{2,}")


def _words(node: ast.AST) -> list[str]:
    """The words of the literal text in ``node`` (a string or an f-string), markup removed."""
    pieces: list[str] = []
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        pieces = [node.value]
    elif isinstance(node, ast.JoinedStr):
        pieces = [v.value for v in node.values if isinstance(v, ast.Constant)]
    return [w for p in pieces for w in _WORD.findall(_MARKUP.sub("", p))]


def _name(func: ast.AST) -> str:
    if isinstance(func, ast.Attribute):
        return func.attr
    return func.id if isinstance(func, ast.Name) else ""


def literal_ui_text(source: str) -> list[tuple[int, str]]:
    """(line, words) of every literal UI string in a module's source."""
    found = []
    for node in ast.walk(ast.parse(source)):
        candidates: list[ast.AST] = []
        if isinstance(node, ast.Call):
            name = _name(node.func)
            if name == "work":  # a worker's description is for the devtools, not the student
                continue
            if name in _TEXT_FIRST and node.args:
                candidates += node.args if name in ("add_columns", "add_row") else node.args[:1]
            if name == "Binding" and len(node.args) >= 3:
                candidates.append(node.args[2])
            candidates += [k.value for k in node.keywords if k.arg in _TEXT_KEYWORDS]
        elif isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Attribute) and t.attr in _TEXT_ATTRIBUTES for t in node.targets
        ):
            candidates.append(node.value)
        for c in candidates:
            words = _words(c)
            if words:
                found.append((c.lineno, " ".join(words)))
    return sorted(found)


def test_the_scan_catches_what_it_is_for():
    source = (
        "Static('[b]Today[/b] reviews')\n"
        "self.notify(f'exported to {path}')\n"
        "Binding('s', 'study', 'Study')\n"
        "Input(placeholder='search…')\n"
        "table.add_columns('Topic', 'Due')\n"
        "box.border_title = 'results'\n"
        "out.append(' (your answer negates this)')\n"
    )
    assert [line for line, _ in literal_ui_text(source)] == [1, 2, 3, 4, 5, 5, 6, 7]
    fine = (
        "Static(id='today')\n"
        "Static(T.TODAY(lang), classes='note')\n"
        "self.update(f'[b]{T.EXAMS(lang)}[/b]  —  ✓')\n"
        "Binding('s', 'study', T.KEY_STUDY.label)\n"
        "Label(f.label, markup=False)\n"
    )
    assert literal_ui_text(fine) == []


@pytest.mark.parametrize("path", UI_MODULES, ids=[str(p.relative_to(UI)) for p in UI_MODULES])
def test_no_ui_module_holds_literal_text(path):
    found = literal_ui_text(path.read_text(encoding="utf-8"))
    assert not found, "\n".join(f"{path.name}:{line}: {words!r}" for line, words in found)


def test_labels_of_bindings_are_catalogue_texts():
    """Every Label in a binding of the UI comes from the catalogue (so it has its Italian)."""
    texts = {id(t) for _, t in TEXTS}
    checked = 0
    for path in UI_MODULES:
        module = importlib.import_module(
            "tutor.ui." + ".".join(path.relative_to(UI).with_suffix("").parts)
        )
        for value in vars(module).values():
            for binding in getattr(value, "BINDINGS", []) if isinstance(value, type) else []:
                description = getattr(binding, "description", None)
                if isinstance(description, Label):
                    assert id(description.text) in texts, (path.name, binding)
                    checked += 1
    assert checked > 20


def test_bank_show_in_italian_keeps_the_official_question_and_adds_its_rendering():
    """`tutor bank show f.03 --lang it` had only the English title (walk finding 18)."""
    q = load(()).get("f.03")
    assert q.question_it, "the bank has an Italian rendering of f.03"
    res = subprocess.run(
        [sys.executable, "-m", "tutor", "bank", "show", "f.03", "--lang", "it"],
        capture_output=True,
        text=True,
    )
    assert res.returncode == 0, res.stderr
    lines = [line for line in res.stdout.splitlines() if line.strip()]
    assert lines[0] == f"# f.03 — {q.question}"
    assert lines[1] == f"*{q.question_it}*"
    assert "## Risposta modello" in res.stdout and "## Punti chiave" in res.stdout
