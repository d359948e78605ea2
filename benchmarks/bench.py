"""Time, CPU and peak memory of ``pytest-manylinux`` against ``auditwheel show`` (issues 4 and 14).

Run it with the interpreter that has both installed::

    .venv/bin/python benchmarks/bench.py [--runs N] [--only NAME] [--sections ...] [--json PATH]

Three sections, all measured in one run: four large real wheels one by one
(each with both inflaters), a wheelhouse of 35 real wheels (over 600 MiB),
and the pytest gate on two wheels with ``-n 0`` and ``-n 2``. Every wheel is
pinned by file name and sha256 and downloaded once with pip into
``benchmarks/.cache/``. Every measured command runs as its own child process
under GNU time, which reports its peak RSS and CPU time (user + system,
children included). See ``benchmarks/README.md`` for what each row means.
"""

# ruff: noqa: T201, INP001
from __future__ import annotations

import argparse
import contextlib
import hashlib
import json
import os
import platform
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence

HERE = Path(__file__).resolve().parent
DEFAULT_CACHE = HERE / ".cache"
ELF_MAGIC = b"\x7fELF"
CHUNK = 4 << 20
PIP_TIMEOUT = 900.0
# Children run from here, so a source tree in the current directory never
# shadows the package being measured (``-m`` and ``-c`` put the cwd first on sys.path).
NEUTRAL_CWD = "/"


@dataclass(frozen=True, slots=True)
class Pinned:
    """One benchmark wheel: exactly these bytes, fetched for this platform."""

    project: str
    version: str
    platform: str
    filename: str
    sha256: str


WHEELS = (
    Pinned(
        "numpy",
        "1.26.4",
        "manylinux2014_x86_64",
        "numpy-1.26.4-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl",
        "666dbfb6ec68962c033a450943ded891bed2d54e6755e35e5835d63f4f6931d5",
    ),
    Pinned(
        "scipy",
        "1.11.4",
        "manylinux2014_x86_64",
        "scipy-1.11.4-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl",
        "530f9ad26440e85766509dbf78edcfe13ffd0ab7fec2560ee5c36ff74d6269ff",
    ),
    Pinned(
        "pyarrow",
        "18.1.0",
        "manylinux_2_28_x86_64",
        "pyarrow-18.1.0-cp311-cp311-manylinux_2_28_x86_64.whl",
        "f266a2c0fc31995a06ebd30bcfdb7f615d7278035ec5b1cd71c48d56daaf30b0",
    ),
    Pinned(
        "tensorflow_cpu",
        "2.15.0",
        "manylinux2014_x86_64",
        "tensorflow_cpu-2.15.0-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl",
        "f46c795177f6311c83562e05d38dc7d4618f8d3150e6902a4499b875f3f97270",
    ),
)


def _pinned(line: str) -> Pinned:
    """A pin from a wheel's file name: project, version and its first platform tag."""
    filename, sha256 = line.split()
    parts = filename.removesuffix(".whl").split("-")
    return Pinned(parts[0], parts[1], parts[-1].split(".")[0], filename, sha256)


# The wheelhouse (issue 14): real wheels of many sizes and builders, as a
# project's CI or a mirror holds them: 35 with numpy, scipy and pyarrow from
# above. tensorflow_cpu stays out so that no single wheel dominates.
WHEELHOUSE = tuple(w for w in WHEELS if w.project != "tensorflow_cpu") + tuple(
    _pinned(line) for line in (HERE / "wheelhouse.txt").read_text().splitlines() if line.strip() and line[0] != "#"
)

#: The gate section's wheels (issue 14's xdist measurement): 2,000+ gate items.
GATE_PROJECTS = ("tensorflow_cpu", "scipy")

SECTIONS = ("wheels", "wheelhouse", "gate", "unused")

#: The unused section (issue 19): this many trivial tests, each its own function.
UNUSED_TESTS = 500
#: Its target: CPU with the plugin installed and unused over CPU with ``-p no:manylinux``.
UNUSED_TARGET = 1.1

#: How our CLI is told which inflater to use (issue 14).
INFLATER_ENV = "PYTEST_MANYLINUX_INFLATER"
INFLATE_IMPORTS = {"zlib": "import zlib", "isal": "from isal import isal_zlib as zlib"}

# The floor: what any auditor must at least do. List the zip, read the 4-byte
# magic of every member, then inflate each ELF member completely in 4 MiB
# chunks (no CRC, no parsing, nothing kept), with stdlib zlib or with isal.
FLOOR_SCRIPT = """\
{inflate_import}
import struct, sys, zipfile
CHUNK = 4 << 20
with zipfile.ZipFile(sys.argv[1]) as zf, open(sys.argv[1], "rb") as raw:
    for info in zf.infolist():
        if info.is_dir():
            continue
        with zf.open(info) as f:
            if f.read(4) != b"\\x7fELF":
                continue
        raw.seek(info.header_offset + 26)
        n, m = struct.unpack("<HH", raw.read(4))
        raw.seek(info.header_offset + 30 + n + m)
        left = info.compress_size
        d = zlib.decompressobj(-15) if info.compress_type == zipfile.ZIP_DEFLATED else None
        while left:
            chunk = raw.read(min(CHUNK, left))
            left -= len(chunk)
            if d is not None:
                while chunk:
                    d.decompress(chunk, CHUNK)
                    chunk = d.unconsumed_tail
"""


