"""Every example under examples/ runs as its README says: the documented commands, verbatim.

Each example's README is read for its fenced shell blocks (```console, ```sh, ```bash,
```shell), and each block runs as written with ``bash -e`` in a copy of the example laid out
as in a checkout (``<tmp>/repo/examples/<name>`` beside a copy of the package, so
``python -m pip install ../..`` installs from the checkout). The commands run in a virtual
environment of their own, so an install lands there and never in the one this suite (and
its xdist workers) imports from. A block that cannot run here carries
``<!-- not run by tests: REASON -->`` on the line before it (in a workflow, a
``# not run by tests: REASON`` comment), and the set of such blocks is pinned below, so a
new command cannot escape unrun. Commands that live in configuration (the workflow's
``run:`` lines, cibuildwheel's ``audit-command`` and ``test-command``) are run the same way,
with cibuildwheel's placeholders substituted as cibuildwheel substitutes them.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import sysconfig
from dataclasses import dataclass
from fnmatch import fnmatch
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
import tomllib
from packaging.requirements import Requirement
from packaging.utils import parse_wheel_filename

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

    from builders import Fixtures

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"
DATA = Path(__file__).parent / "data" / "c"
BIN = Path(sys.executable).parent
SO = ".cpython-311-x86_64-linux-gnu.so"
MANYLINUX_TAGS = "cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64"
MUSLLINUX_TAGS = "cp311-cp311-musllinux_1_2_x86_64"
ABI3_TAGS = "cp36-abi3-manylinux_2_17_x86_64.manylinux2014_x86_64"
#: What running an example in place leaves behind; a copy must not inherit it (setuptools
#: would reuse a stale build/ and link nothing anew).
LEFTOVERS = shutil.ignore_patterns(
    "build", "dist", "*.egg-info", "__pycache__", ".pytest_cache", "wheelhouse", "manylinux-audit.json"
)

SHELL_FENCES = frozenset({"console", "sh", "bash", "shell"})
OTHER_FENCES = frozenset({"yaml", "toml", "python", "text"})  # shown, not run: never commands
FENCE = re.compile(r"^```(?P<lang>[^\n`]*)\n(?P<body>.*?)^```[ \t]*$", re.MULTILINE | re.DOTALL)
NOT_RUN_HTML = re.compile(r"<!--\s*not run by tests:\s*(?P<reason>.*?)\s*-->\s*$")
NOT_RUN_YAML = re.compile(r"^\s*#\s*not run by tests:\s*(?P<reason>.+?)\s*$")
RUN_LINE = re.compile(r"^\s*(?:-\s+)?run:\s*(?P<value>.*?)\s*$")

#: (example, first line) of every documented command the suite does not run, and why it cannot.
NOT_RUN = {
    ("cibuildwheel", 'python -m pip install "cibuildwheel>=4.3"'): "needs Docker and the network",
    (
        "github-actions",
        'pip install "pytest-manylinux @ git+https://github.com/<org>/pytest-manylinux"',
    ): "needs the network and your copy's URL (replace <org>)",
}

# cibuildwheel's defaults for the audit (pypa/cibuildwheel#2805), which `inherit` extends.
CIBW_AUDIT_REQUIRES = ["abi3audit"]
CIBW_AUDIT_COMMAND = ["abi3audit --strict --report {abi3_wheel}"]


@dataclass(frozen=True)
class Command:
    """One documented block of commands, and why it is not run (None: it is)."""

    text: str
    not_run: str | None

    @property
    def first_line(self) -> str:
        return self.text.strip().splitlines()[0]


def readme_commands(readme: Path) -> list[Command]:
    """The fenced shell blocks of a README, in order; fails on a fence of unknown language."""
    text = readme.read_text()
    out = []
    for match in FENCE.finditer(text):
        lang = match["lang"].strip()
        assert lang in SHELL_FENCES | OTHER_FENCES, f"{readme}: a ```{lang} block: name its language"
        if lang not in SHELL_FENCES:
            continue
        line_before = text[: match.start()].rstrip("\n").rsplit("\n", 1)[-1]
        skip = NOT_RUN_HTML.search(line_before)
        out.append(Command(match["body"], skip["reason"] if skip else None))
    return out


def yaml_blocks(readme: Path) -> list[str]:
    return [m["body"] for m in FENCE.finditer(readme.read_text()) if m["lang"].strip() == "yaml"]


def workflow_commands(workflow: str) -> list[Command]:
    """The one-line ``run:`` values of a GitHub Actions workflow, in order."""
    lines = workflow.splitlines()
    out = []
    for i, line in enumerate(lines):
        match = RUN_LINE.match(line)
        if match is None:
            continue
        value = match["value"]
        assert value, f"run: on line {i + 1} has no command"
        assert value[0] not in "|>", f"line {i + 1}: a block-scalar run: is not parsed here; write one line"
        skip = NOT_RUN_YAML.match(lines[i - 1]) if i else None
        out.append(Command(value, skip["reason"] if skip else None))
    return out


def all_commands() -> dict[tuple[str, str], Command]:
    found: dict[tuple[str, str], Command] = {}
    for readme in sorted(EXAMPLES.glob("*/README.md")):
        for command in readme_commands(readme):
            found[readme.parent.name, command.first_line] = command
    for workflow in sorted(EXAMPLES.glob("*/.github/workflows/*.yml")):
        for command in workflow_commands(workflow.read_text()):
            found[workflow.parents[2].name, command.first_line] = command
    return found


# --- running them --------------------------------------------------------------------------------


def _checkout_copy(tmp_path: Path, name: str) -> Path:
    """``<tmp>/repo/examples/<name>`` next to a copy of the package: ``../..`` is a checkout."""
    repo = tmp_path / "repo"
    (repo / "examples").mkdir(parents=True)
    for file in ROOT.iterdir():  # pyproject.toml, README.md and whatever else the build may name
        if file.is_file() and not file.name.startswith("."):
            shutil.copy(file, repo)
    shutil.copytree(ROOT / "pytest_manylinux", repo / "pytest_manylinux", ignore=shutil.ignore_patterns("__pycache__"))
    return Path(shutil.copytree(EXAMPLES / name, repo / "examples" / name, ignore=LEFTOVERS))


def _copy_example(pytester: pytest.Pytester, name: str) -> None:
    """``pytester.copy_example`` without what an in-place run left behind."""
    shutil.copytree(EXAMPLES / name, pytester.path, ignore=LEFTOVERS, dirs_exist_ok=True)


def _environ(first: Path) -> dict[str, str]:
    """This process's environment with ``first`` at the front of PATH, without pytest's own variables."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "GITHUB_"))}
    path = [p for p in env.get("PATH", "").split(os.pathsep) if p and Path(p) != BIN]
    env["PATH"] = os.pathsep.join([str(first), *path, "/usr/bin", "/bin"])
    return env


