"""Per-family policies in one run, and GitHub Actions annotations (#15, items 4 and 6)."""

from __future__ import annotations

import json
import shutil
from typing import TYPE_CHECKING

import pytest

from pytest_manylinux.__main__ import main
from pytest_manylinux._render import render_annotations

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

    from builders import Fixtures

    from pytest_manylinux._render import DocumentJSON

BOTH = "--manylinux-policy=manylinux2014,musllinux_1_2"


@pytest.fixture
def house(tmp_path: Path, fx: Fixtures, wheel: Callable[..., Path]) -> Path:
    """A cibuildwheel-like wheelhouse: one manylinux and one musllinux wheel."""
    glibc = wheel({"pkg/ext_2_17.cpython-311-x86_64-linux-gnu.so": fx.ext_2_17})
    musl = wheel(
        {"m/ext_musl.cpython-311-x86_64-linux-musl.so": fx.ext_musl}, name="m", tags="cp311-cp311-musllinux_1_1_x86_64"
    )
    out = tmp_path / "wheelhouse"
    out.mkdir()
    for path in (glibc, musl):
        shutil.copy(path, out)
    return out


def _targets(doc: DocumentJSON) -> dict[str, list[str]]:
    return {w["wheel"].rsplit("/", 1)[-1]: [t["policy"] for t in w["targets"]] for w in doc["wheels"]}


def test_gate_holds_each_wheel_to_its_family(pytester: pytest.Pytester, house: Path) -> None:
    report = pytester.path / "report.json"
    result = pytester.runpytest(BOTH, str(house), f"--manylinux-json={report}")
    assert result.ret == pytest.ExitCode.OK
    result.stdout.fnmatch_lines(["manylinux: policy manylinux2014, musllinux_1_2; *"])
    assert "failed" not in result.parseoutcomes()
    targets = _targets(json.loads(report.read_text()))
    assert targets == {
        "pkg-1.0-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl": [
            "declared tags",
            "manylinux_2_17_x86_64",
        ],
        "m-1.0-cp311-cp311-musllinux_1_1_x86_64.whl": ["declared tags", "musllinux_1_2_x86_64"],
    }


def test_repeated_option_and_ini_list_work_too(pytester: pytest.Pytester, house: Path) -> None:
    repeated = pytester.runpytest("--manylinux-policy=musllinux_1_2", "--manylinux-policy=manylinux2014", str(house))
    assert repeated.ret == pytest.ExitCode.OK
    ini = pytester.makeini("[pytest]\nmanylinux_policy = manylinux2014, musllinux_1_2\n")
    from_ini = pytester.runpytest("-c", str(ini), str(house))
    assert from_ini.ret == pytest.ExitCode.OK


def test_gate_under_xdist(pytester: pytest.Pytester, house: Path) -> None:
    result = pytester.runpytest_subprocess(BOTH, str(house), "-n", "2")
    assert result.ret == pytest.ExitCode.OK
    assert "failed" not in result.parseoutcomes()


def test_wheel_no_policy_applies_to_is_an_error(pytester: pytest.Pytester, house: Path) -> None:
    result = pytester.runpytest("--manylinux-policy=manylinux2014,musllinux_1_2_aarch64", str(house))
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.assert_outcomes(passed=result.parseoutcomes()["passed"], failed=1)
    line = "*m-1.0-*: no policy given applies to this musl x86_64 wheel (given: manylinux2014, musllinux_1_2_aarch64)*"
    result.stdout.fnmatch_lines([line])


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("manylinux2014,manylinux_2_28", "ERROR: policies manylinux2014 and manylinux_2_28 both apply to*"),
        ("manylinux2014,musllinux_9_9", "ERROR: *musllinux_9_9*"),
    ],
    ids=["same-family", "typo"],
)
def test_bad_policy_lists_are_usage_errors(pytester: pytest.Pytester, house: Path, value: str, message: str) -> None:
    result = pytester.runpytest(f"--manylinux-policy={value}", str(house))
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines([message])


