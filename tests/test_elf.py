"""ELF facts against GNU readelf, the oracle, on real gcc output."""

from __future__ import annotations

import dataclasses
import io
import re
import subprocess
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from hostile import DT_JMPREL, ElfMap, flood_symbols, repeat_needed

from pytest_manylinux._elf import WorkBudget, read_facts
from pytest_manylinux._errors import InvalidELFError
from pytest_manylinux._wheel import Limits

if TYPE_CHECKING:
    from builders import Fixtures

    from pytest_manylinux._model import ElfFacts

DYNAMIC_FIXTURES = [
    "ext_2_5", "ext_2_14", "ext_2_17", "ext_2_99", "ext_private", "ext_weak", "ext_libm",
    "ext_zlib", "ext_unallowed", "ext_blacklisted", "ext_execstack", "ext_abs_rpath",
    "ext_old_rpath", "ext_origin", "libvendored", "ext_isa_v3", "ext_stripped",
    "exe_glibc", "exe_nix", "exe_musl", "ext_musl",
]  # fmt: skip


def facts_of(path: Path) -> ElfFacts:
    with path.open("rb") as f:
        return read_facts(f, path.name)


def readelf(*args: str | Path) -> str:
    return subprocess.run(["readelf", "-W", *map(str, args)], check=True, capture_output=True, text=True).stdout


def readelf_undefined(path: Path) -> set[tuple[str, str | None]]:
    """(name, version) of every undefined .dynsym entry, as readelf prints them."""
    out: set[tuple[str, str | None]] = set()
    for line in readelf("--dyn-syms", path).splitlines():
        # ppc64 (ELFv2) shows a local entry offset after the visibility.
        cols = re.sub(r"\[<localentry>: \d+\]", "", line).split()
        if len(cols) >= 8 and cols[6] == "UND" and cols[0].rstrip(":").isdigit():
            name, _, raw = cols[7].partition("@")
            out.add((name, raw.lstrip("@").split(" ")[0] or None))
    return out


def readelf_needed(path: Path) -> list[str]:
    return re.findall(r"\(NEEDED\)\s+Shared library: \[([^\]]+)\]", readelf("-d", path))


def readelf_version_needs(path: Path) -> set[tuple[str, str]]:
    out, library = set(), None
    for line in readelf("-V", path).splitlines():
        if m := re.search(r"File: (\S+)\s+Cnt:", line):
            library = m.group(1)
        elif (m := re.search(r"Name: (\S+)\s+Flags:", line)) and library:
            out.add((library, m.group(1)))
    return out


@pytest.mark.parametrize("name", DYNAMIC_FIXTURES)
def test_undefined_symbols_and_versions_match_readelf(fx: Fixtures, name: str) -> None:
    path = getattr(fx, name)
    facts = facts_of(path)
    ours = {(s.name, s.version) for s in facts.undefined}
    assert ours == readelf_undefined(path)
    assert list(facts.needed) == readelf_needed(path)
    assert {(n.library, n.version) for n in facts.version_needs} == readelf_version_needs(path)


def test_stripped_binary_still_names_the_symbol_behind_each_version(fx: Fixtures) -> None:
    assert ".symtab" not in readelf("-S", fx.ext_stripped)
    facts = facts_of(fx.ext_stripped)
    assert facts.symbols_by_version()["GLIBC_2.14"] == ("memcpy",)
    assert facts.python_init == "PyInit_ext_stripped"


def test_program_header_facts(fx: Fixtures) -> None:
    assert facts_of(fx.exe_glibc).interpreter == "/lib64/ld-linux-x86-64.so.2"
    assert facts_of(fx.exe_nix).interpreter.startswith("/nix/store/")  # type: ignore[union-attr]
    assert facts_of(fx.exe_musl).interpreter == "/lib/ld-musl-x86_64.so.1"
    static = facts_of(fx.exe_static)
    assert (static.interpreter, static.has_dynamic, static.needed) == (None, False, ())
    assert facts_of(fx.ext_execstack).exec_stack is True
    assert facts_of(fx.ext_2_14).exec_stack is False


