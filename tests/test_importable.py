"""Import-ability checks (issue 10) against real oracles: CPython's own import system and abi3audit.

Every extension here is compiled with gcc against the running interpreter's headers, so it
really loads (or really fails to) in this CPython. The import oracle unpacks a wheel's files
the way an installer lays out a platlib wheel (pip refuses wheels whose tags do not fit the
host, which would hide the very question) and imports the module in a fresh interpreter;
the static verdict of ``extension-suffix`` + ``module-init`` must say the same.
"""

from __future__ import annotations

import json
import os
import platform
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

import pytest
from pypi_cache import CORPUS, PinnedWheel, WheelUnavailable, fetch

from pytest_manylinux import audit_elf, audit_wheel
from pytest_manylinux.__main__ import main
from pytest_manylinux._checks import REGISTRY, extension, multiarch
from pytest_manylinux._model import Audit, Check, ElfFacts, Libc
from pytest_manylinux._stable_abi import PyVersion, reserved_exports
from pytest_manylinux._view import AuditView

if TYPE_CHECKING:
    from collections.abc import Callable

C = Path(__file__).resolve().parent / "data" / "c"
HOST = f"cp{sys.version_info[0]}{sys.version_info[1]}"
HOST_SO = sysconfig.get_config_var("EXT_SUFFIX") or ""
MULTIARCH = sysconfig.get_config_var("MULTIARCH") or ""
MANYLINUX = "manylinux_2_17_x86_64.manylinux2014_x86_64"
IMPORT_CHECKS = (Check.EXTENSION_SUFFIX, Check.MODULE_INIT)

pytestmark = pytest.mark.skipif(
    not (
        sys.implementation.name == "cpython"
        and platform.machine() == "x86_64"
        and MULTIARCH == "x86_64-linux-gnu"
        and sys.version_info[:2] == (3, 11)
        and not sysconfig.get_config_var("Py_GIL_DISABLED")
    ),
    reason="the oracle cases are written for a GIL-enabled CPython 3.11 on x86_64 glibc",
)


class Build(NamedTuple):
    source: str
    flags: tuple[str, ...] = ()


MOD = Build("importable/mod.c", ("-DMODULE=mod",))
OTHER = Build("importable/mod.c", ("-DMODULE=other",))  # exports PyInit_other, not PyInit_mod
HIDDEN = Build("importable/mod.c", ("-DMODULE=mod", "-DHIDE_INIT"))
NO_INIT = Build("importable/mod.c", ("-DMODULE=mod", "-DNO_INIT"))  # binds PyModule_Create2, exports no hook
PLAIN = Build("importable/plainlib.c")  # a ctypes library: no hook, no Py* import


@pytest.fixture(scope="session")
def compile_ext(tmp_path_factory: pytest.TempPathFactory) -> Callable[..., Path]:
    """gcc a source under tests/data/c into a shared object, once per (source, flags)."""
    include = Path(sysconfig.get_paths()["include"])
    if shutil.which("gcc") is None or not (include / "Python.h").is_file():
        pytest.skip("needs gcc and Python.h")
    out = tmp_path_factory.mktemp("importable")
    built: dict[tuple[str, tuple[str, ...]], Path] = {}

    def compile_(build: Build, *extra: str) -> Path:
        key = (build.source, build.flags + extra)
        if key not in built:
            target = out / f"ext{len(built)}.so"
            argv = ["gcc", "-shared", "-fPIC", "-O1", f"-I{include}", *build.flags, "-o", str(target)]
            subprocess.run([*argv, str(C / build.source), *extra], check=True)
            built[key] = target
        return built[key]

    return compile_


def imports(whl: Path, module: str, where: Path) -> tuple[bool, str]:
    """Install the wheel's files into ``where`` as a platlib wheel is installed, and import ``module``."""
    with zipfile.ZipFile(whl) as z:
        z.extractall(where)
    env = {"PYTHONPATH": str(where), "PATH": os.environ.get("PATH", "")}
    run = subprocess.run(
        [sys.executable, "-s", "-c", f"import {module}"], env=env, capture_output=True, text=True, check=False
    )
    return run.returncode == 0, run.stderr.strip().splitlines()[-1] if run.stderr.strip() else ""


