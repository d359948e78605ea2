"""Find the wheel under test: an explicit path or glob, ``dist/``, or a fresh build.

Building goes through pypa/build in a subprocess, once per run: under
pytest-xdist the first worker builds while holding a file lock in the
run's shared temporary directory, and the others wait and reuse its wheel
(pytest-xdist's "session-scoped fixtures that execute only once" recipe).
"""

from __future__ import annotations

import glob
import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from packaging.utils import InvalidWheelFilename, canonicalize_name, parse_wheel_filename

from ._errors import ManylinuxError
from ._files import exclusive_lock

if TYPE_CHECKING:
    from collections.abc import Iterable

    from packaging.tags import Tag
    from packaging.version import Version

__all__ = [
    "BuildError",
    "Located",
    "NoWheelError",
    "build_failure",
    "build_wheel",
    "expand_spec",
    "expand_wheels",
    "find_in_dist",
    "project_name",
]


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


class NoWheelError(ManylinuxError):
    """A wheel spec that matched nothing; the message names the spec and where it was resolved."""


def expand_spec(text: str, base: Path, *, trees: bool = False) -> list[Path]:
    """One spec -> existing inputs, sorted: a file, a glob, or a directory of wheels.

    A directory means the wheels in it. With ``trees`` (the CLI), a directory
    holding no wheel is audited as an unpacked tree instead. ``installed:NAME``
    passes through; it is read through importlib.metadata.
    """
    if text.startswith("installed:"):
        return [Path(text)]
    path = Path(text).expanduser()
    full = Path(os.path.normpath(path if path.is_absolute() else base / path))  # no "x/../y" in reports
    if full.is_dir():
        wheels = sorted(p for p in full.glob("*.whl") if p.is_file())
        return wheels or ([full] if trees else [])
    if glob.has_magic(str(path)):
        return [Path(p) for p in sorted(glob.glob(str(full))) if Path(p).is_file() or (trees and Path(p).is_dir())]
    return [full] if full.exists() else []


def expand_wheels(specs: Iterable[tuple[str, Path, str]], *, trees: bool = False) -> list[Path]:
    """Every ``(text, base, source)`` spec expanded, in order, without duplicates.

    A spec that matches nothing raises :class:`NoWheelError` naming it: a
    release gate given an empty wheelhouse must not pass.
    """
    found: dict[Path, None] = {}
    for text, base, source in specs:
        matched = expand_spec(text, base, trees=trees)
        if not matched:
            where = "" if Path(text).is_absolute() else f" (relative to {base})"
            raise NoWheelError(f"{source} {text!r} matched no wheel{where}")
        found.update(dict.fromkeys(matched))
    return list(found)


def project_name(root: Path) -> str | None:
    """``[project] name`` from ``root/pyproject.toml``, if there is one."""
    from ._config import load_toml  # noqa: PLC0415 - one TOML reader (tomllib, or tomli on 3.10)

    path = root / "pyproject.toml"
    if not path.is_file():
        return None
    try:
        project = load_toml(path).get("project")
    except ManylinuxError:
        return None  # a broken pyproject.toml: no name to prefer; the build reports it
    name = project.get("name") if isinstance(project, dict) else None
    return name if isinstance(name, str) and name else None


def find_in_dist(root: Path, name: str | None) -> list[Path]:
    """The project's wheels in ``root/dist`` that this interpreter could install, best first.

    Only the newest version counts. Among its wheels, those whose tags this
    Python supports (``packaging.tags.sys_tags``) are preferred, in the order
    of preference pip uses; when none is installable here, all of them are
    returned, so the audit still runs (and says which wheel it judged).
    """
    from packaging.tags import sys_tags  # noqa: PLC0415

    dist = root / "dist"
    if not dist.is_dir():
        return []
    wanted = canonicalize_name(name) if name else None
    by_version: dict[Version, list[tuple[Path, frozenset[Tag]]]] = {}
    for path in dist.glob("*.whl"):
        try:
            dist_name, version, _, tags = parse_wheel_filename(path.name)
        except InvalidWheelFilename:
            continue
        if wanted is None or dist_name == wanted:
            by_version.setdefault(version, []).append((path, tags))
    if not by_version:
        return []
    newest = by_version[max(by_version)]
    rank = {tag: i for i, tag in enumerate(sys_tags())}
    installable = [(min(rank[t] for t in tags if t in rank), path) for path, tags in newest if tags & rank.keys()]
    if installable:
        return [path for _, path in sorted(installable)]
    return sorted(path for path, _ in newest)


def build_wheel(project: Path, shared_dir: Path, *, timeout: float = 1800) -> Path:
    """Build ``project``'s wheel once for the whole run; return its path.

    ``shared_dir`` must be the same for every xdist worker of this run.
    """
    out = shared_dir / "manylinux-wheel"
    out.mkdir(parents=True, exist_ok=True)
    with exclusive_lock(shared_dir / "manylinux-wheel.lock"):
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
            why = build_failure(f"{proc.stdout}\n{proc.stderr}")
            raise BuildError(f"python -m build failed for {project} (exit {proc.returncode}): {why}")
        done.write_text(wheels[-1].name)
        return wheels[-1]


_ERROR_LINE = re.compile(r"(?:^|\s)(?:fatal )?error:|^error\b|Error:", re.IGNORECASE)


def build_failure(output: str, *, most: int = 3) -> str:
    """What went wrong in a build's output: the compiler's ``error:`` lines, else the last lines.

    A failed build prints hundreds of lines; the first errors say why.
    """
    lines = [line.strip() for line in output.splitlines() if line.strip()]
    errors = list(dict.fromkeys(line for line in lines if _ERROR_LINE.search(line)))
    chosen = errors[:most] if errors else lines[-most:]
    return " | ".join(chosen) or "no output"
