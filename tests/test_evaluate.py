"""Verdicts on real wheels built from gcc output: one test per rule."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from pytest_manylinux._audit import audit, default_policies, judge, read_wheel_facts
from pytest_manylinux._checks import Allowances
from pytest_manylinux._model import Check, Violation

POLICIES = default_policies()

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

    from builders import Fixtures

    from pytest_manylinux._model import Audit

    Wheel = Callable[..., Path]

SO = ".cpython-311-x86_64-linux-gnu.so"


def violations(result: Audit, check: Check | None = None) -> list[Violation]:
    return [
        v
        for verdict in result.verdicts
        for v in (*(v for f in verdict.files for v in f.violations), *verdict.violations)
        if check is None or v.check is check
    ]


@pytest.mark.parametrize(
    ("fixture", "best"),
    [
        ("ext_2_5", "manylinux_2_5_x86_64"),
        ("ext_2_14", "manylinux_2_17_x86_64"),
        ("ext_2_17", "manylinux_2_17_x86_64"),
        ("ext_libm", "manylinux_2_31_x86_64"),
        ("ext_2_99", "linux_x86_64"),
        ("ext_private", "linux_x86_64"),
        ("ext_unallowed", "linux_x86_64"),
        ("ext_zlib", "manylinux_2_27_x86_64"),  # needs ZLIB_1.2.9
        ("ext_blacklisted", "manylinux_2_24_x86_64"),
        ("ext_isa_v3", "linux_x86_64"),
    ],
)
def test_most_compatible_tag(fx: Fixtures, wheel: Wheel, fixture: str, best: str) -> None:
    path = getattr(fx, fixture)
    assert audit(wheel({f"pkg/{path.name}": path})).best == best


def test_symbol_versions_name_the_symbols(fx: Fixtures, wheel: Wheel) -> None:
    result = audit(wheel({f"pkg/ext_2_17{SO}": fx.ext_2_17}), "manylinux2010")
    assert not result.passed
    found = {v.subject: v for v in violations(result, Check.SYMBOL_VERSIONS)}
    assert set(found) == {"GLIBC_2.14", "GLIBC_2.17"}
    assert found["GLIBC_2.14"].symbols == ("memcpy",)
    assert found["GLIBC_2.17"].symbols == ("clock_gettime", "secure_getenv")
    assert found["GLIBC_2.17"].expected == "GLIBC_2.12"
    assert audit(wheel({f"pkg/ext_2_17{SO}": fx.ext_2_17}), "manylinux2014").passed


def test_glibc_private_is_never_allowed(fx: Fixtures, wheel: Wheel) -> None:
    result = audit(wheel({f"pkg/{fx.ext_private.name}": fx.ext_private}), "manylinux_2_41")
    assert [v.subject for v in violations(result, Check.SYMBOL_VERSIONS)] == ["GLIBC_PRIVATE"]


def test_unallowed_library_fails_and_zlib_passes(fx: Fixtures, wheel: Wheel) -> None:
    bad = audit(wheel({f"pkg/{fx.ext_unallowed.name}": fx.ext_unallowed}), "manylinux2014")
    assert [v.subject for v in violations(bad, Check.LIBRARIES)] == ["libssl.so.3"]
    # OPENSSL is a prefix no policy lists, so only the library check fails.
    assert violations(bad, Check.SYMBOL_VERSIONS) == []
    zlib = audit(wheel({f"pkg/{fx.ext_zlib.name}": fx.ext_zlib}), "manylinux1")
    assert violations(zlib, Check.LIBRARIES) == []  # libz.so.1 is on every manylinux system


def test_library_shipped_through_origin_runpath_is_not_external(fx: Fixtures, wheel: Wheel) -> None:
    files = {f"pkg/{fx.ext_origin.name}": fx.ext_origin, "pkg.libs/libvendored.so.1": fx.libvendored}
    result = audit(wheel(files), "manylinux2014")
    assert result.passed, violations(result)
    # The vendored library itself needs GLIBC_2.14, which manylinux2010 lacks.
    old = audit(wheel(files), "manylinux2010")
    assert {(v.subject, v.symbols) for v in violations(old)} == {("GLIBC_2.14", ("memcpy",))}
    # Without the library in the wheel, nothing on the host can stand in.
    alone = audit(wheel({f"pkg/{fx.ext_origin.name}": fx.ext_origin}), "manylinux2014")
    assert [v.subject for v in violations(alone, Check.LIBRARIES)] == ["libvendored.so.1"]


def test_blacklist_only_applies_to_old_policies(fx: Fixtures, wheel: Wheel) -> None:
    path = wheel({f"pkg/{fx.ext_blacklisted.name}": fx.ext_blacklisted})
    old = violations(audit(path, "manylinux2014"), Check.BLACKLIST)
    assert [(v.subject, v.symbols) for v in old] == [("libc.so.6", ("pthread_getattr_default_np",))]
    assert audit(path, "manylinux_2_24").passed


def test_interpreter_must_be_the_platform_loader(fx: Fixtures, wheel: Wheel) -> None:
    good = audit(wheel({"pkg/bin/tool": fx.exe_glibc}), "manylinux2014")
    assert good.passed
    nix = audit(wheel({"pkg/bin/tool": fx.exe_nix}), "manylinux2014")
    [v] = violations(nix, Check.INTERPRETER)
    assert v.subject.startswith("/nix/store/")
    assert v.expected == "/lib64/ld-linux-x86-64.so.2"
    assert nix.best == "linux_x86_64"


def test_musl_binary_in_a_manylinux_wheel(fx: Fixtures, wheel: Wheel) -> None:
    result = audit(wheel({"pkg/bin/tool": fx.exe_musl}), "manylinux2014")
    checks = {v.check for v in violations(result)}
    assert {Check.INTERPRETER, Check.LIBC, Check.LIBRARIES} <= checks
    musl = audit(wheel({"pkg/bin/tool": fx.exe_musl}, tags="py3-none-musllinux_1_2_x86_64"), None)
    assert musl.passed
    assert musl.best == "musllinux_1_1_x86_64"  # the most compatible musl policy


def test_stray_architecture_fails(fx: Fixtures, wheel: Wheel) -> None:
    if fx.ext_i686 is None:
        pytest.skip("gcc cannot emit -m32 code here")
    files = {f"pkg/ext_2_5{SO}": fx.ext_2_5, "pkg/_x86.so": fx.ext_i686}
    [v] = violations(audit(wheel(files), "manylinux2014"), Check.ARCH)
    assert (v.subject, v.expected) == ("i686", "x86_64")


def test_hygiene_checks(fx: Fixtures, wheel: Wheel) -> None:
    result = audit(
        wheel(
            {
                f"pkg/{fx.ext_execstack.name}": fx.ext_execstack,
                f"pkg/{fx.ext_abs_rpath.name}": fx.ext_abs_rpath,
                f"pkg/{fx.ext_old_rpath.name}": fx.ext_old_rpath,
                f"pkg/{fx.ext_2_5.name}": fx.ext_2_5,
            },
            omit_from_record=[f"pkg/{fx.ext_2_5.name}"],
        ),
        "manylinux2014",
    )
    assert [v.subject for v in violations(result, Check.EXECSTACK)] == ["PT_GNU_STACK RWE"]
    assert sorted(v.subject for v in violations(result, Check.RPATH)) == [
        "/opt/build/leaked/lib",
        "/usr/local/lib",
    ]
    assert [v.subject for v in violations(result, Check.RECORD)] == [f"pkg/{fx.ext_2_5.name}"]
    # None of these change the most compatible tag; they fail every tag alike.
    assert result.best == "manylinux_2_5_x86_64"


def test_origin_rpath_escaping_the_wheel_is_reported(fx: Fixtures, wheel: Wheel) -> None:
    result = audit(wheel({f"{fx.ext_origin.name}": fx.ext_origin}), "manylinux2014")
    assert [v.subject for v in violations(result, Check.RPATH)] == ["$ORIGIN/../pkg.libs"]


def test_declared_tags_are_the_default_target(fx: Fixtures, wheel: Wheel) -> None:
    honest = audit(wheel({f"pkg/{fx.ext_2_17.name}": fx.ext_2_17}))
    assert honest.passed
    assert [v.policy for v in honest.verdicts] == ["manylinux_2_17_x86_64"]
    lying = audit(wheel({f"pkg/{fx.ext_2_17.name}": fx.ext_2_17}, tags="cp311-cp311-manylinux1_x86_64"))
    assert not lying.passed
    assert [(v.subject, v.expected) for v in lying.tags] == [
        ("manylinux1_x86_64 (= manylinux_2_5_x86_64)", "manylinux_2_17_x86_64")  # the alias the file uses
    ]


def test_filename_and_wheel_tags_must_agree(fx: Fixtures, wheel: Wheel) -> None:
    path = wheel(
        {f"pkg/{fx.ext_2_5.name}": fx.ext_2_5},
        tags="cp311-cp311-manylinux_2_17_x86_64",
        wheel_tags=["cp311-cp311-manylinux_2_28_x86_64"],
    )
    result = audit(path)
    assert [v.hint for v in result.tags] == ["the file name and WHEEL disagree"]
    assert not result.passed


def test_allowances_keep_the_violation_but_not_the_failure(fx: Fixtures, wheel: Wheel) -> None:
    facts = read_wheel_facts(wheel({f"pkg/{fx.ext_2_17.name}": fx.ext_2_17}))
    allow = Allowances(symbols={"memcpy@GLIBC_2.14": "audited: only called on aligned buffers", "GLIBC_2.17": "x"})
    result = judge(facts, "manylinux2010", allow=allow, policies=POLICIES)
    assert result.passed
    assert {v.allowed_by for v in violations(result)} == {"audited: only called on aligned buffers", "x"}
    partial = judge(facts, "manylinux2010", allow=Allowances(symbols={"memcpy@GLIBC_2.14": "r"}), policies=POLICIES)
    assert not partial.passed


def test_directory_and_bare_elf_inputs(fx: Fixtures, tmp_path: Path) -> None:
    tree = tmp_path / "site" / "pkg"
    tree.mkdir(parents=True)
    (tree / fx.ext_2_14.name).write_bytes(fx.ext_2_14.read_bytes())
    (tree / "link.so").symlink_to(fx.ext_2_99)  # never followed
    directory = audit(tmp_path / "site", "manylinux2010")
    assert [e.path for e in directory.facts.elves] == [f"pkg/{fx.ext_2_14.name}"]
    assert [v.subject for v in violations(directory)] == ["GLIBC_2.14"]
    bare = audit(fx.ext_2_14)
    assert (bare.facts.kind, bare.best) == ("elf", "manylinux_2_17_x86_64")


def test_pure_wheel_has_nothing_to_check(wheel: Wheel) -> None:
    result = audit(wheel({"pkg/__init__.py": b""}, tags="py3-none-any"), "manylinux2014")
    assert result.passed
    assert (result.best, result.facts.elves) == (None, ())


def test_unknown_machine_fails_a_policy_given_without_arch(fx: Fixtures, tmp_path: Path) -> None:
    data = bytearray(fx.ext_2_5.read_bytes())
    data[0x12:0x14] = (0x1234).to_bytes(2, "little")  # e_machine nobody ships wheels for
    odd = tmp_path / "odd.so"
    odd.write_bytes(bytes(data))
    result = audit(odd, "manylinux2014")
    assert not result.passed
    [v] = violations(result, Check.ARCH)
    assert v.subject.startswith("4660 (")


def test_missing_record_is_not_a_false_tag(wheel: Wheel) -> None:
    result = audit(wheel({"pkg/__init__.py": b""}, tags="cp311-cp311-manylinux_2_17_x86_64", record=False))
    assert not result.passed  # no RECORD: installers cannot track the files
    assert result.tags == ()
    assert [v.check for v in result.verdicts[0].violations] == [Check.RECORD]