def floor_script(inflater: str) -> str:
    """The floor with one inflater."""
    return FLOOR_SCRIPT.replace("{inflate_import}", INFLATE_IMPORTS[inflater])


# -- fetching ----------------------------------------------------------------


def sha256_of(path: Path) -> str:
    """Hex sha256 of a file, read in chunks."""
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while block := f.read(CHUNK):
            digest.update(block)
    return digest.hexdigest()


def place(source: Path, target: Path) -> None:
    """A hard link of ``source`` at ``target`` (a copy across file systems)."""
    try:
        os.link(source, target)
    except OSError:
        shutil.copyfile(source, target)


def fetch(wheel: Pinned, cache: Path, seeds: Sequence[Path] = ()) -> Path:
    """The cached wheel, linked from a seed directory or downloaded with pip if missing; sha256 verified."""
    target = cache / wheel.filename
    if target.is_file() and sha256_of(target) == wheel.sha256:
        return target
    cache.mkdir(parents=True, exist_ok=True)
    for seed in seeds:
        source = seed / wheel.filename
        if source.is_file() and sha256_of(source) == wheel.sha256:
            target.unlink(missing_ok=True)
            place(source, target)
            return target
    log(f"downloading {wheel.filename} ...")
    with tempfile.TemporaryDirectory(dir=cache, prefix=".staging-") as staging:
        argv = [
            sys.executable,
            "-m",
            "pip",
            "download",
            "--disable-pip-version-check",
            "--no-deps",
            "--only-binary=:all:",
            "--platform",
            wheel.platform,
            "--python-version",
            "3.11",
            f"{wheel.project}=={wheel.version}",
            "-d",
            staging,
        ]
        subprocess.run(argv, check=True, timeout=PIP_TIMEOUT, stdout=subprocess.DEVNULL)
        got = Path(staging, wheel.filename)
        if not got.is_file():
            found = ", ".join(p.name for p in Path(staging).iterdir())
            raise SystemExit(f"bench: pip fetched {found or 'nothing'}, not {wheel.filename}")
        digest = sha256_of(got)
        if digest != wheel.sha256:
            raise SystemExit(f"bench: sha256 mismatch for {wheel.filename}: got {digest}, pinned {wheel.sha256}")
        got.replace(target)
    return target


# -- measuring ---------------------------------------------------------------


@dataclass(slots=True)
class Row:
    """One measured command: every run's wall time, peak RSS and exit code."""

    label: str
    argv: list[str] | None
    times: list[float] = field(default_factory=list)
    rss_kib: list[int] = field(default_factory=list)
    exit_codes: list[int] = field(default_factory=list)
    note: str | None = None
    cpu: list[float] = field(default_factory=list)
    env: dict[str, str] = field(default_factory=dict)

    def add(self, sample: Sample) -> None:
        """Record one run."""
        self.times.append(sample.wall)
        self.rss_kib.append(sample.rss_kib)
        self.exit_codes.append(sample.code)
        self.cpu.append(sample.cpu)

    @property
    def measured(self) -> bool:
        """False for a row that could not run (no cache option yet)."""
        return bool(self.times)

    @property
    def median(self) -> float:
        """Median wall time in seconds."""
        return statistics.median(self.times)

    @property
    def peak_mib(self) -> float:
        """Highest peak RSS over the runs, MiB."""
        return max(self.rss_kib) / 1024

    @property
    def cpu_median(self) -> float:
        """Median CPU seconds (user + system, the child and its descendants)."""
        return statistics.median(self.cpu)

    def as_json(self) -> dict[str, Any]:
        """The raw samples and their summaries."""
        return {
            "label": self.label,
            "argv": self.argv,
            "env": self.env,
            "note": self.note,
            "times_s": self.times,
            "cpu_s": self.cpu,
            "peak_rss_kib": self.rss_kib,
            "exit_codes": self.exit_codes,
            "median_s": self.median if self.measured else None,
            "median_cpu_s": self.cpu_median if self.measured else None,
            "peak_rss_mib": self.peak_mib if self.measured else None,
        }


@dataclass(frozen=True, slots=True)
class Sample:
    """One run of one command."""

    wall: float
    cpu: float
    rss_kib: int
    code: int
    tail: str


GNU_TIME = Path("/usr/bin/time")


def run_once(argv: Sequence[str], env: dict[str, str] | None = None, cwd: str = NEUTRAL_CWD) -> Sample:
    """Run one child: its wall time, CPU time, peak RSS, exit code and stderr tail.

    Peak RSS and CPU come from GNU time (``%M %U %S``) when ``/usr/bin/time``
    exists, else from ``os.wait4``. wait4 alone over-reports RSS: the kernel
    folds the hiwater RSS of the image a child replaces at exec into the
    child's ``ru_maxrss``, and subprocess spawns with vfork, so every child
    would report at least this benchmark process's own peak (~30 MiB, far
    more after big reads). GNU time is a small C process whose own child
    starts clean. Both count the child's reaped descendants: pytest-xdist's
    workers, auditwheel runs in a loop.
    """
    use_time = GNU_TIME.is_file()
    with tempfile.TemporaryFile() as err, tempfile.NamedTemporaryFile("r") as report:
        full = [str(GNU_TIME), "-f", "%M %U %S", "-o", report.name, *argv] if use_time else list(argv)
        start = time.perf_counter()
        proc = subprocess.Popen(
            full,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=err,
            cwd=cwd,
            env={**os.environ, **(env or {})},
        )
        _, status, usage = os.wait4(proc.pid, 0)
        elapsed = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)  # already reaped by wait4
        err.seek(0)
        tail = err.read()[-2000:].decode("utf-8", "replace")
        rss = usage.ru_maxrss  # KiB on Linux
        cpu = usage.ru_utime + usage.ru_stime
        if use_time:
            # "Command exited with non-zero status N" may precede the numbers.
            words = report.read().split()
            try:
                rss, cpu = int(words[-3]), float(words[-2]) + float(words[-1])
            except (IndexError, ValueError):
                rss = -1
    return Sample(elapsed, cpu, rss, proc.returncode, tail)


