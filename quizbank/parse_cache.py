"""A cache of parsed topic files, so the app starts in milliseconds, not half a second.

Parsing ~800 kB of YAML and stemming every model answer (to check the key
points) costs a few hundred milliseconds; the result only changes when a file
or this package's code changes. Each file's result is pickled under a key made
of the file's path, size, modification time (ns) and inode, its namespace, and
the same for the modules that produce it and for the stemmer (reading and hashing
the bytes cost more than the unpickling itself). Any problem with the cache
(missing, corrupt, unwritable, another version) silently falls back to parsing:
the cache can never change a result, only its speed.

A result may keep part of itself apart in a :class:`Deferred` (the bank keeps the
rubric's labelled examples there, half of every file, which only the validator
reads). That part is written after the rest as a second pickle and stays bytes
until something asks for it, so starting the app does not pay for it.

``TUTOR_CACHE_DIR`` moves the cache; ``TUTOR_NO_CACHE=1`` turns it off.
"""

from __future__ import annotations

import contextlib
import gc
import hashlib
import io
import os
import pickle
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import cache
from importlib.util import find_spec
from pathlib import Path
from typing import Any, Generic, TypeVar

__all__ = ["Deferred", "cache_dir", "cached"]

T = TypeVar("T")
V = TypeVar("V")
_MODULES = ("loader.py", "model.py", "textnorm.py", "yamlsrc.py", "catalogue.py", "parse_cache.py")
# The stems depend on the stemmer: PyStemmer's C module when it is installed, else
# snowballstemmer's pure-Python one (see quizbank.textnorm).
_STEMMERS = ("Stemmer", "snowballstemmer")
# The persistent id of a result's deferred part inside the first pickle.
_DEFERRED_ID = "deferred"


class Deferred(Generic[V]):
    """A value kept as pickled bytes until :meth:`get` is first called.

    Freshly computed, it simply holds its value. Read from the cache, it holds the
    bytes of the file's second pickle; if those cannot be read, ``fallback``
    recomputes the value (the source file is parsed again). Pickled by anything
    else than this module, it is pickled whole.
    """

    __slots__ = ("_blob", "_fallback", "_value")

    def __init__(self, value: V) -> None:
        self._value = value
        self._blob: bytes | None = None
        self._fallback: Callable[[], V] | None = None

    def get(self) -> V:
        """The value, unpickled on the first call."""
        blob = self._blob
        if blob is not None:
            try:
                with _no_gc():
                    value = pickle.loads(blob)
            except Exception:
                if self._fallback is None:
                    raise
                value = self._fallback()
            self._value = value  # set before the blob is dropped: another thread may look
            self._blob = None
            self._fallback = None
        return self._value

    def __reduce__(self) -> tuple[Any, ...]:
        return (Deferred, (self.get(),))


@contextmanager
def _no_gc() -> Iterator[None]:
    """Unpickling creates tens of thousands of objects, none of them garbage; the cyclic
    collector would walk them all several times over (a third of the time)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _stat_key(path: Path) -> bytes:
    """Identity of a file's current content: path, size and modification time (ns)."""
    st = path.stat()
    return f"{path.resolve()}\0{st.st_size}\0{st.st_mtime_ns}\0{st.st_ino}".encode()


def _module_file(name: str) -> Path | None:
    """The file a module would be imported from, found without importing it."""
    try:
        spec = find_spec(name)
    except (ImportError, ValueError):
        return None
    origin = spec.origin if spec is not None else None
    return Path(origin) if origin and origin not in ("built-in", "frozen") else None


@cache
def _code_fingerprint() -> bytes:
    """Python's version, this package's modules and the stemmer's files, by their stat:
    a new install of any of them (pip writes new files) gives new keys."""
    here = Path(__file__).parent
    h = hashlib.sha256(sys.version.encode())
    for name in _MODULES:
        try:
            h.update(_stat_key(here / name))
        except OSError:
            h.update(name.encode())
    for module in _STEMMERS:
        path = _module_file(module)
        try:
            h.update(_stat_key(path) if path is not None else f"no {module}".encode())
        except OSError:
            h.update(f"unreadable {module}".encode())
    return h.digest()