def test_dynamic_tags(fx: Fixtures) -> None:
    assert facts_of(fx.ext_abs_rpath).runpath == ("/opt/build/leaked/lib",)
    old = facts_of(fx.ext_old_rpath)
    assert (old.rpath, old.runpath) == (("/usr/local/lib",), ())
    origin = facts_of(fx.ext_origin)
    assert origin.runpath == ("$ORIGIN/../pkg.libs",)
    assert facts_of(fx.libvendored).soname == "libvendored.so.1"


def test_arch_isa_and_class(fx: Fixtures) -> None:
    x64 = facts_of(fx.ext_2_5)
    assert (x64.arch, x64.elf_class, x64.machine, x64.isa) == ("x86_64", 64, "EM_X86_64", None)
    assert "x86-64-v3" in readelf("-n", fx.ext_isa_v3)
    assert facts_of(fx.ext_isa_v3).isa == "x86_64_v3"
    if fx.ext_i686 is None:
        pytest.skip("gcc cannot emit -m32 code here")
    i686 = facts_of(fx.ext_i686)
    assert (i686.arch, i686.elf_class) == ("i686", 32)
    assert {s.version for s in i686.undefined} == {"GLIBC_2.0"}


def test_weak_references_keep_their_flag(fx: Fixtures) -> None:
    weak = {s.name: s.weak for s in facts_of(fx.ext_weak).undefined}
    assert weak["statx"] is True
    assert "WEAK" in next(line for line in readelf("--dyn-syms", fx.ext_weak).splitlines() if "statx" in line)


def test_python_init_must_match_the_file_name(fx: Fixtures, tmp_path: Path) -> None:
    renamed = tmp_path / "other_name.so"
    renamed.write_bytes(fx.ext_2_14.read_bytes())
    assert facts_of(fx.ext_2_14).python_init == "PyInit_ext_2_14"
    assert facts_of(renamed).python_init is None
    assert facts_of(fx.libvendored).python_init is None


def test_section_headers_removed_loader_view_still_works(fx: Fixtures) -> None:
    data = bytearray(fx.ext_2_17.read_bytes())
    # Zero e_shoff/e_shnum/e_shstrndx, as sstrip does: only program headers remain.
    data[0x28:0x30] = bytes(8)
    data[0x3C:0x40] = bytes(4)
    facts = read_facts(io.BytesIO(bytes(data)), "sstripped.so")
    assert facts.symbols_by_version()["GLIBC_2.17"] == ("clock_gettime", "secure_getenv")


def test_truncated_file_is_one_clear_error(fx: Fixtures) -> None:
    data = fx.ext_2_14.read_bytes()[:200]
    with pytest.raises(InvalidELFError) as info:
        read_facts(io.BytesIO(data), "pkg/_x.so")
    message = str(info.value)
    assert message.startswith("pkg/_x.so: invalid ELF: ")
    assert "\n" not in message


def test_symbol_names_longer_than_a_page(tmp_path: Path) -> None:
    """C++ template instantiations produce mangled names of tens of KiB."""
    name = "f" + "x" * 20000
    src = tmp_path / "long.c"
    src.write_text(f"extern void {name}(void);\nvoid call(void) {{ {name}(); }}\n")
    out = tmp_path / "long.so"
    subprocess.run(["gcc", "-shared", "-fPIC", "-nostdlib", "-o", str(out), str(src)], check=True)
    assert {s.name for s in facts_of(out).undefined} == {name}


# -- cross-architecture binaries (tests/data/cross, built by its build.sh) ----

CROSS_DIR = Path(__file__).resolve().parent / "data" / "cross"
CROSS = sorted(p.name for p in CROSS_DIR.iterdir() if p.name.startswith(("crossmod-", "main-")))
#: readelf -h's "Machine:" and "Class:" -> the policy arch we must report.
READELF_ARCH = {
    ("Advanced Micro Devices X86-64", "ELF64"): "x86_64",
    ("Intel 80386", "ELF32"): "i686",
    ("AArch64", "ELF64"): "aarch64",
    ("ARM", "ELF32"): "armv7l",
    ("PowerPC64", "ELF64"): "ppc64le",
    ("RISC-V", "ELF64"): "riscv64",
    ("IBM S/390", "ELF64"): "s390x",
}