def measure(
    label: str,
    argv: list[str],
    runs: int,
    ok_codes: tuple[int, ...] = (0, 1),
    *,
    env: dict[str, str] | None = None,
    cwd: str = NEUTRAL_CWD,
    row: Row | None = None,
) -> Row:
    """Run ``argv`` ``runs`` times and collect the samples (into ``row`` when given)."""
    row = row if row is not None else Row(label, argv, env=dict(env or {}))
    for _ in range(runs):
        sample = run_once(argv, env, cwd)
        row.add(sample)
        log(
            f"  {label:<34} run {len(row.times)}: {sample.wall:8.3f} s  cpu {sample.cpu:7.2f} s  "
            f"{sample.rss_kib / 1024:7.1f} MiB  rc={sample.code}"
        )
        if sample.code not in ok_codes:
            log(f"  !! unexpected exit code {sample.code} from {' '.join(argv)}\n{sample.tail}")
    return row


@dataclass(frozen=True, slots=True)
class CliFeatures:
    """What our CLI offers that the rows use: a job count, a choice of inflater."""

    jobs: bool
    inflaters: tuple[str, ...]


def ours_argv() -> list[str]:
    """Our CLI, run by this interpreter."""
    return [sys.executable, "-m", "pytest_manylinux"]


def cli_features(sample: Path) -> CliFeatures:
    """Read ``--help`` for ``--jobs``; audit ``sample`` with each inflater to see which are honoured.

    An inflater counts only if the CLI also refuses a made-up one (exit 2):
    otherwise the variable is being ignored and both rows would time the same code.
    """
    out = subprocess.run([*ours_argv(), "--help"], check=True, capture_output=True, text=True, cwd=NEUTRAL_CWD).stdout
    probe = [*ours_argv(), "--no-cache", str(sample)]
    if run_once(probe, {INFLATER_ENV: "no-such-inflater"}).code != 2:  # noqa: PLR2004 - usage error
        return CliFeatures("--jobs" in out, ())
    inflaters = tuple(name for name in INFLATE_IMPORTS if run_once(probe, {INFLATER_ENV: name}).code in (0, 1))
    return CliFeatures("--jobs" in out, inflaters)


def compile_package() -> None:
    """Byte-compile the measured package first, as pip does for an installed one.

    An editable install (or a checkout on PYTHONPATH) under
    ``PYTHONDONTWRITEBYTECODE=1`` would otherwise recompile every edited
    module in every timed run: about 0.1 s that no installed copy pays.
    """
    code = "import pathlib, pytest_manylinux; print(pathlib.Path(pytest_manylinux.__file__).parent)"
    where = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=NEUTRAL_CWD)
    subprocess.run([sys.executable, "-m", "compileall", "-q", where.stdout.strip()], check=True, cwd=NEUTRAL_CWD)


def importable(module: str) -> bool:
    """Whether this interpreter can import ``module`` (isal for the floor)."""
    return subprocess.run([sys.executable, "-c", f"import {module}"], check=False, capture_output=True).returncode == 0


def auditwheel_argv() -> list[str]:
    """``auditwheel`` as users run it: the console script next to this interpreter."""
    script = Path(sys.executable).parent / "auditwheel"
    if script.is_file():
        return [str(script)]
    found = shutil.which("auditwheel")
    return [found] if found else [sys.executable, "-m", "auditwheel"]


# -- verdicts ----------------------------------------------------------------


def overall_tag(argv: list[str], *, ours: bool) -> str:
    """The overall tag one tool reports in its JSON output (or why there is none)."""
    proc = subprocess.run(argv, capture_output=True, text=True, check=False, cwd=NEUTRAL_CWD)
    try:
        doc: Any = json.loads(proc.stdout)
        tag = doc["wheels"][0]["overall_tag"] if ours else doc["overall_tag"]
    except (ValueError, KeyError, IndexError, TypeError):
        return f"<no JSON, rc={proc.returncode}: {proc.stderr.strip()[-300:]}>"
    return str(tag)


# -- wheel shape -------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Shape:
    """How much work a wheel is: size, members, ELF members and their bytes."""

    size: int
    members: int
    elf_members: int
    elf_bytes: int
    largest_elf: int


def shape(path: Path) -> Shape:
    """Count members and ELF bytes (ELF by magic, as every tool here does)."""
    members = elves = elf_bytes = largest = 0
    with zipfile.ZipFile(path) as zf:
        for info in zf.infolist():
            if info.is_dir():
                continue
            members += 1
            with zf.open(info) as f:
                if f.read(4) == ELF_MAGIC:
                    elves += 1
                    elf_bytes += info.file_size
                    largest = max(largest, info.file_size)
    return Shape(path.stat().st_size, members, elves, elf_bytes, largest)