def verdict(audit: Audit, path: str, checks: tuple[Check, ...]) -> list[tuple[str, str, str]]:
    """(check, subject, hint) of the counting violations of ``checks`` on one file, every target."""
    return sorted(
        {
            (v.check.value, v.subject, v.hint)
            for w in audit.verdicts
            for f in w.files
            if f.path == path
            for v in f.violations
            if v.check in checks and v.counts
        }
    )


class Case(NamedTuple):
    member: str
    build: Build
    tags: str
    imports: bool
    failing: Check | None = None


def _so(version: str = "311", flags: str = "", arch: str = "x86_64-linux-gnu") -> str:
    return f".cpython-{version}{flags}-{arch}.so"


ORACLE = {
    "version-suffix": Case(f"pkg/mod{_so()}", MOD, f"{HOST}-{HOST}-{MANYLINUX}", imports=True),
    "bare-so": Case("pkg/mod.so", MOD, f"{HOST}-{HOST}-{MANYLINUX}", imports=True),
    "abi3-suffix": Case("pkg/mod.abi3.so", MOD, f"cp36-abi3-{MANYLINUX}", imports=True),
    "abi3-suffix-in-cp311": Case("pkg/mod.abi3.so", MOD, f"{HOST}-{HOST}-{MANYLINUX}", imports=True),
    "subpackage": Case(f"pkg/sub/mod{_so()}", MOD, f"{HOST}-{HOST}-{MANYLINUX}", imports=True),
    "missing-pyinit": Case(
        f"pkg/mod{_so()}", OTHER, f"{HOST}-{HOST}-{MANYLINUX}", imports=False, failing=Check.MODULE_INIT
    ),
    "hidden-pyinit": Case(
        f"pkg/mod{_so()}", HIDDEN, f"{HOST}-{HOST}-{MANYLINUX}", imports=False, failing=Check.MODULE_INIT
    ),
    "abi3-missing-pyinit": Case(
        "pkg/mod.abi3.so", OTHER, f"cp36-abi3-{MANYLINUX}", imports=False, failing=Check.MODULE_INIT
    ),
    "forgotten-pyinit": Case(
        f"pkg/mod{_so()}", NO_INIT, f"{HOST}-{HOST}-{MANYLINUX}", imports=False, failing=Check.MODULE_INIT
    ),
    "abi3-forgotten-pyinit": Case(
        "pkg/mod.abi3.so", NO_INIT, f"cp36-abi3-{MANYLINUX}", imports=False, failing=Check.MODULE_INIT
    ),
    "wrong-version": Case(
        f"pkg/mod{_so('312')}", MOD, f"{HOST}-{HOST}-{MANYLINUX}", imports=False, failing=Check.EXTENSION_SUFFIX
    ),
    "musl-suffix": Case(
        f"pkg/mod{_so(arch='x86_64-linux-musl')}",
        MOD,
        f"{HOST}-{HOST}-{MANYLINUX}",
        imports=False,
        failing=Check.EXTENSION_SUFFIX,
    ),
    "other-arch-suffix": Case(
        f"pkg/mod{_so(arch='aarch64-linux-gnu')}",
        MOD,
        f"{HOST}-{HOST}-{MANYLINUX}",
        imports=False,
        failing=Check.EXTENSION_SUFFIX,
    ),
    "free-threaded-suffix": Case(
        f"pkg/mod{_so(flags='t')}", MOD, f"{HOST}-{HOST}-{MANYLINUX}", imports=False, failing=Check.EXTENSION_SUFFIX
    ),
    "abi3-version-specific": Case(
        f"pkg/mod{_so('310')}", MOD, f"cp310-abi3-{MANYLINUX}", imports=False, failing=Check.EXTENSION_SUFFIX
    ),
    "abi3t-suffix-before-3.15": Case(
        "pkg/mod.abi3t.so", MOD, f"cp36-abi3-{MANYLINUX}", imports=False, failing=Check.EXTENSION_SUFFIX
    ),
}