def cache_dir() -> Path | None:
    """Where pickles go, or None when caching is off."""
    if os.environ.get("TUTOR_NO_CACHE", "").strip().lower() not in ("", "0", "false", "no"):
        return None
    env = os.environ.get("TUTOR_CACHE_DIR")
    if env:
        return Path(env).expanduser()
    try:
        import platformdirs
    except ImportError:  # pragma: no cover - platformdirs is a dependency
        return None
    return Path(platformdirs.user_cache_dir("cidl-tutor", appauthor=False)) / "bank"


class _Pickler(pickle.Pickler):
    """Writes a result with its deferred part left out (as a persistent id)."""

    def __init__(self, file: io.BufferedWriter, part: Deferred[Any] | None) -> None:
        super().__init__(file, protocol=pickle.HIGHEST_PROTOCOL)
        self.part = part

    def persistent_id(self, obj: object) -> str | None:
        return _DEFERRED_ID if obj is self.part and obj is not None else None


class _Unpickler(pickle.Unpickler):
    """Reads a result whose deferred part is still to come, as bytes."""

    part: Deferred[Any] | None = None

    def persistent_load(self, pid: object) -> Deferred[Any]:
        if pid != _DEFERRED_ID:
            raise pickle.UnpicklingError(f"unknown persistent id {pid!r}")
        if self.part is None:
            self.part = Deferred(None)
        return self.part


def _read(target: Path, fallback: Callable[[], Any]) -> Any:
    data = target.read_bytes()
    stream = io.BytesIO(data)
    unpickler = _Unpickler(stream)
    with _no_gc():
        result = unpickler.load()
    part = unpickler.part
    if part is not None:
        rest = data[stream.tell() :]
        if not rest.endswith(pickle.STOP):
            raise pickle.UnpicklingError("the deferred part is missing")
        part._blob = rest
        part._fallback = fallback
    return result


def _write(directory: Path, target: Path, result: Any, part: Deferred[Any] | None) -> None:
    import tempfile

    directory.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=directory, suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            _Pickler(fh, part).dump(result)
            if part is not None:
                pickle.dump(part.get(), fh, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    _prune(directory)


def cached(
    path: Path,
    namespace: str,
    compute: Callable[[Path, str], T],
    deferred: Callable[[T], Deferred[Any] | None] | None = None,
) -> T:
    """``compute(path, namespace)``, or its pickled result for identical inputs.

    ``deferred`` names the part of a result that is written apart and read on first use.
    """
    directory = cache_dir()
    if directory is None:
        return compute(path, namespace)
    try:
        key = _stat_key(path)
    except OSError:
        return compute(path, namespace)
    h = hashlib.sha256(_code_fingerprint())
    h.update(namespace.encode() + b"\0" + key)
    target = directory / f"{h.hexdigest()[:40]}.pickle"

    def recompute_part() -> Any:
        fresh = compute(path, namespace)
        part = deferred(fresh) if deferred is not None else None
        return part.get() if part is not None else None

    try:
        return _read(target, recompute_part)
    except Exception:  # missing or unreadable: recompute below
        pass
    result = compute(path, namespace)
    with contextlib.suppress(Exception):  # a read-only or missing cache directory is no error
        _write(directory, target, result, deferred(result) if deferred is not None else None)
    return result


def _prune(directory: Path, keep: int = 64) -> None:
    """Old entries (edited files, other versions) are dropped, oldest first."""
    entries = sorted(directory.glob("*.pickle"), key=lambda p: p.stat().st_mtime)
    for old in entries[:-keep]:
        old.unlink(missing_ok=True)
