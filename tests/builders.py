"""Build real ELF fixtures with gcc and real wheels with zipfile, for the tests.

No mocks: every fixture is a genuine shared object or executable whose
properties (symbol versions, NEEDED, RPATH, PT_INTERP, GNU_STACK, GNU
properties) come from the toolchain.  To make the results independent of
the host's glibc, fixtures are linked with ``-nostdlib`` against small stub
libraries (``tests/data/c/stub_*.c`` plus GNU ld version scripts) that
export exactly the symbol versions the tests need.

This module has no pytest dependency so it can also be used from a shell or
a conftest.
"""

from __future__ import annotations

import base64
import csv
import hashlib
import io
import os
import re
import shutil
import stat
import subprocess
import zipfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from packaging.tags import parse_tag

if TYPE_CHECKING:
    from collections.abc import Callable, Collection, Mapping, Sequence

C_DIR = Path(__file__).resolve().parent / "data" / "c"

EXT_SUFFIX = ".cpython-311-x86_64-linux-gnu.so"
EXT_SUFFIX_I686 = ".cpython-311-i386-linux-gnu.so"

GLIBC_INTERP = "/lib64/ld-linux-x86-64.so.2"
NIX_INTERP = "/nix/store/abc-glibc-2.38/lib/ld-linux-x86-64.so.2"
MUSL_INTERP = "/lib/ld-musl-x86_64.so.1"
MUSL_SONAME = "libc.musl-x86_64.so.1"

ABS_RUNPATH = "/opt/build/leaked/lib"
OLD_RPATH = "/usr/local/lib"
ORIGIN_RUNPATH = "$ORIGIN/../pkg.libs"

# Zip timestamps cannot predate 1980; a fixed one makes wheels reproducible.
ZIP_TIMESTAMP = (1980, 1, 1, 0, 0, 0)
WHEEL_GENERATOR = "pytest-manylinux-tests (tests/builders.py)"

# Flags for every fixture: no builtins (so calls stay calls and bind to the
# stub's versions), no hardening that would drag in extra symbols
# (__stack_chk_fail) or property notes (CET), and every -l recorded as NEEDED,
# whatever the host compiler's defaults are.
_CFLAGS: tuple[str, ...] = (
    "-O0",
    "-fno-builtin",
    "-fno-stack-protector",
    "-fcf-protection=none",
    "-Wall",
    f"-I{C_DIR}",
    "-Wl,--no-as-needed",
)
_SHARED: tuple[str, ...] = ("-shared", "-fPIC", "-nostdlib", "-Wl,--no-undefined")


class FixtureBuildError(RuntimeError):
    """A toolchain command failed; the message carries its argv and stderr."""


@dataclass(frozen=True, slots=True)
class Fixtures:
    """Paths of everything :func:`compile_fixtures` built.

    Extension fields point at ``<module>.cpython-311-x86_64-linux-gnu.so``
    files defining ``PyInit_<module>``, where ``<module>`` is the field name
    (``ext_origin`` is the exception: its module is ``_origin``).
    """

    # Stub libraries the fixtures link against (in stub_dir).
    stub_dir: Path
    libc: Path
    libm: Path
    libz: Path
    libssl: Path
    libc_musl: Path
    # glibc extensions.
    ext_2_5: Path
    ext_2_14: Path
    ext_2_17: Path
    ext_2_99: Path
    ext_private: Path
    ext_weak: Path
    ext_libm: Path
    ext_zlib: Path
    ext_unallowed: Path
    ext_blacklisted: Path
    ext_execstack: Path
    ext_abs_rpath: Path
    ext_old_rpath: Path
    ext_origin: Path
    libvendored: Path
    ext_isa_v3: Path
    ext_stripped: Path
    # Executables.
    exe_glibc: Path
    exe_nix: Path
    exe_musl: Path
    exe_static: Path
    # musl extension.
    ext_musl: Path
    # 32-bit x86; None when the compiler cannot emit -m32 code.
    ext_i686: Path | None


def _run(argv: Sequence[str | Path]) -> None:
    """Run a toolchain command, turning failure into a readable error."""
    args = [str(a) for a in argv]
    try:
        subprocess.run(args, check=True, capture_output=True)
    except FileNotFoundError as exc:
        msg = f"{args[0]} not found; the ELF fixtures need gcc and binutils"
        raise FixtureBuildError(msg) from exc
    except subprocess.CalledProcessError as exc:
        stderr = exc.stderr.decode(errors="replace").strip()
        msg = f"command failed ({exc.returncode}): {' '.join(args)}\n{stderr}"
        raise FixtureBuildError(msg) from exc


