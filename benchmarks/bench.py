"""Time and peak memory of ``pytest-manylinux`` against ``auditwheel show`` (issue 4).

Run it with the interpreter that has both installed::

    .venv/bin/python benchmarks/bench.py [--runs N] [--only NAME] [--json PATH]

Four large real wheels, pinned by file name and sha256, are downloaded once
with pip into ``benchmarks/.cache/``. Every measured command runs as its own
child process; wall time comes from ``time.perf_counter`` around the child and
peak RSS from ``os.wait4``'s rusage, which is exact for that one child.
See ``benchmarks/README.md`` for what each row means.
"""

# ruff: noqa: T201, INP001
from __future__ import annotations

import argparse
import contextlib
import hashlib
import json
import os
import platform
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
    from collections.abc import Iterator, Sequence

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

# The floor: what any auditor must at least do. List the zip, read the 4-byte
# magic of every member, then inflate each ELF member completely with raw zlib
# in 4 MiB chunks (no CRC, no parsing, nothing kept).
FLOOR_SCRIPT = """\
import struct, sys, zipfile, zlib
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


# -- fetching ----------------------------------------------------------------


def sha256_of(path: Path) -> str:
    """Hex sha256 of a file, read in chunks."""
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while block := f.read(CHUNK):
            digest.update(block)
    return digest.hexdigest()


def fetch(wheel: Pinned, cache: Path) -> Path:
    """The cached wheel, downloaded with pip first if missing; sha256 verified."""
    target = cache / wheel.filename
    if target.is_file() and sha256_of(target) == wheel.sha256:
        return target
    cache.mkdir(parents=True, exist_ok=True)
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


GNU_TIME = Path("/usr/bin/time")


def run_once(argv: Sequence[str]) -> tuple[float, int, int, str]:
    """Run one child; (wall seconds, its peak RSS in KiB, exit code, stderr tail).

    Peak RSS comes from GNU time's ``%M`` when ``/usr/bin/time`` exists, else
    from ``os.wait4``. wait4 alone over-reports: the kernel folds the hiwater
    RSS of the image a child replaces at exec into the child's ``ru_maxrss``,
    and subprocess spawns with vfork, so every child would report at least
    this benchmark process's own peak (~30 MiB, far more after big reads).
    GNU time is a small C process whose own child starts clean.
    """
    use_time = GNU_TIME.is_file()
    with tempfile.TemporaryFile() as err, tempfile.NamedTemporaryFile("r") as report:
        full = [str(GNU_TIME), "-f", "%M", "-o", report.name, *argv] if use_time else list(argv)
        start = time.perf_counter()
        proc = subprocess.Popen(full, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=err, cwd=NEUTRAL_CWD)
        _, status, usage = os.wait4(proc.pid, 0)
        elapsed = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)  # already reaped by wait4
        err.seek(0)
        tail = err.read()[-2000:].decode("utf-8", "replace")
        rss = usage.ru_maxrss  # KiB on Linux
        if use_time:
            # "Command exited with non-zero status N" may precede the number.
            lines = report.read().split()
            rss = int(lines[-1]) if lines and lines[-1].isdigit() else -1
    return elapsed, rss, proc.returncode, tail


def measure(label: str, argv: list[str], runs: int, ok_codes: tuple[int, ...] = (0, 1)) -> Row:
    """Run ``argv`` ``runs`` times and collect the samples."""
    row = Row(label, argv)
    for i in range(runs):
        elapsed, rss, code, tail = run_once(argv)
        row.times.append(elapsed)
        row.rss_kib.append(rss)
        row.exit_codes.append(code)
        log(f"  {label:<34} run {i + 1}/{runs}: {elapsed:8.3f} s  {rss / 1024:7.1f} MiB  rc={code}")
        if code not in ok_codes:
            log(f"  !! unexpected exit code {code} from {' '.join(argv)}\n{tail}")
    return row


@dataclass(frozen=True, slots=True)
class CliFeatures:
    """Which cache options our CLI has today (issue 4 adds them)."""

    no_cache: bool
    cache_dir: bool


def cli_features() -> CliFeatures:
    """Read our CLI's ``--help`` for the cache options."""
    out = subprocess.run(
        [sys.executable, "-m", "pytest_manylinux", "--help"],
        check=True,
        capture_output=True,
        text=True,
        cwd=NEUTRAL_CWD,
    ).stdout
    return CliFeatures(no_cache="--no-cache" in out, cache_dir="--cache-dir" in out)


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


