"""One configuration for the CLI and the pytest gate (issue 15): pyproject.toml, flags, glob allowlists."""

from __future__ import annotations

import json
import shutil
from typing import TYPE_CHECKING

import pytest

from pytest_manylinux import Allowances
from pytest_manylinux.__main__ import main
from pytest_manylinux._config import ConfigError, find_config, read_config
from pytest_manylinux._model import Check, Violation

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

    from builders import Fixtures

SO = ".cpython-311-x86_64-linux-gnu.so"

ALLOWLISTS = """\
manylinux_allow_libraries = [
  "libcuda.so.*: the NVIDIA driver comes with the host",
  "libssl.so.*: the system's OpenSSL, loaded at run time",
]
manylinux_allow_checks = ["rpath:pkg/ext_abs_*.so: the build path is never searched: the library is beside it"]
"""


def _project(root: Path, fx: Fixtures, wheel: Callable[..., Path], extra: str = "") -> None:
    """A project directory: the wheels in dist/, and a pyproject.toml both entry points read."""
    made = wheel({f"pkg/ext_unallowed{SO}": fx.ext_unallowed, f"pkg/ext_abs_rpath{SO}": fx.ext_abs_rpath})
    (root / "dist").mkdir(exist_ok=True)
    shutil.copy(made, root / "dist")
    toml = f'[project]\nname = "pkg"\n\n[tool.pytest.ini_options]\nmanylinux_policy = "manylinux2014"\n{extra}'
    (root / "pyproject.toml").write_text(toml)


