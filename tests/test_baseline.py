"""Ratcheting (#12): a baseline of what each wheel needs, and a failing diff when a later build needs more.

Two versions of one real extension, compiled with gcc against the stub libcs:
version 1 needs memcpy@GLIBC_2.14; version 2 adds secure_getenv@GLIBC_2.17
and inflate@ZLIB_1.2.0 from libz.so.1. Both are valid manylinux2014 wheels:
only the ratchet sees that version 2 needs more.
"""

from __future__ import annotations

import ast
import dataclasses
import json
import shutil
import subprocess
import sys
import textwrap
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

import jsonschema
import pytest
from builders import _CFLAGS, _SHARED, make_wheel

from pytest_manylinux import _baseline
from pytest_manylinux.__main__ import main
from pytest_manylinux._audit import audit
from pytest_manylinux._baseline import (
    BaselineError,
    FileEntry,
    compare,
    comparison_json,
    dumps,
    entry_of,
    parse_baseline,
    read_baseline,
)
from pytest_manylinux._checks import FILE_CHECKS, WHEEL_CHECKS
from pytest_manylinux._render import baseline_result, markdown_cell, render_baseline

if TYPE_CHECKING:
    from builders import Fixtures

SO = ".cpython-311-x86_64-linux-gnu.so"
CORE = f"pkg/_core{SO}"
TAGS = "cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64"
KEY = "pkg cp311-cp311 manylinux_x86_64"
#: Gate items of a wheel with one ELF file, from the registry; ::baseline comes on top.
CHECKS = len(WHEEL_CHECKS) + len(FILE_CHECKS)

V1 = """
#include <stddef.h>
#include "pyinit.h"
void *malloc(size_t n);
void *memcpy(void *d, const void *s, size_t n);
PYINIT_FUNC { char *p = malloc(4); memcpy(p, "abc", 4); return p; }
"""
V2 = """
#include <stddef.h>
#include "pyinit.h"
void *malloc(size_t n);
void *memcpy(void *d, const void *s, size_t n);
char *secure_getenv(const char *name);
int inflate(void *strm, int flush);
PYINIT_FUNC { char *p = malloc(4); memcpy(p, "abc", 4); inflate(p, 0); return secure_getenv("HOME"); }
"""


def _compile(out_dir: Path, source: str, stub_dir: Path, *libs: str) -> Path:
    src = out_dir / "core.c"
    src.write_text(source)
    out = out_dir / f"_core{SO}"
    flags = [*_SHARED, "-DMODULE=_core", f"-L{stub_dir}", *libs, "-l:libc.so.6"]
    subprocess.run(["gcc", *_CFLAGS, str(src), *flags, "-o", str(out)], check=True, capture_output=True)
    return out


