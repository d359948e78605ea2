"""Building the project's wheel in the fixture: each knob, on the real c-extension example, with gcc."""

from __future__ import annotations

import fnmatch
import os
import shutil
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest

from pytest_manylinux._locate import BuildError, BuildRequest, build_wheel

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "c-extension"

pytestmark = pytest.mark.skipif(shutil.which("gcc") is None, reason="needs gcc")

MARKED = """
import zipfile
import pytest

@pytest.mark.manylinux2014
def test_wheel(manylinux_wheel):
    with zipfile.ZipFile(manylinux_wheel) as wheel:
        [so] = [n for n in wheel.namelist() if n.endswith(".so")]
        assert not wheel.read(so).startswith(b"POISON"), "the stale build/ directory was reused"
"""


def _project(where: Path) -> Path:
    """The c-extension example, without its tests or anything a build left behind."""
    shutil.copytree(EXAMPLE, where, ignore=shutil.ignore_patterns("tests", "build", "dist", "*.egg-info"))
    return where


def _setup_error(result: pytest.RunResult) -> str:
    """The one line an error in setup shows (no traceback, no chained exception)."""
    lines = result.stdout.lines
    start = next(i for i, line in enumerate(lines) if "ERROR at setup of test_wheel" in line) + 1
    end = next(i for i, line in enumerate(lines) if "short test summary info" in line)
    assert end - start == 1, "\n".join(lines[start:end])
    return lines[start]


def _built_so(project: Path) -> Path:
    [so] = (project / "build").glob("lib.*/sample/_clock*.so")
    return so


def test_a_stale_build_directory_is_never_reused(pytester: pytest.Pytester) -> None:
    project = _project(pytester.path / "clock")
    pytester.makepyfile(test_wheel=MARKED)
    plain = [sys.executable, "-m", "build", "--wheel", "--no-isolation", "-o", "plain", "."]
    subprocess.run(plain, cwd=project, check=True, capture_output=True)
    _built_so(project).write_bytes(b"POISON: an object left over from another build")
    # The poison is live: an in-tree wheel build picks it up.
    shutil.rmtree(project / "plain")
    subprocess.run(plain, cwd=project, check=True, capture_output=True)
    [stale] = (project / "plain").glob("*.whl")
    with zipfile.ZipFile(stale) as wheel:
        assert any(wheel.read(n).startswith(b"POISON") for n in wheel.namelist() if n.endswith(".so"))
    shutil.rmtree(project / "plain")

    result = pytester.runpytest_subprocess(
        "--manylinux-build=always", "--manylinux-project=clock", "--manylinux-no-isolation", "-p", "no:randomly"
    )
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(
        [
            f"manylinux: building {project} with pypa/build (no isolation)...",
            "manylinux: built clock_example-1.0-*.whl in * s",
        ]
    )


def test_a_monorepo_package_is_built_from_the_ini_project(pytester: pytest.Pytester) -> None:
    project = _project(pytester.path / "packages" / "clock")
    pytester.makeini("[pytest]\nmanylinux_project = packages/clock\nmanylinux_no_isolation = true\n")
    pytester.makepyfile(test_wheel=MARKED)
    result = pytester.runpytest_subprocess("-p", "no:randomly")
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines([f"manylinux: building {project} with pypa/build (no isolation)..."])
    # The package's dist/ is where an existing wheel is found, too.
    subprocess.run(
        [sys.executable, "-m", "build", "--wheel", "--no-isolation", "-o", "dist", "."],
        cwd=project,
        check=True,
        capture_output=True,
    )
    again = pytester.runpytest_subprocess("-p", "no:randomly", "--manylinux-build=never")
    again.assert_outcomes(passed=1)
    again.stdout.fnmatch_lines([f"manylinux: *; wheel {project}/dist/clock_example-1.0-*.whl (found in dist/)*"])


def test_a_config_setting_the_backend_rejects_fails_in_one_line(pytester: pytest.Pytester) -> None:
    _project(pytester.path / "clock")
    pytester.makepyfile(test_wheel=MARKED)
    result = pytester.runpytest_subprocess(
        "--manylinux-project=clock",
        "--manylinux-no-isolation",
        "--manylinux-config-setting=--build-option=--bogus",
        "--manylinux-build=always",
    )
    result.assert_outcomes(errors=1)
    assert fnmatch.fnmatch(
        _setup_error(result),
        "python -m build failed for */clock (exit 1): error: option --bogus not recognized | *; "
        f"rerun by hand: {sys.executable} -m build --no-isolation --config-setting=--build-option=--bogus */clock",
    )