@pytest.mark.parametrize("case", ORACLE.values(), ids=ORACLE.keys())
def test_static_verdict_matches_cpython_import(
    case: Case, compile_ext: Callable[..., Path], wheel: Callable[..., Path], tmp_path: Path
) -> None:
    built = compile_ext(case.build)
    whl = wheel({"pkg/__init__.py": b"", case.member: built}, tags=case.tags)
    module = case.member.removesuffix(".py").split(".", 1)[0].replace("/", ".")
    imported, error = imports(whl, module, tmp_path / "site")
    found = verdict(audit_wheel(whl), case.member, IMPORT_CHECKS)
    assert imported is case.imports, error
    assert (not found) is imported, found
    if case.failing is not None:
        assert {check for check, _, _ in found} == {case.failing.value}


def test_oracle_failures_are_the_importers_own(
    compile_ext: Callable[..., Path], wheel: Callable[..., Path], tmp_path: Path
) -> None:
    """The two failure modes the checks name, in CPython's words."""
    whl = wheel({f"pkg/mod{HOST_SO}": compile_ext(HIDDEN)})
    assert imports(whl, "pkg.mod", tmp_path / "a") == (
        False,
        "ImportError: dynamic module does not define module export function (PyInit_mod)",
    )
    whl = wheel({f"pkg/mod{_so('312')}": compile_ext(MOD)})
    assert imports(whl, "pkg.mod", tmp_path / "b") == (False, "ModuleNotFoundError: No module named 'pkg.mod'")


def test_suffix_and_init_messages(compile_ext: Callable[..., Path], wheel: Callable[..., Path]) -> None:
    whl = wheel({f"pkg/mod{_so('312')}": compile_ext(OTHER)}, tags=f"cp36-abi3-{MANYLINUX}")
    found = verdict(audit_wheel(whl), f"pkg/mod{_so('312')}", IMPORT_CHECKS)
    assert found == [
        ("extension-suffix", _so("312"), "only CPython 3.12 imports it; the abi3 tag promises 3.6 and later"),
        (
            "module-init",
            "PyInit_mod",
            "not exported: import fails with 'dynamic module does not define module export function'",
        ),
    ]


# --- libraries loaded by path (ctypes, cffi) -----------------------------------------------------


def _ctypes_loads(where: Path, member: str) -> tuple[bool, str]:
    """Load ``member`` from an unpacked wheel the way pycryptodome's _raw_api does: ctypes, by path."""
    code = f"import ctypes; assert ctypes.CDLL({str(where / member)!r}).plain_add(2, 3) == 5"
    run = subprocess.run([sys.executable, "-s", "-c", code], capture_output=True, text=True, check=False)
    return run.returncode == 0, run.stderr.strip()


@pytest.mark.parametrize(
    ("member", "tags"),
    [("pkg/_plain.abi3.so", f"cp36-abi3-{MANYLINUX}"), (f"pkg/_plain{_so()}", f"cp312-cp312-{MANYLINUX}")],
    ids=["abi3-suffix", "version-suffix-of-another-cpython"],
)
def test_a_ctypes_library_with_an_extension_suffix_is_a_note_not_a_failure(
    member: str, tags: str, compile_ext: Callable[..., Path], wheel: Callable[..., Path], tmp_path: Path
) -> None:
    """pycryptodome's case (#21): the file loads with ctypes, no import ever looks for a PyInit_ in it."""
    whl = wheel({"pkg/__init__.py": b"", member: compile_ext(PLAIN)}, tags=tags)
    with zipfile.ZipFile(whl) as z:
        z.extractall(tmp_path / "site")
    assert _ctypes_loads(tmp_path / "site", member) == (True, "")
    audit = audit_wheel(whl)
    assert verdict(audit, member, (*IMPORT_CHECKS, Check.STABLE_ABI)) == []
    assert audit.passed
    [note] = [n for n in audit.notes if "named like extension modules" in n]
    assert note.startswith(f"{member}: named like extension modules, but export no PyInit_/PyModExport_ hook")
    assert "libraries loaded by path (ctypes, cffi)" in note


