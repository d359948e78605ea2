"""Find the wheel under test: an explicit path or glob, ``dist/``, or a fresh build.

Building goes through pypa/build in a subprocess, once per run: under
pytest-xdist the first worker builds while holding an ``fcntl`` lock in the
run's shared temporary directory, and the others wait and reuse its wheel
(pytest-xdist's "session-scoped fixtures that execute only once" recipe).
"""

from __future__ import annotations

import fcntl
import glob
import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from packaging.utils import InvalidWheelFilename, canonicalize_name, parse_wheel_filename

from ._errors import ManylinuxError

__all__ = ["BuildError", "Located", "build_wheel", "expand_wheels", "find_in_dist", "project_name"]


class BuildError(ManylinuxError):
    """pypa/build could not produce a wheel; the message carries its last lines."""


@dataclass(frozen=True, slots=True)
class Located:
    """A wheel and how it was found, for the report header."""

    path: Path
    how: str

    @property
    def built(self) -> bool:
        """True when the wheel was built locally: not the artefact you will upload."""
        return self.how.startswith("built")


def expand_wheels(specs: list[str], root: Path) -> list[Path]:
    """Paths, globs and directories (all ``*.whl`` inside) -> existing paths, sorted."""
    found: list[Path] = []
    for spec in specs:
        if spec.startswith("installed:"):
            found.append(Path(spec))  # read through importlib.metadata, not from disk here
            continue
        base = Path(spec) if Path(spec).is_absolute() else root / spec
        if base.is_dir():
            found.extend(sorted(base.glob("*.whl")))
        elif glob.has_magic(spec):
            found.extend(Path(p) for p in sorted(glob.glob(str(base))))
        else:
            found.append(base)
    unique: dict[Path, None] = dict.fromkeys(found)
    return list(unique)


def project_name(root: Path) -> str | None:
    """``[project] name`` from ``root/pyproject.toml``, if there is one."""
    path = root / "pyproject.toml"
    if not path.is_file():
        return None
    text = path.read_text(encoding="utf-8", errors="replace")
    try:
        import tomllib  # noqa: PLC0415 - Python >= 3.11; 3.10 falls back below

        data = tomllib.loads(text)
        name = data.get("project", {}).get("name")
        return str(name) if name else None
    except ImportError:  # pragma: no cover - Python 3.10
        match = re.search(r'(?ms)^\[project\].*?^name\s*=\s*["\']([^"\']+)["\']', text)
        return match.group(1) if match else None
    except ValueError:
        return None


def find_in_dist(root: Path, name: str | None) -> Path | None:
    """The newest wheel in ``root/dist`` for project ``name`` (any, without a name)."""
    dist = root / "dist"
    if not dist.is_dir():
        return None
    wanted = canonicalize_name(name) if name else None
    candidates = []
    for path in dist.glob("*.whl"):
        try:
            dist_name = parse_wheel_filename(path.name)[0]
        except InvalidWheelFilename:
            continue
        if wanted is None or dist_name == wanted:
            candidates.append(path)
    return max(candidates, key=lambda p: p.stat().st_mtime_ns, default=None)


def build_wheel(project: Path, shared_dir: Path, *, timeout: float = 1800) -> Path:
    """Build ``project``'s wheel once for the whole run; return its path.

    ``shared_dir`` must be the same for every xdist worker of this run.
    """
    out = shared_dir / "manylinux-wheel"
    out.mkdir(parents=True, exist_ok=True)
    with (shared_dir / "manylinux-wheel.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        done = out / "BUILT"
        if done.is_file():
            return out / done.read_text().strip()
        try:
            import build as _build  # noqa: F401, PLC0415 - only to give a clear message
        except ImportError as e:
            raise BuildError("building the wheel needs pypa/build: pip install 'pytest-manylinux[build]'") from e
        argv = [sys.executable, "-m", "build", "--wheel", "--outdir", str(out), str(project)]
        env = {**os.environ, "PYTHONWARNINGS": "ignore"}
        try:
            proc = subprocess.run(argv, capture_output=True, text=True, timeout=timeout, check=False, env=env)
        except subprocess.TimeoutExpired as e:
            raise BuildError(f"building {project} took longer than {timeout:.0f} s") from e
        wheels = sorted(out.glob("*.whl"))
        if proc.returncode != 0 or not wheels:
            tail = " | ".join((proc.stderr or proc.stdout).strip().splitlines()[-3:])
            raise BuildError(f"python -m build failed for {project} (exit {proc.returncode}): {tail}")
        done.write_text(wheels[-1].name)
        return wheels[-1]