@contextlib.contextmanager
def scratch_dir(prefix: str) -> Iterator[Path]:
    """A fresh temporary directory (for a cache the CLI may grow one day)."""
    with tempfile.TemporaryDirectory(prefix=prefix) as d:
        yield Path(d)


def bench_wheel(wheel: Pinned, path: Path, runs: int, features: CliFeatures) -> Result:
    """Verdicts first (they also warm the page cache), then every row."""
    aw = auditwheel_argv()
    ours = [sys.executable, "-m", "pytest_manylinux"]
    log(f"{wheel.filename}: verdicts")
    verdicts = {
        "auditwheel show": overall_tag([*aw, "show", "--json", str(path)], ours=False),
        'auditwheel show --ldpaths ""': overall_tag([*aw, "show", "--json", "--ldpaths", "", str(path)], ours=False),
        "pytest-manylinux": overall_tag(
            [*ours, *(["--no-cache"] if features.no_cache else []), "--json", str(path)], ours=True
        ),
    }
    rows: dict[str, Row] = {}
    rows["auditwheel"] = measure("auditwheel show", [*aw, "show", str(path)], runs, (0,))
    rows["auditwheel_hermetic"] = measure(
        'auditwheel show --ldpaths ""', [*aw, "show", "--ldpaths", "", str(path)], runs, (0,)
    )
    with scratch_dir("bench-cold-") as cold_cache:
        if features.no_cache:
            cold = [*ours, "--no-cache", str(path)]
            cold_note = "--no-cache"
        elif features.cache_dir:
            # No switch to disable it: point it at an empty directory that
            # is emptied again before every run.
            cold = [*ours, "--cache-dir", str(cold_cache), str(path)]
            cold_note = "empty --cache-dir"
        else:
            cold = [*ours, str(path)]
            cold_note = "no cache in the CLI yet"
        if features.cache_dir and not features.no_cache:
            row = Row("ours cold", cold, note=cold_note)
            for _ in range(runs):
                shutil.rmtree(cold_cache)
                cold_cache.mkdir()
                one = measure("ours cold", cold, 1)
                row.times += one.times
                row.rss_kib += one.rss_kib
                row.exit_codes += one.exit_codes
            rows["cold"] = row
        else:
            rows["cold"] = measure("ours cold", cold, runs)
            rows["cold"].note = cold_note
    if features.cache_dir:
        with scratch_dir("bench-warm-") as warm_cache:
            warm = [*ours, "--cache-dir", str(warm_cache), str(path)]
            run_once(warm)  # fill the cache
            rows["warm"] = measure("ours warm", warm, runs)
    else:
        rows["warm"] = Row("ours warm", None, note="n/a (no cache yet)")
    rows["floor"] = measure("floor (zip + inflate ELF)", [sys.executable, "-c", FLOOR_SCRIPT, str(path)], runs, (0,))
    rows["import"] = measure(
        "context: import only",
        [sys.executable, "-c", "import pytest_manylinux.__main__"],
        runs,
        (0,),
    )
    return Result(wheel, shape(path), verdicts, rows)


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
        "| command | runs | median s | min s | max s | peak RSS MiB | exit codes |",
        "|---|---:|---:|---:|---:|---:|---|",
    ]
    for row in result.rows.values():
        if not row.measured:
            lines.append(f"| {row.label} | 0 | {row.note} | | | | |")
            continue
        label = f"{row.label} ({row.note})" if row.note else row.label
        codes = ",".join(sorted({str(c) for c in row.exit_codes}))
        lines.append(
            f"| {label} | {len(row.times)} | {row.median:.3f} | {min(row.times):.3f} "
            f"| {max(row.times):.3f} | {row.peak_mib:.1f} | {codes} |"
        )
    lines.append("")
    status = "agree" if result.agree else "**MISMATCH**"
    lines.append(
        "overall_tag: " + "; ".join(f"{tool} = `{tag}`" for tool, tag in result.verdicts.items()) + f" -> {status}"
    )
    return "\n".join(lines)