def test_an_extension_that_binds_the_c_api_still_needs_its_hook(
    compile_ext: Callable[..., Path], wheel: Callable[..., Path]
) -> None:
    """The evidence is the C API import: a module that forgot PyInit_ is no ctypes library (#21)."""
    built = compile_ext(NO_INIT)
    undefined = subprocess.run(["readelf", "--dyn-syms", "-W", str(built)], capture_output=True, text=True, check=True)
    assert "PyModule_Create2" in undefined.stdout
    assert "PyInit_" not in undefined.stdout
    whl = wheel({"pkg/mod.abi3.so": built}, tags=f"cp36-abi3-{MANYLINUX}")
    audit = audit_wheel(whl)
    assert [s for c, s, _ in verdict(audit, "pkg/mod.abi3.so", IMPORT_CHECKS)] == ["PyInit_mod"]
    assert not [n for n in audit.notes if "named like extension modules" in n]


# --- which files are extension modules --------------------------------------------------------


def _facts(path: str, exports: tuple[str, ...] = ()) -> ElfFacts:
    return ElfFacts(
        path=path,
        elf_class=64,
        little_endian=True,
        machine="EM_X86_64",
        osabi="ELFOSABI_SYSV",
        elf_type="ET_DYN",
        flags=0,
        arch="x86_64",
        exports=exports,
    )


@pytest.mark.parametrize(
    ("path", "exports", "module"),
    [
        (f"pkg/_core{HOST_SO}", (), "_core"),
        ("pkg/_core.abi3.so", (), "_core"),
        ("pkg/_core.so", ("PyInit__core",), "_core"),
        ("pkg/libfoo.so", (), None),  # a vendored library: no hook for its name
        ("pkg.libs/_core.abi3.so", (), None),  # no import reaches a directory with a dot
        ("pkg-1.0.data/platlib/pkg/_core.abi3.so", (), "_core"),
        ("pkg-1.0.data/scripts/_core.abi3.so", (), None),
        ("pkg/libfoo.so.1", (), None),
        ("_top.cpython-37m-x86_64-linux-gnu.so", (), "_top"),
    ],
)
def test_extension_identification(path: str, exports: tuple[str, ...], module: str | None) -> None:
    found = extension(_facts(path, exports))
    assert (found.module if found else None) == module


def test_multiarch_names_follow_cpython() -> None:
    assert multiarch("x86_64", Libc.GLIBC) == "x86_64-linux-gnu"
    assert multiarch("i686", Libc.MUSL) == "i386-linux-musl"
    assert multiarch("armv7l", Libc.GLIBC) == "arm-linux-gnueabihf"
    assert multiarch("armv7l", Libc.MUSL) == "arm-linux-musleabihf"
    assert multiarch("ppc64le", Libc.GLIBC) == "powerpc64le-linux-gnu"
    assert multiarch("sparc64", Libc.GLIBC) is None
    assert sysconfig.get_config_var("MULTIARCH") == multiarch("x86_64", Libc.GLIBC)


# --- the Stable ABI ---------------------------------------------------------------------------

UNSTABLE = Build("abi3/unstable.c")
CLEAN = Build("abi3/clean.c")
RESERVED = Build("abi3/reserved.c")


def _limited(version: int) -> Build:
    return Build("abi3/limited.c", (f"-DPy_LIMITED_API=0x030{version:X}0000",))


