"""Check the fixture factory itself, with binutils' readelf as the oracle."""

from __future__ import annotations

import base64
import csv
import hashlib
import io
import re
import stat
import subprocess
import zipfile
from dataclasses import fields
from typing import TYPE_CHECKING

import builders
import pytest
from builders import (
    ABS_RUNPATH,
    EXT_SUFFIX,
    GLIBC_INTERP,
    MUSL_INTERP,
    MUSL_SONAME,
    NIX_INTERP,
    OLD_RPATH,
    ORIGIN_RUNPATH,
    ZIP_TIMESTAMP,
    FixtureBuildError,
    Fixtures,
    _run,
    compile_fixtures,
    expand_tags,
    make_wheel,
)

if TYPE_CHECKING:
    from pathlib import Path

TAGS_2014 = "cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64"


def readelf(*args: str | Path) -> str:
    result = subprocess.run(
        ["readelf", "-W", *(str(a) for a in args)],
        check=True,
        capture_output=True,
        text=True,
    )
    return result.stdout


def version_needs(path: Path) -> dict[str, set[str]]:
    """Map each file in .gnu.version_r to the version names needed from it."""
    text = readelf("-V", path)
    needs: dict[str, set[str]] = {}
    _, _, section = text.partition("Version needs section")
    current = ""
    for line in section.splitlines():
        if m := re.search(r"File: (\S+)", line):
            current = m.group(1)
            needs[current] = set()
        elif m := re.search(r"Name: (\S+)", line):
            needs[current].add(m.group(1))
    return needs


def version_defs(path: Path) -> dict[str, str | None]:
    """Map each non-BASE version definition to its parent (None if none)."""
    text = readelf("-V", path)
    _, _, section = text.partition("Version definition section")
    section = section.partition("Version needs section")[0]
    defs: dict[str, str | None] = {}
    last = ""
    for line in section.splitlines():
        if m := re.search(r"Flags: (\S+)\s+Index: \d+\s+Cnt: \d+\s+Name: (\S+)", line):
            if m.group(1) != "BASE":
                last = m.group(2)
                defs[last] = None
        elif (m := re.search(r"Parent 1: (\S+)", line)) and last:
            defs[last] = m.group(1)
    return defs


def dynamic(path: Path) -> list[tuple[str, str]]:
    """(tag, value) pairs of .dynamic entries that readelf shows in brackets."""
    return re.findall(r"\((\w+)\)\s+[^\[\n]*\[([^\]]*)\]", readelf("-d", path))


def dynsyms(path: Path) -> list[tuple[str, str, str]]:
    """(binding, section index, name@version) of every .dynsym entry."""
    rows = []
    for line in readelf("--dyn-syms", path).splitlines():
        parts = line.split()
        # Undefined versioned symbols carry a trailing "(index)" column.
        if len(parts) >= 8 and re.fullmatch(r"\d+:", parts[0]):
            rows.append((parts[4], parts[6], parts[7]))
    return rows


def interpreter(path: Path) -> str | None:
    m = re.search(r"Requesting program interpreter: ([^\]]+)\]", readelf("-l", path))
    return m.group(1) if m else None


def segment_flags(path: Path, segment: str) -> str | None:
    for line in readelf("-l", path).splitlines():
        parts = line.split()
        if parts and parts[0] == segment:
            return " ".join(parts[6:-1])
    return None


def extension_fields(fx: Fixtures) -> dict[str, Path]:
    out = {}
    for f in fields(fx):
        value = getattr(fx, f.name)
        if f.name.startswith("ext_") and value is not None:
            out[f.name] = value
    return out


# ----------------------------------------------------------------- stubs