# -- machine -----------------------------------------------------------------


def code_under_test() -> str:
    """Where the measured package is imported from, with its git commit if any."""
    where = subprocess.run(
        [sys.executable, "-c", "import pytest_manylinux; print(pytest_manylinux.__file__)"],
        capture_output=True,
        text=True,
        check=False,
        cwd=NEUTRAL_CWD,
    ).stdout.strip()
    if not where:
        return "pytest_manylinux not importable"
    package = Path(where).parent
    git = shutil.which("git")
    if git is None:
        return str(package)
    head = subprocess.run(
        [git, "-C", str(package), "rev-parse", "--short", "HEAD"],
        capture_output=True,
        text=True,
        check=False,
    )
    if head.returncode != 0:
        return str(package)
    dirty = subprocess.run(
        [git, "-C", str(package), "status", "--porcelain", "--", "."],
        capture_output=True,
        text=True,
        check=False,
    ).stdout.strip()
    return f"{package} @ {head.stdout.strip()}{' + uncommitted changes' if dirty else ''}"


def machine() -> dict[str, str]:
    """nproc, CPU model, RAM, Python and tool versions."""
    cpu = platform.processor() or "unknown"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    ram = "unknown"
    with contextlib.suppress(OSError, ValueError, IndexError):
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                ram = f"{int(line.split()[1]) / (1 << 20):.1f} GiB"
                break
    nproc = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    aw_version = subprocess.run(
        [*auditwheel_argv(), "--version"], capture_output=True, text=True, check=False
    ).stdout.split()
    ours = subprocess.run(
        [sys.executable, "-m", "pytest_manylinux", "--version"],
        capture_output=True,
        text=True,
        check=False,
        cwd=NEUTRAL_CWD,
    ).stdout.split()
    return {
        "nproc": str(nproc),
        "cpu": cpu,
        "ram": ram,
        "python": f"{platform.python_implementation()} {platform.python_version()}",
        "kernel": platform.release(),
        "loadavg_at_start": " ".join(f"{x:.2f}" for x in os.getloadavg()),
        "code": code_under_test(),
        "auditwheel": " ".join(aw_version[:2]),
        "ours": f"pytest-manylinux {ours[-1] if ours else '?'}",
        "peak_rss_source": "GNU time %M" if GNU_TIME.is_file() else "os.wait4 (biased up)",
    }


# -- one wheel ---------------------------------------------------------------


@dataclass(slots=True)
class Result:
    """Everything measured for one wheel."""

    wheel: Pinned
    shape: Shape
    verdicts: dict[str, str]
    rows: dict[str, Row]

    @property
    def agree(self) -> bool:
        """Every tool reported the same overall tag."""
        return len(set(self.verdicts.values())) == 1


def bench_wheel(wheel: Pinned, path: Path, runs: int, features: CliFeatures) -> Result:
    """Verdicts first (they also warm the page cache), then every row."""
    aw = auditwheel_argv()
    ours = ours_argv()
    log(f"{wheel.filename}: verdicts")
    verdicts = {
        "auditwheel show": overall_tag([*aw, "show", "--json", str(path)], ours=False),
        'auditwheel show --ldpaths ""': overall_tag([*aw, "show", "--json", "--ldpaths", "", str(path)], ours=False),
        "pytest-manylinux": overall_tag([*ours, "--no-cache", "--json", str(path)], ours=True),
    }
    rows: dict[str, Row] = {}
    rows["auditwheel"] = measure("auditwheel show", [*aw, "show", str(path)], runs, (0,))
    rows["auditwheel_hermetic"] = measure(
        'auditwheel show --ldpaths ""', [*aw, "show", "--ldpaths", "", str(path)], runs, (0,)
    )
    cold = [*ours, "--no-cache", str(path)]
    rows["cold"] = measure("ours cold", cold, runs)
    for name in features.inflaters:
        rows[f"cold_{name}"] = measure(f"ours cold, {name}", cold, runs, env={INFLATER_ENV: name})
    with tempfile.TemporaryDirectory(prefix="bench-warm-") as warm_cache:
        warm = [*ours, "--cache-dir", warm_cache, str(path)]
        run_once(warm)  # fill the cache
        rows["warm"] = measure("ours warm", warm, runs)
    for name in INFLATE_IMPORTS:
        if name == "zlib" or importable(name):
            key = "floor" if name == "zlib" else f"floor_{name}"
            rows[key] = measure(f"floor, {name}", [sys.executable, "-c", floor_script(name), str(path)], runs, (0,))
    rows["import"] = measure(
        "context: import only",
        [sys.executable, "-c", "import pytest_manylinux.__main__"],
        runs,
        (0,),
    )
    return Result(wheel, shape(path), verdicts, rows)


@dataclass(slots=True)
class House:
    """The wheelhouse section: its size, the rows, and per-wheel verdict agreement."""

    wheels: int
    size: int
    rows: dict[str, Row]
    mismatches: list[str]


_AW_LOOP = (
    'aw="$1"; out="$2"; shift 2; for w; do eval "$aw show --json \\"\\$w\\"" > "$out/${w##*/}.json" 2>/dev/null; done'
)


