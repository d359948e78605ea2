"""One configuration for the CLI and the pytest gate (issue 15): pyproject.toml, flags, glob allowlists."""

from __future__ import annotations

import contextlib
import json
import re
import shutil
from typing import TYPE_CHECKING

import pytest

from pytest_manylinux import Allowances
from pytest_manylinux.__main__ import _Args, _project_config, main, main_parser
from pytest_manylinux._config import ConfigError, find_config, read_config, settings
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


@pytest.mark.parametrize(
    ("name", "section"),
    [("pytest.ini", "[pytest]"), ("tox.ini", "[pytest]"), ("setup.cfg", "[tool:pytest]"), ("pytest.toml", "")],
)
def test_the_cli_and_the_gate_judge_alike_from_any_config_file(  # noqa: PLR0917 - fixtures
    name: str,
    section: str,
    fx: Fixtures,
    wheel: Callable[..., Path],
    pytester: pytest.Pytester,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A file pytest prefers over pyproject.toml (or the only one) holds the allowlists: both entry points use it."""
    _project(pytester.path, fx, wheel)
    (pytester.path / "pyproject.toml").write_text('[project]\nname = "pkg"\n')
    if name == "pytest.toml":
        text = f"[pytest]\nmanylinux_policy = 'manylinux2014'\n{ALLOWLISTS}"
    else:
        lines = ["libssl.so.*: the system's OpenSSL", "rpath:pkg/ext_abs_*.so: the library is beside it"]
        text = (
            f"{section}\nmanylinux_policy = manylinux2014\nmanylinux_allow_libraries = {lines[0]}\n"
            f"manylinux_allow_checks =\n    {lines[1]}\nmanylinux_strict_allowlist = on\n"
        )
    (pytester.path / name).write_text(text)
    cli, gate, _ = _verdicts(pytester, monkeypatch)
    assert (cli, gate) == (True, True)  # before issue 19 the CLI read no config here, and failed the wheel


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
    assert main([dist, "--no-cache"]) == 0  # found from the argument upward, as pytest finds it for a path
    (elsewhere / "pytest.ini").write_text("[pytest]\n")
    assert main([dist, "--no-cache", "-c", "pytest.ini"]) == 1
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


def _cli_error(args: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    """The CLI's stderr for a usage error: exit 2 and one line."""
    with pytest.raises(SystemExit) as exc:
        main(args)
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    return err


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
    assert message in _cli_error([".", *args], capsys)


@pytest.mark.parametrize(
    ("toml", "message"),
    [
        ("[tool.pytest.ini_options\n", "not valid TOML"),
        ("[tool.pytest.ini_options]\nmanylinux_allow_libraries = [1]\n", "must be a list of strings"),
        ("[tool.pytest.ini_options]\nmanylinux_allow_libraries = ['libfoo.so']\n", "needs a reason"),
        ("[tool.pytest.ini_options]\nmanylinux_max_symbols = 'lots'\n", "manylinux_max_symbols in"),
    ],
)
def test_a_bad_config_file_is_a_one_line_error(
    toml: str, message: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "pyproject.toml").write_text(toml)
    monkeypatch.chdir(tmp_path)
    assert message in _cli_error(["."], capsys)


def test_find_config_takes_the_first_pyproject_with_pytest_options(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("[tool.pytest.ini_options]\nmanylinux_policy = 'auto'\nother = 1\n")
    inner = tmp_path / "sub" / "deeper"
    inner.mkdir(parents=True)
    (tmp_path / "sub" / "pyproject.toml").write_text("[project]\nname = 'x'\n")  # no pytest table: skipped
    config = find_config(inner, [])
    assert config.path == tmp_path / "pyproject.toml"
    assert {key: config.get(key) for key in config.values} == {"manylinux_policy": "auto"}
    assert config.base == tmp_path


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
    assert {key: config.get(key) for key in config.values} == {
        "manylinux_policy": "manylinux2014",
        "manylinux_strict_allowlist": True,
        "manylinux_max_entries": "5000",
        "manylinux_allow_libraries": ["libcuda.so.*: the driver"],
        "manylinux_allow_checks": ["rpath:pkg/*.so: beside it"],
    }
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


# -- the config file pytest reads, with pytest as the oracle (issue 19) --------------------------

INI = (
    "manylinux_policy = manylinux2014\nmanylinux_allow_libraries =\n    libcuda.so.*: the driver\n"
    "    libssl.so.3: the system's\nmanylinux_strict_allowlist = yes\nmanylinux_max_symbols = 5000\n"
    "manylinux_policy_file = policies/a.json\n"
)
INI_OPTIONS = (
    '[tool.pytest.ini_options]\nmanylinux_policy = "manylinux_2_28"\n'
    'manylinux_allow_libraries = ["libcuda.so.*: the driver"]\nmanylinux_strict_allowlist = true\n'
    'manylinux_max_symbols = 5000\nmanylinux_allow_checks = """\nrpath: a\n  tags: b\n"""\n'
)
NATIVE = (
    'manylinux_policy = "musllinux_1_2"\nmanylinux_allow_symbols = ["GLIBC_2.14: memcpy"]\n'
    'manylinux_strict_allowlist = false\nmanylinux_max_symbols = "5000"\nmanylinux_no_isolation = true\n'
)
PROJECT = "[project]\nname = 'pkg'\n"  # a pyproject.toml without pytest settings

# (files, directory run in, arguments, -c FILE)
LAYOUTS: dict[str, tuple[dict[str, str], str, list[str], str | None]] = {
    "pytest.toml": ({"pytest.toml": "[pytest]\n" + NATIVE}, ".", [], None),
    ".pytest.toml": ({".pytest.toml": "[pytest]\n" + NATIVE}, ".", [], None),
    "pytest.ini": ({"pytest.ini": "[pytest]\n" + INI}, ".", [], None),
    ".pytest.ini": ({".pytest.ini": "[pytest]\n" + INI}, ".", [], None),
    "pyproject-native": ({"pyproject.toml": "[tool.pytest]\n" + NATIVE}, ".", [], None),
    "pyproject-ini-options": ({"pyproject.toml": INI_OPTIONS}, ".", [], None),
    "tox.ini": ({"tox.ini": "[pytest]\n" + INI}, ".", [], None),
    "setup.cfg": ({"setup.cfg": "[tool:pytest]\n" + INI}, ".", [], None),
    "nested-from-a-subdirectory": ({"tox.ini": "[pytest]\n" + INI, "a/b/c/x": ""}, "a/b/c", [], None),
    "an-empty-pytest.ini-nearer-wins": ({"pyproject.toml": INI_OPTIONS, "sub/pytest.ini": ""}, "sub", [], None),
    "pyproject-without-table-is-passed-over": (
        {"tox.ini": "[pytest]\n" + INI, "sub/pyproject.toml": PROJECT},
        "sub",
        [],
        None,
    ),
    "pyproject-without-table-is-the-last-resort": ({"sub/pyproject.toml": PROJECT}, "sub", [], None),
    "tox.ini-without-pytest-section-is-passed-over": (
        {"setup.cfg": "[tool:pytest]\n" + INI, "sub/tox.ini": "[tox]\nenv_list = py\n"},
        "sub",
        [],
        None,
    ),
    "setup.cfg-without-tool:pytest-is-passed-over": (
        {"pytest.ini": "[pytest]\n" + INI, "sub/setup.cfg": "[metadata]\nname = pkg\n"},
        "sub",
        [],
        None,
    ),
    "one-dir:pytest.toml-over-pytest.ini": (
        {"pytest.toml": "[pytest]\n" + NATIVE, "pytest.ini": "[pytest]\n" + INI},
        ".",
        [],
        None,
    ),
    "one-dir:pytest.ini-over-pyproject-and-tox": (
        {"pytest.ini": "[pytest]\n" + INI, "pyproject.toml": INI_OPTIONS, "tox.ini": "[pytest]\n"},
        ".",
        [],
        None,
    ),
    "one-dir:pyproject-over-tox-and-setup.cfg": (
        {"pyproject.toml": INI_OPTIONS, "tox.ini": "[pytest]\n" + INI, "setup.cfg": "[tool:pytest]\n"},
        ".",
        [],
        None,
    ),
    "one-dir:tox.ini-over-setup.cfg": (
        {"tox.ini": "[pytest]\n" + INI, "setup.cfg": "[tool:pytest]\nmanylinux_policy = x\n"},
        ".",
        [],
        None,
    ),
    "one-dir:pyproject-without-table-under-tox.ini": (
        {"pyproject.toml": PROJECT, "tox.ini": "[pytest]\n" + INI},
        ".",
        [],
        None,
    ),
    "the-arguments-directory-not-the-working-one": (
        {"proj/pyproject.toml": INI_OPTIONS, "proj/dist/pkg.whl": "", "elsewhere/pytest.ini": "[pytest]\n"},
        "elsewhere",
        ["../proj/dist"],
        None,
    ),
    "the-common-ancestor-of-the-arguments": (
        {"tox.ini": "[pytest]\n", "a/pytest.ini": "[pytest]\n" + INI, "a/x/w.whl": "", "a/y/w.whl": ""},
        ".",
        ["a/x/w.whl", "a/y/w.whl"],
        None,
    ),
    "each-argument-when-their-ancestor-has-none": (
        {"a/pytest.ini": "[pytest]\n" + INI, "b/w": ""},
        ".",
        ["a", "b"],
        None,
    ),
    "a-setup.py-stops-the-per-argument-search": (
        {"a/pytest.ini": "[pytest]\n" + INI, "b/w": "", "setup.py": ""},
        ".",
        ["a", "b"],
        None,
    ),
    "globs-and-installed:-are-no-directories": (
        {"pytest.ini": "[pytest]\n" + INI, "sub/tox.ini": "[pytest]\n"},
        ".",
        ["sub/*.whl", "installed:pkg"],
        None,
    ),
    "-c-a-toml-with-[pytest]": (
        {"ci/ci.toml": "[pytest]\n" + NATIVE, "pytest.ini": "[pytest]\n" + INI},
        ".",
        [],
        "ci/ci.toml",
    ),
    "-c-a-toml-with-ini_options": ({"ci.toml": INI_OPTIONS, "pytest.ini": "[pytest]\n"}, ".", [], "ci.toml"),
    "-c-a-toml-with-[tool.pytest]": ({"ci.toml": "[tool.pytest]\n" + NATIVE}, ".", [], "ci.toml"),
    "-c-an-ini": ({"ci/ci.ini": "[pytest]\n" + INI, "tox.ini": "[pytest]\n"}, ".", [], "ci/ci.ini"),
    "-c-a-cfg": ({"ci.cfg": "[tool:pytest]\n" + INI}, ".", [], "ci.cfg"),
    "-c-an-ini-without-[pytest]": (
        {"ci.ini": "[other]\nmanylinux_policy = x\n", "tox.ini": "[pytest]\n"},
        ".",
        [],
        "ci.ini",
    ),
    "-c-a-pytest.ini-without-section": (
        {"ci/pytest.ini": "", "pytest.ini": "[pytest]\n" + INI},
        ".",
        [],
        "ci/pytest.ini",
    ),
    "-c-a-pyproject.toml-elsewhere": (
        {"other/pyproject.toml": INI_OPTIONS, "pytest.ini": ""},
        ".",
        [],
        "other/pyproject.toml",
    ),
    "-c-/dev/null": ({"pytest.ini": "[pytest]\n" + INI}, ".", [], "/dev/null"),
}


def _write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)


@pytest.mark.parametrize("layout", LAYOUTS)
def test_the_cli_reads_the_config_file_and_values_pytest_reads(
    layout: str, pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    """pytest's own Config is the oracle: its inipath and getini() of every key, for each layout."""
    files, where, args, config_file = LAYOUTS[layout]
    _write(pytester.path, files)
    monkeypatch.chdir(pytester.path / where)
    oracle = pytester.parseconfig(*(["-c", config_file] if config_file else []), *args)
    expected = (oracle.inipath, {s.key: oracle.getini(s.key) for s in settings().values()})
    cli_args = [*args, *(["--config", config_file] if config_file else [])]
    project = _project_config(main_parser().parse_args(cli_args, namespace=_Args()))
    assert (project.path, {s.key: project.get(s.key) for s in settings().values()}) == expected


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        ("pytest.toml", "[pytest]\nmanylinux_max_symbols = 5000\n", "'manylinux_max_symbols' expects a string"),
        ("pytest.toml", "[pytest]\nmanylinux_strict_allowlist = 'yes'\n", "expects a bool"),
        ("pytest.ini", "[pytest]\nmanylinux_strict_allowlist = maybe\n", "invalid truth value 'maybe'"),
        ("pyproject.toml", "[tool.pytest.ini_options]\nmanylinux_policy = ['a', 'b']\n", "must be a string"),
        ("pyproject.toml", "[tool.pytest.ini_options]\nmanylinux_allow_libraries = [1]\n", "must be a list of strings"),
        ("setup.cfg", "[pytest]\nmanylinux_policy = x\n", "change to [tool:pytest]"),
        ("pytest.toml", "manylinux_policy = 'x'\n", "must be under a [pytest] table"),
        ("pyproject.toml", "[tool.pytest]\na = 1\n[tool.pytest.ini_options]\nb = 1\n", "both"),
    ],
)
def test_a_value_pytest_refuses_the_cli_refuses(
    name: str, text: str, message: str, pytester: pytest.Pytester, capsys: pytest.CaptureFixture[str]
) -> None:
    (pytester.path / name).write_text(text)
    with pytest.warns(pytest.PytestRemovedIn10Warning) if "['a', 'b']" in text else contextlib.nullcontext():
        try:
            code = pytester.runpytest("-p", "no:cacheprovider").ret
        except pytest.fail.Exception:  # pytest's own fail() while it reads the file (setup.cfg's [pytest])
            code = pytest.ExitCode.USAGE_ERROR
    assert code == pytest.ExitCode.USAGE_ERROR
    capsys.readouterr()
    assert message in _cli_error(["."], capsys)