def _gcc(out: Path, sources: Sequence[str], *flags: str) -> Path:
    """Compile-and-link ``sources`` (names in C_DIR) into ``out``."""
    # Sources before flags: -l options only resolve symbols used before them.
    _run(["gcc", *_CFLAGS, *(C_DIR / s for s in sources), *flags, "-o", out])
    return out


def _stub(out: Path, source: str, version_script: str | None, *flags: str) -> Path:
    """Build a stub library whose soname is the output's file name."""
    script = [] if version_script is None else [f"-Wl,--version-script={C_DIR / version_script}"]
    soname = f"-Wl,-soname,{out.name}"
    return _gcc(out, [source], *_SHARED, "-ffreestanding", soname, *script, *flags)


def _ext(out_dir: Path, module: str, source: str, *flags: str, suffix: str = EXT_SUFFIX) -> Path:
    """Build a Python-extension-like shared object defining PyInit_<module>."""
    return _gcc(out_dir / f"{module}{suffix}", [source], *_SHARED, f"-DMODULE={module}", *flags)


def _strip(path: Path) -> Path:
    _run(["strip", "--strip-all", path])
    return path


def can_compile_m32(work_dir: Path) -> bool:
    """Whether gcc can emit a 32-bit x86 shared object (no multilib needed)."""
    probe = work_dir / "m32-probe.so"
    try:
        result = subprocess.run(
            ["gcc", "-m32", "-shared", "-fPIC", "-nostdlib", "-x", "c", "-", "-o", str(probe)],
            input=b"int probe(void) { return 0; }\n",
            capture_output=True,
            check=False,
        )
    except FileNotFoundError:
        return False
    probe.unlink(missing_ok=True)
    return result.returncode == 0


def _parallel(jobs: Mapping[str, Callable[[], Path]]) -> dict[str, Path]:
    """Run independent gcc invocations concurrently; gcc is the bottleneck."""
    with ThreadPoolExecutor(max_workers=max(2, os.cpu_count() or 1)) as pool:
        futures = {key: pool.submit(job) for key, job in jobs.items()}
        return {key: future.result() for key, future in futures.items()}