def readelf_dynamic_text(path: Path, kind: str) -> str | None:
    """The bracketed value of one string tag in ``readelf -d`` (SONAME, RPATH, RUNPATH)."""
    label = {"SONAME": "Library soname", "RPATH": "Library rpath", "RUNPATH": "Library runpath"}[kind]
    found = re.search(rf"\({kind}\)\s+{label}: \[([^\]]*)\]", readelf("-d", path))
    return found.group(1) if found else None


def readelf_header(path: Path, field: str) -> str:
    found = re.search(rf"^\s*{field}:\s+(.*?)\s*$", readelf("-h", path), re.MULTILINE)
    assert found, field
    return found.group(1)


def test_cross_binaries_cover_every_arch_and_both_byte_orders() -> None:
    arches = {
        READELF_ARCH[readelf_header(CROSS_DIR / n, "Machine"), readelf_header(CROSS_DIR / n, "Class")] for n in CROSS
    }
    assert arches == set(READELF_ARCH.values())
    orders = {readelf_header(CROSS_DIR / n, "Data") for n in CROSS}
    assert orders == {"2's complement, little endian", "2's complement, big endian"}
    assert any("musl" in n for n in CROSS)


@pytest.mark.parametrize("name", CROSS)
def test_cross_binary_facts_match_readelf(name: str) -> None:
    """Every fact against readelf, on real cross-gcc output for each arch (issue 9)."""
    path = CROSS_DIR / name
    facts = facts_of(path)
    assert {(s.name, s.version) for s in facts.undefined} == readelf_undefined(path)
    assert list(facts.needed) == readelf_needed(path)
    assert {(n.library, n.version) for n in facts.version_needs} == readelf_version_needs(path)
    assert facts.soname == readelf_dynamic_text(path, "SONAME")
    assert (":".join(facts.rpath) or None) == readelf_dynamic_text(path, "RPATH")
    assert (":".join(facts.runpath) or None) == readelf_dynamic_text(path, "RUNPATH")
    interp = re.search(r"Requesting program interpreter: ([^\]]+)\]", readelf("-l", path))
    assert facts.interpreter == (interp.group(1) if interp else None)
    machine, elf_class = readelf_header(path, "Machine"), readelf_header(path, "Class")
    assert (facts.arch, f"ELF{facts.elf_class}") == (READELF_ARCH[machine, elf_class], elf_class)
    assert facts.little_endian == ("little" in readelf_header(path, "Data"))
    assert facts.warnings == ()
    assert facts.undefined, "every cross binary imports libc functions"


def test_s390x_dt_hash_words_are_eight_bytes() -> None:
    """A DT_HASH-only s390x library: nchain is the second 8-byte word, not nbucket's low half."""
    path = CROSS_DIR / "crossmod-s390x-sysv.so"
    dynamic = readelf("-d", path)
    assert "(HASH)" in dynamic
    assert "(GNU_HASH)" not in dynamic
    facts = facts_of(path)
    assert facts.symbols_by_version()["GLIBC_2.17"] == ("clock_gettime",)
    both = facts_of(CROSS_DIR / "crossmod-s390x.so")
    assert {(s.name, s.version) for s in facts.undefined} == {(s.name, s.version) for s in both.undefined}


# -- limits and the work budget (issue 9) --------------------------------------


def _limited(**limits: int) -> WorkBudget:
    return WorkBudget(Limits(**limits))


def test_reader_defaults_are_the_limits_defaults() -> None:
    """_elf repeats Limits' count defaults rather than import the zip layer."""
    ours = WorkBudget().limits
    for field in ("max_version_needs", "max_symbols", "max_undefined", "max_needed", "max_search_paths", "max_work"):
        assert getattr(ours, field) == getattr(Limits(), field), field


