"""The gate fails closed and behaves like pytest (#13): one test per reproduced bug, through pytester or main()."""

from __future__ import annotations

import json
import os
import shutil
import stat
import sys
import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from pytest_manylinux.__main__ import main
from pytest_manylinux._audit import audit
from pytest_manylinux._checks import FILE_CHECKS, WHEEL_CHECKS
from pytest_manylinux._view import AuditView

if TYPE_CHECKING:
    from builders import Fixtures

SO = ".cpython-311-x86_64-linux-gnu.so"
HERE = f"cp{sys.version_info[0]}{sys.version_info[1]}"
INSTALLABLE = f"{HERE}-{HERE}-manylinux_2_17_x86_64.manylinux2014_x86_64"
Wheel = Callable[..., Path]


def gate_items(elves: int) -> int:
    """How many items the gate makes for a wheel, from the registry (never a hard-coded 12)."""
    return len(WHEEL_CHECKS) + elves * len(FILE_CHECKS)


@pytest.fixture
def good(fx: Fixtures, wheel: Wheel) -> Path:
    return wheel({f"pkg/ext_2_17{SO}": fx.ext_2_17})


@pytest.fixture
def tls(fx: Fixtures, wheel: Wheel) -> Path:
    """A wheel linking libssl.so.3, like cffi's libffi.so.8: on no policy's list."""
    return wheel({f"tls/ext_unallowed{SO}": fx.ext_unallowed}, name="tls")


# 1 -------------------------------------------------------------------------------------------