def test_cp36_abi3_wheel_fails_naming_both_symbols_and_versions(
    compile_ext: Callable[..., Path], wheel: Callable[..., Path], capsys: pytest.CaptureFixture[str]
) -> None:
    """The issue's example: it used to pass with exit 0."""
    whl = wheel({"pkg/unstable.abi3.so": compile_ext(UNSTABLE)}, tags=f"cp36-abi3-{MANYLINUX}")
    audit = audit_wheel(whl)
    assert verdict(audit, "pkg/unstable.abi3.so", (Check.STABLE_ABI,)) == [
        ("stable-abi", "PyFunction_GetCode", "not in the stable ABI"),
        ("stable-abi", "PyUnicode_AsUTF8AndSize", "stable since 3.10; the wheel promises 3.6"),
    ]
    assert main([str(whl), "--no-cache"]) == 1
    out = capsys.readouterr().out
    assert "+ PyFunction_GetCode             not in the stable ABI" in out
    assert "+ PyUnicode_AsUTF8AndSize        stable since 3.10; the wheel promises 3.6" in out
    assert "fix: stop calling PyFunction_GetCode (not in the stable ABI)" in out
    assert "raise the wheel's abi3 tag to cp310, or keep cp36 with Py_LIMITED_API=0x03060000" in out


@pytest.mark.parametrize(
    ("version", "needed", "offenders_at_cp310"),
    [
        (6, PyVersion(3, 2), []),
        (10, PyVersion(3, 10), []),
        (11, PyVersion(3, 11), [("stable-abi", "PyType_GetName", "stable since 3.11; the wheel promises 3.10")]),
    ],
    ids=["limited-3.6", "limited-3.10", "limited-3.11"],
)
def test_limited_api_versions(  # noqa: PLR0917 - three parameters and three fixtures
    version: int,
    needed: PyVersion,
    offenders_at_cp310: list[tuple[str, str, str]],
    compile_ext: Callable[..., Path],
    wheel: Callable[..., Path],
    tmp_path: Path,
) -> None:
    built = compile_ext(_limited(version))
    whl = wheel({"pkg/limited.abi3.so": built}, tags=f"cp310-abi3-{MANYLINUX}")
    audit = audit_wheel(whl)
    assert audit.abi3_minimum == needed
    assert AuditView(audit).abi3_minimum == needed
    assert verdict(audit, "pkg/limited.abi3.so", (Check.STABLE_ABI,)) == offenders_at_cp310
    assert imports(whl, "pkg.limited", tmp_path / "site")[0]  # every build loads on this 3.11


def test_not_an_abi3_wheel_has_no_stable_abi_verdict(
    compile_ext: Callable[..., Path], wheel: Callable[..., Path]
) -> None:
    whl = wheel({f"pkg/unstable{HOST_SO}": compile_ext(UNSTABLE)})
    audit = audit_wheel(whl)
    assert audit.abi3_minimum is None
    assert verdict(audit, f"pkg/unstable{HOST_SO}", (Check.STABLE_ABI,)) == []


def test_bare_abi3_file_without_a_minimum_fails_only_what_is_never_stable(compile_ext: Callable[..., Path]) -> None:
    bare = compile_ext(UNSTABLE).parent / "unstable.abi3.so"
    shutil.copy(compile_ext(UNSTABLE), bare)
    audit = audit_elf(bare, "manylinux2014")
    assert verdict(audit, "unstable.abi3.so", (Check.STABLE_ABI,)) == [
        ("stable-abi", "PyFunction_GetCode", "not in the stable ABI")
    ]


def test_bare_abi3_file_with_an_assumed_minimum(compile_ext: Callable[..., Path]) -> None:
    """abi3audit's --assume-minimum-abi3, for a file with no wheel tags to read the minimum from."""
    bare = compile_ext(UNSTABLE).parent / "assumed" / "unstable.abi3.so"
    bare.parent.mkdir(exist_ok=True)
    shutil.copy(compile_ext(UNSTABLE), bare)
    audit = audit_elf(bare, "manylinux2014", assume_minimum_abi3=(3, 8))
    assert verdict(audit, "unstable.abi3.so", (Check.STABLE_ABI,)) == [
        ("stable-abi", "PyFunction_GetCode", "not in the stable ABI"),
        ("stable-abi", "PyUnicode_AsUTF8AndSize", "stable since 3.10; the wheel promises 3.8"),
    ]
    assert audit.abi3_minimum == (3, 10)


