"""The CLI: exit codes, one-line errors, JSON, the console script."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from builders import ABS_RUNPATH

import pytest_manylinux
from pytest_manylinux.__main__ import main

if TYPE_CHECKING:
    from collections.abc import Callable

    from builders import Fixtures

SO = ".cpython-311-x86_64-linux-gnu.so"


def test_exit_codes_follow_the_target(
    fx: Fixtures, wheel: Callable[..., Path], capsys: pytest.CaptureFixture[str]
) -> None:
    path = str(wheel({f"pkg/ext_2_14{SO}": fx.ext_2_14}))
    assert main([path]) == 0  # declared manylinux_2_17: honest
    assert main([path, "--policy", "manylinux2010"]) == 1
    assert "  + GLIBC_2.14   memcpy" in capsys.readouterr().out.splitlines()
    assert main([path, "--policy", "manylinux2014_x86_64"]) == 0


def test_usage_errors_and_unreadable_input_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main([str(tmp_path), "--policy", "manylinux2041"])
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("pytest-manylinux: error: unknown policy 'manylinux2041' (did you mean manylinux2014")
    assert err.count("\n") == 1
    broken = tmp_path / "broken-1.0-py3-none-any.whl"
    broken.write_bytes(b"PK\x03\x04 truncated")
    assert main([str(broken)]) == 2
    assert capsys.readouterr().err.count("\n") == 1


def test_json_document(fx: Fixtures, wheel: Callable[..., Path], capsys: pytest.CaptureFixture[str]) -> None:
    path = str(wheel({f"pkg/ext_2_14{SO}": fx.ext_2_14}))
    assert main([path, "--json", "--policy", "manylinux2010"]) == 1
    doc = json.loads(capsys.readouterr().out)
    assert (doc["schema"], doc["version"], doc["passed"], doc["errors"]) == ("pytest-manylinux/audit", 2, False, [])
    target = next(t for t in doc["wheels"][0]["targets"] if t["policy"] == "manylinux_2_12_x86_64")
    [failed] = [r for r in target["results"] if r["outcome"] == "failed"]
    assert (failed["check"], failed["file"]) == ("symbol-versions", f"pkg/ext_2_14{SO}")
    [violation] = failed["violations"]
    assert (violation["subject"], violation["symbols"]) == ("GLIBC_2.14", ["memcpy"])


def test_console_script_gives_no_traceback(tmp_path: Path) -> None:
    bad = tmp_path / "x.so"
    bad.write_bytes(b"\x7fELF\x02\x01\x01" + b"\0" * 20)
    out = subprocess.run(
        [sys.executable, "-m", "pytest_manylinux", str(bad)], capture_output=True, text=True, check=False
    )
    assert out.returncode == 2
    assert "Traceback" not in out.stderr
    assert out.stderr.startswith(f"pytest-manylinux: error: {bad}")
    assert out.stderr.count("\n") == 1


@pytest.mark.pypi
def test_cryptography_needs_memcpy_at_glibc_2_14(capsys: pytest.CaptureFixture[str]) -> None:
    """The issue's acceptance check: a stripped real wheel still names its symbols."""
    from pypi_cache import CORPUS, WheelUnavailable, fetch  # noqa: PLC0415

    name = "cryptography-42.0.8-cp39-abi3-manylinux_2_17_x86_64.manylinux2014_x86_64.whl"
    try:
        path = str(fetch(next(w for w in CORPUS if w.filename == name)))
    except WheelUnavailable as e:
        pytest.skip(f"PyPI unreachable: {e}")
    assert main(["--policy", "manylinux2010", path]) == 1
    assert "  + GLIBC_2.14   memcpy, sendmmsg" in capsys.readouterr().out.splitlines()
    assert main(["--policy", "manylinux2014", path]) == 0


def test_markdown_summary_table(fx: Fixtures, wheel: Callable[..., Path], capsys: pytest.CaptureFixture[str]) -> None:
    good = str(wheel({f"pkg/ext_2_5{SO}": fx.ext_2_5}, name="good"))
    bad = str(wheel({f"pkg/ext_2_17{SO}": fx.ext_2_17}, name="bad", tags="cp311-cp311-manylinux1_x86_64"))
    assert main([good, bad, "--format", "markdown"]) == 1
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "### pytest-manylinux: FAIL: 1 of 2 wheels fail ❌"
    assert lines[2] == "| wheel | declared tags | most compatible tag | target | result | first violations |"
    rows = {(line.split("|")[1].strip(), line.split("|")[4].strip()): line for line in lines[4:]}
    good_name = "good-1.0-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl"
    assert "✅ pass" in rows[good_name, "manylinux_2_17_x86_64"]
    bad_row = rows["bad-1.0-cp311-cp311-manylinux1_x86_64.whl", "manylinux_2_5_x86_64"]
    assert "❌ fail" in bad_row
    assert "| manylinux_2_17_x86_64 |" in bad_row
    assert f"| pkg/ext_2_17{SO}: symbol-versions GLIBC_2.14 \\(memcpy\\)" in bad_row


