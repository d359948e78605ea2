"""Writing report files the way a user expects: atomically, and readable like any other report.

One helper for every file we write for the user (JSON report, baseline), so
each is replaced whole via a temporary file in the same directory and gets
mode 0666 less the umask, as ``--junitxml`` does (``mkstemp`` alone gives 0600).
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Iterator

__all__ = ["exclusive_lock", "write_atomically"]


@contextlib.contextmanager
def exclusive_lock(path: Path) -> Iterator[None]:
    """Hold an exclusive lock on ``path`` (created if need be) until the block ends.

    pytest-xdist's recipe for work done once per run: ``fcntl.flock`` on
    POSIX, ``msvcrt.locking`` on Windows, so importing this never fails where
    one of them is missing.
    """
    with path.open("a+b") as handle:
        try:
            import fcntl  # noqa: PLC0415 - POSIX

            fcntl.flock(handle, fcntl.LOCK_EX)
        except ImportError:  # pragma: no cover - Windows
            import msvcrt  # noqa: PLC0415

            handle.seek(0)
            while True:
                try:
                    msvcrt.locking(handle.fileno(), msvcrt.LK_LOCK, 1)  # type: ignore[attr-defined]  # Windows only
                    break
                except OSError:  # LK_LOCK gives up after ten seconds; keep waiting
                    continue
        yield


def write_atomically(path: Path, text: str) -> None:
    """Replace ``path`` with ``text`` in one rename; no temporary file is left on failure."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        umask = os.umask(0)
        os.umask(umask)
        if hasattr(os, "fchmod"):  # POSIX; elsewhere the default mode already follows the umask
            os.fchmod(fd, 0o666 & ~umask)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        Path(tmp).replace(path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
