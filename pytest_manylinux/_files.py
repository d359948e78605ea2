"""Writing report files the way a user expects (atomically, readable like any other report), and one lock.

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

    pytest-xdist's documented recipe for work done once per run uses
    ``filelock``: one portable lock (``fcntl`` on POSIX, ``msvcrt`` on
    Windows) for the build and for reading each wheel, and nothing POSIX-only
    is imported here. Imported when first needed, as everything heavy is.
    """
    from filelock import FileLock  # noqa: PLC0415 - only runs that share work across processes lock

    path.parent.mkdir(parents=True, exist_ok=True)
    with FileLock(path):
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