def bench_wheelhouse(directory: Path, runs: int, features: CliFeatures) -> House:
    """The whole directory: auditwheel once per wheel (its only mode) against one run of ours."""
    wheels = sorted(directory.glob("*.whl"))
    aw = auditwheel_argv()
    ours = ours_argv()
    rows: dict[str, Row] = {}
    with tempfile.TemporaryDirectory(prefix="bench-aw-") as out:
        loop = ["bash", "-c", _AW_LOOP, "loop", shlex.join(aw), out, *map(str, wheels)]
        rows["auditwheel"] = measure("auditwheel show --json, per wheel", loop, runs, (0, 1))
        theirs = {p.name.removesuffix(".json"): _aw_tag(p) for p in Path(out).glob("*.json")}
    rows["cold"] = measure("ours cold", [*ours, "--no-cache", str(directory)], runs)
    if features.jobs:
        rows["cold_j1"] = measure("ours cold, -j 1", [*ours, "--no-cache", "-j", "1", str(directory)], runs)
    with tempfile.TemporaryDirectory(prefix="bench-warm-") as warm_cache:
        warm = [*ours, "--cache-dir", warm_cache, str(directory)]
        run_once(warm)
        rows["warm"] = measure("ours warm", warm, runs)
    proc = subprocess.run(
        [*ours, "--no-cache", "--json", str(directory)], capture_output=True, text=True, check=False, cwd=NEUTRAL_CWD
    )
    mine = {Path(w["wheel"]).name: w.get("overall_tag") for w in json.loads(proc.stdout)["wheels"]}
    mismatches = [
        f"{name}: auditwheel `{theirs.get(name)}`, ours `{mine.get(name)}`"
        for name in sorted(p.name for p in wheels)
        if theirs.get(name) != mine.get(name)
    ]
    return House(len(wheels), sum(p.stat().st_size for p in wheels), rows, mismatches)


def _aw_tag(path: Path) -> str | None:
    try:
        return str(json.loads(path.read_text())["overall_tag"])
    except (ValueError, KeyError, TypeError, OSError):
        return None


_TRIVIAL = """\
import pytest


@pytest.mark.parametrize("i", range({count}))
def test_nothing(i):
    pass
"""