def test_limits_are_configurable(fx: Fixtures, wheel: Callable[..., Path], capsys: pytest.CaptureFixture[str]) -> None:
    path = str(wheel({f"pkg/ext_2_14{SO}": fx.ext_2_14, "pkg/y.txt": b"y" * 5000}))
    assert main([path, "--no-cache", "--max-member-size", "4K"]) == 2
    assert "over the 4096-byte member limit" in capsys.readouterr().err
    assert main([path, "--no-cache", "--max-entries", "2"]) == 2
    assert "entries exceed the limit of 2" in capsys.readouterr().err
    assert main([path, "--no-cache", "--max-member-size", "1M", "--max-total-size", "1MiB"]) == 0


@pytest.mark.parametrize("bad", ["inf", "nan", "-1", "lots"])
def test_bad_sizes_are_usage_errors(bad: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(["x.whl", "--max-member-size", bad])
    assert info.value.code == 2
    assert f"not a size: {bad.upper()!r}" in capsys.readouterr().err


@pytest.mark.parametrize("spec", ["installed:", "installed: ", "installed:-"])
def test_empty_installed_name_is_one_line(spec: str, capsys: pytest.CaptureFixture[str]) -> None:
    """On Python 3.10 importlib.metadata found a distribution for an empty name, and the run passed."""
    assert main([spec, "--no-cache"]) == 2
    assert capsys.readouterr().err == f"pytest-manylinux: error: {spec}: no installed distribution of that name\n"


@pytest.mark.parametrize("spec", ["installed:", "installed:-"])
def test_empty_installed_name_fails_the_fixture_too(spec: str, pytester: pytest.Pytester) -> None:
    """The plugin resolves installed: through the same reader: never some other distribution (3.10)."""
    pytester.makepyfile("def test_audit(manylinux_audit):\n    pass\n")
    result = pytester.runpytest(f"--manylinux-wheel={spec}", "--manylinux-build=never")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines([f"*{spec}: no installed distribution of that name*"])


@pytest.mark.parametrize("argv", [["-m", "pytest_manylinux"], ["pytest-manylinux"]], ids=["-m", "script"])
def test_version_names_the_program(argv: list[str]) -> None:
    """``python -m`` made argparse's program name ``__main__.py``."""
    command = [sys.executable, *argv] if argv[0] == "-m" else [str(Path(sys.executable).parent / argv[0])]
    out = subprocess.run([*command, "--version"], capture_output=True, text=True, check=True)
    assert out.stdout == f"pytest-manylinux {pytest_manylinux.__version__}\n"


def test_json_does_not_depend_on_hash_seeds(fx: Fixtures, wheel: Callable[..., Path]) -> None:
    path = wheel(
        {f"pkg/ext_2_17{SO}": fx.ext_2_17, f"pkg/ext_unallowed{SO}": fx.ext_unallowed, f"pkg/ext_libm{SO}": fx.ext_libm}
    )
    outputs = {
        subprocess.run(
            [sys.executable, "-m", "pytest_manylinux", str(path), "--json", "--no-cache", "--policy", "manylinux2010"],
            capture_output=True, text=True, check=False, env={**os.environ, "PYTHONHASHSEED": seed},
        ).stdout
        for seed in ("0", "1", "2", "3")
    }  # fmt: skip
    assert len(outputs) == 1
    assert json.loads(outputs.pop())["wheels"]


def test_list_policies_and_show(fx: Fixtures, wheel: Callable[..., Path], capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--list-policies"]) == 0
    listed = capsys.readouterr().out.splitlines()
    assert "manylinux_2_17 (= manylinux2014)  [glibc]  aarch64 armv7l i686 ppc64 ppc64le s390x x86_64" in listed
    assert any(line.startswith("musllinux_1_2  [musl]") for line in listed)
    path = wheel({f"pkg/ext_2_17{SO}": fx.ext_2_17, f"pkg/ext_unallowed{SO}": fx.ext_unallowed})
    assert main([str(path), "--show", "--no-cache", "--policy", "manylinux2010"]) == 1
    shown = capsys.readouterr().out.splitlines()
    assert f"  pkg/ext_unallowed{SO}  [x86_64]" in shown
    assert any(
        line.split() == ["needs", "libssl.so.3", "not", "allowed", "by", "manylinux_2_12_x86_64"] for line in shown
    )
    assert any(line.split()[:4] == ["GLIBC", "up", "to", "GLIBC_2.17"] for line in shown)
    assert shown[-1] == "FAIL: 1 of 1 wheel fail"
    assert shown[-3] == (
        "  to reach manylinux_2_12_x86_64: bundle or drop libssl.so.3; rebuild without GLIBC_2.14, GLIBC_2.17"
    )
    # The wheel declares manylinux_2_17 but links libssl: its tags fail too, and --show says so.
    assert shown[-2].startswith("  declared tags manylinux_2_17_x86_64: ")
    with pytest.raises(SystemExit) as info:
        main([])
    assert info.value.code == 2
    assert "give at least one wheel" in capsys.readouterr().err


def _tree(root: Path, fixture: Path) -> Path:
    """An unpacked tree (``src/pkg/NAME.so``): no file name or WHEEL declares a tag."""
    pkg = root / "src" / "pkg"
    pkg.mkdir(parents=True)
    shutil.copy(fixture, pkg / fixture.name)
    return root / "src"


def _json_run(path: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, dict[str, Any]]:
    code = main([str(path), "--no-cache", "--json"])
    return code, json.loads(capsys.readouterr().out)


def test_an_untagged_tree_is_held_to_its_most_compatible_tag(
    fx: Fixtures, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """No tags and no --policy judged nothing and said PASS over a leaked RUNPATH (issue 15)."""
    leaky = _tree(tmp_path / "leaky", fx.ext_abs_rpath)
    assert main([str(leaky), "--no-cache"]) == 1
    out = capsys.readouterr().out
    assert out.startswith(f"FAIL  {leaky}  (1 ELF file; target: manylinux_2_5_x86_64)\n")
    assert f"  + {ABS_RUNPATH}" in out
    assert "PASS" not in out
    code, doc = _json_run(leaky, capsys)
    assert (code, doc["passed"], doc["exit_status"]) == (1, False, 1)
    [target] = [t for t in doc["wheels"][0]["targets"] if t["policy"] == "manylinux_2_5_x86_64"]
    assert {(r["check"], r["outcome"]) for r in target["results"] if r["outcome"] != "passed"} == {("rpath", "failed")}

    clean = _tree(tmp_path / "clean", fx.ext_2_5)
    assert main([str(clean), "--no-cache"]) == 0
    assert capsys.readouterr().out.startswith(f"PASS  {clean}  (1 ELF file; target: manylinux_2_5_x86_64)\n")
    code, doc = _json_run(clean, capsys)
    assert (code, doc["passed"], doc["exit_status"]) == (0, True, 0)
    assert [t["policy"] for t in doc["wheels"][0]["targets"]] == ["declared tags", "manylinux_2_5_x86_64"]


def test_a_bare_elf_file_without_a_policy_fails_its_hygiene(fx: Fixtures, capsys: pytest.CaptureFixture[str]) -> None:
    assert main([str(fx.ext_abs_rpath), "--no-cache"]) == 1
    first = capsys.readouterr().out.splitlines()[0]
    assert first == f"FAIL  {fx.ext_abs_rpath}  (1 ELF file; target: manylinux_2_5_x86_64)"
    assert main([str(fx.ext_2_5), "--no-cache"]) == 0


def test_content_no_policy_fits_is_held_to_the_newest_and_fails(
    fx: Fixtures, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    tree = _tree(tmp_path, fx.ext_2_99)
    code, doc = _json_run(tree, capsys)
    assert (code, doc["passed"], doc["wheels"][0]["overall_tag"]) == (1, False, "linux_x86_64")
    [target] = [t for t in doc["wheels"][0]["targets"] if t["policy"] != "declared tags"]
    assert target["policy"].startswith("manylinux_2_")  # the newest policy, whatever the data's newest is
    failed = [v["subject"] for r in target["results"] if r["outcome"] == "failed" for v in r["violations"]]
    assert failed == ["GLIBC_2.99"]
    assert main([str(tree), "--no-cache"]) == 1
    out = capsys.readouterr().out
    assert out.startswith(f"FAIL  {tree}  (1 ELF file; target: {target['policy']})\n")
    assert "the content qualifies for no manylinux/musllinux policy" in out