def test_cli_directory_of_wheels_means_its_wheels(
    tmp_path: Path, tls: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    house = tmp_path / "house"
    house.mkdir()
    shutil.copy(tls, house)
    assert main([str(house), "--no-cache"]) == 1
    out = capsys.readouterr().out
    assert out.startswith(f"FAIL  {house / tls.name}  (1 ELF file;")
    assert "+ libssl.so.3" in out
    assert main([str(house), "--no-cache", "--policy", "manylinux2014"]) == 1


def test_cli_directory_without_wheels_or_elf_files_is_an_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    (empty / "README").write_text("nothing to see")
    assert main([str(empty), "--no-cache"]) == 2
    assert capsys.readouterr().err == f"pytest-manylinux: error: {empty}: no wheel and no ELF file in this directory\n"


def test_gate_directory_means_its_wheels(pytester: pytest.Pytester, tls: Path) -> None:
    (pytester.path / "house").mkdir()
    shutil.copy(tls, pytester.path / "house")
    result = pytester.runpytest("--manylinux-policy=manylinux2014", "--manylinux-wheel=house")
    result.assert_outcomes(failed=2, passed=gate_items(1) - 2)  # libraries, and the tag it cannot keep
    result.stdout.fnmatch_lines(
        ["FAILED house/tls-1.0-*.whl::tags*", "FAILED house/tls-1.0-*.whl::tls/ext_unallowed*::libraries*"]
    )
    assert result.ret == pytest.ExitCode.TESTS_FAILED


# 2 -------------------------------------------------------------------------------------------


def test_linux_tagged_wheel_fails_the_gate_and_the_cli(
    pytester: pytest.Pytester, fx: Fixtures, wheel: Wheel, capsys: pytest.CaptureFixture[str]
) -> None:
    local = wheel({f"pkg/ext_2_17{SO}": fx.ext_2_17}, tags="cp311-cp311-linux_x86_64")
    for policy in ("manylinux2014", "auto"):
        result = pytester.runpytest(f"--manylinux-policy={policy}", str(local))
        result.assert_outcomes(failed=1, passed=gate_items(1) - 1)
        result.stdout.fnmatch_lines(
            [
                "tags: linux_x86_64",
                (
                    "*linux_x86_64 * not uploadable: PyPI refuses linux_* wheels; run auditwheel repair, or build "
                    "in a manylinux image; the content qualifies for manylinux_2_17_x86_64"
                ),
            ]
        )
    assert main([str(local), "--no-cache", "--policy", "manylinux2014"]) == 1
    assert "FAIL  " in capsys.readouterr().out
    assert main([str(local), "--no-cache"]) == 1


# 3 -------------------------------------------------------------------------------------------


def _pair(*, fail_first: bool) -> str:
    tests = [("manylinux1", "old"), ("manylinux2014", "new")]
    ordered = tests if fail_first else tests[::-1]
    return "import pytest\n" + "".join(f"\n@pytest.mark.{m}\ndef test_{n}(): pass\n" for m, n in ordered)


@pytest.mark.parametrize(
    ("fail_first", "workers"),
    [(True, "0"), (False, "0"), (True, "2"), (False, "2")],
    ids=["fail-first", "fail-last", "fail-first-n2", "fail-last-n2"],
)
def test_every_report_agrees_with_the_exit_code(
    pytester: pytest.Pytester,
    good: Path,
    fail_first: bool,  # noqa: FBT001 - a parameter of the test
    workers: str,
) -> None:
    pytester.makepyfile(test_pair=_pair(fail_first=fail_first))
    result = pytester.runpytest_subprocess(
        f"--manylinux-wheel={good}", "--manylinux-json=r.json", "--manylinux-markdown=r.md", "-n", workers,
        "-p", "no:randomly",
    )  # fmt: skip
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(["*= manylinux =*", "FAIL: 1 of 1 wheel fail", f"FAIL  {good}"])
    result.stdout.fnmatch_lines(["*manylinux_2_5_x86_64: FAIL*", "*manylinux_2_17_x86_64: pass*"])
    result.stdout.fnmatch_lines(["FAILED test_pair.py::test_old - Failed: manylinux1: GLIBC_2.14 (memcpy)*"])
    doc = json.loads((pytester.path / "r.json").read_text())
    assert (doc["passed"], doc["exit_status"]) == (False, 1)
    [w] = doc["wheels"]
    assert {t["policy"]: t["passed"] for t in w["targets"]} == {
        "manylinux_2_5_x86_64": False,
        "manylinux_2_17_x86_64": True,
    }
    markdown = (pytester.path / "r.md").read_text()
    assert markdown.startswith("### pytest-manylinux: FAIL: 1 of 1 wheel fail ❌")
    assert "all wheels pass" not in markdown


def test_a_run_failing_elsewhere_never_reports_pass(pytester: pytest.Pytester, good: Path) -> None:
    pytester.makepyfile(
        "import pytest\n\n@pytest.mark.manylinux2014\ndef test_ok(): pass\n\ndef test_unrelated(): assert False\n"
    )
    result = pytester.runpytest(f"--manylinux-wheel={good}", "--manylinux-json=r.json", "--manylinux-markdown=r.md")
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(["FAIL: every wheel passes, but the run failed (exit status 1)"])
    assert json.loads((pytester.path / "r.json").read_text())["passed"] is False
    assert "✅" not in (pytester.path / "r.md").read_text().splitlines()[0]


# 4 -------------------------------------------------------------------------------------------


def test_reports_reflect_what_was_selected(pytester: pytest.Pytester, tls: Path, good: Path) -> None:
    args = ["--manylinux-policy=manylinux2014", f"--manylinux-wheel={tls}", "--manylinux-json=r.json"]
    only = pytester.runpytest(*args, "--manylinux-markdown=r.md", "-k", "libraries")
    only.assert_outcomes(failed=1)
    doc = json.loads((pytester.path / "r.json").read_text())
    assert doc["passed"] is False
    [w] = doc["wheels"]
    checks = {r["check"] for t in w["targets"] for r in t["results"]}
    assert checks == {"libraries"}
    assert (pytester.path / "r.md").is_file()
    args[1] = f"--manylinux-wheel={good}"
    tags = pytester.runpytest(*args, "-k", "tags")
    tags.assert_outcomes(passed=1)
    tags.stdout.fnmatch_lines(
        [
            "partial: no failure, but not every check ran for 1 of 1 wheel",
            "PARTIAL  *",
            "note: * gate item(s) deselected*",
        ]
    )
    doc = json.loads((pytester.path / "r.json").read_text())
    assert doc["passed"] is True  # agrees with exit status 0
    [w] = doc["wheels"]
    assert w["partial"] is True  # but never a full pass (#19)
    targets = {t["policy"]: (len(t["results"]), t["checks"], t["partial"]) for t in w["targets"]}
    assert targets == {
        "declared tags": (1, 1, False),
        "manylinux_2_17_x86_64": (0, gate_items(1) - 1, True),
    }


# 5 -------------------------------------------------------------------------------------------


def test_a_partial_gate_gets_no_check_mark(pytester: pytest.Pytester, good: Path) -> None:
    """-k, node IDs and -x leave checks out: JSON and Markdown say partial, never ✅ (#19)."""
    args = ["--manylinux-policy=manylinux2014", f"--manylinux-wheel={good}", "--manylinux-json=r.json"]
    pytester.runpytest(*args, "--manylinux-markdown=part.md", "-k", "rpath or tags").assert_outcomes(passed=2)
    markdown = (pytester.path / "part.md").read_text()
    assert markdown.startswith("### pytest-manylinux: partial: no failure, but not every check ran for 1 of 1 wheel ⚠️")
    [row] = [line for line in markdown.splitlines() if "| manylinux_2_17_x86_64 | manylinux_2_17_x86_64 |" in line]
    assert f"| ⚠️ partial: 1 of {gate_items(1) - 1} checks ran |" in row
    assert "✅" not in row
    assert "| declared tags | ✅ pass |" in markdown  # the one check of that target did run
    pytester.runpytest(*args, "--manylinux-markdown=full.md").assert_outcomes(passed=gate_items(1))
    full = (pytester.path / "full.md").read_text()
    assert full.startswith("### pytest-manylinux: PASS: 1 wheel ✅")
    [w] = json.loads((pytester.path / "r.json").read_text())["wheels"]
    assert (w["partial"], {t["partial"] for t in w["targets"]}) == (False, {False})


def test_a_spec_that_matches_nothing_is_a_usage_error(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest("--manylinux-policy=manylinux2014", "--manylinux-wheel=dist/*.whl")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert [line for line in result.stderr.lines if line] == [
        f"ERROR: --manylinux-wheel 'dist/*.whl' matched no wheel (relative to {pytester.path})"
    ]
    marker = pytester.runpytest("--manylinux-wheel=dist/*.whl")  # no gate: the hint goes to the header
    assert marker.ret == pytest.ExitCode.NO_TESTS_COLLECTED


def test_ini_gate_with_an_empty_wheelhouse_is_not_green(pytester: pytest.Pytester) -> None:
    pytester.makeini("[pytest]\nmanylinux_policy = manylinux2014\nmanylinux_wheel = wheelhouse\n")
    (pytester.path / "wheelhouse").mkdir()
    pytester.makepyfile(test_x="def test_x(): pass\n")
    result = pytester.runpytest()
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["ERROR: manylinux_wheel in tox.ini 'wheelhouse' matched no wheel*"])
    # An explicit selection of ordinary tests neither needs nor re-adds the gate.
    (pytester.path / "wheelhouse").rmdir()
    explicit = pytester.runpytest("test_x.py")
    explicit.assert_outcomes(passed=1)


# 6 -------------------------------------------------------------------------------------------


def test_gate_items_are_selected_by_the_ids_pytest_prints(pytester: pytest.Pytester, good: Path) -> None:
    dist = pytester.path / "dist"
    dist.mkdir()
    shutil.copy(good, dist)
    args = ["--manylinux-policy=manylinux2010", "--manylinux-wheel=dist"]
    verbose = pytester.runpytest(*args, "-v")
    item = f"dist/{good.name}::pkg/ext_2_17{SO}::symbol-versions"
    verbose.stdout.fnmatch_lines(
        [f"{item} FAILED*", "manylinux_2_12_x86_64: GLIBC_2.14 (memcpy), GLIBC_2.17 *", f"FAILED {item}*"]
    )
    again = pytester.runpytest("--manylinux-policy=manylinux2010", item)
    again.assert_outcomes(failed=1)
    one = pytester.runpytest("--manylinux-policy=manylinux2010", f"dist/{good.name}::pkg/ext_2_17{SO}::libraries")
    one.assert_outcomes(passed=1)


# 7 -------------------------------------------------------------------------------------------


def test_paths_resolve_as_pytest_resolves_them(
    pytester: pytest.Pytester, good: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytester.makeini("[pytest]\nmanylinux_json = reports/audit.json\n")
    sub = pytester.path / "sub"
    sub.mkdir()
    shutil.copy(good, sub / good.name)
    monkeypatch.chdir(sub)
    result = pytester.runpytest("--manylinux-policy=manylinux2014", f"--manylinux-wheel={good.name}")
    result.assert_outcomes(passed=gate_items(1))
    assert (pytester.path / "reports" / "audit.json").is_file()  # ini paths: relative to the ini file
    local = pytester.runpytest(
        "--manylinux-policy=manylinux2014", f"--manylinux-wheel={good.name}", "--manylinux-json=here.json"
    )
    local.assert_outcomes(passed=gate_items(1))
    assert (sub / "here.json").is_file()  # command-line paths: relative to where it was typed


# 8 -------------------------------------------------------------------------------------------


def test_marked_tests_run_once_per_matching_wheel(pytester: pytest.Pytester, fx: Fixtures, wheel: Wheel) -> None:
    house = pytester.path / "house"
    house.mkdir()
    shutil.copy(wheel({f"a/ext_2_5{SO}": fx.ext_2_5}, name="a"), house)
    shutil.copy(wheel({f"b/ext_2_17{SO}": fx.ext_2_17}, name="b"), house)
    pytester.makepyfile(
        "import pytest\n\n@pytest.mark.manylinux2010\ndef test_tag(): pass\n\n"
        "def test_fixture(manylinux_audit):\n    assert manylinux_audit.libraries == ('libc.so.6',)\n"
    )
    result = pytester.runpytest("--manylinux-wheel=house", "-v")
    result.assert_outcomes(passed=3, failed=1)
    result.stdout.fnmatch_lines(
        ["*::test_tag[[]a-1.0-*.whl] PASSED*", "*::test_tag[[]b-1.0-*.whl] FAILED*"], consecutive=False
    )


def test_dist_default_prefers_what_this_python_can_install(
    pytester: pytest.Pytester, fx: Fixtures, wheel: Wheel
) -> None:
    pytester.makepyprojecttoml('[project]\nname = "pkg"\nversion = "1.0"\n')
    dist = pytester.path / "dist"
    dist.mkdir()
    foreign = wheel({f"pkg/ext_2_99{SO}": fx.ext_2_99}, tags="cp27-cp27mu-manylinux1_x86_64")
    mine = wheel({f"pkg/ext_2_5{SO}": fx.ext_2_5}, tags=INSTALLABLE)
    shutil.copy(foreign, dist)
    shutil.copy(mine, dist)
    os.utime(dist / foreign.name, (2_000_000_000, 2_000_000_000))  # the foreign one is newest by mtime
    pytester.makepyfile("import pytest\n\n@pytest.mark.manylinux1\ndef test_tag(): pass\n")
    result = pytester.runpytest("--manylinux-build=never")
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines([f"manylinux: *wheel {dist / mine.name} (found in dist/)*"])


# 9 -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("option", ["--manylinux-json", "--manylinux-markdown"])
def test_bad_report_paths_are_usage_errors_at_start(pytester: pytest.Pytester, good: Path, option: str) -> None:
    (pytester.path / "adir").mkdir()
    result = pytester.runpytest("--manylinux-policy=manylinux2014", f"--manylinux-wheel={good}", f"{option}=adir")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines([f"ERROR: {option}: {pytester.path / 'adir'} is a directory; give a file path"])
    (pytester.path / "locked").mkdir(mode=0o500)
    if os.access(pytester.path / "locked", os.W_OK):
        pytest.skip("running as a user who can write anywhere")
    locked = pytester.runpytest("--manylinux-policy=manylinux2014", f"--manylinux-wheel={good}", f"{option}=locked/r")
    assert locked.ret == pytest.ExitCode.USAGE_ERROR
    assert not list((pytester.path / "adir").iterdir())  # no temporary file left behind


def test_a_report_that_cannot_be_written_at_the_end_fails_the_run_and_keeps_the_failures(
    pytester: pytest.Pytester, good: Path
) -> None:
    # Something takes the report's path between start-up and the end of the run.
    pytester.makeconftest("import os\n\ndef pytest_sessionfinish(session):\n    os.makedirs('out/r.json')\n")
    pytester.makepyfile("import pytest\n\n@pytest.mark.manylinux2014\ndef test_ok(): pass\n")
    result = pytester.runpytest_subprocess(f"--manylinux-wheel={good}", "--manylinux-json=out/r.json")
    assert result.ret == pytest.ExitCode.INTERNAL_ERROR
    result.stdout.fnmatch_lines(
        [
            "*= manylinux =*",
            "FAIL: every wheel passes, but the run failed (exit status 3)",
            "*",
            "*",
            "*",
            "ERROR cannot write */out/r.json: *",
        ]
    )
    result.stdout.fnmatch_lines(["*1 passed*"])
    result.stdout.no_fnmatch_line("*Traceback*")
    assert [p.name for p in (pytester.path / "out").iterdir()] == ["r.json"]  # no temporary file left


# 10 ------------------------------------------------------------------------------------------


def test_marker_misuse_is_one_collection_time_error(pytester: pytest.Pytester, good: Path) -> None:
    pytester.makepyfile(
        """
        import pytest

        @pytest.mark.manylinux
        def test_no_policy(): pass

        @pytest.mark.manylinux2014(allow_libraries=["libssl.so.3"])
        def test_no_reason(): pass

        @pytest.mark.manylinux2014
        def test_fine_1(): pass

        @pytest.mark.manylinux2014
        def test_fine_2(): pass
        """
    )
    result = pytester.runpytest(f"--manylinux-wheel={good}")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    [line] = [line for line in result.stderr.lines if line]
    assert "test_no_policy: @pytest.mark.manylinux: missing a required argument: 'policy'" in line
    assert "test_no_reason: @pytest.mark.manylinux2014: allow_libraries: 'libssl.so.3' needs a reason" in line
    assert "Traceback" not in result.stdout.str()


def test_no_wheel_and_failed_build_are_one_line(pytester: pytest.Pytester) -> None:
    pytester.makepyprojecttoml(
        '[build-system]\nrequires = ["setuptools"]\nbuild-backend = "setuptools.build_meta"\n'
        '[project]\nname = "broken"\nversion = "1.0"\n'
    )
    pytester.makefile(
        ".py", setup="from setuptools import Extension, setup\nsetup(ext_modules=[Extension('b', ['b.c'])])\n"
    )
    pytester.makefile(".c", b="int broken( {\n")
    pytester.makepyfile(test_b="import pytest\n\n@pytest.mark.manylinux2014\ndef test_b(): pass\n")
    never = pytester.runpytest("--manylinux-build=never", "test_b.py")
    never.assert_outcomes(errors=1)
    never.stdout.fnmatch_lines(["no wheel for this project in dist/ and --manylinux-build=never*"])
    never.stdout.no_fnmatch_line("*plugin.py*")
    built = pytester.runpytest_subprocess("test_b.py", "-p", "no:randomly")
    built.assert_outcomes(errors=1)
    built.stdout.fnmatch_lines(["python -m build failed for * (exit 1): *b.c:1:*error: *"])
    built.stdout.no_fnmatch_line("*_session.py*")


# 11 ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("manylinux_2_99", "*unknown policy 'manylinux_2_99': not in the policy data (*), which ends at manylinux_2_*"),
        ("musllinux_1_3", "*unknown policy 'musllinux_1_3' (did you mean musllinux_1_2*"),
        ("manylinux2015", "*unknown policy 'manylinux2015' (did you mean manylinux2014*"),
    ],
)
def test_unknown_policy_names_are_usage_errors(pytester: pytest.Pytester, good: Path, name: str, message: str) -> None:
    gate = pytester.runpytest(f"--manylinux-policy={name}", f"--manylinux-wheel={good}")
    assert gate.ret == pytest.ExitCode.USAGE_ERROR
    gate.stderr.fnmatch_lines([message])
    pytester.makepyfile(f"import pytest\n\n@pytest.mark.manylinux('{name}')\ndef test_x(): pass\n")
    marked = pytester.runpytest(f"--manylinux-wheel={good}")
    assert marked.ret == pytest.ExitCode.USAGE_ERROR
    marked.stderr.fnmatch_lines([message])


