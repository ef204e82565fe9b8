"""Safe YAML reading that remembers where every value came from.

The validator must say ``file:line:column`` for each problem, so instead of
``yaml.safe_load`` we compose the node tree (libyaml when present) and build
plain containers that carry the marks of their keys and items. Only the
standard YAML tags are accepted; ``!!python/object`` and friends are refused
before anything is constructed.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

_STD = "tag:yaml.org,2002:"
# An alias repeats a whole subtree, so nine levels of nine aliases ("billion laughs") would
# build 387 million values from a few hundred bytes; a topic file holds a few thousand.
MAX_VALUES = 200_000
# The largest topic file is ~170 kB (~400 kB with rubric examples). Parsing costs ~80 bytes of
# memory per input byte (a 50 MB file took 35 s and 3.9 GB), so bigger files are refused unread.
MAX_FILE_BYTES = 4 * 1024 * 1024
_SCALAR_TAGS = {_STD + t for t in ("str", "int", "float", "bool", "null", "timestamp", "binary")}


@cache
def _yaml():
    """PyYAML, imported on first parse: a warm start reads the parse cache and never needs it."""
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when available
    return yaml, loader, yaml.constructor.SafeConstructor()


@dataclass(frozen=True)
class Mark:
    """A 1-based line and column in a source file."""

    line: int
    column: int


class YamlError(Exception):
    """A problem in a YAML source, with its position."""

    def __init__(self, message: str, mark: Mark | None) -> None:
        super().__init__(message)
        self.message = message
        self.mark = mark or Mark(1, 1)


class LMap(dict):
    """A mapping that knows where it, its keys and its values start."""

    mark: Mark
    key_marks: dict[str, Mark]
    value_marks: dict[str, Mark]

    def mark_of(self, key: str) -> Mark:
        return self.value_marks.get(key) or self.key_marks.get(key) or self.mark


class LList(list):
    """A sequence that knows where it and each item start."""

    mark: Mark
    item_marks: list[Mark]

    def mark_of(self, index: int) -> Mark:
        return self.item_marks[index] if 0 <= index < len(self.item_marks) else self.mark


def _mark(node: Any) -> Mark:
    m = node.start_mark
    return Mark(m.line + 1, m.column + 1)


class _Budget:
    """How many more values the document may expand to."""

    __slots__ = ("left",)

    def __init__(self, left: int) -> None:
        self.left = left


def _build(node: Any, budget: _Budget) -> Any:
    budget.left -= 1
    if budget.left < 0:
        raise YamlError(
            f"document too large: more than {MAX_VALUES} values once aliases are expanded",
            _mark(node),
        )
    yaml, _, constructor = _yaml()
    if isinstance(node, yaml.MappingNode):
        if node.tag not in (_STD + "map",):
            raise YamlError(f"unsafe or unknown YAML tag {node.tag!r}", _mark(node))
        out = LMap()
        out.mark, out.key_marks, out.value_marks = _mark(node), {}, {}
        for knode, vnode in node.value:
            if knode.tag == _STD + "merge":
                raise YamlError("YAML merge keys (<<) are not supported", _mark(knode))
            key = _build(knode, budget)
            if not isinstance(key, (str, int, float, bool)) or key is None:
                raise YamlError("mapping keys must be plain scalars", _mark(knode))
            key = str(key)
            if key in out:
                raise YamlError(f"duplicate key {key!r}", _mark(knode))
            out[key] = _build(vnode, budget)
            out.key_marks[key] = _mark(knode)
            out.value_marks[key] = _mark(vnode)
        return out
    if isinstance(node, yaml.SequenceNode):
        if node.tag != _STD + "seq":
            raise YamlError(f"unsafe or unknown YAML tag {node.tag!r}", _mark(node))
        seq = LList(_build(item, budget) for item in node.value)
        seq.mark = _mark(node)
        seq.item_marks = [_mark(item) for item in node.value]
        return seq
    if node.tag not in _SCALAR_TAGS:
        raise YamlError(f"unsafe or unknown YAML tag {node.tag!r}", _mark(node))
    if node.tag == _STD + "str":
        return node.value
    try:
        return constructor.construct_object(node, deep=True)
    except Exception as exc:  # a malformed timestamp, say
        raise YamlError(f"bad scalar: {exc}", _mark(node)) from None


def read_source(path: Path, limit: int = MAX_FILE_BYTES) -> bytes:
    """The bytes of a bank file, refused (YamlError at 1:1) when over ``limit``.

    The size is checked before reading, and the read itself stops after ``limit``
    bytes, so a file that grows meanwhile or a device that never ends costs no more.
    """
    size = path.stat().st_size
    if size <= limit:
        with open(path, "rb") as fh:
            data = fh.read(limit + 1)
        if len(data) <= limit:
            return data
        size = max(size, len(data))
    raise YamlError(
        f"file is too large ({_mb(size)}{'+' if size == limit + 1 else ''}; a bank file may "
        f"be at most {_mb(limit)}): split it into topics",
        Mark(1, 1),
    )


def _mb(n: int) -> str:
    return f"{n / (1024 * 1024):.1f} MB"


def load_located(text: str | bytes) -> Any:
    """Parse one YAML document into LMap/LList/scalars; raise YamlError on any problem."""
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise YamlError(f"file is not valid UTF-8 ({exc.reason})", Mark(1, 1)) from None
    yaml, loader, _ = _yaml()
    try:
        node = yaml.compose(text, Loader=loader)
    except yaml.MarkedYAMLError as exc:
        pm = exc.problem_mark or exc.context_mark
        mark = Mark(pm.line + 1, pm.column + 1) if pm else None
        msg = " ".join(p for p in (exc.context, exc.problem) if p) or "YAML syntax error"
        raise YamlError(f"YAML syntax error: {msg}", mark) from None
    except yaml.YAMLError as exc:
        raise YamlError(f"YAML error: {str(exc).splitlines()[0]}", None) from None
    except (ValueError, RecursionError) as exc:
        raise YamlError(f"YAML error: {exc}", None) from None
    if node is None:
        return None
    try:
        return _build(node, _Budget(MAX_VALUES))
    except RecursionError:
        raise YamlError("YAML document nested too deeply", _mark(node)) from None
