"""Where the student's data lives.

Order of precedence: ``--data-dir``, then ``TUTOR_DATA_DIR``, then the
platform's user data directory (e.g. ``~/.local/share/cidl-tutor``).
"""

from __future__ import annotations

import os
from pathlib import Path

from tutor.errors import TutorError

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
            raise TutorError(f"data directory {path} is not a directory")
        try:
            path.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise TutorError(
                f"cannot create data directory {path}: {exc.strerror or exc}"
            ) from None
        if not path.is_dir():
            raise TutorError(f"data directory {path} is not a directory")
    return path
