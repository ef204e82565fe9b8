"""Where the student's data lives.

Order of precedence: ``--data-dir``, then ``TUTOR_DATA_DIR``, then the
platform's user data directory (e.g. ``~/.local/share/cidl-tutor``).
"""

from __future__ import annotations

import os
from pathlib import Path

from tutor.errors import TutorError
from tutor.i18n import errors as E

APP_NAME = "cidl-tutor"


def default_data_dir() -> Path:
    """The directory used when nothing overrides it."""
    env = os.environ.get("TUTOR_DATA_DIR")
    if env:
        return Path(env).expanduser()
    import platformdirs

    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))


def data_dir(override: Path | str | None = None, *, create: bool = True) -> Path:
    """The data directory, created on demand; a clear error if that fails."""
    path = Path(override).expanduser() if override else default_data_dir()
    if create:
        if path.exists() and not path.is_dir():
            raise TutorError(E.DATA_DIR_NOT_DIR, path=path)
        try:
            path.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise TutorError(
                E.DATA_DIR_CANNOT_CREATE, path=path, reason=exc.strerror or exc
            ) from None
        if not path.is_dir():
            raise TutorError(E.DATA_DIR_NOT_DIR, path=path)
    return path
