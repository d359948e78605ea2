"""Pinned corpus of real PyPI wheels, fetched on demand into a local cache.

The tests compare our audit against auditwheel on wheels people actually
ship; committing ~70 MB of binaries would bloat the repository, so the
corpus is only pinned (name, version, sha256) and downloaded lazily with
pip, the one client every machine that runs the tests already has.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from packaging.utils import parse_wheel_filename

if TYPE_CHECKING:
    from collections.abc import Iterator

    from packaging.tags import Tag

__all__ = [
    "CORPUS",
    "PinnedWheel",
    "WheelFetchError",
    "WheelUnavailable",
    "cache_dir",
    "fetch",
]

CACHE_ENV = "PYTEST_MANYLINUX_WHEEL_CACHE"
CORPUS_FILE = Path(__file__).with_name("data") / "pypi-wheels.json"
PIP_TIMEOUT = 300.0

# Substrings pip prints when the index cannot be reached at all (DNS,
# refused or reset connections, proxies, TLS, socket timeouts). Only these
# turn into a skip; any other pip failure is a real error in the pins.
_NETWORK_MARKERS = (
    "NewConnectionError",
    "Failed to establish a new connection",
    "Temporary failure in name resolution",
    "Name or service not known",
    "Network is unreachable",
    "No route to host",
    "Connection refused",
    "Connection reset",
    "ConnectTimeoutError",
    "ReadTimeoutError",
    "ProxyError",
    "SSLError",
    "Max retries exceeded",
    "connection broken by",
    "Could not fetch URL",
)


@dataclass(frozen=True, slots=True)
class PinnedWheel:
    """One corpus entry; sha256 and size pin the exact bytes on PyPI."""

    filename: str
    project: str
    version: str
    sha256: str
    size: int
    category: str
    note: str


class WheelUnavailable(Exception):  # noqa: N818 - the name tests import
    """The wheel is not cached and PyPI cannot be reached: callers skip."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class WheelFetchError(RuntimeError):
    """PyPI answered but the pin is wrong (missing file, bad checksum)."""


def _load_corpus(path: Path = CORPUS_FILE) -> tuple[PinnedWheel, ...]:
    """Parse the JSON pins, checking types so a bad edit fails loudly."""
    raw: object = json.loads(path.read_text(encoding="utf-8"))
    if not isinstance(raw, list):
        raise TypeError(f"{path}: expected a JSON list")
    wheels: list[PinnedWheel] = []
    for item in raw:
        if not isinstance(item, dict):
            raise TypeError(f"{path}: expected objects, got {item!r}")
        strings: dict[str, str] = {}
        for key in ("filename", "project", "version", "sha256", "category", "note"):
            value = item.get(key)
            if not isinstance(value, str):
                raise TypeError(f"{path}: {key!r} must be a string in {item!r}")
            strings[key] = value
        size = item.get("size")
        if not isinstance(size, int) or isinstance(size, bool):
            raise TypeError(f"{path}: 'size' must be an integer in {item!r}")
        wheels.append(PinnedWheel(size=size, **strings))
    return tuple(wheels)


CORPUS: tuple[PinnedWheel, ...] = _load_corpus()


def cache_dir() -> Path:
    """Where wheels live between runs; overridable so CI can cache it."""
    configured = os.environ.get(CACHE_ENV)
    if configured:
        return Path(configured).expanduser()
    return Path(__file__).resolve().parents[1] / ".cache" / "pypi-wheels"  # inside the checkout, gitignored


