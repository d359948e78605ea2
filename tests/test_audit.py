"""The composition root and the public API: audit_wheel, audit_elf, judge."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

import pytest_manylinux
from pytest_manylinux import InvalidELFError, Limits, ManylinuxError, audit_elf, audit_wheel
from pytest_manylinux._audit import default_policies, judge, read_wheel_facts

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

    from builders import Fixtures

SO = ".cpython-311-x86_64-linux-gnu.so"


def test_public_names_are_all_importable() -> None:
    for name in pytest_manylinux.__all__:
        assert getattr(pytest_manylinux, name) is not None
    assert dir(pytest_manylinux) == pytest_manylinux.__all__
    with pytest.raises(AttributeError):
        _ = pytest_manylinux.nope


def test_audit_wheel_and_audit_elf(fx: Fixtures, wheel: Callable[..., Path], tmp_path: Path) -> None:
    result = audit_wheel(wheel({f"pkg/ext_2_14{SO}": fx.ext_2_14}), "manylinux2010")
    assert (result.passed, result.best) == (False, "manylinux_2_17_x86_64")
    assert audit_elf(fx.ext_2_5).best == "manylinux_2_5_x86_64"
    with pytest.raises(InvalidELFError, match="no such file"):
        audit_elf(tmp_path / "missing.so")
    (tmp_path / "text.so").write_text("not an ELF file")
    with pytest.raises(ManylinuxError):
        audit_elf(tmp_path / "text.so")


def test_judge_is_pure_and_reuses_facts(fx: Fixtures, wheel: Callable[..., Path]) -> None:
    facts = read_wheel_facts(wheel({f"pkg/ext_2_17{SO}": fx.ext_2_17}), Limits())
    policies = default_policies()
    strict, loose = judge(facts, "manylinux2010", policies=policies), judge(facts, "manylinux2014", policies=policies)
    assert (strict.passed, loose.passed) == (False, True)
    assert strict.facts is loose.facts
    declared = judge(facts, policies=policies)
    assert [v.policy for v in declared.verdicts] == ["manylinux_2_17_x86_64"]
    assert declared.releasable