def test_stub_libc_chains_glibc_versions_like_glibc(fx: Fixtures) -> None:
    assert version_defs(fx.libc) == {
        "GLIBC_2.2.5": None,
        "GLIBC_2.3.4": "GLIBC_2.2.5",
        "GLIBC_2.14": "GLIBC_2.3.4",
        "GLIBC_2.17": "GLIBC_2.14",
        "GLIBC_2.25": "GLIBC_2.17",
        "GLIBC_2.28": "GLIBC_2.25",
        "GLIBC_2.34": "GLIBC_2.28",
        "GLIBC_2.99": "GLIBC_2.34",
        "GLIBC_PRIVATE": None,
    }
    names = {name for _, ndx, name in dynsyms(fx.libc) if ndx != "UND"}
    assert {
        "memcpy@GLIBC_2.2.5",
        "memcpy@@GLIBC_2.14",
        "clock_gettime@@GLIBC_2.17",
        "secure_getenv@@GLIBC_2.17",
        "getrandom@@GLIBC_2.25",
        "statx@@GLIBC_2.28",
        "future_fn@@GLIBC_2.99",
        "__libc_private_fn@@GLIBC_PRIVATE",
        "malloc@@GLIBC_2.2.5",
        "pthread_getattr_default_np@@GLIBC_2.2.5",
    } <= names
    assert ("SONAME", "libc.so.6") in dynamic(fx.libc)


def test_other_stubs_have_sonames_and_versions(fx: Fixtures) -> None:
    libm = {name for _, ndx, name in dynsyms(fx.libm) if ndx != "UND"}
    assert {"cos@@GLIBC_2.2.5", "exp@GLIBC_2.2.5", "exp@@GLIBC_2.29"} <= libm
    assert version_defs(fx.libz) == {"ZLIB_1.2.0": None, "ZLIB_1.2.9": "ZLIB_1.2.0"}
    assert version_defs(fx.libssl) == {"OPENSSL_3.0.0": None}
    assert "No version information found" in readelf("-V", fx.libc_musl)
    for lib, soname in [
        (fx.libm, "libm.so.6"),
        (fx.libz, "libz.so.1"),
        (fx.libssl, "libssl.so.3"),
        (fx.libc_musl, MUSL_SONAME),
        (fx.libvendored, "libvendored.so.1"),
    ]:
        assert ("SONAME", soname) in dynamic(lib)


# ------------------------------------------------------- symbol versions

EXPECTED_NEEDS: dict[str, dict[str, set[str]]] = {
    "ext_2_5": {"libc.so.6": {"GLIBC_2.2.5"}},
    "ext_2_14": {"libc.so.6": {"GLIBC_2.2.5", "GLIBC_2.14"}},
    "ext_2_17": {"libc.so.6": {"GLIBC_2.14", "GLIBC_2.17"}},
    "ext_2_99": {"libc.so.6": {"GLIBC_2.99"}},
    "ext_private": {"libc.so.6": {"GLIBC_PRIVATE"}},
    "ext_weak": {"libc.so.6": {"GLIBC_2.2.5", "GLIBC_2.28"}},
    "ext_libm": {"libm.so.6": {"GLIBC_2.2.5", "GLIBC_2.29"}, "libc.so.6": {"GLIBC_2.2.5"}},
    "ext_zlib": {"libz.so.1": {"ZLIB_1.2.0", "ZLIB_1.2.9"}, "libc.so.6": {"GLIBC_2.2.5"}},
    "ext_unallowed": {"libssl.so.3": {"OPENSSL_3.0.0"}, "libc.so.6": {"GLIBC_2.2.5"}},
    "ext_blacklisted": {"libc.so.6": {"GLIBC_2.2.5"}},
    "ext_execstack": {"libc.so.6": {"GLIBC_2.2.5"}},
    "ext_abs_rpath": {"libc.so.6": {"GLIBC_2.2.5"}},
    "ext_old_rpath": {"libc.so.6": {"GLIBC_2.2.5"}},
    "ext_origin": {"libc.so.6": {"GLIBC_2.2.5"}},
    "libvendored": {"libc.so.6": {"GLIBC_2.14"}},
    "ext_isa_v3": {"libc.so.6": {"GLIBC_2.2.5"}},
    "ext_stripped": {"libc.so.6": {"GLIBC_2.2.5", "GLIBC_2.14"}},
    "exe_glibc": {"libc.so.6": {"GLIBC_2.2.5"}},
    "exe_nix": {"libc.so.6": {"GLIBC_2.2.5"}},
}