def _sha256(path: Path) -> str:
    """Hash in chunks: some corpus wheels are ~15 MB."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _is_valid(path: Path, wheel: PinnedWheel) -> bool:
    """Cheap size check first, then the hash that actually pins the bytes."""
    try:
        if path.stat().st_size != wheel.size:
            return False
    except FileNotFoundError:
        return False
    return _sha256(path) == wheel.sha256


@contextlib.contextmanager
def _locked(lock_path: Path) -> Iterator[None]:
    """Serialise downloads of one wheel across pytest-xdist workers."""
    with lock_path.open("a") as handle:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


def _version_arg(digits: str) -> str:
    """Turn a tag's '311' into pip's '3.11' (a lone '3' stays '3')."""
    return digits if len(digits) == 1 else f"{digits[0]}.{digits[1:]}"


def _pip_target_args(tags: frozenset[Tag]) -> list[str]:
    """Make pip pick this exact wheel whatever the host is.

    Every platform tag of the filename is offered, so pip keeps it over
    other builds of the same release; interpreter and ABI come from one
    tag, because any single tag of the set makes the wheel eligible.
    """
    args: list[str] = []
    for platform in sorted({tag.platform for tag in tags}):
        args += ["--platform", platform]
    running = str(sys.version_info.major)
    # Prefer a generic tag this interpreter already matches ("py3"), so
    # pip needs no pretend interpreter at all.
    tag = min(tags, key=lambda t: (t.interpreter != f"py{running}", str(t)))
    impl = tag.interpreter.rstrip("0123456789")
    digits = tag.interpreter[len(impl) :]
    if not impl or not digits:
        raise WheelFetchError(f"cannot map interpreter tag {tag.interpreter!r}")
    if impl != "py":
        args += ["--implementation", impl]
    if impl != "py" or digits != running:
        args += ["--python-version", _version_arg(digits)]
    if tag.abi != "none":
        args += ["--abi", tag.abi]
    return args


def _run_pip(wheel: PinnedWheel, dest: Path, timeout: float) -> None:
    """Download with pip; network trouble becomes WheelUnavailable."""
    _, _, _, tags = parse_wheel_filename(wheel.filename)
    command = [
        sys.executable,
        "-m",
        "pip",
        "download",
        "--disable-pip-version-check",
        "--no-input",
        "--progress-bar",
        "off",
        "--retries",
        "2",
        "--timeout",
        "30",
        "--no-deps",
        "--only-binary=:all:",
        "--ignore-requires-python",
        *_pip_target_args(tags),
        "--dest",
        str(dest),
        f"{wheel.project}=={wheel.version}",
    ]
    try:
        result = subprocess.run(
            command,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
            stdin=subprocess.DEVNULL,
            # A machine-wide constraints file (install caps) must not veto
            # an exact pin that is only downloaded, never installed.
            env={**os.environ, "PIP_CONSTRAINT": ""},
        )
    except subprocess.TimeoutExpired:
        raise WheelUnavailable(f"pip download of {wheel.filename} timed out after {timeout:g}s") from None
    if result.returncode == 0:
        return
    output = f"{result.stdout}\n{result.stderr}"
    if any(marker in output for marker in _NETWORK_MARKERS):
        raise WheelUnavailable(f"PyPI unreachable, cannot fetch {wheel.filename}")
    tail = "\n".join(output.strip().splitlines()[-5:])
    raise WheelFetchError(f"pip download of {wheel.filename} failed:\n{tail}")


def fetch(wheel: PinnedWheel, *, timeout: float = PIP_TIMEOUT) -> Path:
    """Return a verified local copy of ``wheel``, downloading it if needed.

    Raises WheelUnavailable when PyPI cannot be reached (tests skip) and
    WheelFetchError when the pin itself is wrong (tests fail).
    """
    directory = cache_dir()
    target = directory / wheel.filename
    if _is_valid(target, wheel):
        return target
    directory.mkdir(parents=True, exist_ok=True)
    with _locked(directory / f".{wheel.filename}.lock"):
        # Another worker may have finished the download while we waited.
        if _is_valid(target, wheel):
            return target
        # A temporary folder inside the cache keeps the final rename atomic:
        # one file system, and readers never see a partial wheel.
        staging = Path(tempfile.mkdtemp(prefix=".download-", dir=directory))
        try:
            _run_pip(wheel, staging, timeout)
            downloaded = staging / wheel.filename
            if not downloaded.is_file():
                got = sorted(p.name for p in staging.iterdir())
                raise WheelFetchError(f"pip fetched {got}, not {wheel.filename}")
            actual = _sha256(downloaded)
            if actual != wheel.sha256:
                raise WheelFetchError(f"sha256 mismatch for {wheel.filename}: expected {wheel.sha256}, got {actual}")
            downloaded.replace(target)  # os.replace: atomic within one file system
        finally:
            shutil.rmtree(staging, ignore_errors=True)
    return target