TYPO = "manylinux_allow_librarys"


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("pyproject.toml", f'[tool.pytest.ini_options]\n{TYPO} = ["libfoo.so: x"]\n'),
        ("pyproject.toml", f'[tool.pytest]\n{TYPO} = ["libfoo.so: x"]\n'),
        ("pytest.ini", f"[pytest]\n{TYPO} = libfoo.so: x\n"),
        ("setup.cfg", f"[tool:pytest]\n{TYPO} = libfoo.so: x\n"),
    ],
)
def test_an_unknown_key_is_a_one_line_error_for_both_entry_points(
    name: str, text: str, pytester: pytest.Pytester, capsys: pytest.CaptureFixture[str]
) -> None:
    """Without --strict-config pytest only warns: a misspelt allowlist would allow nothing, silently."""
    (pytester.path / name).write_text(text)
    hint = f"unknown key '{TYPO}' (did you mean manylinux_allow_libraries?)"
    run = pytester.runpytest("-p", "no:cacheprovider")
    assert run.ret == pytest.ExitCode.USAGE_ERROR
    assert [line for line in run.stderr.lines if hint in line] == [f"ERROR: {pytester.path / name}: {hint}{REST}"]
    capsys.readouterr()
    for args in (["."], [".", "--config", name], [".", "-c", str(pytester.path / name)]):
        assert _cli_error(args, capsys) == f"pytest-manylinux: error: {pytester.path / name}: {hint}{REST}\n"