def test_pep600_names_between_known_policies_still_work(pytester: pytest.Pytester, good: Path) -> None:
    result = pytester.runpytest("--manylinux-policy=manylinux_2_29", f"--manylinux-wheel={good}")
    result.assert_outcomes(passed=gate_items(1))


# 12 ------------------------------------------------------------------------------------------


def test_max_version_comparisons_never_pass_on_a_typo(good: Path) -> None:
    view = AuditView(audit(good, "manylinux2014"))
    glibc = view.max_version("GLIBC")
    assert str(glibc) == "GLIBC_2.17"
    assert glibc <= "2.17"
    assert glibc <= "GLIBC_2.17"
    assert glibc == "2.17"
    assert glibc != "2.14"
    assert glibc > "2.14"
    assert glibc >= "2.17"
    assert glibc < "2.28"
    assert not glibc < "2.17"
    for typo in ("2,17", "abc", "", "2.17.", "GLIBCXX_3.4"):
        with pytest.raises(ValueError, match="not a GLIBC version"):
            _ = glibc <= typo
    with pytest.raises(TypeError):
        _ = glibc < 2.17
    assert (glibc == 2.17) is False
    none = view.max_version("GLIBCXX")
    assert none <= "3.4"
    assert none != "3.4"


# 13 ------------------------------------------------------------------------------------------