def test_defined_reserved_export_is_a_note_not_a_failure(
    compile_ext: Callable[..., Path], wheel: Callable[..., Path]
) -> None:
    whl = wheel({"pkg/reserved.abi3.so": compile_ext(RESERVED)}, tags=f"cp36-abi3-{MANYLINUX}")
    audit = audit_wheel(whl)
    assert verdict(audit, "pkg/reserved.abi3.so", (Check.STABLE_ABI, *IMPORT_CHECKS)) == []
    elf = audit.facts.elves[0]
    assert elf.exports == ("PyErr_SetFromOSErrnoWithSyscall", "PyInit_reserved")
    note = (
        "pkg/reserved.abi3.so: defines PyErr_SetFromOSErrnoWithSyscall with CPython's reserved Py/_Py prefix "
        "(stable ABI hygiene)"
    )
    assert [n for n in audit.notes if "PyErr_SetFromOSErrnoWithSyscall" in n] == [note]


def test_abi3t_wheel_is_judged_from_3_15(compile_ext: Callable[..., Path], wheel: Callable[..., Path]) -> None:
    """PEP 803: abi3t starts at 3.15, so 3.10's PyUnicode_AsUTF8AndSize is fine; PyInit without
    PyModExport and PyModule_Create2 are hazards (notes), PyFunction_GetCode still fails."""
    whl = wheel({"pkg/unstable.abi3t.so": compile_ext(UNSTABLE)}, tags=f"cp315-abi3t-{MANYLINUX}")
    audit = audit_wheel(whl)
    assert verdict(audit, "pkg/unstable.abi3t.so", (Check.STABLE_ABI,)) == [
        ("stable-abi", "PyFunction_GetCode", "not in the stable ABI")
    ]
    assert verdict(audit, "pkg/unstable.abi3t.so", IMPORT_CHECKS) == []
    assert audit.abi3_minimum == (3, 15)
    assert any("PyInit_unstable, PyModule_Create2 need a static PyModuleDef" in n for n in audit.notes)


# --- libpython ---------------------------------------------------------------------------------


def test_libpython_link_has_its_own_check_and_remedy(
    compile_ext: Callable[..., Path], wheel: Callable[..., Path], tmp_path: Path
) -> None:
    stub = tmp_path / "libpython3.11.so.1.0"
    soname = "-Wl,-soname,libpython3.11.so.1.0"
    subprocess.run(
        ["gcc", "-shared", "-fPIC", soname, "-o", str(stub), str(C / "importable/stub_libpython.c")], check=True
    )
    (tmp_path / "libpython3.11.so").symlink_to(stub.name)
    linked = compile_ext(MOD, "-Wl,--no-as-needed", f"-L{tmp_path}", "-lpython3.11")
    whl = wheel({f"pkg/mod{HOST_SO}": linked})
    audit = audit_wheel(whl, "manylinux2014")
    found = verdict(audit, f"pkg/mod{HOST_SO}", (Check.LIBPYTHON, Check.LIBRARIES))
    assert found == [
        (
            "libpython",
            "libpython3.11.so.1.0",
            "links libpython: forbidden (PEP 513), and absent from statically linked CPythons",
        )
    ]
    assert "libpython3.11.so.1.0" in audit.flags.external_libs  # as auditwheel show lists it
    assert "auditwheel repair` removes the link" in REGISTRY[Check.LIBPYTHON].remedy


# --- abi3audit, the second oracle --------------------------------------------------------------


def abi3audit(whl: Path) -> dict[str, dict[str, object]]:
    """abi3audit's per-extension results for one wheel, by file name."""
    pytest.importorskip("abi3audit")
    run = subprocess.run(
        [sys.executable, "-m", "abi3audit", "--report", str(whl)], capture_output=True, text=True, check=False
    )
    spec = json.loads(run.stdout)["specs"][str(whl)]
    return {item["name"]: item["result"] for item in spec["wheel"]}


