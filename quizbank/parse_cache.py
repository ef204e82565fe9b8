"""A cache of parsed topic files, so the app starts in milliseconds, not half a second.

Parsing ~800 kB of YAML and stemming every model answer (to check the key
points) costs a few hundred milliseconds; the result only changes when a file
or this package's code changes. Each file's result is pickled under a key made
of the file's bytes, its namespace and the source of the modules that produce
it. Any problem with the cache (missing, corrupt, unwritable, another
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


@cache
def _code_fingerprint() -> bytes:
    here = Path(__file__).parent
    h = hashlib.sha256(sys.version.encode())
    for name in _MODULES:
        try:
            h.update((here / name).read_bytes())
        except OSError:
            h.update(name.encode())
    try:
        import Stemmer  # the stems depend on the stemmer implementation

        h.update(str(getattr(Stemmer, "__version__", Stemmer.version())).encode())
    except ImportError:
        h.update(b"snowballstemmer")
    return h.digest()


def cache_dir() -> Path | None:
    """Where pickles go, or None when caching is off."""
    if os.environ.get("TUTOR_NO_CACHE"):
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
        data = path.read_bytes()
    except OSError:
        return compute(path, namespace)
    h = hashlib.sha256(_code_fingerprint())
    h.update(namespace.encode() + b"\0" + str(path.resolve()).encode() + b"\0" + data)
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
        with os.fdopen(fd, "wb") as fh:
            pickle.dump(result, fh, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, target)
        _prune(directory)
    except Exception:  # a read-only cache is not an error
        pass
    return result


def _prune(directory: Path, keep: int = 64) -> None:
    """Old entries (edited files, other versions) are dropped, oldest first."""
    entries = sorted(directory.glob("*.pickle"), key=lambda p: p.stat().st_mtime)
    for old in entries[:-keep]:
        old.unlink(missing_ok=True)