def test_conflicting_options_are_usage_errors(
    pytester: pytest.Pytester, good: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    twice = pytester.runpytest("--manylinux-policy=manylinux2014", "--manylinux-policy=manylinux2010")
    assert twice.ret == pytest.ExitCode.USAGE_ERROR
    twice.stderr.fnmatch_lines(["ERROR: policies manylinux2014 and manylinux2010 both apply to the same wheels*"])
    both = pytester.runpytest("--manylinux-build=always", f"--manylinux-wheel={good}")
    assert both.ret == pytest.ExitCode.USAGE_ERROR
    both.stderr.fnmatch_lines(["ERROR: --manylinux-build=always and --manylinux-wheel contradict each other*"])
    with pytest.raises(SystemExit) as info:
        main([str(good), "--json", "--format", "markdown"])
    assert info.value.code == 2
    assert "--json and --format=markdown contradict each other" in capsys.readouterr().err
    hint = pytester.runpytest(f"--manylinux-wheel={good}")
    hint.stdout.fnmatch_lines(["manylinux: --manylinux-wheel without --manylinux-policy*add --manylinux-policy=*"])


# 14, 15 --------------------------------------------------------------------------------------


@pytest.mark.parametrize("workers", ["0", "2"])
def test_junit_is_small_and_readable_and_json_is_0644(
    pytester: pytest.Pytester, tls: Path, workers: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    dist = pytester.path / "dist"
    dist.mkdir()
    shutil.copy(tls, dist)
    old = os.umask(0o022)
    try:
        result = pytester.runpytest_subprocess(
            "--manylinux-policy=manylinux2014", "--manylinux-wheel=dist", "--junitxml=j.xml",
            "--manylinux-json=r.json", "-n", workers,
        )  # fmt: skip
    finally:
        os.umask(old)
    result.assert_outcomes(failed=2, passed=gate_items(1) - 2)
    assert stat.S_IMODE((pytester.path / "r.json").stat().st_mode) == 0o644
    tree = ET.parse(pytester.path / "j.xml")  # noqa: S314 - our own output
    cases = tree.findall(".//testcase")
    assert len(cases) == gate_items(1)
    lib = next(c for c in cases if c.get("name") == "libraries")
    assert lib.get("classname") == f"dist/{tls.name.replace('.', '_')}.tls/ext_unallowed{SO.replace('.', '_')}"
    assert not xunit2_problems(tree.getroot())  # pytest's default junit_family
    monkeypatch.undo()


XSD = Path(__file__).parent / "data" / "junit-10.xsd"
_XS = "{http://www.w3.org/2001/XMLSchema}"


def xunit2_problems(root: ET.Element) -> list[str]:
    """What in a junit tree the xunit2 schema (pytest's junit-10.xsd) does not allow.

    No XSD validator is a dependency; this reads the schema's element
    declarations (children by ``ref``, attributes, required attributes) and
    checks every element against them, which is what our plugin can change.
    """
    schema = ET.parse(XSD).getroot()  # noqa: S314 - committed file
    rules: dict[str, tuple[set[str], set[str], set[str]]] = {}
    for element in schema.findall(f"{_XS}element"):
        children = {e.get("ref") or "" for e in element.iter(f"{_XS}element")} - {""}
        attributes = {a.get("name") or "" for a in element.iter(f"{_XS}attribute")}
        required = {a.get("name") or "" for a in element.iter(f"{_XS}attribute") if a.get("use") == "required"}
        rules[element.get("name") or ""] = (children, attributes, required)
    found = []
    for node in root.iter():
        if node.tag not in rules:
            found.append(f"<{node.tag}> is not in the schema")
            continue
        children, attributes, required = rules[node.tag]
        found += [
            f"<{c.tag}> inside <{node.tag}>"
            for c in node
            if c.tag not in children and node.tag not in ("system-out", "system-err")
        ]
        found += [f"{node.tag}@{a}" for a in set(node.attrib) - attributes]
        found += [f"{node.tag} lacks @{a}" for a in required - set(node.attrib)]
    return found


def test_junit_is_valid_xunit2_and_xunit1_keeps_the_check_property(pytester: pytest.Pytester, tls: Path) -> None:
    gate = ["--manylinux-policy=manylinux2014", f"--manylinux-wheel={tls}", "-p", "no:randomly"]
    pytester.runpytest(*gate, "--junitxml=j2.xml").assert_outcomes(failed=2, passed=gate_items(1) - 2)
    assert not xunit2_problems(ET.parse(pytester.path / "j2.xml").getroot())  # noqa: S314 - our own output
    pytester.runpytest(*gate, "--junitxml=j1.xml", "-o", "junit_family=xunit1")
    properties = ET.parse(pytester.path / "j1.xml").findall(".//testcase/properties/property")  # noqa: S314
    assert {(p.get("name"), p.get("value")) for p in properties} >= {("manylinux_check", "libraries")}
    assert all(len(p.get("value") or "") < 64 for p in properties)


# 16 ------------------------------------------------------------------------------------------


def test_xdist_marker_mode_names_the_wheel(pytester: pytest.Pytester, good: Path) -> None:
    pytester.makepyfile("import pytest\n\n@pytest.mark.manylinux2014\ndef test_tag(): pass\n")
    result = pytester.runpytest_subprocess(f"--manylinux-wheel={good}", "-n", "2")
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines([f"manylinux: policy from markers*; wheel {good} (given); policy data *"])


def test_xdist_workers_read_each_wheel_once(pytester: pytest.Pytester, good: Path, tls: Path) -> None:
    """The first worker reads; the others wait and reuse its facts (#14)."""
    pytester.makeconftest(
        """
        import os
        from pytest_manylinux import _audit

        _real = _audit._read

        def _counting(reader, members):
            with open(os.environ["READS_LOG"], "a") as log:
                log.write(reader.display + "\\n")
            return _real(reader, members)

        _audit._read = _counting
        """
    )
    log = pytester.path / "reads.log"
    os.environ["READS_LOG"] = str(log)
    try:
        for cache in ([], ["-p", "no:cacheprovider"]):
            log.write_text("")
            result = pytester.runpytest_subprocess(
                "--manylinux-policy=manylinux2014", f"--manylinux-wheel={good}", f"--manylinux-wheel={tls}",
                "-n", "2", *cache,
            )  # fmt: skip
            result.assert_outcomes(passed=2 * gate_items(1) - 2, failed=2)
            assert sorted(log.read_text().splitlines()) == sorted([str(good), str(tls)])
            if not cache:
                (pytester.path / ".pytest_cache").rename(pytester.path / "old-cache")  # next round starts cold
    finally:
        del os.environ["READS_LOG"]


def test_new_user_trial_findings(pytester: pytest.Pytester, good: Path) -> None:
    """A directory argument gates its wheels without the project's conftest; a marker typo is an error."""
    (pytester.path / "tests").mkdir()
    (pytester.path / "tests" / "conftest.py").write_text("import not_installed_package\n")
    pytester.makeini("[pytest]\ntestpaths = tests\n")
    dist = pytester.path / "dist"
    dist.mkdir()
    shutil.copy(good, dist)
    gate = pytester.runpytest_subprocess("--manylinux-policy=manylinux2014", "dist")
    gate.assert_outcomes(passed=gate_items(1))
    (pytester.path / "tests" / "conftest.py").unlink()
    pytester.makepyfile(test_typo="import pytest\n\n@pytest.mark.manylinux2041\ndef test_x(): pass\n")
    typo = pytester.runpytest_subprocess("tests", "test_typo.py")
    assert typo.ret == pytest.ExitCode.USAGE_ERROR
    typo.stderr.fnmatch_lines(["*@pytest.mark.manylinux2041 is not a policy marker (did you mean manylinux2014*"])
    slash = pytester.runpytest("--manylinux-policy=manylinux2014", "dist", "--manylinux-json=nodir/")
    assert slash.ret == pytest.ExitCode.USAGE_ERROR
    slash.stderr.fnmatch_lines(["ERROR: --manylinux-json: nodir/ names a directory; give a file path"])


def test_the_wheel_option_adds_the_gate_and_keeps_the_projects_tests(
    pytester: pytest.Pytester, fx: Fixtures, wheel: Callable[..., Path]
) -> None:
    """An option never drops tests: a CI line that grew --manylinux-wheel still runs the suite."""
    (pytester.path / "dist").mkdir()
    shutil.copy(wheel({f"pkg/ext_2_17{SO}": fx.ext_2_17}), pytester.path / "dist")
    pytester.makepyfile(test_unit="def test_unit():\n    pass\n")
    items = gate_items(1)
    both = pytester.runpytest("--manylinux-policy=manylinux2014", "--manylinux-wheel=dist", "-p", "no:randomly")
    both.assert_outcomes(passed=items + 1)  # the gate's items (from dist/, which pytest never walks) and the unit
    alone = pytester.runpytest("--manylinux-policy=manylinux2014", "dist", "-p", "no:randomly")
    alone.assert_outcomes(passed=items)  # wheels as arguments replace the test paths, as any path argument does


def test_nothing_judged_is_never_a_pass(pytester: pytest.Pytester, good: Path) -> None:
    """--collect-only (or -k selecting no gate item) judges no wheel: the summary must not say PASS."""
    result = pytester.runpytest("--manylinux-policy=manylinux2014", str(good), "--collect-only")
    result.stdout.fnmatch_lines(["*no wheel judged in this run*"])
    result.stdout.no_fnmatch_line("*PASS*")


# issue 19 ------------------------------------------------------------------------------------


def test_a_directory_argument_without_wheels_is_one_line_not_a_silent_exit_5(pytester: pytest.Pytester) -> None:
    """``pytest --manylinux-policy=manylinux2014 dist``, dist/ empty, sdist-only or with a log: exit 5 before."""
    (pytester.path / "dist").mkdir()
    empty = pytester.runpytest("--manylinux-policy=manylinux2014", "dist")
    assert empty.ret == pytest.ExitCode.USAGE_ERROR
    assert [line for line in empty.stderr.lines if line] == [
        (
            f"ERROR: argument 'dist': {pytester.path / 'dist'} holds no wheel: build them into it "
            "(`python -m build --wheel --outdir dist`) or name the directory that holds them"
        )
    ]
    (pytester.path / "dist" / "pkg-1.0.tar.gz").write_bytes(b"\x1f\x8b")
    sdist = pytester.runpytest("--manylinux-policy=manylinux2014", "dist")
    assert sdist.ret == pytest.ExitCode.USAGE_ERROR
    assert [line for line in sdist.stderr.lines if line] == [
        "ERROR: argument 'dist': this is an sdist (pkg-1.0.tar.gz): build a wheel first with `python -m build --wheel`"
    ]
    # Stray files beside the sdist (a build log) change nothing: still nothing to collect.
    (pytester.path / "dist" / "build.log").write_text("ok\n")
    stray = pytester.runpytest("--manylinux-policy=manylinux2014", "dist")
    assert stray.ret == pytest.ExitCode.USAGE_ERROR
    assert [line for line in stray.stderr.lines if line] == [line for line in sdist.stderr.lines if line]
    (pytester.path / "dist" / "pkg-1.0.tar.gz").unlink()
    log_only = pytester.runpytest("--manylinux-policy=manylinux2014", "dist")
    assert log_only.ret == pytest.ExitCode.USAGE_ERROR
    log_only.stderr.fnmatch_lines(["ERROR: argument 'dist': * holds no wheel: build them into it *"])
    # A directory of tests beside the policy is still pytest's to collect.
    pytester.makepyfile(**{"tests/test_x": "def test_x(): pass\n"})
    tests = pytester.runpytest("--manylinux-policy=manylinux2014", "tests")
    tests.assert_outcomes(passed=1)


def test_cli_directory_with_only_an_sdist_names_it(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The CLI was never silent here; it says the same line as the gate."""
    (tmp_path / "dist").mkdir()
    (tmp_path / "dist" / "pkg-1.0.tar.gz").write_bytes(b"\x1f\x8b")
    with pytest.raises(SystemExit) as exit_:
        main([str(tmp_path / "dist"), "--no-cache"])
    assert exit_.value.code == 2
    assert "this is an sdist (pkg-1.0.tar.gz): build a wheel first" in capsys.readouterr().err


def test_the_gate_names_the_library_that_keeps_a_linux_wheel_from_manylinux(
    pytester: pytest.Pytester, fx: Fixtures, wheel: Wheel
) -> None:
    """A locally built linux_x86_64 wheel linking a system library: the tags item says which, and where to graft."""
    local = wheel({f"pkg/ext_unallowed{SO}": fx.ext_unallowed}, tags="cp311-cp311-linux_x86_64")
    result = pytester.runpytest("--manylinux-policy=auto", str(local))
    result.assert_outcomes(failed=1, passed=gate_items(1) - 1)
    result.stdout.fnmatch_lines(
        [
            "*linux_x86_64 * no manylinux/musllinux tag fits the content as built (libraries: libssl.so.3)",
            (
                "*fix: graft libssl.so.3 into the wheel with `auditwheel repair --plat manylinux_2_17_x86_64` inside "
                "quay.io/pypa/manylinux2014_x86_64*"
            ),
        ]
    )
    result.stdout.no_fnmatch_line("*note on the architecture*")
    result.stdout.no_fnmatch_line("*failures above*")
