"""Find the wheel under test: an explicit path or glob, ``dist/``, or a fresh build.

Building goes through pypa/build in a subprocess, once per run: under
pytest-xdist the first worker builds while holding a file lock in the
run's shared temporary directory, and the others wait and reuse its wheel
(pytest-xdist's "session-scoped fixtures that execute only once" recipe).
"""

from __future__ import annotations

import contextlib
import glob
import importlib.util
import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from packaging.utils import InvalidWheelFilename, canonicalize_name, parse_wheel_filename

from ._errors import ManylinuxError, one_line
from ._files import exclusive_lock

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable

    from packaging.tags import Tag
    from packaging.version import Version

__all__ = [
    "BuildError",
    "BuildRequest",
    "Located",
    "NoWheelError",
    "build_failure",
    "build_wheel",
    "expand_spec",
    "expand_wheels",
    "find_in_dist",
    "is_sdist",
    "project_name",
    "sdist_message",
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

    A directory means the wheels in it, else its sdists (for the caller to
    refuse by name). With ``trees`` (the CLI), a directory holding neither is
    audited as an unpacked tree instead. ``installed:NAME`` passes through; it
    is read through importlib.metadata.
    """
    if text.startswith("installed:"):
        return [Path(text)]
    path = Path(text).expanduser()
    full = Path(os.path.normpath(path if path.is_absolute() else base / path))  # no "x/../y" in reports
    if full.is_dir():
        wheels = sorted(p for p in full.glob("*.whl") if p.is_file())
        return wheels or sorted(p for p in full.iterdir() if is_sdist(p)) or ([full] if trees else [])
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
        everything = expand_spec(text, base, trees=trees)
        matched = [p for p in everything if not is_sdist(p)]  # a glob over dist/ also matches the sdist
        if everything and not matched:
            raise NoWheelError(f"{source} {text!r}: {sdist_message(everything[0])}")
        if not matched:
            where = "" if Path(text).is_absolute() else f" (relative to {base})"
            raise NoWheelError(f"{source} {text!r} matched no wheel{where}")
        found.update(dict.fromkeys(matched))
    return list(found)


def is_sdist(path: Path) -> bool:
    """Whether ``path`` is a source distribution: ``NAME-VERSION.tar.gz``, or such a ``.zip`` with no wheel inside.

    Given where a wheel belongs, it would otherwise be read as a broken wheel
    (or a folder without ELF files) and reported as such.
    """
    from packaging.utils import InvalidSdistFilename, parse_sdist_filename  # noqa: PLC0415

    try:
        parse_sdist_filename(path.name)
    except InvalidSdistFilename:
        return False
    if not path.is_file():
        return False
    if path.name.endswith(".tar.gz"):
        return True
    import zipfile  # noqa: PLC0415

    try:
        with zipfile.ZipFile(path) as archive:
            names = archive.namelist()
    except (OSError, zipfile.BadZipFile, ValueError):
        return False  # not a zip: the wheel reader says what it is
    has_wheel = any(n.endswith(".dist-info/WHEEL") for n in names)
    return not has_wheel and any(n.count("/") == 1 and n.endswith("/PKG-INFO") for n in names)


def sdist_message(path: Path) -> str:
    """The one line for an sdist given where a wheel is expected."""
    return f"this is an sdist ({path.name}): build a wheel first with `python -m build --wheel`"


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


@dataclass(frozen=True, slots=True)
class BuildRequest:
    """How to build the project's wheel: what ``python -m build`` is told, and the options that told it.

    ``installer`` is ``auto`` (pypa/build's uv installer when ``uv`` is on
    PATH, else pip), ``pip`` or ``uv``. ``timeout_source`` is named when the
    build runs out of time, so the message says which knob to turn.
    """

    project: Path
    isolation: bool = True
    config_settings: tuple[str, ...] = ()
    timeout: float = 1800.0
    installer: str = "auto"
    timeout_source: str = "--manylinux-build-timeout (or manylinux_build_timeout)"

    def chosen_installer(self) -> str | None:
        """The installer pypa/build will use: None without isolation (nothing is installed)."""
        if not self.isolation:
            return None
        if self.installer == "auto":
            return "uv" if shutil.which("uv") else "pip"
        return self.installer

    def argv(self, outdir: Path | None = None) -> list[str]:
        """``python -m build`` for this request: the sdist, then the wheel built from it.

        Building from the sdist (pypa/build's default) compiles in a fresh
        temporary directory, so a stale ``build/`` in the source tree is never
        reused, and a project versioned by setuptools-scm still has its version.
        """
        argv = [sys.executable, "-m", "build"]
        installer = self.chosen_installer()
        if installer is None:
            argv.append("--no-isolation")
        elif installer != "pip":
            argv += ["--installer", installer]
        argv += [f"--config-setting={setting}" for setting in self.config_settings]
        if outdir is not None:
            argv += ["--outdir", str(outdir)]
        return [*argv, str(self.project)]

    def describe(self) -> str:
        """``with pypa/build (uv)``: what builds, for the progress line."""
        return f"with pypa/build ({self.chosen_installer() or 'no isolation'})"


def build_wheel(
    request: BuildRequest | Path, shared_dir: Path, *, progress: Callable[[str], None] | None = None
) -> Path:
    """Build the project's wheel once for the whole run; return its path.

    ``shared_dir`` must be the same for every xdist worker of this run: the
    first worker builds under the lock, the others wait and reuse its wheel,
    or its failure. ``progress`` receives a line before and after the build.
    """
    if isinstance(request, Path):
        request = BuildRequest(request)
    out = shared_dir / "manylinux-wheel"
    out.mkdir(parents=True, exist_ok=True)
    with exclusive_lock(shared_dir / "manylinux-wheel.lock"):
        done, failed = out / "BUILT", out / "FAILED"
        if done.is_file():
            return out / done.read_text(encoding="utf-8").strip()
        if failed.is_file():
            raise BuildError(failed.read_text(encoding="utf-8"))
        try:
            wheel = _build(request, out, progress)
        except BuildError as e:
            failed.write_text(str(e), encoding="utf-8")
            raise
        done.write_text(wheel.name, encoding="utf-8")
        return wheel


def _build(request: BuildRequest, out: Path, progress: Callable[[str], None] | None) -> Path:
    """Run pypa/build into ``out``; a failure or a timeout is a one-line :class:`BuildError`."""
    if importlib.util.find_spec("build") is None:
        raise BuildError("building the wheel needs pypa/build: pip install 'pytest-manylinux[build]'")
    if progress is not None:
        progress(f"manylinux: building {request.project} {request.describe()}...")
    started = time.monotonic()
    try:
        code, output = _run(request.argv(out), request.timeout)
    except subprocess.TimeoutExpired:
        raise BuildError(
            f"building {request.project} took longer than {request.timeout:g} s and was killed: "
            f"raise {request.timeout_source}"
        ) from None
    wheels = sorted(out.glob("*.whl"))
    if code != 0 or not wheels:
        why = one_line(build_failure(output))
        rerun = _command_line(request.argv())
        raise BuildError(f"python -m build failed for {request.project} (exit {code}): {why}; rerun by hand: {rerun}")
    if progress is not None:
        progress(f"manylinux: built {wheels[-1].name} in {time.monotonic() - started:.1f} s")
    return wheels[-1]


def _run(argv: list[str], timeout: float) -> tuple[int, str]:
    """Run ``argv`` in a process group of its own; on timeout kill the whole group, then re-raise.

    pypa/build starts the backend, which starts the compiler: killing only
    the first process would leave the others compiling (and holding the pipe).
    """
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    with subprocess.Popen(
        argv,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        env=env,
        start_new_session=True,  # POSIX: a process group of its own
        creationflags=getattr(subprocess, "CREATE_NEW_PROCESS_GROUP", 0),  # Windows: the same
    ) as proc:
        try:
            raw, _ = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            _kill_group(proc)
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.communicate(timeout=10)
            raise
    return proc.returncode, raw.decode("utf-8", "replace")


def _kill_group(proc: subprocess.Popen[bytes]) -> None:
    """Kill ``proc`` and everything it started."""
    if sys.platform == "win32":
        subprocess.run(["taskkill", "/F", "/T", "/PID", str(proc.pid)], capture_output=True, check=False)  # noqa: S607
        proc.kill()
    else:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)


def _command_line(argv: list[str]) -> str:
    """``argv`` as the user would type it in this OS's shell."""
    return subprocess.list2cmdline(argv) if sys.platform == "win32" else shlex.join(argv)


_ERROR_LINE = re.compile(r"(?:^|\s)(?:fatal )?error:|^error\b|Error:", re.IGNORECASE)


def build_failure(output: str, *, most: int = 3) -> str:
    """What went wrong in a build's output: the compiler's ``error:`` lines, else the last lines.

    A failed build prints hundreds of lines; the first errors say why.
    """
    lines = [line.strip() for line in output.splitlines() if line.strip()]
    errors = list(dict.fromkeys(line for line in lines if _ERROR_LINE.search(line)))
    chosen = errors[:most] if errors else lines[-most:]
    return " | ".join(chosen) or "no output"