@pytest.fixture(scope="module")
def releases(fx: Fixtures, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """dist-1.0/ and dist-2.0/, each with one wheel of pkg (keys "1.0", "2.0"), and the extensions ("ext-1.0", ...)."""
    base = tmp_path_factory.mktemp("releases")
    out = {}
    for version, source, libs in (("1.0", V1, ()), ("2.0", V2, ("-l:libz.so.1",))):
        build = base / f"build-{version}"
        build.mkdir()
        ext = out[f"ext-{version}"] = _compile(build, source, fx.stub_dir, *libs)
        out[version] = make_wheel(base / f"dist-{version}", name="pkg", version=version, tags=TAGS, files={CORE: ext})
    return out


def _copy(path: Path, directory: Path) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    return Path(shutil.copy(path, directory))


# -- the module: entries and comparisons -----------------------------------------------------------


def test_the_extensions_need_what_the_test_says(releases: dict[str, Path]) -> None:
    v1, v2 = (entry_of(audit(releases[v]), releases[v].stat().st_size) for v in ("1.0", "2.0"))
    assert v1.key == v2.key == KEY  # version bumps match
    (f1,) = v1.files
    (f2,) = v2.files
    assert f1.versions["GLIBC"] == ("GLIBC_2.14", ("memcpy",))
    assert f2.versions["GLIBC"] == ("GLIBC_2.17", ("secure_getenv",))
    assert f1.external == ("libc.so.6",)
    assert f2.external == ("libc.so.6", "libz.so.1")
    assert v1.declared == ("manylinux2014_x86_64", "manylinux_2_17_x86_64")


def test_a_grown_need_is_a_regression_naming_symbol_version_and_library(releases: dict[str, Path]) -> None:
    v1, v2 = (entry_of(audit(releases[v]), None) for v in ("1.0", "2.0"))
    comparison = compare(v1, v2)
    assert not comparison.passed
    regressions = {c.subject: c for c in comparison.of("regression")}
    assert set(regressions) == {"GLIBC", "ZLIB", "library libz.so.1"}
    assert (regressions["GLIBC"].before, regressions["GLIBC"].after) == ("GLIBC_2.14", "GLIBC_2.17")
    assert regressions["GLIBC"].detail == (f"secure_getenv@GLIBC_2.17 in {CORE}",)
    assert regressions["library libz.so.1"].detail == (f"needed by {CORE}",)
    assert (regressions["ZLIB"].before, regressions["ZLIB"].after) == (None, "ZLIB_1.2.0")
    assert regressions["ZLIB"].detail == (f"inflate@ZLIB_1.2.0 in {CORE}",)
    assert compare(v1, v1).changes == ()
    better = compare(v2, v1)
    assert better.passed
    assert {c.subject for c in better.of("improvement")} == {"GLIBC", "ZLIB", "library libz.so.1"}


def test_a_new_family_passes_and_a_legacy_tag_spelling_is_not_a_lost_tag(
    fx: Fixtures, tmp_path: Path, releases: dict[str, Path]
) -> None:
    v1 = entry_of(audit(releases["1.0"]), None)
    assert compare(None, v1).passed
    pep600 = make_wheel(
        tmp_path, name="pkg", version="1.1", tags="cp311-cp311-manylinux_2_17_x86_64", files={CORE: fx.ext_2_14}
    )
    assert [c.subject for c in compare(v1, entry_of(audit(pep600), None)).of("regression")] == []
    dropped = make_wheel(
        tmp_path, name="pkg", version="1.2", tags="cp311-cp311-linux_x86_64", files={CORE: fx.ext_2_14}
    )
    lost = compare(v1, entry_of(audit(dropped), None)).of("regression")
    assert [c.subject for c in lost] == ["declared tag manylinux_2_17_x86_64"]


def test_size_growth_past_the_ratio_is_a_regression(releases: dict[str, Path]) -> None:
    facts = audit(releases["1.0"])
    small, big = entry_of(facts, 1000), entry_of(facts, 1600)
    assert [c.subject for c in compare(small, big).of("regression")] == ["size"]
    assert compare(small, big, size_ratio=2).passed
    assert compare(small, big, size_ratio=None).passed
    assert [c.kind for c in compare(big, small).changes] == ["improvement"]


def test_the_file_is_stable_and_bad_files_are_one_line_errors(releases: dict[str, Path], tmp_path: Path) -> None:
    entry = entry_of(audit(releases["2.0"]), 1234)
    text = dumps({entry.key: entry})
    assert parse_baseline(text, "b.json") == {entry.key: entry}
    assert dumps(parse_baseline(text, "b.json")) == text
    for bad, message in (
        ("{", "b.json: Expecting property name"),
        ('{"schema": "x"}', 'b.json: not a baseline file (expected "schema": "pytest-manylinux/baseline")'),
        ('{"schema": "pytest-manylinux/baseline", "version": 9, "wheels": {}}', "b.json: baseline version 9"),
        ('{"schema": "pytest-manylinux/baseline", "version": 1, "wheels": {"k": {"files": []}}}', "b.json: 'k': files"),
    ):
        with pytest.raises(BaselineError, match="^" + message.replace("(", r"\(").replace(")", r"\)")):
            parse_baseline(bad, "b.json")
    (tmp_path / "b.json").write_bytes(b"\xff\n")
    with pytest.raises(BaselineError, match="not UTF-8"):
        read_baseline(tmp_path / "b.json")


def test_wheel_strings_are_escaped_and_lists_capped(releases: dict[str, Path]) -> None:
    v1 = entry_of(audit(releases["1.0"]), None)
    hostile = FileEntry(
        path="pkg/\x1b[31mevil\n.so",
        versions={"GLIBC": ("GLIBC_2.99", tuple(f"s{i}" for i in range(500)))},
        external=("libc.so.6", "lib|`x`.so"),
    )
    v2 = dataclasses.replace(v1, files=(hostile,))
    data = comparison_json(compare(v1, v2), "w.whl", "b.json")
    text = render_baseline(data)
    assert "\x1b" not in text
    assert "\n.so" not in text
    assert "... and" in text
    assert len(baseline_result(data)["violations"][0]["symbols"]) <= 200
    assert "\\|" in markdown_cell("lib|`x`.so")


def test_the_module_is_pure_but_for_its_read_write_pair() -> None:
    tree = ast.parse(Path(_baseline.__file__).read_text())
    ours = {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.level}
    assert ours <= {"_errors", "_evaluate", "_files", "_policy", "_model", "_render"}
    io = {"open", "read_text", "write_text", "replace", "mkdir", "unlink", "mkstemp", "fdopen", "fchmod", "stat"}
    for function in (n for n in tree.body if isinstance(n, ast.FunctionDef)):
        calls = {
            c.func.attr for c in ast.walk(function) if isinstance(c, ast.Call) and isinstance(c.func, ast.Attribute)
        }
        if function.name not in {"read_baseline", "write_baseline"}:
            assert not calls & io, function.name


# -- the CLI ---------------------------------------------------------------------------------------------


def test_cli_records_then_fails_version_2_with_the_diff(
    releases: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    baseline = tmp_path / "manylinux-baseline.json"
    assert main([str(releases["1.0"]), "--no-cache", "--baseline", str(baseline), "--update-baseline"]) == 0
    assert "baseline " + str(baseline) + ": wrote (1 added, 0 changed, 0 kept)" in capsys.readouterr().err
    assert baseline.stat().st_mode & 0o777 == 0o644
    assert list(json.loads(baseline.read_text())["wheels"]) == [KEY]

    assert main([str(releases["2.0"]), "--no-cache", "--baseline", str(baseline)]) == 1
    out = capsys.readouterr().out.splitlines()
    start = out.index(next(line for line in out if "  vs  baseline " in line))
    assert out[start].endswith(f"vs  baseline {KEY} (recorded from {releases['1.0'].name})")
    assert out[start + 1 : start + 6] == [
        "  needs more than the baseline",
        "  - GLIBC_2.14",
        f"  + {'GLIBC_2.17':<30} secure_getenv@GLIBC_2.17 in {CORE}",
        f"  + {'ZLIB_1.2.0':<30} inflate@ZLIB_1.2.0 in {CORE}",
        f"  + {'library libz.so.1':<30} needed by {CORE}",
    ]
    assert out[-2].startswith("  fix: if the new need is intended, re-record with")
    assert out[-1] == "FAIL: 1 of 1 wheel fail"  # the run's verdict, even where the audit itself passed

    assert main([str(releases["1.0"]), "--no-cache", "--baseline", str(baseline)]) == 0
    assert capsys.readouterr().out.splitlines()[-1] == "  no difference"


def test_cli_an_improvement_passes_and_says_so(
    releases: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    baseline = tmp_path / "b.json"
    assert main([str(releases["2.0"]), "--no-cache", "--baseline", str(baseline), "--update-baseline"]) == 0
    capsys.readouterr()
    assert main([str(releases["1.0"]), "--no-cache", "--baseline", str(baseline)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert "  improved: GLIBC_2.17 -> GLIBC_2.14" in out
    assert "  improved: library libz.so.1 gone" in out
    assert "  improved: ZLIB_1.2.0 gone" in out


def test_cli_rerecording_an_unchanged_wheelhouse_leaves_the_file_byte_identical(
    releases: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    house = tmp_path / "house"
    for version in ("1.0", "2.0"):
        _copy(releases[version], house / releases[version].parent.name)
    baseline = tmp_path / "b.json"
    wheels = [str(p) for p in sorted(house.glob("*/*.whl"))]
    assert main([*wheels[:1], "--no-cache", "--baseline", str(baseline), "--update-baseline"]) == 0
    first = baseline.read_bytes()
    stamp = baseline.stat().st_mtime_ns
    capsys.readouterr()
    assert main([*wheels[:1], "--no-cache", "--baseline", str(baseline), "--update-baseline"]) == 0
    assert capsys.readouterr().err.endswith(": unchanged (0 added, 0 changed, 1 kept)\n")
    assert baseline.read_bytes() == first
    assert baseline.stat().st_mtime_ns == stamp
    # Recording 2.0 over it says what changed; recording 1.0 again restores the bytes.
    assert main([wheels[1], "--no-cache", "--baseline", str(baseline), "--update-baseline"]) == 0
    out, err = capsys.readouterr()
    assert err.endswith(": wrote (0 added, 1 changed, 0 kept)\n")
    assert "  needs more than the baseline (re-recorded)" in out
    assert main([wheels[0], "--no-cache", "--baseline", str(baseline), "--update-baseline"]) == 0
    assert baseline.read_bytes() == first


def test_cli_baseline_can_be_the_wheels_of_the_last_release(
    releases: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    last = releases["1.0"].parent
    assert main([str(releases["2.0"]), "--no-cache", "--baseline", str(last)]) == 1
    assert f"  + {'library libz.so.1':<30} needed by {CORE}" in capsys.readouterr().out.splitlines()
    assert main([str(releases["2.0"]), "--no-cache", "--baseline", str(releases["1.0"]), "--json"]) == 1
    doc = json.loads(capsys.readouterr().out)
    (wheel,) = doc["wheels"]
    assert wheel["baseline"]["status"] == "regressed"
    assert wheel["baseline"]["recorded_from"] == releases["1.0"].name
    (target,) = [t for t in wheel["targets"] if t["policy"] == "baseline"]
    assert [v["subject"] for v in target["results"][0]["violations"]] == [
        "GLIBC_2.14 -> GLIBC_2.17",
        "ZLIB_1.2.0",
        "library libz.so.1",
    ]
    _validate(doc)
    assert main([str(releases["2.0"]), "--no-cache", "--baseline", str(releases["1.0"]), "--format", "markdown"]) == 1
    md = capsys.readouterr().out
    assert "| baseline | ❌ fail | ratchet GLIBC_2.14 -&gt; GLIBC_2.17 \\(secure_getenv" in md


def test_cli_usage_errors_exit_2_with_one_line(
    releases: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cases = [
        (["--update-baseline"], "--update-baseline and --size-ratio need --baseline FILE"),
        (["--baseline", str(tmp_path / "missing.json")], "no such file (record one with --update-baseline)"),
        (["--baseline", str(releases["1.0"].parent), "--update-baseline"], "names wheels (give a .json path)"),
        (["--baseline", str(tmp_path / "none-*.whl")], "matched no wheel"),
    ]
    (tmp_path / "bad.json").write_text("[]")
    cases.append((["--baseline", str(tmp_path / "bad.json")], "bad.json: not a baseline file"))
    for extra, message in cases:
        with pytest.raises(SystemExit) as info:
            main([str(releases["2.0"]), "--no-cache", *extra])
        assert info.value.code == 2
        err = capsys.readouterr().err
        assert message in err
        assert err.count("\n") == 1
    with pytest.raises(SystemExit):
        main([str(releases["2.0"]), "--baseline", "b.json", "--size-ratio", "0.5"])
    assert "not a growth factor" in capsys.readouterr().err


def _validate(doc: dict[str, Any]) -> None:
    schema = json.loads((resources.files("pytest_manylinux") / "schema" / "audit.schema.json").read_text())
    jsonschema.validate(doc, schema)


# -- real PyPI wheels ---------------------------------------------------------------------------------


@pytest.mark.pypi
def test_cli_baseline_against_the_previous_pypi_release(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from pypi_cache import CORPUS, WheelUnavailable, fetch  # noqa: PLC0415

    pins = {w.filename.split("-")[1]: w for w in CORPUS if w.project == "cryptography"}
    try:
        old, new = fetch(pins["42.0.8"]), fetch(pins["43.0.1"])
    except WheelUnavailable as e:
        pytest.skip(str(e))
    last = _copy(old, tmp_path / "last-release").parent
    assert main([str(new), "--no-cache", "--baseline", str(last)]) == 1
    out = capsys.readouterr().out.splitlines()
    so = "cryptography/hazmat/bindings/_rust.abi3.so"
    assert f"  + GLIBC_2.28                     statx@GLIBC_2.28 in {so}" in out
    assert "  + declared tag manylinux_2_17_x86_64 dropped" in out
    assert "  - most compatible tag manylinux_2_17_x86_64" in out
    assert "  + most compatible tag manylinux_2_28_x86_64" in out
    assert "  improved: library librt.so.1 gone" in out
    assert not any(line.startswith("  + library") for line in out)


# -- the plugin --------------------------------------------------------------------------------------


def _run(pytester: pytest.Pytester, *args: str, subprocess: bool = False) -> pytest.RunResult:
    argv = ["-p", "no:cacheprovider", "--manylinux-policy=auto", *args]
    return pytester.runpytest_subprocess(*argv) if subprocess else pytester.runpytest(*argv)


def test_gate_has_one_baseline_item_per_wheel_that_fails_with_the_diff(
    pytester: pytest.Pytester, releases: dict[str, Path]
) -> None:
    v1 = _copy(releases["1.0"], pytester.path / "last")
    v2 = _copy(releases["2.0"], pytester.path / "dist")
    result = _run(pytester, f"--manylinux-wheel={v1}", "--manylinux-baseline=b.json", "--manylinux-update-baseline")
    result.assert_outcomes(passed=CHECKS + 1)
    result.stdout.fnmatch_lines(["baseline wrote: */b.json (1 added, 0 changed, 0 kept)"])
    recorded = (pytester.path / "b.json").read_bytes()

    result = _run(pytester, "--manylinux-wheel=dist", "--manylinux-baseline=b.json", "-k", "baseline", "-v")
    result.assert_outcomes(failed=1, deselected=CHECKS)
    result.stdout.fnmatch_lines(
        [
            "*dist/pkg-2.0-*.whl::baseline FAILED*",
            f"baseline: GLIBC_2.14 -> GLIBC_2.17 (secure_getenv@GLIBC_2.17 in {CORE}), ZLIB_1.2.0 (inflate@*), *",
            "  - GLIBC_2.14",
            f"  + GLIBC_2.17 * secure_getenv@GLIBC_2.17 in {CORE}",
            f"  + ZLIB_1.2.0 * inflate@ZLIB_1.2.0 in {CORE}",
            f"  + library libz.so.1 * needed by {CORE}",
            "*manylinux*",
            "      baseline: FAIL (1 check)",
            "        ratchet library libz.so.1 (needed by *)",
        ]
    )
    # The release itself, and the earlier release's wheels as the baseline.
    _run(pytester, f"--manylinux-wheel={v1}", "--manylinux-baseline=b.json").assert_outcomes(passed=CHECKS + 1)
    _run(pytester, f"--manylinux-wheel={v2}", "--manylinux-baseline=last").assert_outcomes(passed=CHECKS, failed=1)
    assert (pytester.path / "b.json").read_bytes() == recorded


def test_update_under_xdist_writes_once_from_the_controller(
    pytester: pytest.Pytester, releases: dict[str, Path]
) -> None:
    house = pytester.path / "dist"
    _copy(releases["2.0"], house)
    make_wheel(house, name="other", version="1.0", tags=TAGS, files={f"other/_core{SO}": releases["ext-1.0"]})
    pytester.makeini("[pytest]\nmanylinux_baseline = base/b.json\n")
    result = _run(pytester, "--manylinux-wheel=dist", "--manylinux-update-baseline", "-n", "2", subprocess=True)
    result.assert_outcomes(passed=2 * (CHECKS + 1))
    result.stdout.fnmatch_lines(["baseline wrote: */base/b.json (2 added, 0 changed, 0 kept)"])
    first = (pytester.path / "base" / "b.json").read_bytes()
    assert list(json.loads(first)["wheels"]) == ["other cp311-cp311 manylinux_x86_64", KEY]
    result = _run(pytester, "--manylinux-wheel=dist", "--manylinux-update-baseline", "-n", "2", subprocess=True)
    result.stdout.fnmatch_lines(["baseline unchanged: */base/b.json (0 added, 0 changed, 2 kept)"])
    assert (pytester.path / "base" / "b.json").read_bytes() == first
    left = {p.name for p in (pytester.path / "base").iterdir()}
    assert left == {"b.json", ".b.json.lock"}  # no temporary file left; the lock file stays, as filelock leaves it
    # The CLI records the same bytes.
    cli = pytester.path / "cli.json"
    wheels = sorted(str(p) for p in house.glob("*.whl"))
    assert main([*wheels, "--no-cache", "--baseline", str(cli), "--update-baseline"]) == 0
    assert cli.read_bytes() == first


def test_baseline_options_are_usage_errors_when_wrong(pytester: pytest.Pytester, releases: dict[str, Path]) -> None:
    wheel = _copy(releases["1.0"], pytester.path / "dist")
    (pytester.path / "broken.json").write_text('{"schema": "pytest-manylinux/baseline", "version": 1, "wheels": 3}')
    for args, message in (
        (["--manylinux-baseline=missing.json"], "*missing.json': no such file (record one with*"),
        (["--manylinux-baseline=dist", "--manylinux-update-baseline"], "*names wheels (give a .json path)*"),
        (["--manylinux-baseline=broken.json"], "*broken.json: wheels must be an object*"),
        (["--manylinux-baseline=dist", "--manylinux-baseline-size-ratio=x"], "*'x' is not a growth factor*"),
    ):
        result = _run(pytester, f"--manylinux-wheel={wheel}", *args)
        assert result.ret == pytest.ExitCode.USAGE_ERROR
        result.stderr.fnmatch_lines([f"ERROR: {message}"])


def test_marker_baseline_argument_and_reports(pytester: pytest.Pytester, releases: dict[str, Path]) -> None:
    v1 = _copy(releases["1.0"], pytester.path / "last")
    v2 = _copy(releases["2.0"], pytester.path / "dist")
    assert main([str(v1), "--no-cache", "--baseline", str(pytester.path / "b.json"), "--update-baseline"]) == 0
    marked = textwrap.dedent("""
        import pytest

        @pytest.mark.manylinux2014(baseline="b.json")
        def test_no_regression():
            pass

        @pytest.mark.manylinux("manylinux2014", baseline="last")
        def test_against_last_release():
            pass
        """)
    pytester.makepyfile(
        test_release_wheel=marked + "\n@pytest.mark.manylinux2014(baseline=3)\ndef test_misused():\n    pass\n"
    )
    result = pytester.runpytest("-p", "no:cacheprovider", f"--manylinux-wheel={v2}")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["ERROR: *::test_misused: @pytest.mark.manylinux2014: baseline must be a path, not 3"])
    pytester.makepyfile(test_release_wheel=marked)
    report = pytester.path / "audit.json"
    md = pytester.path / "summary.md"
    result = pytester.runpytest(
        "-p", "no:cacheprovider", f"--manylinux-wheel={v2}", f"--manylinux-json={report}",
        f"--manylinux-markdown={md}",
    )  # fmt: skip
    result.assert_outcomes(failed=2)
    result.stdout.fnmatch_lines(["*baseline: GLIBC_2.14 -> GLIBC_2.17 (secure_getenv@GLIBC_2.17 in *"])
    doc = json.loads(report.read_text())
    _validate(doc)
    (wheel,) = doc["wheels"]
    assert wheel["baseline"]["key"] == KEY
    assert wheel["baseline"]["status"] == "regressed"
    assert "| baseline | ❌ fail |" in md.read_text()
    result = pytester.runpytest("-p", "no:cacheprovider", f"--manylinux-wheel={v1}")
    result.assert_outcomes(passed=2)
    # Recording from markers: their baseline= file, not the wheels directory.
    result = pytester.runpytest("-p", "no:cacheprovider", f"--manylinux-wheel={v2}", "--manylinux-update-baseline")
    result.assert_outcomes(passed=1, failed=1)  # the last release's wheels are compared, never rewritten
    result.stdout.fnmatch_lines(["baseline wrote: */b.json (0 added, 1 changed, 0 kept)"])
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    assert sorted(p.name for p in (pytester.path / "last").iterdir()) == [v1.name]
    result = pytester.runpytest("-p", "no:cacheprovider", f"--manylinux-wheel={v2}", "-k", "no_regression")
    result.assert_outcomes(passed=1, deselected=1)
    result = pytester.runpytest("-p", "no:cacheprovider", "--manylinux-update-baseline", "-k", "nothing")
    result.stdout.fnmatch_lines(["baseline: --manylinux-update-baseline recorded nothing: *"])


def test_cli_reads_the_baseline_from_pyproject_as_the_gate_does(
    pytester: pytest.Pytester,
    releases: dict[str, Path],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """cibuildwheel's audit-command and the pytest gate ratchet against the same file (issue 15)."""
    _copy(releases["2.0"], pytester.path / "dist")
    (pytester.path / "pyproject.toml").write_text(
        '[tool.pytest.ini_options]\nmanylinux_baseline = "ci/manylinux-baseline.json"\n'
        'manylinux_baseline_size_ratio = "0"\n'
    )
    (pytester.path / "ci").mkdir()
    project = pytester.path / "sub"  # the CLI finds the file from a subdirectory, paths stay relative to it
    project.mkdir()
    old = _copy(releases["1.0"], pytester.path / "old")  # found upward from the path given, as pytest finds it
    monkeypatch.chdir(project)
    assert main([str(old), "--no-cache", "--update-baseline"]) == 0
    assert "ci/manylinux-baseline.json: wrote (1 added" in capsys.readouterr().err
    assert main(["../dist", "--no-cache"]) == 1
    assert "  + GLIBC_2.17" in capsys.readouterr().out
    assert main(["../dist", "--no-cache", "--no-config"]) == 0  # without the file: no ratchet, and v2 is compliant
    monkeypatch.chdir(pytester.path)
    gate = _run(pytester, "--manylinux-wheel=dist", "-k", "baseline")
    gate.assert_outcomes(failed=1, deselected=CHECKS)
    (pytester.path / "pyproject.toml").write_text('[tool.pytest.ini_options]\nmanylinux_baseline_size_ratio = "x"\n')
    with pytest.raises(SystemExit) as exc:
        main(["dist", "--no-cache", "--baseline", "ci/manylinux-baseline.json"])
    assert exc.value.code == 2  # a usage error
    assert "manylinux_baseline_size_ratio in " in capsys.readouterr().err


def test_concurrent_updates_of_one_baseline_keep_every_family(releases: dict[str, Path], tmp_path: Path) -> None:
    """Three CLI runs at once, each recording another family, leave all three (issue 19).

    Each run reads the file before it audits and writes after; unlocked, the
    last rename dropped the families the others had written, in 10 of 10 rounds.
    """
    names = ("alpha", "beta", "gamma")
    wheels = [
        make_wheel(
            tmp_path / name, name=name, version="1.0", tags=TAGS, files={f"{name}/_core{SO}": releases["ext-1.0"]}
        )
        for name in names
    ]
    for round_ in range(3):
        baseline = tmp_path / f"round-{round_}" / "b.json"
        runs = [
            subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "pytest_manylinux",
                    str(w),
                    "--no-cache",
                    "--baseline",
                    str(baseline),
                    "--update-baseline",
                ],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
                text=True,
            )
            for w in wheels
        ]
        for run in runs:
            _, err = run.communicate(timeout=120)
            assert run.returncode == 0, err
        recorded = json.loads(baseline.read_text())["wheels"]
        assert sorted(recorded) == [f"{name} cp311-cp311 manylinux_x86_64" for name in names], f"round {round_}"