@pytest.fixture
def user_venv(tmp_path: Path) -> dict[str, str]:
    """The environment of a user's fresh virtual environment: ``python``, ``pip``, console scripts.

    It sees this suite's packages through a ``.pth`` file (so an install needs no network for
    the dependencies), but installs go into it alone: the venv other tests import from is
    never written to.
    """
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    query = "import sysconfig; print(sysconfig.get_path('purelib'))"
    purelib = Path(subprocess.run([python, "-c", query], check=True, capture_output=True, text=True).stdout.strip())
    (purelib / "test-venv.pth").write_text(sysconfig.get_path("purelib") + "\n")
    env = _environ(venv / "bin")
    env["VIRTUAL_ENV"] = str(venv)
    return env


def _bash(command: str, cwd: Path, env: Mapping[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", "-e", "-c", command], cwd=cwd, env=dict(env), capture_output=True, text=True, check=False, timeout=300
    )


def run_readme(example: Path, env: Mapping[str, str], *, blocks: int) -> list[subprocess.CompletedProcess[str]]:
    """Run every block of the example's README that is not marked, in order; each must succeed.

    ``blocks`` is how many there are: a block added to a README fails here until its test
    says what the block must do.
    """
    commands = [c for c in readme_commands(example / "README.md") if c.not_run is None]
    assert len(commands) == blocks, f"{example.name}: {len(commands)} blocks to run, the test expects {blocks}"
    results = []
    for command in commands:
        result = _bash(command.text, example, env)
        assert result.returncode == 0, f"{command.text}\n{result.stdout}\n{result.stderr}"
        results.append(result)
    return results


def _lines_match(text: str, patterns: list[str]) -> None:
    lines = text.splitlines()
    for pattern in patterns:
        assert any(fnmatch(line, pattern) for line in lines), f"no line matches {pattern!r} in:\n{text}"


# --- the set of commands left out -----------------------------------------------------------------


def test_every_example_documents_commands_and_only_these_are_not_run() -> None:
    found = all_commands()
    examples = {path.parent.name for path in EXAMPLES.glob("*/README.md")}
    assert examples == {"c-extension", "cibuildwheel", "github-actions", "release-gate"}
    assert {name for name, _ in found} == examples  # every example documents its commands
    left_out = {key: command.not_run for key, command in found.items() if command.not_run is not None}
    assert left_out == NOT_RUN


def test_the_parser_sees_marks_and_refuses_unnamed_fences(tmp_path: Path) -> None:
    readme = tmp_path / "README.md"
    readme.write_text(
        "```console\necho one\necho two\n```\n\n<!-- not run by tests: needs Docker -->\n```sh\ndocker run x\n```\n"
        "```python\nprint()\n```\n"
    )
    assert readme_commands(readme) == [Command("echo one\necho two\n", None), Command("docker run x\n", "needs Docker")]
    readme.write_text("```\nmake\n```\n")
    with pytest.raises(AssertionError, match="name its language"):
        readme_commands(readme)
    workflow = "steps:\n  # not run by tests: offline\n  - run: pip install x\n  - name: gate\n    run: pytest y\n"
    assert workflow_commands(workflow) == [Command("pip install x", "offline"), Command("pytest y", None)]
    with pytest.raises(AssertionError, match="block-scalar"):
        workflow_commands("steps:\n  - run: |\n      make\n")


# --- c-extension ----------------------------------------------------------------------------------


def test_c_extension_readme_runs_as_written(tmp_path: Path, user_venv: dict[str, str]) -> None:
    if shutil.which("gcc") is None:
        pytest.skip("needs gcc")
    example = _checkout_copy(tmp_path, "c-extension")
    [tests] = run_readme(example, user_venv, blocks=1)
    # The README's install put the checkout's package into the user's venv, and pytest used it.
    where = _bash("python -c 'import pytest_manylinux; print(pytest_manylinux.__file__)'", example, user_venv)
    assert where.stdout.startswith(user_venv["VIRTUAL_ENV"]), where.stdout
    assert "2 passed, 1 xfailed" in tests.stdout, tests.stdout
    _lines_match(
        tests.stdout,
        [
            "manylinux: policy *; wheel to be built locally with pypa/build: not the wheel you will upload; *",
            "PASS  */clock_example-1.0-*.whl  [[]built locally with pypa/build: not the wheel you will upload]",
        ],
    )


def test_c_extension_without_its_rpath_fix_fails_on_rpath(tmp_path: Path) -> None:
    """What the README says of a pyenv Python: drop the fix from setup.py and the check fires."""
    if shutil.which("gcc") is None:
        pytest.skip("needs gcc")
    if "-Wl,-rpath" not in (sysconfig.get_config_var("LDSHARED") or ""):
        pytest.skip("this Python's LDSHARED adds no RPATH (not a pyenv-style build): nothing to show")
    example = _checkout_copy(tmp_path, "c-extension")
    setup = example / "setup.py"
    fixed = setup.read_text()
    assert '    cmdclass={"build_ext": BuildExtWithoutRpath},\n' in fixed
    setup.write_text(fixed.replace('    cmdclass={"build_ext": BuildExtWithoutRpath},\n', ""))
    result = _bash("python -m pytest tests", example, _environ(BIN))
    assert result.returncode == 1, result.stdout
    assert "1 failed, 1 passed, 1 xfailed" in result.stdout, result.stdout
    libdir = sysconfig.get_config_var("LIBDIR")
    _lines_match(result.stdout, ["FAILED tests/test_wheel.py::test_wheel_is_manylinux2014*", f"*rpath {libdir}*"])


def test_c_extension_example_from_dist(pytester: pytest.Pytester) -> None:
    """A wheel in dist/ is the one audited, and without the xfail the diff names the symbol."""
    if shutil.which("gcc") is None:
        pytest.skip("needs gcc")
    _copy_example(pytester, "c-extension")
    subprocess.run(
        [sys.executable, "-m", "build", "--wheel", "--no-isolation", "-o", "dist", "."],
        cwd=pytester.path,
        check=True,
        capture_output=True,
    )
    result = pytester.runpytest_subprocess("tests", "-p", "no:randomly", "--manylinux-build=never")
    result.assert_outcomes(passed=2, xfailed=1)
    result.stdout.fnmatch_lines(["manylinux: policy *; wheel */dist/clock_example-1.0-*.whl (found in dist/)*"])
    result.stdout.no_fnmatch_line("*built locally*")
    strict = pytester.runpytest_subprocess("tests", "-p", "no:randomly", "--runxfail", "--manylinux-build=never")
    strict.assert_outcomes(passed=2, failed=1)
    strict.stdout.fnmatch_lines(
        [
            "*_ test_wheel_is_not_manylinux2010 _*",
            "sample/_clock.cpython-*.so  vs  manylinux_2_12_x86_64",
            "  symbol versions (GLIBC: the policy allows up to GLIBC_2.12)",
            "  + GLIBC_2.17   clock_gettime",
        ]
    )


def test_c_extension_example_builds_once_under_xdist(pytester: pytest.Pytester) -> None:
    if shutil.which("gcc") is None:
        pytest.skip("needs gcc")
    _copy_example(pytester, "c-extension")
    result = pytester.runpytest_subprocess("tests", "-n", "2", "--manylinux-build=always")
    result.assert_outcomes(passed=2, xfailed=1)
    # Both workers audited the same built file: one wheel, so one summary row.
    built = [line for line in result.stdout.lines if "built locally with pypa/build: not the wheel" in line]
    summary_rows = [line for line in built if line.startswith(("PASS", "FAIL"))]
    assert len(summary_rows) == 1, result.stdout.str()


# --- release-gate ---------------------------------------------------------------------------------


def test_release_gate_readme_runs_as_written(
    tmp_path: Path, fx: Fixtures, wheel: Callable[..., Path], user_venv: dict[str, str]
) -> None:
    example = _checkout_copy(tmp_path, "release-gate")
    wheelhouse = example / "wheelhouse"  # "Put the wheels to release in wheelhouse/"
    wheelhouse.mkdir()
    shutil.copy(wheel({f"fast/ext_2_17{SO}": fx.ext_2_17}, name="fast"), wheelhouse)
    shutil.copy(wheel({f"tls/ext_unallowed{SO}": fx.ext_unallowed}, name="tls"), wheelhouse)
    gate, cli = run_readme(example, user_venv, blocks=2)
    assert "Successfully installed pytest-manylinux" in gate.stdout, gate.stdout
    _lines_match(gate.stdout, ["XFAIL wheelhouse/tls-*::tls/ext_*::libraries*allowed: the 'system' build links*"])
    assert re.search(r"\b1 xfailed\b", gate.stdout), gate.stdout
    assert " failed" not in gate.stdout
    doc = json.loads((example / "manylinux-audit.json").read_text())
    assert sorted(w["overall_tag"] for w in doc["wheels"]) == ["linux_x86_64", "manylinux_2_17_x86_64"]
    # The CLI read the same allowlist from pyproject.toml: both wheels pass, and the entry
    # that accepted nothing in this run is reported.
    _lines_match(cli.stdout, ["PASS  *fast-1.0-*.whl*", "PASS  *tls-1.0-*.whl*"])
    assert "getrandom@GLIBC_2.25" in cli.stderr, cli.stderr


# --- cibuildwheel ---------------------------------------------------------------------------------


def _inherit(default: list[str], value: str | list[str], rule: str) -> list[str]:
    """One layer of cibuildwheel's option cascade for a list option (commands are lists)."""
    values = [value] if isinstance(value, str) else list(value)
    return {"none": values, "append": [*default, *values], "prepend": [*values, *default]}[rule]


def _substitute(template: str, **values: str) -> str:
    """cibuildwheel's ``prepare_command``: known ``{name}`` placeholders replaced, nothing quoted."""
    return re.sub(r"\{(\w+)\}", lambda m: values.get(m[1], m[0]), template)


def _is_abi3(wheel: Path) -> bool:
    return any(tag.abi == "abi3" for tag in parse_wheel_filename(wheel.name)[3])


def cibw_audit_commands(config: Mapping[str, object], wheel: Path, package: Path) -> list[str]:
    """The audit commands cibuildwheel runs on one repaired wheel, placeholders substituted."""
    inherit = config.get("inherit", {})
    assert isinstance(inherit, dict)
    command = config["audit-command"]
    assert isinstance(command, (str, list))
    templates = _inherit(CIBW_AUDIT_COMMAND, command, inherit.get("audit-command", "none"))
    return [
        _substitute(t, wheel=str(wheel), abi3_wheel=str(wheel), project=".", package=str(package))
        for t in templates
        if "{abi3_wheel}" not in t or _is_abi3(wheel)  # cibuildwheel skips those on other wheels
    ]


@pytest.fixture
def abi3_extensions(tmp_path: Path) -> dict[str, Path]:
    """``clean.abi3.so`` (Stable ABI 3.6 only) and ``unstable.abi3.so`` (calls PyFunction_GetCode)."""
    include = Path(sysconfig.get_paths()["include"])
    if shutil.which("gcc") is None or not (include / "Python.h").is_file():
        pytest.skip("needs gcc and this Python's headers")
    built = {}
    for name in ("clean", "unstable"):
        target = tmp_path / f"{name}.abi3.so"
        flags = ["-shared", "-fPIC", "-O1", f"-I{include}", "-o", str(target)]
        subprocess.run(["gcc", *flags, str(DATA / "abi3" / f"{name}.c")], check=True)
        built[name] = target
    return built


def test_cibuildwheel_commands_run_as_cibuildwheel_would(
    tmp_path: Path, fx: Fixtures, wheel: Callable[..., Path], abi3_extensions: dict[str, Path]
) -> None:
    example = _checkout_copy(tmp_path, "cibuildwheel")
    assert run_readme(example, _environ(BIN), blocks=0) == []  # its one block needs Docker
    config = tomllib.loads((example / "pyproject.toml").read_text())["tool"]["cibuildwheel"]
    # The default audit is kept, ours appended: abi3audit first, then pytest-manylinux.
    assert config["inherit"] == {"audit-requires": "append", "audit-command": "append"}
    requires = _inherit(CIBW_AUDIT_REQUIRES, config["audit-requires"], config["inherit"]["audit-requires"])
    assert [Requirement(r).name for r in requires] == ["abi3audit", "pytest-manylinux"]
    assert [Requirement(r).name for r in config["test-requires"]] == ["pytest", "pytest-manylinux"]
    env = _environ(BIN)  # abi3audit, pytest and pytest-manylinux: what those requires install

    wheels = {
        "abi3": wheel({"demo/clean.abi3.so": abi3_extensions["clean"]}, name="demo", tags=ABI3_TAGS),
        "abi3-unstable": wheel({"bad/unstable.abi3.so": abi3_extensions["unstable"]}, name="bad", tags=ABI3_TAGS),
        "manylinux": wheel({f"pkg/ext_2_17{SO}": fx.ext_2_17}, name="pkg", tags=MANYLINUX_TAGS),
        "musllinux": wheel({"m/ext_musl.cpython-311-x86_64-linux-musl.so": fx.ext_musl}, name="m", tags=MUSLLINUX_TAGS),
        "too-new": wheel({f"new/ext_2_99{SO}": fx.ext_2_99}, name="new", tags=MANYLINUX_TAGS),
    }
    runs = {
        kind: [_bash(c, example, env) for c in cibw_audit_commands(config, path, example)]
        for kind, path in wheels.items()
    }
    codes = {kind: [r.returncode for r in results] for kind, results in runs.items()}
    assert codes == {
        "abi3": [0, 0],  # abi3audit, then ours
        "abi3-unstable": [1, 1],
        "manylinux": [0],  # {abi3_wheel}: abi3audit is not run on a version-specific wheel
        "musllinux": [0],  # held to musllinux_1_2, not to manylinux2014
        "too-new": [1],
    }, {kind: [r.stdout + r.stderr for r in results] for kind, results in runs.items()}
    abi3audit, ours = runs["abi3-unstable"]
    assert "PyFunction_GetCode" in abi3audit.stdout + abi3audit.stderr
    assert "PyFunction_GetCode" in ours.stdout
    assert "GLIBC_2.99" in runs["too-new"][0].stdout
    _lines_match(runs["musllinux"][0].stdout, ["PASS  *m-1.0-*musllinux_1_2_x86_64.whl*musllinux_1_2_x86_64*"])

    for kind in ("manylinux", "musllinux"):
        command = _substitute(
            config["test-command"], project=str(example), package=str(example), wheel=str(wheels[kind])
        )
        test = _bash(command, tmp_path, env)
        assert test.returncode == 0, test.stdout + test.stderr
        assert "1 passed" in test.stdout, test.stdout
    failing = _substitute(
        config["test-command"], project=str(example), package=str(example), wheel=str(wheels["too-new"])
    )
    assert _bash(failing, tmp_path, env).returncode == 1


# --- github-actions -------------------------------------------------------------------------------


def test_github_actions_workflow_gates_each_family_against_its_policy(
    tmp_path: Path, fx: Fixtures, wheel: Callable[..., Path]
) -> None:
    example = EXAMPLES / "github-actions"
    workflow = (example / ".github" / "workflows" / "wheels.yml").read_text()
    assert yaml_blocks(example / "README.md") == [workflow]  # the README shows the file, as it is
    assert run_readme(example, _environ(BIN), blocks=0) == []  # its commands are the workflow's
    commands = [c.text for c in workflow_commands(workflow) if c.not_run is None]
    assert commands, "the workflow has no run: line the suite can run"

    # A project checkout as the job sees it: configured tests that need the project installed,
    # which the gate must not collect, and the wheelhouse cibuildwheel wrote.
    (tmp_path / "pyproject.toml").write_text('[tool.pytest.ini_options]\ntestpaths = ["tests"]\n')
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "conftest.py").write_text("import the_project_that_is_not_installed\n")
    wheelhouse = tmp_path / "wheelhouse"
    wheelhouse.mkdir()
    shutil.copy(wheel({f"pkg/ext_2_17{SO}": fx.ext_2_17}, tags=MANYLINUX_TAGS), wheelhouse)
    shutil.copy(
        wheel({"m/ext_musl.cpython-311-x86_64-linux-musl.so": fx.ext_musl}, name="m", tags=MUSLLINUX_TAGS), wheelhouse
    )
    summary = tmp_path / "summary.md"
    env = {**_environ(BIN), "GITHUB_STEP_SUMMARY": str(summary), "GITHUB_ACTIONS": "true"}

    def gate() -> list[subprocess.CompletedProcess[str]]:
        summary.write_text("")
        return [_bash(command, tmp_path, env) for command in commands]

    [passing] = gate()
    assert passing.returncode == 0, passing.stdout + passing.stderr
    _lines_match(passing.stdout, ["manylinux: policy manylinux2014, musllinux_1_2; *"])
    rows = summary.read_text().splitlines()
    assert rows[0].startswith("### pytest-manylinux: PASS"), rows
    assert any("pkg-1.0" in row and "manylinux_2_17_x86_64" in row and "pass" in row for row in rows), rows
    assert any("m-1.0" in row and "musllinux_1_2_x86_64" in row and "pass" in row for row in rows), rows
    assert "::error" not in passing.stderr
    assert (tmp_path / "manylinux.xml").is_file()

    # A manylinux wheel that needs more than manylinux2014 fails the same step, named.
    shutil.copy(wheel({f"bad/ext_2_99{SO}": fx.ext_2_99}, name="bad", tags=MANYLINUX_TAGS), wheelhouse)
    [failing] = gate()
    assert failing.returncode == 1, failing.stdout
    rows = summary.read_text().splitlines()
    assert rows[0].startswith("### pytest-manylinux: FAIL: 1 of 3 wheels fail"), rows
    assert any("bad-1.0" in row and "GLIBC_2.99 \\(future_fn\\)" in row for row in rows), rows
    _lines_match(failing.stderr, ["::error *bad-1.0-*"])