def compile_fixtures(out_dir: Path) -> Fixtures:
    """Build every ELF fixture into ``out_dir`` and return their paths."""
    if shutil.which("gcc") is None:
        msg = "gcc not found; the ELF fixtures need gcc and binutils"
        raise FixtureBuildError(msg)
    out_dir.mkdir(parents=True, exist_ok=True)
    stub_dir = out_dir / "stub"
    stub_dir.mkdir(exist_ok=True)
    stub32_dir = out_dir / "stub32"
    m32 = can_compile_m32(out_dir)

    # Stage 1: the stubs everything else links against.
    stubs: dict[str, Callable[[], Path]] = {
        "libc": lambda: _stub(stub_dir / "libc.so.6", "stub_libc.c", "stub_libc.map"),
        "libm": lambda: _stub(stub_dir / "libm.so.6", "stub_libm.c", "stub_libm.map"),
        "libz": lambda: _stub(stub_dir / "libz.so.1", "stub_libz.c", "stub_libz.map"),
        "libssl": lambda: _stub(stub_dir / "libssl.so.3", "stub_libssl.c", "stub_libssl.map"),
        "libc_musl": lambda: _stub(stub_dir / MUSL_SONAME, "stub_musl.c", None),
    }
    if m32:
        stub32_dir.mkdir(exist_ok=True)
        stubs["libc32"] = lambda: _stub(stub32_dir / "libc.so.6", "stub_libc32.c", "stub_libc32.map", "-m32")
    built = _parallel(stubs)
    built.pop("libc32", None)

    libc = (f"-L{stub_dir}", "-l:libc.so.6")
    musl = (f"-L{stub_dir}", f"-l:{MUSL_SONAME}")

    def ext(module: str, source: str, *flags: str) -> Callable[[], Path]:
        return lambda: _ext(out_dir, module, source, *flags)

    def exe(name: str, source: str, interp: str, libs: tuple[str, ...]) -> Callable[[], Path]:
        flags = ("-nostdlib", "-fPIE", "-pie", f"-Wl,--dynamic-linker={interp}", *libs)
        return lambda: _gcc(out_dir / name, [source], *flags)

    def vendored_pair() -> Path:
        # One job: _origin links against libvendored, so it must come second.
        vendored = _gcc(
            out_dir / "libvendored.so.1",
            ["libvendored.c"],
            *_SHARED,
            "-Wl,-soname,libvendored.so.1",
            *libc,
        )
        _ext(
            out_dir,
            "_origin",
            "ext_origin.c",
            f"-L{out_dir}",
            "-l:libvendored.so.1",
            f"-Wl,-rpath,{ORIGIN_RUNPATH}",
            *libc,
        )
        return vendored

    # Stage 2: everything else.
    jobs: dict[str, Callable[[], Path]] = {
        "ext_2_5": ext("ext_2_5", "ext_2_5.c", *libc),
        "ext_2_14": ext("ext_2_14", "ext_2_14.c", *libc),
        "ext_2_17": ext("ext_2_17", "ext_2_17.c", *libc),
        "ext_2_99": ext("ext_2_99", "ext_2_99.c", *libc),
        "ext_private": ext("ext_private", "ext_private.c", *libc),
        "ext_weak": ext("ext_weak", "ext_weak.c", *libc),
        "ext_libm": ext("ext_libm", "ext_libm.c", f"-L{stub_dir}", "-l:libm.so.6", *libc),
        "ext_zlib": ext("ext_zlib", "ext_zlib.c", f"-L{stub_dir}", "-l:libz.so.1", *libc),
        "ext_unallowed": ext("ext_unallowed", "ext_unallowed.c", f"-L{stub_dir}", "-l:libssl.so.3", *libc),
        "ext_blacklisted": ext("ext_blacklisted", "ext_blacklisted.c", *libc),
        "ext_execstack": ext("ext_execstack", "ext_plain.c", "-Wl,-z,execstack", *libc),
        "ext_abs_rpath": ext("ext_abs_rpath", "ext_plain.c", f"-Wl,-rpath,{ABS_RUNPATH}", *libc),
        "ext_old_rpath": ext("ext_old_rpath", "ext_plain.c", f"-Wl,--disable-new-dtags,-rpath,{OLD_RPATH}", *libc),
        "libvendored": vendored_pair,
        "ext_isa_v3": ext("ext_isa_v3", "ext_isa_v3.c", "-march=x86-64-v3", "-Wl,-z,x86-64-v3", *libc),
        # Same code as ext_2_14 (with its own PyInit name), .symtab removed.
        "ext_stripped": lambda: _strip(_ext(out_dir, "ext_stripped", "ext_2_14.c", *libc)),
        "exe_glibc": exe("exe_glibc", "exe.c", GLIBC_INTERP, libc),
        "exe_nix": exe("exe_nix", "exe.c", NIX_INTERP, libc),
        "exe_musl": exe("exe_musl", "exe.c", MUSL_INTERP, musl),
        "exe_static": lambda: _gcc(
            out_dir / "exe_static", ["exe_static.c"], "-static", "-nostdlib", "-fno-pie", "-no-pie"
        ),
        "ext_musl": ext("ext_musl", "ext_musl.c", *musl),
    }
    if m32:
        jobs["ext_i686"] = lambda: _ext(
            out_dir,
            "ext_i686",
            "ext_i686.c",
            "-m32",
            "-march=i686",
            f"-L{stub32_dir}",
            "-l:libc.so.6",
            suffix=EXT_SUFFIX_I686,
        )
    built |= _parallel(jobs)
    return Fixtures(
        stub_dir=stub_dir,
        ext_origin=out_dir / f"_origin{EXT_SUFFIX}",
        ext_i686=built.pop("ext_i686", None),
        **built,
    )


#: The names ext_hostile.c is linked with, each 48 bytes, overwritten by :func:`hostile_strings_ext`.
HOSTILE_SYMBOL = b"hostile_symbol_" + b"q" * 33
HOSTILE_SONAME = b"libhostile_soname" + b"s" * 28 + b".so"
HOSTILE_RPATH = b"/hostile_rpath" + b"r" * 34