def _verdicts(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> tuple[bool, bool, pytest.RunResult]:
    """(CLI passed, gate passed, the gate's run), both from the project directory."""
    monkeypatch.chdir(pytester.path)
    cli = main(["dist", "--no-cache"])
    assert cli in (0, 1)
    gate = pytester.runpytest("--manylinux-wheel=dist", "-rx", "-p", "no:cacheprovider")
    assert gate.ret in (pytest.ExitCode.OK, pytest.ExitCode.TESTS_FAILED)
    return cli == 0, gate.ret == pytest.ExitCode.OK, gate


@pytest.mark.parametrize(
    ("extra", "passes"),
    [
        ("", False),
        (ALLOWLISTS, True),
        (ALLOWLISTS + "manylinux_strict_allowlist = true\n", False),  # libcuda.so.* matched nothing
    ],
    ids=["no-allowlist", "glob-allowlists", "strict-with-an-unused-entry"],
)
def test_the_cli_and_the_gate_judge_alike_from_one_pyproject(  # noqa: PLR0917 - fixtures
    extra: str,
    passes: bool,  # noqa: FBT001 - a parameter
    fx: Fixtures,
    wheel: Callable[..., Path],
    pytester: pytest.Pytester,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    _project(pytester.path, fx, wheel, extra)
    cli, gate, run = _verdicts(pytester, monkeypatch)
    assert (cli, gate) == (passes, passes)
    if extra:
        err = capsys.readouterr().err
        assert "unused allowlist entry manylinux_allow_libraries 'libcuda.so.*'" in err
        assert "libssl" not in err
        run.stdout.fnmatch_lines(["*unused allowlist entry manylinux_allow_libraries 'libcuda.so.*'*matched nothing*"])
        run.stdout.no_fnmatch_line("*unused allowlist entry manylinux_allow_checks*")
    if passes:
        run.stdout.fnmatch_lines(
            [
                "XFAIL *::pkg/ext_unallowed*::libraries - allowed: the system's OpenSSL*",
                "XFAIL *::pkg/ext_abs_rpath*::rpath - allowed: the build path is never searched*",
            ],
            consecutive=False,
        )


def test_no_config_and_config_file(
    fx: Fixtures, wheel: Callable[..., Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = tmp_path / "project"
    project.mkdir()
    _project(project, fx, wheel, ALLOWLISTS)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    dist = str(project / "dist")
    monkeypatch.chdir(project / "dist")  # found upward, as pytest finds its rootdir config
    assert main([dist, "--no-cache"]) == 0
    assert main([dist, "--no-cache", "--no-config"]) == 1
    monkeypatch.chdir(elsewhere)
    assert main([dist, "--no-cache"]) == 1
    assert main([dist, "--no-cache", "--config", str(project / "pyproject.toml")]) == 0


def test_command_line_allowlists_add_to_the_config(
    fx: Fixtures, wheel: Callable[..., Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _project(tmp_path, fx, wheel)
    monkeypatch.chdir(tmp_path)
    lib = "--allow-library=libssl.so.3: vendored at install"
    assert main(["dist", "--no-cache", lib]) == 1  # the rpath still fails
    assert main(["dist", "--no-cache", lib, "--allow-check=rpath:/opt/build/*: leaked, harmless"]) == 0
    assert main(["dist", "--no-cache", lib, "--allow-check=rpath: all of them"]) == 0
    assert main(["dist", "--no-cache", lib, "--allow-check=rpath: all", "--strict-allowlist"]) == 0
    assert (
        main(["dist", "--no-cache", lib, "--allow-check=rpath: x", "--allow-symbol=GLIBC_9.9: y", "--strict-allowlist"])
        == 1
    )


def test_the_gate_takes_allowlists_on_the_command_line(
    fx: Fixtures, wheel: Callable[..., Path], pytester: pytest.Pytester
) -> None:
    _project(pytester.path, fx, wheel)
    args = ["--manylinux-wheel=dist", "-p", "no:cacheprovider"]
    assert pytester.runpytest(*args).ret == pytest.ExitCode.TESTS_FAILED
    allowed = pytester.runpytest(
        *args,
        "--manylinux-allow-library=libssl.so.*: loaded from the system",
        "--manylinux-allow-check=rpath:pkg/*.so: harmless",
    )
    assert allowed.ret == pytest.ExitCode.OK


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--allow-library=libssl.so.3"], "--allow-library: 'libssl.so.3' needs a reason"),
        (["--config=missing.toml"], "--config missing.toml: no such file"),
        (["--config=pyproject.toml", "--no-config"], "--config and --no-config contradict each other"),
    ],
)
def test_usage_errors_are_one_line(
    args: list[str], message: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "pyproject.toml").write_text("[tool.pytest.ini_options]\n")
    with pytest.raises(SystemExit) as exc:
        main([".", *args])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert message in err


@pytest.mark.parametrize(
    ("toml", "message"),
    [
        ("[tool.pytest.ini_options\n", "not valid TOML"),
        ("[tool.pytest.ini_options]\nmanylinux_allow_libraries = [1]\n", "must be a string or a list of strings"),
        ("[tool.pytest.ini_options]\nmanylinux_allow_libraries = ['libfoo.so']\n", "needs a reason"),
        ("[tool.pytest.ini_options]\nmanylinux_max_symbols = 'lots'\n", "manylinux_max_symbols in"),
    ],
)
def test_a_bad_config_file_is_a_one_line_error(
    toml: str, message: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "pyproject.toml").write_text(toml)
    monkeypatch.chdir(tmp_path)
    with pytest.raises(SystemExit) as exc:
        main(["."])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert message in err


def test_find_config_takes_the_first_pyproject_with_pytest_options(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("[tool.pytest.ini_options]\nmanylinux_policy = 'auto'\nother = 1\n")
    inner = tmp_path / "sub" / "deeper"
    inner.mkdir(parents=True)
    (tmp_path / "sub" / "pyproject.toml").write_text("[project]\nname = 'x'\n")  # no pytest table: skipped
    found = find_config(inner)
    assert found == tmp_path / "pyproject.toml"
    config = read_config(found)
    assert dict(config.values) == {"manylinux_policy": "auto"}
    assert config.base == tmp_path.resolve()


def test_allowances_match_globs_and_name_the_entries_used() -> None:
    allow = Allowances(
        libraries={"libcuda.so.*": "driver", "libcublas*.so.*": "toolkit", "libunused.so": "stale"},
        checks={"rpath:pkg/*.so": "harmless", "execstack": "legacy"},
    )
    assert allow.library("libcuda.so.1") == "driver"
    assert allow.library("libcublasLt.so.12") == "toolkit"
    assert allow.library("libcudart.so.12") is None
    assert allow.check(Check.RPATH, "/opt/build/lib", "pkg/_x.so") == "harmless"
    assert allow.check(Check.RPATH, "/opt/build/lib", "other/_x.so") is None
    assert allow.check(Check.EXECSTACK, "PT_GNU_STACK RWE", "pkg/_x.so") == "legacy"
    used = allow.used(None, Violation(Check.LIBRARIES, "libcuda.so.1", allowed_by="driver"))
    assert used == {"libraries:libcuda.so.*"}
    assert allow.used("pkg/_x.so", Violation(Check.RPATH, "/opt", allowed_by="harmless")) == {"checks:rpath:pkg/*.so"}
    assert allow.used(None, Violation(Check.LIBRARIES, "libcuda.so.1")) == set()  # not allowed: nothing used


def test_execstack_is_allowlisted_by_file_glob(
    fx: Fixtures, wheel: Callable[..., Path], capsys: pytest.CaptureFixture[str]
) -> None:
    path = str(wheel({f"pkg/ext_execstack{SO}": fx.ext_execstack}))
    assert main([path, "--no-cache", "--no-config"]) == 1
    allowed = "--allow-check=execstack:pkg/ext_exec*.so: hand-written assembly, fixed in 2.0"
    assert main([path, "--no-cache", "--no-config", "-v", allowed]) == 0
    assert "hand-written assembly, fixed in 2.0" in capsys.readouterr().out
    assert main([path, "--no-cache", "--no-config", "--allow-check=execstack:other/*.so: no"]) == 1


def test_a_strict_unused_entry_is_no_pass_in_any_report(
    fx: Fixtures, wheel: Callable[..., Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    _project(tmp_path, fx, wheel)
    monkeypatch.chdir(tmp_path)
    args = ["dist", "--no-cache", "--allow-library=libssl.so.3: vendored", "--allow-check=rpath: all"]
    strict = [*args, "--allow-symbol=GLIBC_9.9: y", "--strict-allowlist"]
    assert main([*strict, "--json"]) == 1
    doc = json.loads(capsys.readouterr().out)
    assert (doc["passed"], doc["exit_status"]) == (False, 1)
    assert main(strict) == 1
    assert capsys.readouterr().out.splitlines()[-1] == "FAIL: every wheel passes, but the run failed (exit status 1)"


@pytest.mark.parametrize("python", [(3, 10), (3, 11)], ids=["tomli-on-3.10", "tomllib"])
def test_both_toml_readers_give_the_same_config_and_the_same_errors(
    python: tuple[int, int], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Python 3.10 reads pyproject.toml with tomli: the branch runs here by pretending to be 3.10."""
    good = tmp_path / "good" / "pyproject.toml"
    good.parent.mkdir()
    good.write_text(
        '[tool.pytest.ini_options]\nmanylinux_policy = "manylinux2014"\nmanylinux_strict_allowlist = true\n'
        'manylinux_max_entries = 5000\nmanylinux_allow_libraries = ["libcuda.so.*: the driver"]\n'
        "manylinux_allow_checks = '''\nrpath:pkg/*.so: beside it\n'''\nother = 1\n"
    )
    bad = tmp_path / "bad" / "pyproject.toml"
    bad.parent.mkdir()
    bad.write_text("[tool.pytest.ini_options]\nmanylinux_policy = \n")
    with monkeypatch.context() as m:
        m.setattr("sys.version_info", (*python, 0, "final", 0))
        config = read_config(good)
        with pytest.raises(ConfigError) as error:
            read_config(bad)
    assert dict(config.values) == {
        "manylinux_policy": "manylinux2014",
        "manylinux_strict_allowlist": "true",
        "manylinux_max_entries": "5000",
        "manylinux_allow_libraries": ["libcuda.so.*: the driver"],
        "manylinux_allow_checks": "rpath:pkg/*.so: beside it\n",
    }
    assert config.lines("manylinux_allow_checks") == ["rpath:pkg/*.so: beside it"]
    assert str(error.value).startswith(f"{bad}: not valid TOML: ")
    assert "\n" not in str(error.value)


LOCAL_TAGS = "cp311-cp311-linux_x86_64"  # what `pip wheel .` writes on a developer's machine


@pytest.mark.parametrize("entry", ["tags: local build", "tags:*.whl: local build", "tags:linux_*: local build"])
def test_the_tags_check_takes_an_allowlist_entry(
    entry: str,
    fx: Fixtures,
    wheel: Callable[..., Path],
    pytester: pytest.Pytester,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """``tags`` entries were ignored, then reported unused though tags failed (issue 15)."""
    path = str(wheel({f"pkg/ext_2_5{SO}": fx.ext_2_5}, tags=LOCAL_TAGS))
    cli = [path, "--no-cache", "--no-config"]
    assert main(cli) == 1
    assert "  + linux_x86_64 " in capsys.readouterr().out
    assert main([*cli, f"--allow-check={entry}", "--strict-allowlist"]) == 0
    out, err = capsys.readouterr()
    assert out.startswith("PASS  ")
    assert "[allowed: local build]" in out
    assert "unused" not in err
    gate = [f"--manylinux-wheel={path}", "--manylinux-policy=auto", "-rfx", "-p", "no:cacheprovider"]
    failed = pytester.runpytest(*gate)
    assert failed.ret == pytest.ExitCode.TESTS_FAILED
    failed.stdout.fnmatch_lines(["FAILED *::tags*"])
    allowed = pytester.runpytest(*gate, f"--manylinux-allow-check={entry}", "--manylinux-strict-allowlist")
    assert allowed.ret == pytest.ExitCode.OK
    allowed.stdout.fnmatch_lines(["XFAIL *::tags - allowed: local build"])
    allowed.stdout.no_fnmatch_line("*unused allowlist entry*")


def test_a_tags_entry_that_matches_nothing_is_still_reported_unused(
    fx: Fixtures, wheel: Callable[..., Path], pytester: pytest.Pytester, capsys: pytest.CaptureFixture[str]
) -> None:
    local = str(wheel({f"pkg/ext_2_5{SO}": fx.ext_2_5}, tags=LOCAL_TAGS))
    assert main([local, "--no-cache", "--no-config", "--allow-check=tags:*.tar.gz: sdists only"]) == 1
    unused = "unused allowlist entry manylinux_allow_checks 'tags:*.tar.gz' (sdists only): it matched nothing"
    assert unused in capsys.readouterr().err
    gate = [f"--manylinux-wheel={local}", "--manylinux-policy=auto", "-p", "no:cacheprovider"]
    run = pytester.runpytest(*gate, "--manylinux-allow-check=tags:*.tar.gz: sdists only")
    assert run.ret == pytest.ExitCode.TESTS_FAILED
    run.stdout.fnmatch_lines([f"*{unused}*"])
    honest = str(wheel({f"pkg/ext_2_5{SO}": fx.ext_2_5}, name="honest"))  # true manylinux tags: nothing to accept
    assert main([honest, "--no-cache", "--no-config", "--allow-check=tags: local build"]) == 0
    assert "unused allowlist entry manylinux_allow_checks 'tags' (local build)" in capsys.readouterr().err


def test_an_ini_tags_entry_holds_for_the_cli_the_gate_and_a_marker(
    fx: Fixtures, wheel: Callable[..., Path], pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    made = wheel({f"pkg/ext_2_5{SO}": fx.ext_2_5}, tags=LOCAL_TAGS)
    (pytester.path / "dist").mkdir()
    shutil.copy(made, pytester.path / "dist")
    local = pytester.path / "dist" / made.name
    marked = f'import pytest\n\n@pytest.mark.manylinux("auto", wheel={str(local)!r})\ndef test_local():\n    pass\n'
    pytester.makepyfile(test_marked=marked)
    monkeypatch.chdir(pytester.path)
    args = ["-p", "no:cacheprovider", "--manylinux-strict-allowlist"]
    assert main(["dist", "--no-cache"]) == 1
    assert (
        pytester.runpytest("--manylinux-wheel=dist", "--manylinux-policy=auto", *args).ret
        == pytest.ExitCode.TESTS_FAILED
    )
    pytester.runpytest("test_marked.py", *args).assert_outcomes(failed=1)
    (pytester.path / "pyproject.toml").write_text(
        '[tool.pytest.ini_options]\nmanylinux_allow_checks = ["tags: built on a laptop, never uploaded"]\n'
    )
    assert main(["dist", "--no-cache", "--strict-allowlist"]) == 0
    gate = pytester.runpytest("--manylinux-wheel=dist", "--manylinux-policy=auto", "-rx", *args)
    assert gate.ret == pytest.ExitCode.OK
    gate.stdout.fnmatch_lines(["XFAIL *::tags - allowed: built on a laptop, never uploaded"])
    pytester.runpytest("test_marked.py", *args).assert_outcomes(passed=1)


def test_a_size_entry_naming_the_wheel_counts_as_used(
    fx: Fixtures, wheel: Callable[..., Path], pytester: pytest.Pytester, capsys: pytest.CaptureFixture[str]
) -> None:
    """``size:GLOB`` matches the wheel's name; the unused-entry report matched it against "(wheel file)"."""
    path = str(wheel({f"pkg/ext_2_5{SO}": fx.ext_2_5}))
    entry = "size:pkg-1.0-*.whl: debug build, never uploaded"
    cli = [path, "--no-cache", "--no-config", "--max-wheel-size=1K", "--strict-allowlist"]
    assert main(cli) == 1
    assert main([*cli, f"--allow-check={entry}"]) == 0
    assert "unused" not in capsys.readouterr().err
    gate = [f"--manylinux-wheel={path}", "--manylinux-policy=auto", "--manylinux-max-wheel-size=1K", "-rx"]
    run = pytester.runpytest(*gate, "-p", "no:cacheprovider", f"--manylinux-allow-check={entry}")
    assert run.ret == pytest.ExitCode.OK
    run.stdout.fnmatch_lines(["XFAIL *::size - allowed: debug build, never uploaded"])
    run.stdout.no_fnmatch_line("*unused allowlist entry*")
