"""A cache of parsed topic files, so the app starts in milliseconds, not half a second.

Parsing ~800 kB of YAML and stemming every model answer (to check the key
points) costs a few hundred milliseconds; the result only changes when a file
or this package's code changes. Each file's result is pickled under a key made
of the file's path, size, modification time (ns) and inode, its namespace, and
the same for the modules that produce it (reading and hashing the bytes cost
more than the unpickling itself). Any problem with the cache (missing, corrupt, unwritable, another
version) silently falls back to parsing: the cache can never change a result,
only its speed.

``TUTOR_CACHE_DIR`` moves the cache; ``TUTOR_NO_CACHE=1`` turns it off.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import sys
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import TypeVar

T = TypeVar("T")
_MODULES = ("loader.py", "model.py", "textnorm.py", "yamlsrc.py", "catalogue.py", "parse_cache.py")


def _stat_key(path: Path) -> bytes:
    """Identity of a file's current content: path, size and modification time (ns)."""
    st = path.stat()
    return f"{path.resolve()}\0{st.st_size}\0{st.st_mtime_ns}\0{st.st_ino}".encode()


@cache
def _code_fingerprint() -> bytes:
    here = Path(__file__).parent
    h = hashlib.sha256(sys.version.encode())
    for name in _MODULES:
        try:
            h.update(_stat_key(here / name))
        except OSError:
            h.update(name.encode())
    try:
        from importlib.metadata import version

        h.update(version("PyStemmer").encode())  # the stems depend on the stemmer
    except Exception:
        h.update(b"snowballstemmer")
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


def cached(path: Path, namespace: str, compute: Callable[[Path, str], T]) -> T:
    """``compute(path, namespace)``, or its pickled result for identical inputs."""
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
    try:
        with open(target, "rb") as fh:
            return pickle.load(fh)
    except Exception:  # missing or unreadable: recompute below
        pass
    result = compute(path, namespace)
    try:
        import tempfile

        directory.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=directory, suffix=".tmp")
    except Exception:  # a read-only or missing cache directory is not an error
        return result
    try:
        with os.fdopen(fd, "wb") as fh:
            pickle.dump(result, fh, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, target)
        _prune(directory)
    except Exception:
        Path(tmp).unlink(missing_ok=True)
    return result


def _prune(directory: Path, keep: int = 64) -> None:
    """Old entries (edited files, other versions) are dropped, oldest first."""
    entries = sorted(directory.glob("*.pickle"), key=lambda p: p.stat().st_mtime)
    for old in entries[:-keep]:
        old.unlink(missing_ok=True)
