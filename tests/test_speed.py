"""Issue 14: the inflater (isal or zlib) changes nothing but speed; a wheelhouse is audited on all cores."""

from __future__ import annotations

import cProfile
import json
import os
import pstats
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from pypi_cache import CORPUS, WheelUnavailable, fetch

from pytest_manylinux._audit import read_wheel_facts
from pytest_manylinux._wheel import INFLATER_ENV, inflater

if TYPE_CHECKING:
    from collections.abc import Callable

    from builders import Fixtures

SO = ".cpython-311-x86_64-linux-gnu.so"

#: A handful of real wheels: many members and bundled libraries (pillow, psycopg2), old and
#: musl builds, a foreign arch.
SAMPLE = (
    "pillow-10.4.0-cp311-cp311-manylinux_2_28_x86_64.whl",
    "psycopg2_binary-2.9.9-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl",
    "numpy-1.19.5-cp39-cp39-manylinux2010_x86_64.whl",
    "MarkupSafe-2.1.5-cp311-cp311-musllinux_1_1_x86_64.whl",
    "ninja-1.11.1.1-py2.py3-none-manylinux2014_aarch64.manylinux_2_17_aarch64.whl",
)


def _pypi(names: tuple[str, ...]) -> list[Path]:
    pinned = {w.filename: w for w in CORPUS}
    try:
        return [fetch(pinned[name]) for name in names]
    except WheelUnavailable as e:
        pytest.skip(f"PyPI unreachable: {e}")


def _cli(args: list[str], env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-m", "pytest_manylinux", *args], capture_output=True, env=env, cwd=cwd, check=False
    )


def _env(inflater_name: str | None, tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != INFLATER_ENV}
    env["XDG_CACHE_HOME"] = str(tmp_path / "xdg")
    if inflater_name is not None:
        env[INFLATER_ENV] = inflater_name
    return env


def _stale_crc(path: Path, member: str, out: Path) -> Path:
    """The same wheel with ``member``'s CRC-32 off by one bit, in both headers: a stale CRC."""
    with zipfile.ZipFile(path) as z:
        crc = z.getinfo(member).CRC
    old = crc.to_bytes(4, "little")
    data = path.read_bytes()
    assert data.count(old) == 2  # the local and the central header
    out.write_bytes(data.replace(old, (crc ^ 1).to_bytes(4, "little")))
    return out


def _corrupt_deflate(path: Path, member: str, out: Path) -> Path:
    """The same wheel with ``member``'s first deflate block made of the reserved block type (RFC 1951, 3.2.3)."""
    with zipfile.ZipFile(path) as z:
        info = z.getinfo(member)
    data = bytearray(path.read_bytes())
    start = info.header_offset + 30 + len(info.filename) + len(info.extra)
    data[start] |= 0b110  # BTYPE 11: an error for every inflater
    out.write_bytes(bytes(data))
    return out


@pytest.mark.pypi
def test_json_is_byte_identical_with_either_inflater(fx: Fixtures, wheel: Callable[..., Path], tmp_path: Path) -> None:
    built = wheel({f"pkg/ext_2_17{SO}": fx.ext_2_17, "pkg/data.txt": b"some text\n" * 5000})
    stale = _stale_crc(built, f"pkg/ext_2_17{SO}", built.with_name(built.name.replace("pkg-1.0", "pkg-1.1")))
    corrupt = _corrupt_deflate(built, "pkg/data.txt", built.with_name(built.name.replace("pkg-1.0", "pkg-1.2")))
    inputs = [*_pypi(SAMPLE), built, stale, corrupt]
    runs = {}
    for name in ("isal", "zlib"):
        done = _cli(["--json", "--no-cache", "-j", "1", *map(str, inputs)], _env(name, tmp_path), tmp_path)
        runs[name] = (done.returncode, done.stdout, done.stderr)
    assert runs["isal"] == runs["zlib"]
    code, stdout, stderr = runs["zlib"]
    assert code == 2  # the forged wheels are errors, in their place
    assert b"Bad CRC-32" in stderr
    assert b"invalid deflate data" in stderr
    assert stdout.count(b'"path"') >= len(SAMPLE)


def _decompress_calls(monkeypatch: pytest.MonkeyPatch, name: str, path: Path) -> dict[str, int]:
    monkeypatch.setenv(INFLATER_ENV, name)
    profile = cProfile.Profile()
    profile.enable()
    read_wheel_facts(path)
    profile.disable()
    calls: dict[str, int] = {}
    for (_, _, function), (_, count, *_) in pstats.Stats(profile).stats.items():  # type: ignore[attr-defined]
        if function.startswith("<method 'decompress' of "):
            calls[function] = count
    return calls