def hostile_strings_ext(out_dir: Path, *, symbol: bytes, soname: bytes, rpath: bytes) -> Path:
    """An extension whose undefined symbol (at GLIBC_2.99), DT_NEEDED soname and DT_RPATH are these bytes.

    Linked against stubs under 48-byte placeholder names, then every copy of
    each placeholder in the file (``.dynstr``, ``.strtab``) is overwritten,
    padded with ``x``: the strings ld.so and readelf read, whatever bytes a
    toolchain would refuse to write.
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    _stub(out_dir / "libc.so.6", "stub_hostile_libc.c", "stub_hostile_libc.map")
    _stub(out_dir / HOSTILE_SONAME.decode(), "stub_hostile_needed.c", None)
    libs = (f"-L{out_dir}", "-l:libc.so.6", f"-l:{HOSTILE_SONAME.decode()}")
    rpath_flag = f"-Wl,--disable-new-dtags,-rpath,{HOSTILE_RPATH.decode()}"
    path = _ext(out_dir, "ext_hostile", "ext_hostile.c", *libs, rpath_flag)
    data = path.read_bytes()
    for placeholder, value in ((HOSTILE_SYMBOL, symbol), (HOSTILE_SONAME, soname), (HOSTILE_RPATH, rpath)):
        if len(value) > len(placeholder) or b"\0" in value or placeholder not in data:
            msg = f"{value!r} does not fit the {len(placeholder)}-byte placeholder {placeholder!r}"
            raise ValueError(msg)
        data = data.replace(placeholder, value.ljust(len(placeholder), b"x"))
    path.write_bytes(data)
    return path


# --------------------------------------------------------------------------
# Wheels
# --------------------------------------------------------------------------


def escape_name(name: str) -> str:
    """Escape a distribution name for a wheel file name / .dist-info dir."""
    return re.sub(r"[^\w\d.]+", "_", name, flags=re.UNICODE)


def expand_tags(tags: str) -> list[str]:
    """Expand a (possibly compressed) tag triple, keeping the written order.

    ``cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64`` gives both
    full tags; packaging's parse_tag validates and expands, we only order.
    """
    parts = tags.split("-")
    if len(parts) != 3:
        msg = f"expected interpreter-abi-platform, got {tags!r}"
        raise ValueError(msg)
    order = [{v.lower(): i for i, v in enumerate(part.split("."))} for part in parts]
    return [
        str(t)
        for t in sorted(
            parse_tag(tags),
            key=lambda t: (order[0][t.interpreter], order[1][t.abi], order[2][t.platform]),
        )
    ]


def record_hash(data: bytes) -> str:
    """RECORD's hash field: sha256, urlsafe base64 without padding."""
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=")
    return f"sha256={digest.decode('ascii')}"


def _content(source: bytes | Path) -> tuple[bytes, int]:
    """File bytes and the Unix mode to store (0o755 only for executables)."""
    if isinstance(source, bytes):
        return source, 0o644
    executable = source.stat().st_mode & 0o111
    return source.read_bytes(), 0o755 if executable else 0o644


def make_wheel(
    out_dir: Path,
    *,
    name: str,
    version: str,
    tags: str,
    files: Mapping[str, bytes | Path],
    wheel_tags: Sequence[str] | None = None,
    record: bool = True,
    omit_from_record: Collection[str] = (),
    root_is_purelib: bool = False,
) -> Path:
    """Write ``{name}-{version}-{tags}.whl`` into ``out_dir`` and return it.

    ``files`` maps archive names to contents (bytes, or a Path to read; an
    executable Path is stored 0o755).  ``.dist-info/METADATA``, ``WHEEL``
    and ``RECORD`` are generated unless ``files`` already has them, so tests
    can inject broken ones.  ``wheel_tags`` overrides the WHEEL Tag lines
    (default: the expansion of ``tags``); ``record=False`` leaves RECORD out
    and ``omit_from_record`` drops entries from it.  Output is byte-for-byte
    reproducible for equal inputs.
    """
    dist = escape_name(name)
    ver = version.replace("-", "_")
    dist_info = f"{dist}-{ver}.dist-info"
    record_name = f"{dist_info}/RECORD"

    entries: dict[str, tuple[bytes, int]] = {arc: _content(src) for arc, src in files.items()}
    tag_lines = expand_tags(tags) if wheel_tags is None else list(wheel_tags)
    generated = {
        f"{dist_info}/METADATA": f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n",
        f"{dist_info}/WHEEL": (
            "Wheel-Version: 1.0\n"
            f"Generator: {WHEEL_GENERATOR}\n"
            f"Root-Is-Purelib: {'true' if root_is_purelib else 'false'}\n" + "".join(f"Tag: {t}\n" for t in tag_lines)
        ),
    }
    for arc, text in generated.items():
        entries.setdefault(arc, (text.encode(), 0o644))

    unknown = set(omit_from_record) - set(entries) - {record_name}
    if unknown:
        msg = f"omit_from_record names files not in the wheel: {sorted(unknown)}"
        raise ValueError(msg)
    if record and record_name not in entries:
        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="\n")
        for arc, (data, _mode) in entries.items():
            if arc not in omit_from_record:
                writer.writerow([arc, record_hash(data), len(data)])
        if record_name not in omit_from_record:
            writer.writerow([record_name, "", ""])
        entries[record_name] = (buf.getvalue().encode(), 0o644)

    out_dir.mkdir(parents=True, exist_ok=True)
    wheel_path = out_dir / f"{dist}-{ver}-{tags}.whl"
    with zipfile.ZipFile(wheel_path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for arc, (data, mode) in entries.items():
            info = zipfile.ZipInfo(arc, date_time=ZIP_TIMESTAMP)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 3  # Unix, so external_attr holds st_mode
            info.external_attr = (stat.S_IFREG | mode) << 16
            zf.writestr(info, data)
    return wheel_path