def summary(results: list[Result], info: dict[str, str]) -> str:
    """Machine line, time and RSS tables over all wheels, verdicts."""
    lines = [
        "## Summary",
        "",
        (
            f"machine: nproc {info['nproc']}, {info['cpu']}, {info['ram']} RAM, "
            f"{info['python']}, Linux {info['kernel']}; {info['auditwheel']}; {info['ours']}"
        ),
        "",
        f"code measured: {info['code']}; load average at start {info['loadavg_at_start']}",
        "",
        "Median wall time, seconds:",
        "",
        (
            '| wheel | auditwheel show | auditwheel --ldpaths "" | ours cold | ours warm | floor '
            "| auditwheel / cold | cold / floor | auditwheel / warm | auditwheel / floor |"
        ),
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        aw, awh, cold, warm, floor = (r.rows[k] for k in ("auditwheel", "auditwheel_hermetic", "cold", "warm", "floor"))
        lines.append(
            f"| {r.wheel.project} | {fmt_s(aw)} | {fmt_s(awh)} | {fmt_s(cold)} | {fmt_s(warm)} "
            f"| {fmt_s(floor)} | {ratio(aw, cold)} | {ratio(cold, floor)} | {ratio(aw, warm)} "
            f"| {ratio(aw, floor)} |"
        )
    lines += [
        "",
        f"Peak RSS of the child, MiB (max over runs; from {info['peak_rss_source']}):",
        "",
        '| wheel | auditwheel show | auditwheel --ldpaths "" | ours cold | ours warm | floor |',
        "|---|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        lines.append(
            f"| {r.wheel.project} | "
            + " | ".join(fmt_mib(r.rows[k]) for k in ("auditwheel", "auditwheel_hermetic", "cold", "warm", "floor"))
            + " |"
        )
    lines += ["", "Verdicts (overall_tag):", ""]
    for r in results:
        if r.agree:
            lines.append(f"- {r.wheel.project}: agree (`{r.verdicts['pytest-manylinux']}`)")
        else:
            detail = "; ".join(f"{k} = `{v}`" for k, v in r.verdicts.items())
            lines.append(f"- {r.wheel.project}: **MISMATCH** — {detail}")
    return "\n".join(lines)


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
    return parser.parse_args(argv)


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


def run_all(
    wheels: Sequence[Pinned], paths: dict[str, Path], runs: int
) -> tuple[dict[str, str], CliFeatures, list[Result]]:
    """Measure every wheel, logging progress and mismatches as they happen."""
    features = cli_features()
    info = machine()
    log(f"machine: {info}")
    if not GNU_TIME.is_file():
        log(
            "warning: /usr/bin/time is missing (apt-get install time); peak RSS falls back to "
            "os.wait4, which also counts this process's own peak and so reads high"
        )
    log(f"our CLI: --no-cache {features.no_cache}, --cache-dir {features.cache_dir}")
    results: list[Result] = []
    for wheel in wheels:
        result = bench_wheel(wheel, paths[wheel.project], runs, features)
        results.append(result)
        if not result.agree:
            log(f"!!!!! VERDICT MISMATCH on {wheel.filename}: {result.verdicts}")
    return info, features, results


def main(argv: Sequence[str] | None = None) -> int:
    """Fetch, measure, print; exit 1 when a verdict differs from auditwheel's."""
    args = parse_args(argv)
    if args.runs < 1:
        raise SystemExit("bench: --runs must be at least 1")
    wheels = select(args.only)
    paths = {w.project: fetch(w, args.download_dir).resolve() for w in wheels}
    if args.code is not None:
        if not (args.code / "pytest_manylinux" / "__init__.py").is_file():
            raise SystemExit(f"bench: no pytest_manylinux package in {args.code}")
        os.environ["PYTHONPATH"] = os.pathsep.join(
            p for p in (str(args.code.resolve()), os.environ.get("PYTHONPATH")) if p
        )
    # Our CLI's default cache lives under XDG_CACHE_HOME: point it at a fresh
    # directory so the user's cache is neither used nor touched.
    with tempfile.TemporaryDirectory(prefix="bench-xdg-") as xdg:
        os.environ["XDG_CACHE_HOME"] = xdg
        info, features, results = run_all(wheels, paths, args.runs)
    print("\n\n".join(wheel_table(r) for r in results))
    print()
    print(summary(results, info))
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
                    "rows": {
                        key: {
                            "label": row.label,
                            "argv": row.argv,
                            "note": row.note,
                            "times_s": row.times,
                            "peak_rss_kib": row.rss_kib,
                            "exit_codes": row.exit_codes,
                            "median_s": row.median if row.measured else None,
                            "peak_rss_mib": row.peak_mib if row.measured else None,
                        }
                        for key, row in r.rows.items()
                    },
                }
                for r in results
            ],
        }
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(doc, indent=2) + "\n")
        log(f"raw numbers written to {args.json}")
    return 0 if all(r.agree for r in results) else 1


if __name__ == "__main__":
    raise SystemExit(main())