def ours(audit: Audit) -> dict[str, set[str]]:
    """Our stable-ABI offenders per extension file name, against the wheel's declared tags."""
    out: dict[str, set[str]] = {}
    for elf in audit.facts.elves:
        if extension(elf) is not None:
            out[elf.path.rsplit("/", 1)[-1]] = {s for _, s, _ in verdict(audit, elf.path, (Check.STABLE_ABI,))}
    return out


def assert_agrees_with_abi3audit(whl: Path) -> list[str]:
    """Every disagreement is abi3audit's false positive on a defined export; returns those names."""
    audit = audit_wheel(whl)
    theirs = abi3audit(whl)
    assert set(theirs) == set(ours(audit))
    false_positives: list[str] = []
    for elf in audit.facts.elves:
        name = elf.path.rsplit("/", 1)[-1]
        if name not in theirs:
            continue
        result = theirs[name]
        flagged = set(result["non_abi3_symbols"]) | set(result["future_abi3_objects"])  # type: ignore[call-overload]
        mine = ours(audit)[name]
        assert mine <= flagged, f"{name}: we fail {sorted(mine - flagged)}, abi3audit does not"
        extra = flagged - mine
        assert extra <= set(reserved_exports(elf.exports)), f"{name}: abi3audit also fails {sorted(extra)}"
        false_positives.extend(sorted(extra))
        computed = PyVersion(*map(int, str(result["computed"]).split(".")))
        baseline = PyVersion(*map(int, str(result["baseline"]).split(".")))
        assert audit.abi3_minimum is not None
        assert max(audit.abi3_minimum, baseline) >= computed
    return false_positives


@pytest.mark.parametrize(
    ("build", "false_positives"),
    [(CLEAN, []), (UNSTABLE, []), (RESERVED, ["PyErr_SetFromOSErrnoWithSyscall"]), (_limited(11), [])],
    ids=["clean", "unstable", "reserved", "limited-3.11"],
)
def test_built_abi3_wheels_agree_with_abi3audit(
    build: Build, false_positives: list[str], compile_ext: Callable[..., Path], wheel: Callable[..., Path]
) -> None:
    module = {"abi3/clean.c": "clean", "abi3/unstable.c": "unstable", "abi3/reserved.c": "reserved"}.get(
        build.source, "limited"
    )
    whl = wheel({f"pkg/{module}.abi3.so": compile_ext(build)}, tags=f"cp36-abi3-{MANYLINUX}")
    assert assert_agrees_with_abi3audit(whl) == false_positives


ABI3_CORPUS = [w for w in CORPUS if "-abi3-" in w.filename]


@pytest.mark.pypi
@pytest.mark.parametrize("pinned", ABI3_CORPUS, ids=[w.filename.split("-")[0] for w in ABI3_CORPUS])
def test_pypi_abi3_wheels_agree_with_abi3audit(pinned: PinnedWheel) -> None:
    try:
        whl = fetch(pinned)
    except WheelUnavailable as e:
        pytest.skip(e.reason)
    false_positives = assert_agrees_with_abi3audit(whl)
    audit = audit_wheel(whl)
    assert verdict_all(audit, Check.STABLE_ABI) == []  # none of them breaks its promise
    if whl.name.startswith("psutil-5.9.8"):
        assert false_positives == ["PyErr_SetFromOSErrnoWithSyscall"] * 2
        assert any("PyErr_SetFromOSErrnoWithSyscall" in n for n in audit.notes)
        assert audit.passed
    else:
        assert false_positives == []


def verdict_all(audit: Audit, check: Check) -> list[tuple[str, str]]:
    return sorted({(f.path, v.subject) for w in audit.verdicts for f in w.files for v in f.of(check) if v.counts})