@pytest.mark.parametrize(("field", "expected"), EXPECTED_NEEDS.items(), ids=list(EXPECTED_NEEDS))
def test_version_needs(fx: Fixtures, field: str, expected: dict[str, set[str]]) -> None:
    assert version_needs(getattr(fx, field)) == expected


def test_symbols_bind_to_the_intended_versions(fx: Fixtures) -> None:
    assert ("GLOBAL", "UND", "memcpy@GLIBC_2.14") in dynsyms(fx.ext_2_14)
    assert ("GLOBAL", "UND", "exp@GLIBC_2.29") in dynsyms(fx.ext_libm)
    assert ("GLOBAL", "UND", "cos@GLIBC_2.2.5") in dynsyms(fx.ext_libm)
    assert ("GLOBAL", "UND", "pthread_getattr_default_np@GLIBC_2.2.5") in dynsyms(fx.ext_blacklisted)
    # A weak reference still gets a version need (binutils 2.40 does not mark
    # the vernaux entry VER_FLG_WEAK); only the symbol's binding says WEAK.
    assert ("WEAK", "UND", "statx@GLIBC_2.28") in dynsyms(fx.ext_weak)
    assert re.search(r"Name: GLIBC_2\.28\s+Flags: none", readelf("-V", fx.ext_weak))


def test_musl_objects_have_no_symbol_versions(fx: Fixtures) -> None:
    for path in (fx.ext_musl, fx.exe_musl):
        assert "No version information found" in readelf("-V", path)
        assert [v for t, v in dynamic(path) if t == "NEEDED"] == [MUSL_SONAME]


# -------------------------------------------------- NEEDED / RPATH / PyInit


def test_needed_entries_come_only_from_stubs(fx: Fixtures) -> None:
    assert [v for t, v in dynamic(fx.ext_zlib) if t == "NEEDED"] == ["libz.so.1", "libc.so.6"]
    assert [v for t, v in dynamic(fx.ext_unallowed) if t == "NEEDED"] == [
        "libssl.so.3",
        "libc.so.6",
    ]
    assert [v for t, v in dynamic(fx.ext_libm) if t == "NEEDED"] == ["libm.so.6", "libc.so.6"]
    known = {"libc.so.6", "libm.so.6", "libz.so.1", "libssl.so.3", MUSL_SONAME, "libvendored.so.1"}
    for name, path in extension_fields(fx).items():
        needed = {v for t, v in dynamic(path) if t == "NEEDED"}
        assert needed, name
        assert needed <= known, name


def test_rpath_and_runpath(fx: Fixtures) -> None:
    assert ("RUNPATH", ABS_RUNPATH) in dynamic(fx.ext_abs_rpath)
    assert ("RPATH", OLD_RPATH) in dynamic(fx.ext_old_rpath)
    assert not any(t == "RUNPATH" for t, _ in dynamic(fx.ext_old_rpath))
    origin = dynamic(fx.ext_origin)
    assert ("RUNPATH", ORIGIN_RUNPATH) in origin
    assert ORIGIN_RUNPATH == "$ORIGIN/../pkg.libs"
    assert [v for t, v in origin if t == "NEEDED"] == ["libvendored.so.1", "libc.so.6"]
    assert not any(t in {"RPATH", "RUNPATH"} for t, _ in dynamic(fx.ext_2_14))


def test_every_extension_defines_its_pyinit(fx: Fixtures) -> None:
    exts = extension_fields(fx)
    assert fx.ext_origin.name == f"_origin{EXT_SUFFIX}"
    for path in exts.values():
        module = path.name.split(".", 1)[0]
        defined = {name for _, ndx, name in dynsyms(path) if ndx != "UND"}
        assert f"PyInit_{module}" in defined, path.name


# ------------------------------------------------ program headers / notes


def test_interpreters(fx: Fixtures) -> None:
    assert interpreter(fx.exe_glibc) == GLIBC_INTERP
    assert interpreter(fx.exe_nix) == NIX_INTERP
    assert interpreter(fx.exe_musl) == MUSL_INTERP
    assert interpreter(fx.exe_static) is None
    assert interpreter(fx.ext_2_14) is None
    assert "Position-Independent Executable" in readelf("-h", fx.exe_glibc)