def test_each_count_is_limited_per_file() -> None:
    path = CROSS_DIR / "crossmod-x86_64.so"
    facts = facts_of(path)
    symbols = int(re.search(r"'\.dynsym' contains (\d+) entries", readelf("--dyn-syms", path)).group(1))  # type: ignore[union-attr]
    entries = len(facts.version_needs) + len({n.library for n in facts.version_needs})
    ok = _limited(max_symbols=symbols, max_needed=len(facts.needed), max_version_needs=entries)
    with path.open("rb") as f:
        assert read_facts(f, path.name, ok) == facts
    for limits, problem in (
        ({"max_symbols": symbols - 1}, f".dynsym claims {symbols} symbols, over the limit of {symbols - 1}"),
        ({"max_needed": 1}, "2 DT_NEEDED entries, over the limit of 1"),
        ({"max_version_needs": entries - 1}, f"more than {entries - 1} version-need entries, over the limit"),
    ):
        with path.open("rb") as f, pytest.raises(InvalidELFError) as info:
            read_facts(f, path.name, _limited(**limits))
        assert str(info.value) == f"{path.name}: invalid ELF: {problem}"


def test_work_budget_is_shared_by_the_files_of_one_input() -> None:
    paths = [CROSS_DIR / "crossmod-x86_64.so", CROSS_DIR / "crossmod-aarch64.so"]
    one = _limited()
    for path in paths:
        with path.open("rb") as f:
            read_facts(f, path.name, one)
    spent = one.spent  # what two real files cost
    budget = _limited(max_work=spent - 1)
    with paths[0].open("rb") as f:
        read_facts(f, paths[0].name, budget)
    with paths[1].open("rb") as f, pytest.raises(InvalidELFError, match=f"over the limit of {spent - 1}$"):
        read_facts(f, paths[1].name, budget)


def test_repeated_needed_and_symbols_are_kept_once(fx: Fixtures) -> None:
    data = fx.ext_libm.read_bytes()
    m = ElfMap(data)
    facts = read_facts(io.BytesIO(repeat_needed(50)(m)), fx.ext_libm.name)
    assert facts.needed == facts_of(fx.ext_libm).needed == tuple(readelf_needed(fx.ext_libm))
    flooded = read_facts(io.BytesIO(flood_symbols(5000, distinct=False)(m)), fx.ext_libm.name)
    assert [s.name for s in flooded.undefined] == ["flooded"]


# -- what ld.so refuses, and what it ignores ------------------------------------


def test_real_binaries_pass_the_loader_checks(fx: Fixtures) -> None:
    """Alignment, relocation entry sizes and types of real gcc output are all accepted."""
    for name in DYNAMIC_FIXTURES:
        facts_of(getattr(fx, name))
    for name in CROSS:
        facts_of(CROSS_DIR / name)


def test_unknown_relocation_type_is_refused(fx: Fixtures) -> None:
    path = fx.ext_2_14
    m = ElfMap(path.read_bytes())
    at = m.file_offset(m.dyn(DT_JMPREL).value)
    assert "R_X86_64_JUMP_SLO" in readelf("-r", path)
    data = bytearray(m.data)
    data[at + 8 : at + 12] = (200).to_bytes(4, "little")
    with pytest.raises(InvalidELFError, match=r"relocation type 200 is unknown to ld\.so on EM_X86_64"):
        read_facts(io.BytesIO(bytes(data)), path.name)


def test_section_table_past_eof_is_a_warning_not_an_error(fx: Fixtures) -> None:
    data = fx.ext_2_14.read_bytes()
    shoff = int.from_bytes(data[0x28:0x30], "little")
    for cut in (len(data) - 1, shoff + 10):
        facts = read_facts(io.BytesIO(data[:cut]), fx.ext_2_14.name)
        assert len(facts.warnings) == 1
        assert "section header table" in facts.warnings[0]
        assert dataclasses.replace(facts, warnings=()) == facts_of(fx.ext_2_14)