def test_abi3_corpus_is_there() -> None:
    names = {w.filename.split("-")[0] for w in ABI3_CORPUS}
    assert {"cryptography", "psutil", "pyzmq", "PyQt6"} <= names


# --- the gate, the markers and the fixture -----------------------------------------------------


def test_gate_marker_and_fixture_cover_the_import_checks(
    pytester: pytest.Pytester, compile_ext: Callable[..., Path], wheel: Callable[..., Path]
) -> None:
    house = pytester.path / "house"
    house.mkdir()
    shutil.copy(
        wheel({"bad/unstable.abi3.so": compile_ext(UNSTABLE)}, name="bad", tags=f"cp36-abi3-{MANYLINUX}"), house
    )
    shutil.copy(
        wheel({"good/limited.abi3.so": compile_ext(_limited(10))}, name="good", tags=f"cp310-abi3-{MANYLINUX}"), house
    )
    gate = pytester.runpytest("-p", "no:randomly", "--manylinux-policy=manylinux2014", "--manylinux-wheel=house")
    outcomes = gate.parseoutcomes()
    assert outcomes["failed"] == 1, gate.stdout.str()
    gate.stdout.fnmatch_lines(["FAILED house/bad-1.0-*.whl::bad/unstable.abi3.so::stable-abi*"])
    pytester.makepyfile(
        "import pytest\n\n@pytest.mark.manylinux2014\ndef test_tag(): pass\n\n"
        "def test_minimum(manylinux_audit):\n    assert manylinux_audit.abi3_minimum <= (3, 10)\n"
    )
    marked = pytester.runpytest("-p", "no:randomly", "--manylinux-wheel=house", "-v")
    marked.stdout.fnmatch_lines(
        [
            "*::test_tag[[]bad-1.0-*.whl] FAILED*",
            "*::test_tag[[]good-1.0-*.whl] PASSED*",
            "*::test_minimum[[]bad-1.0-*.whl] PASSED*",  # needs 3.10, promises 3.6: the check fails, not the pin
            "*::test_minimum[[]good-1.0-*.whl] PASSED*",
        ],
        consecutive=False,
    )


IMPORT_AND_ABI = (*IMPORT_CHECKS, Check.STABLE_ABI, Check.LIBPYTHON)


@pytest.mark.pypi
@pytest.mark.parametrize("pinned", CORPUS, ids=[w.filename for w in CORPUS])
def test_no_pypi_wheel_trips_the_import_checks(pinned: PinnedWheel) -> None:
    """Every pinned wheel installs and imports for its users: none may fail these checks."""
    try:
        whl = fetch(pinned)
    except WheelUnavailable as e:
        pytest.skip(e.reason)
    audit = audit_wheel(whl)
    assert [(c.value, *found) for c in IMPORT_AND_ABI for found in verdict_all(audit, c)] == []


def test_cli_assumes_a_minimum_and_json_names_the_minimum(
    compile_ext: Callable[..., Path], wheel: Callable[..., Path], capsys: pytest.CaptureFixture[str]
) -> None:
    """abi3audit's ``--assume-minimum-abi3`` in the CLI; the JSON carries the computed minimum."""
    bare = compile_ext(UNSTABLE).parent / "cli" / "unstable.abi3.so"
    bare.parent.mkdir(exist_ok=True)
    shutil.copy(compile_ext(UNSTABLE), bare)
    assert main([str(bare), "--no-cache", "--policy", "manylinux2014", "--assume-minimum-abi3", "3.8"]) == 1
    assert "stable since 3.10; the wheel promises 3.8" in capsys.readouterr().out
    whl = wheel({"pkg/limited.abi3.so": compile_ext(_limited(10))}, tags=f"cp310-abi3-{MANYLINUX}")
    assert main([str(whl), "--no-cache", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["wheels"][0]["abi3_minimum"] == "3.10"
    with pytest.raises(SystemExit):
        main([str(bare), "--assume-minimum-abi3", "2.7"])
    assert "not a CPython 3 version" in capsys.readouterr().err