def test_static_executable_has_no_dynamic_segment(fx: Fixtures) -> None:
    assert "EXEC (Executable file)" in readelf("-h", fx.exe_static)
    assert segment_flags(fx.exe_static, "DYNAMIC") is None
    assert segment_flags(fx.exe_static, "INTERP") is None
    assert segment_flags(fx.exe_glibc, "DYNAMIC") is not None


def test_gnu_stack(fx: Fixtures) -> None:
    assert segment_flags(fx.ext_execstack, "GNU_STACK") == "RWE"
    for path in (fx.ext_2_5, fx.ext_abs_rpath, fx.exe_glibc, fx.exe_static):
        assert segment_flags(path, "GNU_STACK") == "RW", path.name


def test_isa_level_note(fx: Fixtures) -> None:
    assert "x86 ISA needed: x86-64-v3" in readelf("-n", fx.ext_isa_v3)
    assert "x86 ISA needed" not in readelf("-n", fx.ext_2_14)


def test_stripped_keeps_dynsym_only(fx: Fixtures) -> None:
    stripped = readelf("-S", fx.ext_stripped)
    assert ".dynsym" in stripped
    assert ".symtab" not in stripped
    assert ".symtab" in readelf("-S", fx.ext_2_14)


def test_i686_extension(fx: Fixtures) -> None:
    if fx.ext_i686 is None:
        pytest.skip("gcc cannot emit -m32 code here")
    header = readelf("-h", fx.ext_i686)
    assert re.search(r"Class:\s+ELF32", header)
    assert re.search(r"Machine:\s+Intel 80386", header)
    assert version_needs(fx.ext_i686) == {"libc.so.6": {"GLIBC_2.0"}}
    assert fx.ext_i686.name == "ext_i686.cpython-311-i386-linux-gnu.so"