def test_each_inflater_is_the_one_used(
    fx: Fixtures, wheel: Callable[..., Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    pytest.importorskip("isal")
    path = wheel({f"pkg/ext_2_17{SO}": fx.ext_2_17, "pkg/data.txt": b"x" * 100_000})
    isal_calls = _decompress_calls(monkeypatch, "isal", path)
    assert isal_calls.keys() == {"<method 'decompress' of 'isal_zlib.Decompress' objects>"}
    zlib_calls = _decompress_calls(monkeypatch, "zlib", path)
    assert zlib_calls.keys() == {"<method 'decompress' of 'zlib.Decompress' objects>"}
    monkeypatch.setenv(INFLATER_ENV, "auto")
    assert inflater().name == "isal"  # installed here: the default where it ships wheels


@pytest.mark.parametrize("value", ["isa-l", "gzip", "zlib-ng"])
def test_unknown_inflater_is_a_usage_error(
    value: str, fx: Fixtures, wheel: Callable[..., Path], tmp_path: Path
) -> None:
    path = wheel({f"pkg/ext_2_17{SO}": fx.ext_2_17})
    done = _cli([str(path)], _env(value, tmp_path), tmp_path)
    assert done.returncode == 2
    assert done.stdout == b""
    assert done.stderr.decode().splitlines() == [
        f"pytest-manylinux: error: {INFLATER_ENV}={value!r} is not an inflater: give one of auto, isal, zlib"
    ]


def test_isal_missing_is_a_usage_error_and_auto_falls_back(
    fx: Fixtures, wheel: Callable[..., Path], tmp_path: Path
) -> None:
    path = wheel({f"pkg/ext_2_17{SO}": fx.ext_2_17})
    # sys.modules["isal"] = None makes "import isal" fail as on a platform without its wheels.
    script = (
        "import sys; sys.modules['isal'] = None\n"
        "from pytest_manylinux._wheel import inflater\n"
        "from pytest_manylinux.__main__ import main\n"
        "print(inflater().name if sys.argv[1] == 'auto' else '', flush=True)\n"
        "sys.exit(main(['--no-cache', sys.argv[2]]))\n"
    )
    outcomes = {}
    for value in ("auto", "isal"):
        done = subprocess.run(
            [sys.executable, "-c", script, value, str(path)],
            capture_output=True,
            env=_env(value, tmp_path),
            check=False,
            text=True,
        )
        outcomes[value] = done
    assert outcomes["auto"].returncode == 0
    assert outcomes["auto"].stdout.splitlines()[0] == "zlib"
    assert outcomes["isal"].returncode == 2
    assert "Traceback" not in outcomes["isal"].stderr
    assert outcomes["isal"].stderr.splitlines() == [
        (
            f"pytest-manylinux: error: {INFLATER_ENV}=isal, but python-isal is not installed here: "
            "pip install isal, or give auto or zlib"
        )
    ]


def test_plugin_reports_an_unknown_inflater_as_a_usage_error(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(INFLATER_ENV, "fast")
    pytester.makepyfile("def test_nothing():\n    assert True\n")
    result = pytester.runpytest_subprocess()
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines([f"ERROR: {INFLATER_ENV}='fast' is not an inflater: give one of auto, isal, zlib"])
    assert "Traceback" not in result.stderr.str()


def _wheelhouse(fx: Fixtures, wheel: Callable[..., Path], tmp_path: Path) -> Path:
    """Passing, failing and broken wheels side by side, as a release's wheelhouse may hold them."""
    house = tmp_path / "wheelhouse"
    house.mkdir()
    made = [
        wheel({f"pkg/ext_2_17{SO}": fx.ext_2_17}, name="alpha"),
        wheel({f"pkg/ext_2_99{SO}": fx.ext_2_99}, name="bravo"),  # needs GLIBC_2.99: fails its tag
        wheel({f"pkg/ext_2_17{SO}": fx.ext_2_17, "pkg/data.txt": b"text\n" * 9000}, name="charlie"),
        wheel({f"pkg/ext_2_17{SO}": fx.ext_2_17}, name="delta", record=False),
    ]
    _stale_crc(made[0], f"pkg/ext_2_17{SO}", house / made[0].name.replace("alpha", "echo"))
    _corrupt_deflate(made[2], "pkg/data.txt", house / made[2].name.replace("charlie", "foxtrot"))
    for path in made:
        path.rename(house / path.name)
    (house / "golf-1.0-py3-none-any.whl").write_bytes(b"not a zip at all")
    return house


@pytest.mark.parametrize("output", [[], ["--json"], ["--format=markdown"]])
def test_parallel_output_is_the_serial_output(
    output: list[str], fx: Fixtures, wheel: Callable[..., Path], tmp_path: Path
) -> None:
    house = _wheelhouse(fx, wheel, tmp_path)
    runs = {
        jobs: _cli([*output, "--no-cache", "-j", jobs, str(house)], _env(None, tmp_path), tmp_path) for jobs in "134"
    }
    serial = runs["1"]
    for jobs in "34":
        assert (runs[jobs].returncode, runs[jobs].stdout, runs[jobs].stderr) == (
            serial.returncode,
            serial.stdout,
            serial.stderr,
        )
    assert serial.returncode == 2  # three unreadable wheels
    errors = [line.split(": ")[2] for line in serial.stderr.decode().splitlines()]
    assert [Path(e).name.split("-")[0] for e in errors] == ["echo", "foxtrot", "golf"]  # directory order


def test_parallel_output_keeps_the_input_order(fx: Fixtures, wheel: Callable[..., Path], tmp_path: Path) -> None:
    house = _wheelhouse(fx, wheel, tmp_path)
    given = [str(p) for p in house.iterdir() if p.name.startswith(("alpha", "bravo", "charlie", "delta"))]
    orders = {}
    for jobs in "14":
        done = _cli(["--json", "--no-cache", "-j", jobs, *given], _env(None, tmp_path), tmp_path)
        assert done.returncode == 1  # bravo fails its tag
        orders[jobs] = [w["wheel"] for w in json.loads(done.stdout)["wheels"]]
    assert orders["4"] == orders["1"] == sorted(given)  # the order the inputs expand to, whichever ends first


@pytest.mark.parametrize("bad", ["0", "-1", "two", "1.5", ""])
def test_bad_job_counts_are_usage_errors(bad: str, tmp_path: Path) -> None:
    done = _cli(["-j", bad, str(tmp_path)], _env(None, tmp_path), tmp_path)
    assert done.returncode == 2
    assert b"not a job count" in done.stderr
    assert b"Traceback" not in done.stderr


def _long_parallel_run(fx: Fixtures, wheel: Callable[..., Path], tmp_path: Path) -> subprocess.Popen[bytes]:
    """The CLI started with -j 2 on 2,000 wheels of 24 MiB (links, the disk space of one): tens of seconds."""
    big = wheel({f"pkg/ext_2_17{SO}": fx.ext_2_17, "pkg/data.bin": os.urandom(24 << 20)})
    inputs = []
    for i in range(2000):
        copy = tmp_path / big.name.replace("pkg-1.0", f"pkg{i}-1.0")
        copy.hardlink_to(big)
        inputs.append(str(copy))
    return subprocess.Popen(
        [sys.executable, "-m", "pytest_manylinux", "--no-cache", "-j", "2", *inputs],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env=_env(None, tmp_path),
        # As in a terminal: a test run started in the background (`cmd &`, nohup, some CI runners)
        # passes SIGINT on ignored, and Python then never turns it into KeyboardInterrupt.
        preexec_fn=_interruptible,  # noqa: PLW1509 - a signal reset, before exec, in a child of a test
    )


def _interruptible() -> None:
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def test_ctrl_c_ends_a_parallel_run(fx: Fixtures, wheel: Callable[..., Path], tmp_path: Path) -> None:
    process = _long_parallel_run(fx, wheel, tmp_path)
    time.sleep(2.0)  # past the imports, into the audits
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=60)  # a hang fails here
    assert process.returncode == 130
    assert stderr.endswith(b"pytest-manylinux: interrupted\n")
    assert b"Traceback" not in stderr


@pytest.mark.skipif(not Path("/proc/self/task").is_dir(), reason="finds the workers through /proc")
def test_a_worker_that_dies_is_one_error_line(fx: Fixtures, wheel: Callable[..., Path], tmp_path: Path) -> None:
    """A --jobs worker killed mid-run (the OOM killer, say) ends the run in one line, exit 2, not a hang."""
    process = _long_parallel_run(fx, wheel, tmp_path)
    children = Path(f"/proc/{process.pid}/task/{process.pid}/children")
    deadline = time.monotonic() + 30
    workers: list[str] = []
    while not workers and time.monotonic() < deadline:
        time.sleep(0.2)
        workers = children.read_text().split() if children.exists() else []
    assert workers, "no worker process started"
    time.sleep(1.0)  # into the audits
    os.kill(int(workers[0]), signal.SIGKILL)
    _, stderr = process.communicate(timeout=60)  # a hang fails here
    assert process.returncode == 2
    assert stderr.splitlines()[-1] == (
        b"pytest-manylinux: error: a --jobs worker process died (out of memory, or killed): "
        b"rerun with -j 1 to see which input"
    )
    assert b"Traceback" not in stderr
