"""Every example under examples/ runs green here, as a user would run it."""

from __future__ import annotations

import json
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
import tomllib

from pytest_manylinux._checks import FILE_CHECKS, WHEEL_CHECKS

if TYPE_CHECKING:
    from collections.abc import Callable

    from builders import Fixtures

SO = ".cpython-311-x86_64-linux-gnu.so"
ITEMS = len(WHEEL_CHECKS) + len(FILE_CHECKS)  # gate items of a wheel with one ELF file
EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
BIN = Path(sys.executable).parent


@pytest.mark.parametrize("source", ["dist", "build"])
def test_c_extension_example(pytester: pytest.Pytester, source: str) -> None:
    if shutil.which("gcc") is None:
        pytest.skip("needs gcc")
    pytester.copy_example("c-extension")
    if source == "dist":
        subprocess.run(
            [sys.executable, "-m", "build", "--wheel", "--no-isolation", "-o", "dist", "."],
            cwd=pytester.path,
            check=True,
            capture_output=True,
        )
    build = ["--manylinux-build=never"] if source == "dist" else ["--manylinux-build=always"]
    result = pytester.runpytest_subprocess("tests", "-p", "no:randomly", *build)
    result.assert_outcomes(passed=2, xfailed=1)
    if source == "build":
        result.stdout.fnmatch_lines(
            [
                "manylinux: policy *; wheel to be built locally with pypa/build: not the wheel you will upload; *",
                "*built locally with pypa/build: not the wheel you will upload*",
            ]
        )
    else:
        result.stdout.fnmatch_lines(["manylinux: policy *; wheel */dist/clock_example-1.0-*.whl (found in dist/)*"])
        result.stdout.no_fnmatch_line("*built locally*")
        # Without the xfail, the manylinux2010 test fails with the diff naming the symbol.
        strict = pytester.runpytest_subprocess("tests", "-p", "no:randomly", "--runxfail", *build)
        strict.assert_outcomes(passed=2, failed=1)
        strict.stdout.fnmatch_lines(
            [
                "*_ test_wheel_is_not_manylinux2010 _*",
                "sample/_clock.cpython-*.so  vs  manylinux_2_12_x86_64",
                "  symbol versions (GLIBC: the policy allows up to GLIBC_2.12)",
                "  + GLIBC_2.17   clock_gettime",
            ]
        )


def test_release_gate_example(pytester: pytest.Pytester, fx: Fixtures, wheel: Callable[..., Path]) -> None:
    pytester.copy_example("release-gate")
    wheelhouse = pytester.path / "wheelhouse"
    wheelhouse.mkdir()
    shutil.copy(wheel({f"fast/ext_2_17{SO}": fx.ext_2_17}, name="fast"), wheelhouse)
    shutil.copy(wheel({f"tls/ext_unallowed{SO}": fx.ext_unallowed}, name="tls"), wheelhouse)
    result = pytester.runpytest("-rx", "-p", "no:randomly")
    result.assert_outcomes(passed=2 * ITEMS - 1, xfailed=1)
    result.stdout.fnmatch_lines(["XFAIL wheelhouse/tls-*::tls/ext_*::libraries*allowed: the 'system' build links*"])
    doc = json.loads((pytester.path / "manylinux-audit.json").read_text())
    assert sorted(w["overall_tag"] for w in doc["wheels"]) == ["linux_x86_64", "manylinux_2_17_x86_64"]


def _commands(pyproject: Path) -> dict[str, str]:
    config = tomllib.loads(pyproject.read_text())["tool"]["cibuildwheel"]
    return {key: config[key] for key in ("audit-command", "test-command")}


def _run(command: str, substitutions: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    argv = shlex.split(command.format(**substitutions))
    executable = BIN / argv[0]  # the tools cibuildwheel would have installed from *-requires
    return subprocess.run([str(executable), *argv[1:]], cwd=cwd, capture_output=True, text=True, check=False)


def test_cibuildwheel_example_commands_run(
    tmp_path: Path, fx: Fixtures, wheel: Callable[..., Path], pytester: pytest.Pytester
) -> None:
    pytester.copy_example("cibuildwheel")
    tests = pytester.path / "tests"
    tests.mkdir()
    (tests / "test_tag.py").write_text("import pytest\n\n@pytest.mark.manylinux2014\ndef test_tag(): pass\n")
    commands = _commands(pytester.path / "pyproject.toml")
    good = wheel({f"pkg/ext_2_17{SO}": fx.ext_2_17})
    subs = {"wheel": str(good), "project": str(pytester.path), "package": str(pytester.path)}
    audit = _run(commands["audit-command"], subs, tmp_path)
    assert audit.returncode == 0, audit.stdout + audit.stderr
    test = _run(commands["test-command"], subs, tmp_path)
    assert test.returncode == 0, test.stdout + test.stderr
    assert "1 passed" in test.stdout
    bad = wheel({f"pkg/ext_2_99{SO}": fx.ext_2_99}, name="bad")
    assert _run(commands["audit-command"], {**subs, "wheel": str(bad)}, tmp_path).returncode == 1


def test_github_actions_example_writes_the_job_summary(
    tmp_path: Path, fx: Fixtures, wheel: Callable[..., Path]
) -> None:
    workflow = (EXAMPLES / "github-actions" / ".github" / "workflows" / "wheels.yml").read_text()
    [gate] = re.findall(r"^\s+run: (pytest --manylinux-policy.*)$", workflow, flags=re.MULTILINE)
    wheelhouse = tmp_path / "wheelhouse"
    wheelhouse.mkdir()
    shutil.copy(wheel({f"pkg/ext_2_17{SO}": fx.ext_2_17}), wheelhouse)
    shutil.copy(wheel({f"bad/ext_2_99{SO}": fx.ext_2_99}, name="bad"), wheelhouse)
    summary = tmp_path / "summary.md"
    env = {"GITHUB_STEP_SUMMARY": str(summary), "PATH": f"{BIN}:/usr/bin:/bin", "HOME": str(tmp_path)}
    run = subprocess.run(["bash", "-c", gate], cwd=tmp_path, env=env, capture_output=True, text=True, check=False)
    assert run.returncode == 1, run.stdout
    lines = summary.read_text().splitlines()
    assert lines[0] == "### pytest-manylinux: FAIL: 1 of 2 wheels fail ❌"
    assert lines[2].startswith("| wheel | declared tags | most compatible tag |")
    assert any("bad-1.0" in line and "❌ fail" in line and "GLIBC_2.99 \\(future_fn\\)" in line for line in lines)
    assert (tmp_path / "manylinux.xml").is_file()


def test_c_extension_example_builds_once_under_xdist(pytester: pytest.Pytester) -> None:
    if shutil.which("gcc") is None:
        pytest.skip("needs gcc")
    pytester.copy_example("c-extension")
    result = pytester.runpytest_subprocess("tests", "-n", "2", "--manylinux-build=always")
    result.assert_outcomes(passed=2, xfailed=1)
    # Both workers audited the same built file: one wheel, so one summary row.
    built = [line for line in result.stdout.lines if "built locally with pypa/build: not the wheel" in line]
    summary_rows = [line for line in built if line.startswith(("PASS", "FAIL"))]
    assert len(summary_rows) == 1, result.stdout.str()
