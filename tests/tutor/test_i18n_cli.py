"""No literal user-visible text in the command line, the drills or the core's errors.

``tests/tutor/test_i18n.py`` reads the UI modules; this reads the rest of what a student
sees: ``tutor/cli.py``, the commands ``bank``, ``stats``, ``doctor``, ``export`` and
``drill``, the drill generators, and the errors raised by the store, the data directory,
the bank loader and the exports. A sentence written there, and not in the catalogue,
would be printed in English by an Italian run.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

import tutor

ROOT = Path(tutor.__file__).parent
#: Modules whose every string is checked for prose.
PROSE_MODULES = sorted(
    [
        ROOT / "cli.py",
        *(
            ROOT / "commands" / f"{name}.py"
            for name in ("bank", "stats", "doctor", "export", "drill")
        ),
        *(ROOT / "drills").glob("*.py"),
    ]
)
#: Modules where only the errors they raise are checked (the rest is not shown).
ERROR_MODULES = sorted(
    [ROOT / "store.py", ROOT / "paths.py", ROOT / "bankload.py", *(ROOT / "export").glob("*.py")]
)

#: The errors a student reads.
_ERRORS = {"TutorError", "StoreError", "UnreadableRecord", "AnswerError", "ArgumentTypeError"}
#: Calls whose arguments are shown to the student as they are.
_SHOWN = {"print", *_ERRORS}
#: Keyword arguments that argparse shows in --help.
_HELP_KEYWORDS = {"help", "description", "epilog"}
#: Errors for the programmer (a bad difficulty passed by code), never shown by the CLI.
_INTERNAL = {"ValueError", "RuntimeError", "TypeError", "KeyError", "AssertionError"}
_WORD = re.compile(r"[^\W\d_]{3,}")
#: Two words side by side: prose, where code has operators, dots and underscores between.
_PROSE = re.compile(r"(?<![\w.])[^\W\d_]{2,} [^\W\d_]{2,}(?![\w(])")


def _literals(node: ast.AST) -> list[str]:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, ast.JoinedStr):
        return [v.value for v in node.values if isinstance(v, ast.Constant)]
    return []


def _name(func: ast.AST) -> str:
    if isinstance(func, ast.Attribute):
        return func.attr
    return func.id if isinstance(func, ast.Name) else ""


def _docstrings(tree: ast.AST) -> set[int]:
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                found.add(id(body[0].value))
    return found


def _internal(tree: ast.AST) -> set[int]:
    """Strings inside ``raise ValueError(...)`` and the like."""
    found = set()
    for node in ast.walk(tree):
        exc = node.exc if isinstance(node, ast.Raise) else None
        if isinstance(exc, ast.Call) and _name(exc.func) in _INTERNAL:
            found |= {id(n) for n in ast.walk(exc)}
    return found


def _keys(tree: ast.AST) -> set[int]:
    """Strings that name something (``d["key"]``, ``getattr(x, "name")``), not text."""
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Subscript):
            found.add(id(node.slice))
        elif isinstance(node, ast.Call) and _name(node.func) in ("getattr", "hasattr"):
            found |= {id(a) for a in node.args[1:2]}
    return found


def shown_text(source: str, calls: set[str] = _SHOWN) -> list[tuple[int, str]]:
    """(line, text) of literal words handed to ``calls`` (print, an error) or to
    argparse's help."""
    tree = ast.parse(source)
    keys = _keys(tree)
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        candidates = (
            list(node.args) + [k.value for k in node.keywords if k.arg not in _HELP_KEYWORDS]
            if _name(node.func) in calls
            else []
        )
        candidates += [k.value for k in node.keywords if k.arg in _HELP_KEYWORDS]
        for c in candidates:
            for sub in ast.walk(c):
                for text in [] if id(sub) in keys else _literals(sub):
                    if _WORD.search(text):
                        found.append((sub.lineno, text))
    return sorted(set(found))


def prose(source: str) -> list[tuple[int, str]]:
    """(line, text) of every string with two words side by side, docstrings and internal
    errors aside; an all-capitals string (a Unicode character name) is not prose."""
    tree = ast.parse(source)
    skip = _docstrings(tree) | _internal(tree)
    found = []
    for node in ast.walk(tree):
        if id(node) in skip:
            continue
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            text = node.value
            if _PROSE.search(text) and text != text.upper():
                found.append((node.lineno, text))
    return sorted(found)


def test_the_scans_catch_what_they_are_for():
    source = (
        "print('nothing to check')\n"
        "raise TutorError(f'cannot open {path}')\n"
        "p.add_argument('--x', help='print JSON')\n"
        "steps.append(f'  keep #{best} for now')\n"
        "label = 'total parameters'\n"
        "print(f'{x:<8}{y}')\n"
        "raise ValueError('difficulty must be 1, 2 or 3')\n"
        "call = f'nn.Conv2d({a}, {b}, {k}, bias=False)'\n"
        "ok = s in ('error', 'raises')\n"
        "name.startswith('GREEK SMALL LETTER ')\n"
    )
    assert [line for line, _ in shown_text(source)] == [1, 2, 3]
    assert [line for line, _ in prose(source)] == [1, 2, 3, 4, 5]
    keys = "print(names['topic'], getattr(args, 'run_lang', None), e['finished_at'])\n"
    assert shown_text(keys) == []  # keys and attribute names are not text
    assert shown_text("print(T.FINE(lang))\nTutorError(E.X, path=p)\n") == []


@pytest.mark.parametrize(
    "path", PROSE_MODULES, ids=[str(p.relative_to(ROOT)) for p in PROSE_MODULES]
)
def test_no_command_or_drill_holds_literal_text(path):
    source = path.read_text(encoding="utf-8")
    found = sorted(set(shown_text(source)) | set(prose(source)))
    assert not found, "\n".join(f"{path.name}:{line}: {text!r}" for line, text in found)


@pytest.mark.parametrize(
    "path", ERROR_MODULES, ids=[str(p.relative_to(ROOT)) for p in ERROR_MODULES]
)
def test_the_errors_a_student_meets_come_from_the_catalogue(path):
    found = shown_text(path.read_text(encoding="utf-8"), _ERRORS)
    assert not found, "\n".join(f"{path.name}:{line}: {text!r}" for line, text in found)