def test_cli_policy_list(house: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main([str(house), "--no-cache", "--policy", "manylinux2014,musllinux_1_2", "--json"]) == 0
    targets = _targets(json.loads(capsys.readouterr().out))
    assert sorted(t[-1] for t in targets.values()) == ["manylinux_2_17_x86_64", "musllinux_1_2_x86_64"]
    assert main([str(house), "--no-cache", "--policy", "manylinux2014,musllinux_1_2_aarch64"]) == 2
    assert "no policy given applies to this musl x86_64 wheel" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main([str(house), "--no-cache", "--policy", "musllinux_1_1,musllinux_1_2"])
    assert capsys.readouterr().err.startswith("pytest-manylinux: error: policies musllinux_1_1 and musllinux_1_2")


@pytest.fixture
def tls(tmp_path: Path, fx: Fixtures, wheel: Callable[..., Path]) -> Path:
    """A wheelhouse whose one wheel links libssl.so.3: on no policy's list."""
    out = tmp_path / "tls-house"
    out.mkdir()
    shutil.copy(wheel({"tls/ext_unallowed.cpython-311-x86_64-linux-gnu.so": fx.ext_unallowed}, name="tls"), out)
    return out


def test_cli_annotations_on_github_actions(
    tls: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    assert main([str(tls), "--no-cache", "--json"]) == 1
    assert "::error" not in capsys.readouterr().err
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    assert main([str(tls), "--no-cache", "--json"]) == 1
    out, err = capsys.readouterr()
    json.loads(out)  # stdout stays machine-readable
    lines = err.splitlines()
    assert lines
    assert all(line.startswith("::error file=") for line in lines)
    assert any("libssl.so.3" in line and "; fix: graft " in line and "auditwheel repair" in line for line in lines)


def test_plugin_annotations_from_the_controller(
    pytester: pytest.Pytester, tls: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    result = pytester.runpytest_subprocess("--manylinux-policy=manylinux2014", str(tls), "-n", "2")
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stderr.fnmatch_lines(["::error file=*tls-1.0-*.whl,title=*tls-1.0-*.whl::*libssl.so.3*"])
    assert all(line.startswith("::error ") for line in result.stderr.lines if line.startswith("::"))
    assert not any(line.startswith("::") for line in result.stdout.lines)


def _doc(subjects: list[str], wheel: str = "dist/a.whl", errors: list[str] | None = None) -> DocumentJSON:
    results = [
        {"wheel": wheel, "target": "manylinux2014_x86_64", "check": "libraries", "file": f"pkg/{s}.so",
         "outcome": "failed", "violations": [{"check": "libraries", "subject": s, "expected": None, "symbols": [],
         "symbols_more": 0, "hint": "", "allowed_by": None, "remedy": "graft it"}], "violations_more": 0}
        for s in subjects
    ]  # fmt: skip
    wheel_json = {"wheel": wheel, "passed": False, "targets": [{"policy": "manylinux2014_x86_64", "passed": False,
                  "results": results}]}  # fmt: skip
    return {  # type: ignore[typeddict-item]  # only the keys the annotations read
        "wheels": [wheel_json],
        "errors": errors or [],
        "passed": False,
        "exit_status": 1,
    }


def test_annotations_escape_wheel_derived_strings() -> None:
    doc = _doc(["evil%0A::warning::x\r\nnext"], wheel="dist/a,b:c.whl", errors=["bad\nline 100%"])
    first, error = render_annotations(doc)
    assert first.startswith("::error file=dist/a%2Cb%3Ac.whl,title=libraries%3A a%2Cb%3Ac.whl::")
    assert "\n" not in first
    assert "\r" not in first
    assert "evil%250A::warning::x\\r\\nnext" in first  # control characters shown escaped, as in text (#19)
    assert error == "::error title=pytest-manylinux error::bad\\nline 100%25"


def test_annotations_are_capped() -> None:
    lines = render_annotations(_doc([f"lib{i}" for i in range(25)]))
    assert len(lines) == 10  # GitHub's limit per step
    assert lines[-1].startswith("::error title=pytest-manylinux::16 more failure(s) not annotated; FAIL: 1 of 1 wheel")


def test_a_marker_takes_a_policy_list_too(pytester: pytest.Pytester, house: Path) -> None:
    """``@pytest.mark.manylinux("manylinux2014,musllinux_1_2")``: each wheel held to its family's policy."""
    pytester.makepyfile(
        test_marked="""
        import pytest

        @pytest.mark.manylinux("manylinux2014,musllinux_1_2")
        def test_both_families():
            pass

        @pytest.mark.manylinux("manylinux2010,musllinux_1_2")
        def test_glibc_too_old():
            pass

        def test_fixture(manylinux_audit):
            policies = [v.policy for v in manylinux_audit.audit.verdicts]
            assert policies in (["manylinux_2_17_x86_64"], ["musllinux_1_2_x86_64"])
        test_fixture = pytest.mark.manylinux("manylinux2014,musllinux_1_2")(test_fixture)
        """
    )
    result = pytester.runpytest_subprocess(f"--manylinux-wheel={house}", "-p", "no:randomly", "-rf")
    result.assert_outcomes(passed=5, failed=1)
    result.stdout.fnmatch_lines(["FAILED *test_glibc_too_old?pkg-*manylinux2014_x86_64.whl?*"])
    bad = pytester.makepyfile(
        test_bad="""
        import pytest

        @pytest.mark.manylinux("manylinux2014,manylinux_2_28")
        def test_two_glibc():
            pass
        """
    )
    usage = pytester.runpytest_subprocess(f"--manylinux-wheel={house}", str(bad))
    assert usage.ret == pytest.ExitCode.USAGE_ERROR
    usage.stderr.fnmatch_lines(["*policies manylinux2014 and manylinux_2_28 both apply to the same wheels*"])
