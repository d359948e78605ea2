"""The layout's rules, checked on the code: data flows one way and each module knows only what it needs."""

from __future__ import annotations

import ast
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "pytest_manylinux"


def _imports(module: str) -> tuple[set[str], set[str]]:
    """(package modules, outside modules) a module imports, anywhere in it."""
    tree = ast.parse((PACKAGE / f"{module}.py").read_text())
    ours: set[str] = set()
    theirs: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                target = node.module or ""
                ours.update({target} if target else {alias.name for alias in node.names})
            elif node.module:
                theirs.add(node.module.split(".")[0])
        elif isinstance(node, ast.Import):
            theirs.update(alias.name.split(".")[0] for alias in node.names)
    return ours, theirs


MODULES = sorted(p.stem for p in PACKAGE.glob("*.py") if p.stem != "__init__")


def test_elftools_is_imported_by_one_module() -> None:
    assert [m for m in MODULES if "elftools" in _imports(m)[1]] == ["_elf"]


@pytest.mark.parametrize(
    ("module", "allowed"),
    [
        ("_errors", set()),
        ("_model", set()),
        ("_elf", {"_errors", "_model"}),
        ("_checks", {"_model", "_policy", "_stable_abi"}),
        ("_evaluate", {"_checks", "_model", "_policy"}),
        ("_render", {"_checks", "_errors", "_model", "_policy"}),
        ("_gate", {"_baseline", "_checks", "_errors", "_locate", "_session", "_model", "_render"}),
        ("_baseline", {"_errors", "_evaluate", "_files", "_model", "_policy", "_render"}),
        ("plugin", {"_audit", "_session", "_settings", "_errors", "_gate", "_markers", "_report", "_view", "_policy"}),
    ],
)
def test_each_module_knows_only_what_it_needs(module: str, allowed: set[str]) -> None:
    ours, _ = _imports(module)
    assert ours <= allowed, f"{module} imports {sorted(ours - allowed)}"


@pytest.mark.parametrize("module", ["_checks", "_evaluate", "_render", "_model", "_view"])
def test_judging_and_rendering_do_no_io(module: str) -> None:
    _, theirs = _imports(module)
    assert not theirs & {"os", "zipfile", "io", "tempfile", "shutil", "subprocess", "elftools", "json"}
    assert "open(" not in (PACKAGE / f"{module}.py").read_text()


def test_nothing_imports_the_plugin_module() -> None:
    """plugin.py is hooks only; the old plugin <-> items cycle must not come back."""
    assert [m for m in MODULES if "plugin" in _imports(m)[0]] == []


@pytest.mark.skipif(shutil.which("mypy", path=str(Path(sys.executable).parent)) is None, reason="needs mypy")
def test_a_users_strict_mypy_accepts_the_public_api(tmp_path: Path) -> None:
    user = tmp_path / "user_code.py"
    user.write_text(
        "from pytest_manylinux import Audit, AuditView, Limits, ManylinuxError, audit_elf, audit_wheel\n\n"
        "def check(path: str) -> bool:\n"
        "    try:\n"
        "        result: Audit = audit_wheel(path, 'manylinux2014')\n"
        "    except ManylinuxError:\n"
        "        return False\n"
        "    view = AuditView(result)\n"
        "    return result.passed and view.max_version('GLIBC') <= '2.17' and Limits().max_entries > 0\n\n"
        "__all__ = ['audit_elf', 'check']\n"
    )
    mypy = Path(sys.executable).parent / "mypy"
    out = subprocess.run(
        [str(mypy), "--strict", "--no-incremental", "--config-file", "/dev/null", str(user)],
        capture_output=True, text=True, check=False, cwd=tmp_path, env={**os.environ, "MYPYPATH": str(PACKAGE.parent)},
    )  # fmt: skip
    assert out.returncode == 0, out.stdout + out.stderr


def test_a_run_that_audits_nothing_imports_none_of_the_audit(pytester: pytest.Pytester) -> None:
    """The plugin loads in every pytest run of a project: one that gates nothing must not pay for it."""
    pytester.makeconftest(
        """
        import sys

        def pytest_sessionfinish(session):
            heavy = ("pytest_manylinux._audit", "pytest_manylinux._gate", "pytest_manylinux._elf", "isal")
            print("LOADED:", sorted(m for m in heavy if m in sys.modules))
        """
    )
    pytester.makepyfile(test_plain="def test_plain():\n    pass\n")
    result = pytester.runpytest_subprocess("-s", "-p", "no:randomly")
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["*LOADED: []"])