def bench_gate(paths: Sequence[Path], runs: int) -> dict[str, Row]:
    """The gate on ``paths`` with ``-n 0`` and ``-n 2``, cold (no cache provider), runs interleaved.

    Beside it, the same number of empty tests with ``-n 0`` and ``-n 2``:
    what pytest-xdist itself costs per item (start-up, scheduling, reports
    sent to the controller), which no plugin can take away.
    """
    rows: dict[str, Row] = {}
    with tempfile.TemporaryDirectory(prefix="bench-gate-") as project:
        house = Path(project, "wheelhouse")
        house.mkdir()
        for path in paths:
            place(path, house / path.name)
        Path(project, "pytest.ini").write_text("[pytest]\n")  # the rootdir, with nothing of ours in it
        base = [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q"]
        gate = [*base, "--manylinux-policy=manylinux2014", "wheelhouse"]
        listed = subprocess.run([*gate, "--collect-only"], capture_output=True, text=True, check=False, cwd=project)
        count = sum(1 for line in listed.stdout.splitlines() if "::" in line)
        trivial = Path(project, "trivial")
        trivial.mkdir()
        (trivial / "pytest.ini").write_text("[pytest]\n")
        (trivial / "test_trivial.py").write_text(_TRIVIAL.format(count=count))
        for workers in ("0", "2"):
            rows[f"n{workers}"] = Row(f"gate -n {workers} ({count} items)", [*gate, "-n", workers])
        for workers in ("0", "2"):
            argv = [*base, "-p", "no:manylinux", "-n", workers, "test_trivial.py"]
            rows[f"trivial_n{workers}"] = Row(f"{count} empty tests -n {workers}", argv, note="xdist's own cost")
        for _ in range(runs):
            for key, row in rows.items():
                where = str(trivial) if key.startswith("trivial") else project
                measure(row.label, row.argv or [], 1, cwd=where, row=row)
    return rows


def bench_unused(runs: int, count: int = UNUSED_TESTS) -> dict[str, Row]:
    """``count`` trivial tests with the plugin installed but unused, and with ``-p no:manylinux``; interleaved.

    What installing the plugin costs a project that gates nothing (issue 19):
    no marker, no gate option, no fixture of ours. Each test is its own
    function, so every per-test hook and the collection hooks run ``count`` times.
    """
    rows: dict[str, Row] = {}
    with tempfile.TemporaryDirectory(prefix="bench-unused-") as project:
        Path(project, "pytest.ini").write_text("[pytest]\n")  # the rootdir, with nothing of ours in it
        Path(project, "test_trivial.py").write_text("".join(f"def test_{i}():\n    pass\n\n\n" for i in range(count)))
        base = [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", "test_trivial.py"]
        rows["plugin"] = Row(f"{count} tests, plugin installed, unused", base)
        rows["without"] = Row(f"{count} tests, -p no:manylinux", [*base, "-p", "no:manylinux"])
        for _ in range(runs):
            for row in rows.values():
                measure(row.label, row.argv or [], 1, cwd=project, row=row)
    return rows


# -- reporting ---------------------------------------------------------------


def log(message: str) -> None:
    """Progress goes to stderr; tables go to stdout."""
    print(message, file=sys.stderr, flush=True)


def fmt_s(row: Row) -> str:
    """Median seconds, or why there is none."""
    return f"{row.median:.3f}" if row.measured else (row.note or "n/a")


def fmt_mib(row: Row) -> str:
    """Peak RSS in MiB, or n/a."""
    return f"{row.peak_mib:.1f}" if row.measured else "n/a"


def ratio(num: Row, den: Row) -> str:
    """``num`` median over ``den`` median, as '12.3x'."""
    if not (num.measured and den.measured) or den.median == 0:
        return "n/a"
    return f"{num.median / den.median:.1f}x"


def mib(n: int) -> str:
    """Bytes as MiB."""
    return f"{n / (1 << 20):.1f} MiB"


def wheel_table(result: Result) -> str:
    """The Markdown table of one wheel, with its verdict line."""
    s = result.shape
    lines = [
        f"### {result.wheel.filename}",
        "",
        (
            f"{mib(s.size)} on disk, {s.members} files, {s.elf_members} ELF files holding "
            f"{mib(s.elf_bytes)} (largest {mib(s.largest_elf)})"
        ),
        "",
        *rows_table(result.rows.values()),
        "",
    ]
    status = "agree" if result.agree else "**MISMATCH**"
    lines.append(
        "overall_tag: " + "; ".join(f"{tool} = `{tag}`" for tool, tag in result.verdicts.items()) + f" -> {status}"
    )
    return "\n".join(lines)


def rows_table(rows: Iterable[Row]) -> list[str]:
    """Every run of some rows: wall, CPU, peak RSS, exit codes."""
    lines = [
        "| command | runs | median s | min s | max s | median CPU s | peak RSS MiB | exit codes |",
        "|---|---:|---:|---:|---:|---:|---:|---|",
    ]
    for row in rows:
        if not row.measured:
            lines.append(f"| {row.label} | 0 | {row.note} | | | | | |")
            continue
        label = f"{row.label} ({row.note})" if row.note else row.label
        codes = ",".join(sorted({str(c) for c in row.exit_codes}))
        lines.append(
            f"| {label} | {len(row.times)} | {row.median:.3f} | {min(row.times):.3f} "
            f"| {max(row.times):.3f} | {row.cpu_median:.2f} | {row.peak_mib:.1f} | {codes} |"
        )
    return lines


_MISSING = Row("missing", None, note="n/a")


def _get(rows: dict[str, Row], key: str) -> Row:
    return rows.get(key, _MISSING)


def summary(results: list[Result], info: dict[str, str]) -> list[str]:
    """The per-wheel time and RSS tables over all wheels, and their verdicts."""
    lines = [
        "Median wall time, seconds (whole process):",
        "",
        (
            "| wheel | auditwheel show | ours cold | ours cold, zlib | ours cold, isal | ours warm "
            "| floor, zlib | floor, isal | auditwheel / cold | auditwheel / warm | cold / floor, isal |"
        ),
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        g = r.rows
        aw, cold, warm = g["auditwheel"], g["cold"], g["warm"]
        floor_best = _get(g, "floor_isal") if "floor_isal" in g else g["floor"]
        cells = [fmt_s(x) for x in (aw, cold, _get(g, "cold_zlib"), _get(g, "cold_isal"), warm, g["floor"])]
        cells.append(fmt_s(_get(g, "floor_isal")))
        cells += [ratio(aw, cold), ratio(aw, warm), ratio(cold, floor_best)]
        lines.append(f"| {r.wheel.project} | " + " | ".join(cells) + " |")
    lines += [
        "",
        f"Peak RSS of the child, MiB (max over runs; from {info['peak_rss_source']}):",
        "",
        '| wheel | auditwheel show | auditwheel --ldpaths "" | ours cold | ours cold, zlib | ours warm |',
        "|---|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        keys = ("auditwheel", "auditwheel_hermetic", "cold", "cold_zlib", "warm")
        lines.append(f"| {r.wheel.project} | " + " | ".join(fmt_mib(_get(r.rows, k)) for k in keys) + " |")
    lines += ["", "Verdicts (overall_tag):", ""]
    for r in results:
        if r.agree:
            lines.append(f"- {r.wheel.project}: agree (`{r.verdicts['pytest-manylinux']}`)")
        else:
            detail = "; ".join(f"{k} = `{v}`" for k, v in r.verdicts.items())
            lines.append(f"- {r.wheel.project}: **MISMATCH** — {detail}")
    return lines


def house_summary(house: House) -> list[str]:
    """The wheelhouse rows and their ratios."""
    aw = house.rows["auditwheel"]
    lines = [
        f"Wheelhouse: {house.wheels} wheels, {mib(house.size)} on disk.",
        "",
        *rows_table(house.rows.values()),
        "",
        f"auditwheel / ours cold: {ratio(aw, house.rows['cold'])}; auditwheel / ours warm: "
        f"{ratio(aw, house.rows['warm'])}"
        + (
            f"; ours -j 1 / ours default: {ratio(house.rows['cold_j1'], house.rows['cold'])}"
            if "cold_j1" in house.rows
            else ""
        ),
        "",
        "Per-wheel overall_tag against auditwheel: "
        + ("all agree" if not house.mismatches else f"**{len(house.mismatches)} MISMATCH**"),
    ]
    lines += [f"- {m}" for m in house.mismatches]
    return lines


def gate_summary(rows: dict[str, Row], paths: Sequence[Path]) -> list[str]:
    """The gate with and without xdist workers."""
    n0, n2 = rows["n0"], rows["n2"]
    cpu = f"{n2.cpu_median / n0.cpu_median:.2f}x" if n0.measured and n2.measured and n0.cpu_median else "n/a"
    return [
        "The gate, `pytest -p no:cacheprovider --manylinux-policy=manylinux2014 wheelhouse/` on "
        + ", ".join(p.name for p in paths)
        + " (runs interleaved):",
        "",
        *rows_table(rows.values()),
        "",
        f"CPU -n 2 / -n 0: {cpu}; wall -n 2 / -n 0: {ratio(n2, n0)}",
        "",
        (
            f"pytest-xdist's own CPU cost for as many empty tests: "
            f"{rows['trivial_n2'].cpu_median - rows['trivial_n0'].cpu_median:.2f} s "
            f"(-n 2 {rows['trivial_n2'].cpu_median:.2f} s vs -n 0 {rows['trivial_n0'].cpu_median:.2f} s); "
            f"the gate's: {n2.cpu_median - n0.cpu_median:.2f} s"
        ),
    ]


def unused_summary(rows: dict[str, Row]) -> list[str]:
    """The plugin's cost in a run that gates nothing."""
    return [
        f"{UNUSED_TESTS} trivial tests, `pytest -p no:cacheprovider -q` with and without the plugin "
        "(runs interleaved):",
        "",
        *rows_table(rows.values()),
        "",
        f"CPU plugin / -p no:manylinux: {unused_ratio(rows):.2f}x; wall: {ratio(rows['plugin'], rows['without'])}",
    ]


def unused_ratio(rows: dict[str, Row]) -> float:
    """Median CPU with the plugin unused over median CPU without it."""
    return rows["plugin"].cpu_median / rows["without"].cpu_median


def targets(
    results: list[Result], house: House | None, gate: dict[str, Row] | None, unused: dict[str, Row] | None = None
) -> list[str]:
    """Issue 14's and 19's targets, each met or not, from this run's numbers."""
    lines = ["Targets (issues 14, 19):", ""]

    def line(name: str, value: float, limit: float, *, above: bool, unit: str = "x") -> None:
        met = value >= limit if above else value <= limit
        sign = ">=" if above else "<="
        lines.append(f"- {name}: {value:.2f}{unit} (target {sign} {limit:g}{unit}) -> {'met' if met else 'NOT met'}")

    for r in results:
        aw, cold = r.rows["auditwheel"], r.rows["cold"]
        line(f"{r.wheel.project} cold vs auditwheel", aw.median / cold.median, 25, above=True)
        line(f"{r.wheel.project} warm vs auditwheel", aw.median / r.rows["warm"].median, 50, above=True)
        line(f"{r.wheel.project} peak RSS, ours / auditwheel", cold.peak_mib / aw.peak_mib, 1, above=False)
        line(f"{r.wheel.project} peak RSS", cold.peak_mib, 100, above=False, unit=" MiB")
    if house is not None:
        line(
            "wheelhouse cold vs auditwheel", house.rows["auditwheel"].median / house.rows["cold"].median, 40, above=True
        )
    if gate is not None:
        line("gate CPU, -n 2 / -n 0", gate["n2"].cpu_median / gate["n0"].cpu_median, 1.15, above=False)
    if unused is not None:
        line(
            f"unused plugin CPU, {UNUSED_TESTS} tests / -p no:manylinux",
            unused_ratio(unused),
            UNUSED_TARGET,
            above=False,
        )
    return lines


# -- main --------------------------------------------------------------------


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0] if __doc__ else None)
    parser.add_argument("--runs", type=int, default=3, help="timed runs per command (default 3)")
    parser.add_argument(
        "--only",
        action="append",
        default=[],
        metavar="NAME",
        help="benchmark only this project (numpy, scipy, pyarrow, tensorflow_cpu); repeatable or comma-separated",
    )
    parser.add_argument(
        "--sections",
        default=",".join(SECTIONS),
        help=f"which sections to run, comma-separated (default {','.join(SECTIONS)})",
    )
    parser.add_argument("--json", type=Path, metavar="PATH", help="also write the raw numbers here")
    parser.add_argument(
        "--code",
        type=Path,
        metavar="DIR",
        help="measure the pytest_manylinux package found in DIR (prepended to PYTHONPATH), "
        "e.g. a git worktree of another commit, instead of the installed one",
    )
    parser.add_argument(
        "--download-dir",
        type=Path,
        default=DEFAULT_CACHE,
        metavar="DIR",
        help=f"where the pinned wheels are kept (default {DEFAULT_CACHE})",
    )
    args = parser.parse_args(argv)
    args.sections = [x.strip() for x in args.sections.split(",") if x.strip()]
    unknown = sorted(set(args.sections) - set(SECTIONS))
    if unknown:
        parser.error(f"unknown section(s) {', '.join(unknown)}; choose from {', '.join(SECTIONS)}")
    if args.runs < 1:
        parser.error("--runs must be at least 1")
    return args


def select(only: list[str]) -> tuple[Pinned, ...]:
    """The wheels ``--only`` names (a name may be a prefix: ``tensorflow``)."""
    wanted = [n.strip().lower().replace("-", "_") for item in only for n in item.split(",")]
    wanted = [n for n in wanted if n]
    if not wanted:
        return WHEELS
    chosen = tuple(w for w in WHEELS if any(w.project.startswith(n) for n in wanted))
    if not chosen:
        names = ", ".join(w.project for w in WHEELS)
        raise SystemExit(f"bench: --only matches none of: {names}")
    return chosen


def machine_lines(info: dict[str, str], features: CliFeatures) -> list[str]:
    """What ran where."""
    return [
        (
            f"machine: nproc {info['nproc']}, {info['cpu']}, {info['ram']} RAM, "
            f"{info['python']}, Linux {info['kernel']}; {info['auditwheel']}; {info['ours']}"
        ),
        "",
        (
            f"code measured: {info['code']}; load average at start {info['loadavg_at_start']}; "
            f"inflaters honoured: {', '.join(features.inflaters) or 'none (the default only)'}; "
            f"--jobs: {'yes' if features.jobs else 'no'}"
        ),
    ]


def main(argv: Sequence[str] | None = None) -> int:  # noqa: C901, PLR0912, PLR0915 - one report, section by section
    """Fetch, measure, print; exit 1 when a verdict differs from auditwheel's."""
    args = parse_args(argv)
    cache: Path = args.download_dir
    wheels = select(args.only) if "wheels" in args.sections else ()
    gate_wheels = tuple(w for w in WHEELS if w.project in GATE_PROJECTS) if "gate" in args.sections else ()
    paths = {w.project: fetch(w, cache).resolve() for w in (*wheels, *gate_wheels)}
    house_dir = cache / "wheelhouse"
    if "wheelhouse" in args.sections:
        for w in WHEELHOUSE:
            fetch(w, house_dir, seeds=(cache,))
    if args.code is not None:
        if not (args.code / "pytest_manylinux" / "__init__.py").is_file():
            raise SystemExit(f"bench: no pytest_manylinux package in {args.code}")
        os.environ["PYTHONPATH"] = os.pathsep.join(
            p for p in (str(args.code.resolve()), os.environ.get("PYTHONPATH")) if p
        )
    compile_package()
    # Our CLI's default cache lives under XDG_CACHE_HOME: point it at a fresh
    # directory so the user's cache is neither used nor touched.
    results: list[Result] = []
    house: House | None = None
    gate: dict[str, Row] | None = None
    unused: dict[str, Row] | None = None
    with tempfile.TemporaryDirectory(prefix="bench-xdg-") as xdg:
        os.environ["XDG_CACHE_HOME"] = xdg
        sample = next(iter(paths.values()), None) or next(house_dir.glob("*.whl"), None)
        features = cli_features(sample) if sample is not None else CliFeatures(jobs=False, inflaters=())
        info = machine()
        log(f"machine: {info}; {features}")
        for wheel in wheels:
            result = bench_wheel(wheel, paths[wheel.project], args.runs, features)
            results.append(result)
            if not result.agree:
                log(f"!!!!! VERDICT MISMATCH on {wheel.filename}: {result.verdicts}")
        if "wheelhouse" in args.sections:
            log(f"wheelhouse: {house_dir}")
            house = bench_wheelhouse(house_dir, args.runs, features)
        if gate_wheels:
            log("gate")
            gate = bench_gate([paths[w.project] for w in gate_wheels], args.runs)
        if "unused" in args.sections:
            log("unused")
            unused = bench_unused(args.runs)
    out = ["## Summary", "", *machine_lines(info, features), ""]
    if results:
        out += [*summary(results, info), ""]
    if house is not None:
        out += ["### Wheelhouse", "", *house_summary(house), ""]
    if gate is not None:
        out += ["### The gate under pytest-xdist", "", *gate_summary(gate, [paths[w.project] for w in gate_wheels]), ""]
    if unused is not None:
        out += ["### The plugin installed and unused", "", *unused_summary(unused), ""]
    out += targets(results, house, gate, unused)
    print("\n\n".join(wheel_table(r) for r in results))
    print()
    print("\n".join(out))
    if args.json is not None:
        doc = {
            "machine": info,
            "runs": args.runs,
            "cli_features": asdict(features),
            "wheels": [
                {
                    "wheel": asdict(r.wheel),
                    "shape": asdict(r.shape),
                    "verdicts": r.verdicts,
                    "verdicts_agree": r.agree,
                    "rows": {key: row.as_json() for key, row in r.rows.items()},
                }
                for r in results
            ],
            "wheelhouse": None
            if house is None
            else {
                "wheels": house.wheels,
                "bytes": house.size,
                "mismatches": house.mismatches,
                "rows": {key: row.as_json() for key, row in house.rows.items()},
            },
            "gate": None if gate is None else {key: row.as_json() for key, row in gate.items()},
            "unused": None if unused is None else {key: row.as_json() for key, row in unused.items()},
        }
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(doc, indent=2) + "\n")
        log(f"raw numbers written to {args.json}")
    agree = all(r.agree for r in results) and (house is None or not house.mismatches)
    return 0 if agree else 1


if __name__ == "__main__":
    raise SystemExit(main())