def test_i686_is_optional(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(builders, "can_compile_m32", lambda _work_dir: False)
    fx = compile_fixtures(tmp_path)
    assert fx.ext_i686 is None
    assert not (tmp_path / "stub32").exists()
    assert fx.ext_2_14.is_file()


def test_build_error_carries_stderr(tmp_path: Path) -> None:
    missing = tmp_path / "missing.c"
    with pytest.raises(FixtureBuildError, match=r"(?s)command failed.*missing\.c.*No such file"):
        _run(["gcc", "-c", missing, "-o", tmp_path / "x.o"])


# ----------------------------------------------------------------- wheels


def read_record(zf: zipfile.ZipFile, dist_info: str) -> list[list[str]]:
    text = zf.read(f"{dist_info}/RECORD").decode()
    return list(csv.reader(io.StringIO(text)))


def test_make_wheel_record_verifies(fx: Fixtures, tmp_path: Path) -> None:
    wheel = make_wheel(
        tmp_path,
        name="pkg",
        version="1.0",
        tags=TAGS_2014,
        files={
            "pkg/__init__.py": b"from pkg._origin import *\n",
            f"pkg/_origin{EXT_SUFFIX}": fx.ext_origin,
            "pkg.libs/libvendored.so.1": fx.libvendored,
        },
    )
    assert wheel.name == f"pkg-1.0-{TAGS_2014}.whl"
    with zipfile.ZipFile(wheel) as zf:
        assert zf.testzip() is None
        names = zf.namelist()
        assert names == [
            "pkg/__init__.py",
            f"pkg/_origin{EXT_SUFFIX}",
            "pkg.libs/libvendored.so.1",
            "pkg-1.0.dist-info/METADATA",
            "pkg-1.0.dist-info/WHEEL",
            "pkg-1.0.dist-info/RECORD",
        ]
        rows = read_record(zf, "pkg-1.0.dist-info")
        assert [r[0] for r in rows] == names
        assert rows[-1] == ["pkg-1.0.dist-info/RECORD", "", ""]
        for arc, hash_field, size in rows[:-1]:
            data = zf.read(arc)
            digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=")
            assert hash_field == f"sha256={digest.decode()}"
            assert int(size) == len(data)
        assert zf.read(f"pkg/_origin{EXT_SUFFIX}") == fx.ext_origin.read_bytes()
        for info in zf.infolist():
            assert info.compress_type == zipfile.ZIP_DEFLATED
            assert info.date_time == ZIP_TIMESTAMP
            mode = info.external_attr >> 16
            assert stat.S_ISREG(mode)
            expected = 0o755 if info.filename.endswith((".so", ".so.1")) else 0o644
            assert stat.S_IMODE(mode) == expected, info.filename
        metadata = zf.read("pkg-1.0.dist-info/METADATA").decode()
        assert "Name: pkg\n" in metadata
        assert "Version: 1.0\n" in metadata


def test_make_wheel_expands_compressed_tags(tmp_path: Path) -> None:
    wheel = make_wheel(tmp_path, name="pkg", version="1.0", tags=TAGS_2014, files={})
    with zipfile.ZipFile(wheel) as zf:
        lines = zf.read("pkg-1.0.dist-info/WHEEL").decode().splitlines()
    assert lines == [
        "Wheel-Version: 1.0",
        "Generator: pytest-manylinux-tests (tests/builders.py)",
        "Root-Is-Purelib: false",
        "Tag: cp311-cp311-manylinux_2_17_x86_64",
        "Tag: cp311-cp311-manylinux2014_x86_64",
    ]
    assert expand_tags("py2.py3-none-any") == ["py2-none-any", "py3-none-any"]
    with pytest.raises(ValueError, match="interpreter-abi-platform"):
        expand_tags("cp311-manylinux_2_17_x86_64")


def test_make_wheel_options(tmp_path: Path) -> None:
    wheel = make_wheel(
        tmp_path,
        name="my-pkg",
        version="2.0",
        tags="py3-none-any",
        files={"my_pkg/__init__.py": b"", "my_pkg/data.txt": b"x"},
        wheel_tags=["cp310-cp310-musllinux_1_2_x86_64"],
        omit_from_record=["my_pkg/data.txt"],
        root_is_purelib=True,
    )
    assert wheel.name == "my_pkg-2.0-py3-none-any.whl"
    with zipfile.ZipFile(wheel) as zf:
        wheel_text = zf.read("my_pkg-2.0.dist-info/WHEEL").decode()
        assert "Root-Is-Purelib: true\n" in wheel_text
        assert re.findall(r"^Tag: (.*)$", wheel_text, re.MULTILINE) == ["cp310-cp310-musllinux_1_2_x86_64"]
        recorded = [r[0] for r in read_record(zf, "my_pkg-2.0.dist-info")]
        assert "my_pkg/data.txt" not in recorded
        assert "my_pkg/__init__.py" in recorded
        assert "my_pkg/data.txt" in zf.namelist()

    no_record = make_wheel(tmp_path / "b", name="pkg", version="1.0", tags="py3-none-any", files={}, record=False)
    with zipfile.ZipFile(no_record) as zf:
        assert "pkg-1.0.dist-info/RECORD" not in zf.namelist()
        assert "pkg-1.0.dist-info/WHEEL" in zf.namelist()

    with pytest.raises(ValueError, match="not in the wheel"):
        make_wheel(
            tmp_path,
            name="pkg",
            version="1.0",
            tags="py3-none-any",
            files={},
            omit_from_record=["x"],
        )


def test_make_wheel_caller_supplied_dist_info_wins(tmp_path: Path) -> None:
    broken = b"Wheel-Version: 9.0\n"
    wheel = make_wheel(
        tmp_path,
        name="pkg",
        version="1.0",
        tags="py3-none-any",
        files={"pkg-1.0.dist-info/WHEEL": broken},
    )
    with zipfile.ZipFile(wheel) as zf:
        assert zf.read("pkg-1.0.dist-info/WHEEL") == broken
        assert zf.namelist().count("pkg-1.0.dist-info/WHEEL") == 1


def test_make_wheel_is_reproducible(fx: Fixtures, tmp_path: Path) -> None:
    def build(sub: str) -> bytes:
        wheel = make_wheel(
            tmp_path / sub,
            name="pkg",
            version="1.0",
            tags=TAGS_2014,
            files={f"pkg/ext_2_14{EXT_SUFFIX}": fx.ext_2_14, "pkg/__init__.py": b""},
        )
        return wheel.read_bytes()

    assert build("a") == build("b")