def test_a_config_setting_without_a_value_is_a_usage_error(pytester: pytest.Pytester) -> None:
    pytester.makeini("[pytest]\nmanylinux_config_settings =\n    editable_mode=strict\n    --quiet\n")
    result = pytester.runpytest()
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(
        ["ERROR: manylinux_config_settings in tox.ini '--quiet': give KEY=VALUE, as python -m build -C KEY=VALUE"]
    )


@pytest.mark.parametrize("value", ["0", "-1", "soon", "inf"])
def test_a_timeout_must_be_a_positive_number(pytester: pytest.Pytester, value: str) -> None:
    result = pytester.runpytest(f"--manylinux-build-timeout={value}")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines([f"ERROR: --manylinux-build-timeout: '{value}' is not a number of seconds above 0"])


def test_a_build_past_its_timeout_is_killed_and_names_the_option(pytester: pytest.Pytester) -> None:
    _project(pytester.path / "clock")
    pytester.makepyfile(test_wheel=MARKED)
    result = pytester.runpytest_subprocess(
        "--manylinux-project=clock", "--manylinux-no-isolation", "--manylinux-build-timeout=0.05"
    )
    result.assert_outcomes(errors=1)
    assert fnmatch.fnmatch(
        _setup_error(result), "building */clock took longer than 0.05 s and was killed: raise --manylinux-build-timeout"
    )


SLOW_SETUP = """
import pathlib, subprocess, sys, time
child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)"])
pathlib.Path("CHILD").write_text(str(child.pid))
time.sleep(120)
"""


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return False
    return state != "Z"  # a zombie is dead, waiting for a reaper (in a container, maybe none)


def test_a_timeout_kills_what_the_build_started_and_workers_share_the_failure(tmp_path: Path) -> None:
    project = tmp_path / "slow"
    project.mkdir()
    (project / "setup.py").write_text(SLOW_SETUP)
    request = BuildRequest(project, isolation=False, timeout=8, timeout_source="manylinux_build_timeout")
    with pytest.raises(BuildError, match=r"took longer than 8 s and was killed: raise manylinux_build_timeout$"):
        build_wheel(request, tmp_path / "shared")
    child = int((project / "CHILD").read_text())  # the backend's own child, two processes below ours
    deadline = time.monotonic() + 10
    while _alive(child) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not _alive(child)
    # Another worker of the same run waits on the lock, then reports the same failure without building.
    started = time.monotonic()
    with pytest.raises(BuildError, match=r"took longer than 8 s"):
        build_wheel(BuildRequest(project, isolation=False), tmp_path / "shared")
    assert time.monotonic() - started < 5


def _path_without_uv() -> str:
    return os.pathsep.join(d for d in os.environ["PATH"].split(os.pathsep) if not (Path(d) / "uv").exists())


@pytest.mark.parametrize("uv", [True, False], ids=["uv-on-path", "no-uv"])
def test_the_isolated_build_uses_uv_when_it_is_on_path(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, *, uv: bool
) -> None:
    path = _path_without_uv()
    if uv:
        found = shutil.which("uv") or shutil.which("uv", path=str(Path(sys.executable).parent))
        if found is None:
            pytest.skip("needs uv (pip install uv)")
        path = os.pathsep.join([str(Path(found).parent), path])
    monkeypatch.setenv("PATH", path)
    _project(pytester.path / "clock")
    pytester.makepyfile(test_wheel=MARKED)
    result = pytester.runpytest_subprocess("--manylinux-project=clock", "-p", "no:randomly")
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines([f"manylinux: building */clock with pypa/build ({'uv' if uv else 'pip'})..."])


def test_the_command_line_argv(tmp_path: Path) -> None:
    request = BuildRequest(tmp_path, isolation=True, config_settings=("a=1", "b="), installer="uv")
    assert request.argv(tmp_path / "out") == [
        sys.executable, "-m", "build", "--installer", "uv", "--config-setting=a=1", "--config-setting=b=",
        "--outdir", str(tmp_path / "out"), str(tmp_path),
    ]  # fmt: skip
    assert BuildRequest(tmp_path, isolation=False, installer="uv").argv() == [
        sys.executable, "-m", "build", "--no-isolation", str(tmp_path)
    ]  # fmt: skip
    assert BuildRequest(tmp_path, installer="pip").describe() == "with pypa/build (pip)"


def test_asking_for_uv_without_uv_is_a_usage_error(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    """Said at start-up, in one line, not after collection when the first test builds."""
    monkeypatch.setenv("PATH", _path_without_uv())
    _project(pytester.path / "clock")
    pytester.makepyfile(test_wheel=MARKED)
    result = pytester.runpytest_subprocess("--manylinux-project=clock", "--manylinux-build-installer=uv")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*the build installer is uv, but uv is not on PATH: install it*"])
