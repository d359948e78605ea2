"""The pytest plugin, driven through pytester: markers, gate, fixtures, xdist."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from pypi_cache import CORPUS, WheelUnavailable, fetch

import pytest_manylinux
from pytest_manylinux._checks import FILE_CHECKS, WHEEL_CHECKS

if TYPE_CHECKING:
    from collections.abc import Callable

    from builders import Fixtures

SO = ".cpython-311-x86_64-linux-gnu.so"
ITEMS = len(WHEEL_CHECKS) + len(FILE_CHECKS)  # gate items of a wheel with one ELF file
CRYPTOGRAPHY = "cryptography-42.0.8-cp39-abi3-manylinux_2_17_x86_64.manylinux2014_x86_64.whl"

MARKED_TESTS = """
import pytest

@pytest.mark.manylinux2014
def test_2014():
    pass

@pytest.mark.manylinux2010
def test_2010():
    pass
"""


@pytest.fixture
def wheel_2_17(fx: Fixtures, wheel: Callable[..., Path]) -> Path:
    return wheel({f"pkg/ext_2_17{SO}": fx.ext_2_17})


@pytest.fixture
def cryptography() -> Path:
    pinned = next(w for w in CORPUS if w.filename == CRYPTOGRAPHY)
    try:
        return fetch(pinned)
    except WheelUnavailable as e:
        pytest.skip(f"PyPI unreachable: {e}")


def test_markers_pass_and_fail_with_the_diff(pytester: pytest.Pytester, wheel_2_17: Path) -> None:
    pytester.makepyfile(test_marked=MARKED_TESTS)
    result = pytester.runpytest("--strict-markers", f"--manylinux-wheel={wheel_2_17}")
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(
        [
            "*_ test_2010 _*",
            f"pkg/ext_2_17{SO}  vs  manylinux_2_12_x86_64",
            "  symbol versions (GLIBC: the policy allows up to GLIBC_2.12)",
            "  + GLIBC_2.14   memcpy",
            "  + GLIBC_2.17   clock_gettime, secure_getenv",
            "most compatible tag this wheel qualifies for: manylinux_2_17_x86_64",
        ]
    )
    result.stdout.no_fnmatch_line("*plugin.py*")  # no traceback from our internals


def test_marker_on_a_class_applies_to_each_test(pytester: pytest.Pytester, wheel_2_17: Path) -> None:
    pytester.makepyfile(
        """
        import pytest

        @pytest.mark.manylinux("manylinux2010")
        class TestOld:
            def test_a(self): pass
            def test_b(self): pass
        """
    )
    pytester.runpytest(f"--manylinux-wheel={wheel_2_17}").assert_outcomes(failed=2)


def test_bad_marker_arguments_are_a_usage_error(pytester: pytest.Pytester, wheel_2_17: Path) -> None:
    pytester.makepyfile(
        """
        import pytest

        @pytest.mark.manylinux("manylinux2014", colour="red")
        def test_x(): pass
        """
    )
    result = pytester.runpytest(f"--manylinux-wheel={wheel_2_17}")
    result.stderr.fnmatch_lines(
        ["ERROR: *::test_x: @pytest.mark.manylinux: got an unexpected keyword argument 'colour'*"]
    )
    assert result.ret == pytest.ExitCode.USAGE_ERROR


def test_unknown_policy_names_the_closest(pytester: pytest.Pytester, wheel_2_17: Path) -> None:
    result = pytester.runpytest("--manylinux-policy=manylinux2041", f"--manylinux-wheel={wheel_2_17}")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*unknown policy 'manylinux2041' (did you mean manylinux2014*"])


def test_gate_cryptography_names_memcpy_and_writes_junit(pytester: pytest.Pytester, cryptography: Path) -> None:
    local = pytester.path / "dist" / cryptography.name
    local.parent.mkdir()
    shutil.copy(cryptography, local)
    result = pytester.runpytest(
        "--manylinux-policy=manylinux2010", "--manylinux-wheel=dist/*.whl", "--junitxml=out.xml"
    )
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.assert_outcomes(failed=1, passed=ITEMS - 1)
    result.stdout.fnmatch_lines(
        [
            f"FAILED dist/{cryptography.name}::cryptography/hazmat/bindings/_rust.abi3.so::symbol-versions*",
        ]
    )
    result.stdout.fnmatch_lines(["  + GLIBC_2.14   memcpy, sendmmsg"])
    junit = (pytester.path / "out.xml").read_text()
    assert 'name="symbol-versions"' in junit
    assert "GLIBC_2.14   memcpy" in junit
    ok = pytester.runpytest("--manylinux-policy=manylinux2014", "--manylinux-wheel=dist/*.whl")
    assert ok.ret == pytest.ExitCode.OK
    ok.assert_outcomes(passed=ITEMS)


def test_gate_selection_k_and_m(pytester: pytest.Pytester, wheel_2_17: Path) -> None:
    args = ["--manylinux-policy=manylinux2010", f"--manylinux-wheel={wheel_2_17}"]
    pytester.runpytest(*args, "-k", "symbol").assert_outcomes(failed=1)
    pytester.runpytest(*args, "-k", "not symbol").assert_outcomes(passed=ITEMS - 1)
    pytester.runpytest(*args, "-m", "manylinux").assert_outcomes(failed=1, passed=ITEMS - 1)


def test_gate_last_failed_reruns_only_the_failing_item(pytester: pytest.Pytester, wheel_2_17: Path) -> None:
    args = ["--manylinux-policy=manylinux2010", f"--manylinux-wheel={wheel_2_17}"]
    pytester.runpytest(*args).assert_outcomes(passed=ITEMS - 1, failed=1)
    again = pytester.runpytest(*args, "--lf")
    again.assert_outcomes(failed=1)
    again.stdout.fnmatch_lines(["*::symbol-versions*"])


def test_gate_allowlist_turns_a_failure_into_xfail_with_reason(pytester: pytest.Pytester, wheel_2_17: Path) -> None:
    pytester.makeini(
        f"""
        [pytest]
        manylinux_policy = manylinux2010
        manylinux_wheel = {wheel_2_17}
        manylinux_allow_symbols =
            GLIBC_2.14: memcpy is only reached on aligned buffers
            GLIBC_2.17: clock_gettime has a fallback
        """
    )
    result = pytester.runpytest("-rx")
    result.assert_outcomes(passed=ITEMS - 1, xfailed=1)
    result.stdout.fnmatch_lines(["XFAIL*symbol-versions*allowed: clock_gettime has a fallback; memcpy*"])
    # The command line beats the ini file.
    pytester.runpytest("--manylinux-policy=manylinux2014").assert_outcomes(passed=ITEMS)


def test_allowlist_line_without_reason_is_a_usage_error(pytester: pytest.Pytester) -> None:
    pytester.makeini("[pytest]\nmanylinux_allow_libraries = libssl.so.3\n")
    result = pytester.runpytest()
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*libssl.so.3*needs a reason*"])


def test_bad_wheel_errors_alone_and_good_wheel_still_passes(pytester: pytest.Pytester, wheel_2_17: Path) -> None:
    broken = pytester.path / "broken-1.0-cp311-cp311-manylinux_2_17_x86_64.whl"
    broken.write_bytes(b"PK\x03\x04 not really a zip")
    result = pytester.runpytest(
        "--manylinux-policy=manylinux2014", f"--manylinux-wheel={wheel_2_17}", f"--manylinux-wheel={broken}"
    )
    result.assert_outcomes(passed=ITEMS, failed=1)
    result.stdout.fnmatch_lines([f"{broken}: not a readable zip archive*"])


def test_json_report_and_summary(pytester: pytest.Pytester, wheel_2_17: Path) -> None:
    result = pytester.runpytest(
        "--manylinux-policy=manylinux2014", f"--manylinux-wheel={wheel_2_17}", "--manylinux-json=report.json"
    )
    result.stdout.fnmatch_lines(
        ["*= manylinux =*", "PASS: 1 wheel", f"PASS  {wheel_2_17}", "*most compatible: manylinux_2_17_x86_64*"]
    )
    doc = json.loads((pytester.path / "report.json").read_text())
    assert (doc["version"], doc["passed"], doc["exit_status"]) == (2, True, 0)
    [w] = doc["wheels"]
    assert (w["overall_tag"], w["passed"]) == ("manylinux_2_17_x86_64", True)


def test_audit_fixture_and_assertion_rewriting(pytester: pytest.Pytester, wheel_2_17: Path) -> None:
    pytester.makepyfile(
        """
        def test_helpers(manylinux_audit):
            assert manylinux_audit.libraries == ("libc.so.6",)
            assert manylinux_audit.symbols_needing("GLIBC_2.14") == ("memcpy",)
            assert manylinux_audit.max_version("GLIBC") <= "2.17"
            manylinux_audit.assert_compliant()

        def test_explained(manylinux_audit):
            assert manylinux_audit.max_version("GLIBC") <= "2.12"
        """
    )
    result = pytester.runpytest(f"--manylinux-wheel={wheel_2_17}")
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(
        ["*GLIBC versions above GLIBC_2.12, and what needs them:", "*GLIBC_2.14: memcpy (pkg/ext_2_17*"]
    )


def test_xdist_gives_the_same_outcomes(pytester: pytest.Pytester, wheel_2_17: Path) -> None:
    pytester.makepyfile(test_marked=MARKED_TESTS)
    args = [f"--manylinux-wheel={wheel_2_17}", "--manylinux-policy=manylinux2010", "test_marked.py", str(wheel_2_17)]
    plain = pytester.runpytest_subprocess(*args, "-p", "no:randomly")
    spread = pytester.runpytest_subprocess(*args, "-n", "2")
    plain.assert_outcomes(passed=ITEMS, failed=2)
    spread.assert_outcomes(passed=ITEMS, failed=2)
    assert spread.stdout.str().count("= manylinux =") == 1


def test_entry_point_can_be_disabled(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(MARKED_TESTS)
    result = pytester.runpytest_subprocess("-p", "no:manylinux", "--strict-markers")
    result.stdout.fnmatch_lines(["*'manylinux2014' not found in `markers` configuration option*"])


def test_plugin_import_is_cheap_and_elftools_free() -> None:
    out = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", "import pytest_manylinux.plugin"],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    imported = {line.rsplit("|", 1)[-1].strip() for line in out.stderr.splitlines()}
    assert not {m for m in imported if m.startswith("elftools")}
    assert not imported & {"pytest_manylinux._elf", "pytest_manylinux._wheel", "pytest_manylinux._audit"}
    assert not imported & {"tomllib", "tomli"}  # TOML is read only when the CLI asks


def test_installed_distribution_is_audited_in_place(
    pytester: pytest.Pytester, wheel_2_17: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    site = tmp_path / "site"
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--target", str(site), str(wheel_2_17)],
        check=True, capture_output=True,
    )  # fmt: skip
    monkeypatch.setenv("PYTHONPATH", str(site))
    pytester.makepyfile(MARKED_TESTS)
    result = pytester.runpytest_subprocess("--manylinux-wheel=installed:pkg", "-p", "no:randomly")
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(["  + GLIBC_2.14   memcpy"])


def test_markdown_summary_is_appended_for_ci(pytester: pytest.Pytester, wheel_2_17: Path) -> None:
    summary = pytester.path / "step-summary.md"
    summary.write_text("earlier step\n")
    pytester.runpytest(
        "--manylinux-policy=manylinux2010", f"--manylinux-wheel={wheel_2_17}", f"--manylinux-markdown={summary}"
    ).assert_outcomes(passed=ITEMS - 1, failed=1)
    text = summary.read_text()
    assert text.startswith("earlier step\n### pytest-manylinux: FAIL: 1 of 1 wheel fail ❌\n")
    assert "| manylinux_2_17_x86_64 | manylinux_2_12_x86_64 | ❌ fail |" in text


def test_gate_takes_a_wheel_given_as_an_argument(pytester: pytest.Pytester, wheel_2_17: Path) -> None:
    result = pytester.runpytest("--manylinux-policy=manylinux2010", str(wheel_2_17))
    result.assert_outcomes(passed=ITEMS - 1, failed=1)
    # Only gated wheels become test files; other wheels lying around are not collected.
    stray = pytester.path / "tests" / "data"
    stray.mkdir(parents=True)
    shutil.copy(wheel_2_17, stray)
    pytester.runpytest("--manylinux-policy=manylinux2014", str(wheel_2_17), "tests").assert_outcomes(passed=ITEMS)


def test_limits_from_the_config_file(pytester: pytest.Pytester, wheel_2_17: Path) -> None:
    pytester.makeini(
        f"[pytest]\nmanylinux_policy = manylinux2014\nmanylinux_wheel = {wheel_2_17}\nmanylinux_max_entries = 2\n"
    )
    result = pytester.runpytest()
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*entries exceed the limit of 2*"])
    pytester.makeini("[pytest]\nmanylinux_max_member_size = lots\n")
    bad = pytester.runpytest()
    assert bad.ret == pytest.ExitCode.USAGE_ERROR
    bad.stderr.fnmatch_lines(["*manylinux_max_member_size: not a size: 'LOTS'*"])


def test_names_from_a_policy_file_become_markers(pytester: pytest.Pytester, wheel_2_17: Path) -> None:
    vendored = json.loads((Path(pytest_manylinux.__file__).parent / "policies" / "manylinux-policy.json").read_text())
    for entry in vendored:
        if entry["name"] == "manylinux_2_17":
            entry["aliases"] = [*entry["aliases"], "corp2024"]
    (pytester.path / "corp.json").write_text(json.dumps(vendored))
    pytester.makepyfile("import pytest\n\n@pytest.mark.corp2024\ndef test_corp(): pass\n")
    wheel = f"--manylinux-wheel={wheel_2_17}"
    pytester.runpytest_subprocess("--strict-markers", "--manylinux-policy-file=corp.json", wheel).assert_outcomes(
        passed=1
    )
    unknown = pytester.runpytest_subprocess("--strict-markers", wheel)
    assert unknown.ret == pytest.ExitCode.INTERRUPTED  # no such marker without the file
    unknown.stdout.fnmatch_lines(["*'corp2024' not found in `markers` configuration option*"])


def test_a_report_that_cannot_be_written_fails_the_reports_written_after_it(
    pytester: pytest.Pytester, wheel_2_17: Path
) -> None:
    """The JSON under /proc failed at the end (exit 3) while the Markdown still said PASS (issue 19's trial)."""
    markdown = pytester.path / "summary.md"
    result = pytester.runpytest(
        "--manylinux-policy=manylinux2014", str(wheel_2_17), "--manylinux-json=/proc/x.json",
        f"--manylinux-markdown={markdown}",
    )  # fmt: skip
    assert result.ret == pytest.ExitCode.INTERNAL_ERROR
    text = markdown.read_text()
    assert "PASS" not in text
    assert "FAIL" in text
