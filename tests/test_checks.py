"""The check registry: complete, each check with a remedy, and each rule exercised on real binaries."""

from __future__ import annotations

import subprocess
from typing import TYPE_CHECKING

import pytest

from pytest_manylinux._audit import audit
from pytest_manylinux._checks import FILE_CHECKS, REGISTRY, WHEEL_CHECKS, Scope
from pytest_manylinux._model import Check

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

C_DIR = __import__("pathlib").Path(__file__).resolve().parent / "data" / "c"


def test_every_check_has_one_definition_with_a_specific_remedy() -> None:
    assert set(REGISTRY) == set(Check)
    for check, definition in REGISTRY.items():
        assert definition.check is check
        assert len(definition.remedy) > 30, check  # a sentence, not a placeholder
        assert definition.remedy not in {d.remedy for d in REGISTRY.values() if d is not definition}
        if definition.scope is Scope.FILE:
            assert definition.file_rule is not None
    assert {d.check for d in (*FILE_CHECKS, *WHEEL_CHECKS)} == set(Check)


def _compile(tmp_path: Path, source: str, name: str) -> Path:
    out = tmp_path / name
    subprocess.run(
        ["gcc", "-shared", "-fPIC", "-nostdlib", "-fno-builtin", "-o", str(out), str(C_DIR / source)],
        check=True,
        capture_output=True,
    )
    return out


@pytest.mark.parametrize(
    ("source", "module", "tags", "subject", "flag"),
    [
        ("ext_py2.c", "ext_py2.so", "cp27-cp27mu-manylinux1_x86_64", "UCS2", "ucs2"),
        (
            "ext_pyfpe.c",
            "ext_pyfpe.cpython-311-x86_64-linux-gnu.so",
            "cp311-cp311-manylinux1_x86_64",
            "PyFPE_jbuf",
            "pyfpe",
        ),
    ],
)
def test_python_abi_hazards_of_pep_513(  # noqa: PLR0917 - one parameter per column of the table above
    tmp_path: Path, wheel: Callable[..., Path], source: str, module: str, tags: str, subject: str, flag: str
) -> None:
    so = _compile(tmp_path, source, module)
    result = audit(wheel({f"pkg/{module}": so}, tags=tags), "manylinux1")
    found = [v for f in result.verdicts[0].files for v in f.of(Check.PYTHON_ABI)]
    assert [v.subject for v in found] == [subject]
    assert found[0].symbols
    assert getattr(result.flags, flag) is True  # auditwheel show --json's flag, against the best policy
    assert result.best == "linux_x86_64"  # no manylinux tag accepts it


def test_narrow_unicode_is_fine_in_a_cp27m_wheel(tmp_path: Path, wheel: Callable[..., Path]) -> None:
    """PEP 513 allows UCS2 builds tagged cp27m; cp27mu, none or no ABI tag admit UCS4 builds (#9, #21)."""
    so = _compile(tmp_path, "ext_py2.c", "ext_py2.so")
    narrow = audit(wheel({"pkg/ext_py2.so": so}, name="narrow", tags="cp27-cp27m-manylinux1_x86_64"), "manylinux1")
    assert narrow.passed
    assert narrow.best == "manylinux_2_5_x86_64"
    bare = audit(so, "manylinux1")
    assert [v.subject for f in bare.verdicts[0].files for v in f.of(Check.PYTHON_ABI)] == ["UCS2"]
