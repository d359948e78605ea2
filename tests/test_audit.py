"""The composition root and the public API: audit_wheel, audit_elf, judge."""

from __future__ import annotations

import struct
from typing import TYPE_CHECKING

import pytest
from builders import ABS_RUNPATH
from test_arches import ARMHF, E_FLAGS_32, EF_ARM_ABI_FLOAT_SOFT

import pytest_manylinux
from pytest_manylinux import Allowances, InvalidELFError, Limits, ManylinuxError, audit_elf, audit_wheel
from pytest_manylinux._audit import default_policies, judge, read_wheel_facts
from pytest_manylinux._model import Check
from pytest_manylinux._policy import PolicySet

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


def test_an_untagged_elf_file_is_held_to_its_most_compatible_tag(fx: Fixtures) -> None:
    """Without a policy, a bare ELF file is judged, never passed on nothing (issue 15)."""
    leaky = audit_elf(fx.ext_abs_rpath)
    assert [v.policy for v in leaky.verdicts] == [leaky.best] == ["manylinux_2_5_x86_64"]
    assert not leaky.passed
    assert not leaky.releasable
    [rpath] = [v for f in leaky.verdicts[0].files for v in f.of(Check.RPATH)]
    assert rpath.subject == ABS_RUNPATH
    clean = audit_elf(fx.ext_2_5)
    assert [v.policy for v in clean.verdicts] == ["manylinux_2_5_x86_64"]
    assert clean.releasable
    # An explicit policy still decides, as documented.
    assert [v.policy for v in audit_elf(fx.ext_2_5, "manylinux2014").verdicts] == ["manylinux_2_17_x86_64"]


def test_an_untagged_file_of_an_arch_no_policy_covers_fails_tags(fx: Fixtures) -> None:
    """Policy data with no x86_64 policy: only linux_x86_64 fits, which no tag declared; tags says so."""
    real = default_policies()
    without = PolicySet([p for p in real if p.arch != "x86_64" or p.is_linux], [])
    facts = read_wheel_facts(fx.ext_2_5, Limits())
    result = judge(facts, policies=without)
    assert [v.policy for v in result.verdicts] == ["linux_x86_64"]
    assert all(v.passed for v in result.verdicts)  # the hygiene checks ran, and hold
    [untagged] = result.tags
    assert (untagged.check, untagged.subject, untagged.counts) == (Check.TAGS, "(none declared)", True)
    assert not result.passed
    allowed = judge(facts, policies=without, allow=Allowances(checks={"tags": "a local build"}))
    assert allowed.tags[0].allowed_by == "a local build"
    assert allowed.releasable


def test_an_untagged_file_of_no_known_arch_fails_arch(tmp_path: Path) -> None:
    data = bytearray(ARMHF.read_bytes())
    flags = struct.unpack_from("<I", data, E_FLAGS_32)[0]
    struct.pack_into("<I", data, E_FLAGS_32, (flags & ~0x400) | EF_ARM_ABI_FLOAT_SOFT)
    soft = tmp_path / "softfloat.so"
    soft.write_bytes(bytes(data))
    result = audit_elf(soft)
    assert result.best is None
    [arch] = [v for verdict in result.verdicts for f in verdict.files for v in f.violations]
    assert (arch.check, arch.counts) == (Check.ARCH, True)
    assert arch.subject.startswith("EM_ARM (")
    assert not result.releasable