REST = "; pytest-manylinux takes no such setting"


def test_an_unknown_key_given_with_o_is_a_usage_error(pytester: pytest.Pytester) -> None:
    run = pytester.runpytest("-p", "no:cacheprovider", "-o", f"{TYPO}=libfoo.so: x")
    assert run.ret == pytest.ExitCode.USAGE_ERROR
    run.stderr.fnmatch_lines([f"ERROR: -o/--override-ini: unknown key '{TYPO}' (did you mean *"])


def test_the_keys_pytest_registers_are_the_keys_the_cli_takes(pytester: pytest.Pytester) -> None:
    """addini's keys come from settings(); the CLI accepts each of them, and no other manylinux_* key."""
    helped = pytester.runpytest("--help")
    registered = {m.group(1) for line in helped.stdout.lines if (m := re.match(r"  (manylinux_\w+) \(", line))}
    assert registered == {s.key for s in settings().values()}
    values = {key: str(settings()[key].empty).lower() if settings()[key].kind == "bool" else "" for key in registered}
    values |= {"manylinux_build": "auto", "manylinux_build_installer": "auto"}
    body = "".join(f"{key} = {value}\n" for key, value in sorted(values.items()))
    (pytester.path / "pytest.ini").write_text("[pytest]\n" + body)
    assert set(find_config(pytester.path, []).values) == registered
    assert pytester.runpytest("-p", "no:cacheprovider").ret == pytest.ExitCode.NO_TESTS_COLLECTED  # the plugin too
    (pytester.path / "pytest.ini").write_text("[pytest]\n" + body + "manylinux_nothing = x\n")
    with pytest.raises(ConfigError, match="unknown key 'manylinux_nothing'"):
        find_config(pytester.path, [])
