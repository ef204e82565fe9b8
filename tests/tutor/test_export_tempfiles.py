"""A killed export leaves ``.NAME.tutor-XXXXXXXX.tmp``; the next export there removes it
once it is old and unlocked, and never touches anything else."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

from tutor.export.common import STALE_TEMP_S, atomic_write, clean_stale_temps


def age(path: Path, seconds: float = 2 * STALE_TEMP_S) -> None:
    old = time.time() - seconds
    os.utime(path, (old, old), follow_symlinks=False)


def killed_export(directory: Path) -> Path:
    """Run an export in another process and SIGKILL it while it writes."""
    script = textwrap.dedent(
        """
        import sys, time
        from pathlib import Path
        from tutor.export.common import atomic_write

        def slow(tmp):
            tmp.write_bytes(b"PK half a deck")
            print(tmp, flush=True)
            time.sleep(60)

        atomic_write(Path(sys.argv[1]) / "deck.apkg", slow)
        """
    )
    proc = subprocess.Popen(
        [sys.executable, "-c", script, str(directory)], stdout=subprocess.PIPE, text=True
    )
    try:
        tmp = Path(proc.stdout.readline().strip())
        assert tmp.exists()
        # while it writes, the file is locked: even an old one is left alone
        age(tmp)
        assert clean_stale_temps(directory) == [] and tmp.exists()
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
        proc.stdout.close()
    return tmp


def test_a_killed_exports_temp_file_is_removed_by_the_next_export(tmp_path):
    tmp = killed_export(tmp_path)
    assert tmp.exists() and tmp.name.startswith(".deck.apkg.tutor-") and tmp.suffix == ".tmp"
    os.utime(tmp)  # young again: it might be an export still starting
    atomic_write(tmp_path / "notes.md", lambda p: p.write_text("# notes\n"))
    assert tmp.exists()
    age(tmp)
    atomic_write(tmp_path / "other.md", lambda p: p.write_text("# other\n"))
    assert not tmp.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.md", "other.md"]


def test_only_our_own_leftovers_are_removed(tmp_path):
    ours_old_style = tmp_path / ".deck.apkg.0a1b2c3d.tmp"  # cidl-tutor 0.1's name
    someone_elses = tmp_path / ".notes.0a1b2c3d.tmp"  # same shape, another file's name
    plain = tmp_path / "deck.apkg.tutor-0a1b2c3d.tmp"  # not hidden: not ours
    target = tmp_path / "real.bin"
    target.write_bytes(b"keep")
    link = tmp_path / ".x.tutor-0a1b2c3d.tmp"
    link.symlink_to(target)
    for p in (ours_old_style, someone_elses, plain):
        p.write_bytes(b"x")
        age(p)
    age(link)
    removed = clean_stale_temps(tmp_path, target=tmp_path / "deck.apkg")
    assert removed == [ours_old_style]
    assert someone_elses.exists() and plain.exists() and link.is_symlink()
    assert target.read_bytes() == b"keep"


def test_a_missing_directory_is_no_error(tmp_path):
    assert clean_stale_temps(tmp_path / "missing") == []
