"""The Stable ABI table and the abi3 judgement, on the table itself and on real gcc-built extensions."""

from __future__ import annotations

import importlib.util
import json
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

import pytest

from pytest_manylinux._stable_abi import (
    ABI3T_MINIMUM,
    Offender,
    PyVersion,
    StableABI,
    abi3t_hazards,
    judge_imports,
    minimum_abi3,
    reserved_exports,
    stable_abi,
)

if TYPE_CHECKING:
    from types import ModuleType

REPO = Path(__file__).resolve().parent.parent
SOURCES = REPO / "tests" / "data" / "c" / "abi3"
DATA = REPO / "pytest_manylinux" / "stable_abi"
MODULES = ("clean", "unstable", "reserved")
PY36 = PyVersion(3, 6)


class Symbols(NamedTuple):
    undefined: frozenset[str]
    defined: frozenset[str]


def dynamic_symbols(path: Path) -> Symbols:
    """Global/weak ``.dynsym`` names split by ``Ndx == UND``, as readelf prints them."""
    out = subprocess.run(["readelf", "--dyn-syms", "-W", str(path)], capture_output=True, text=True, check=True)
    undefined: set[str] = set()
    defined: set[str] = set()
    for line in out.stdout.splitlines():
        # Num: Value Size Type Bind Vis Ndx Name [(version index)]
        fields = line.split()
        if len(fields) < 8 or not fields[0].endswith(":") or fields[4] not in {"GLOBAL", "WEAK"}:
            continue
        name = fields[7].split("@", 1)[0]
        (undefined if fields[6] == "UND" else defined).add(name)
    return Symbols(frozenset(undefined), frozenset(defined))


@pytest.fixture(scope="session")
def extensions(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """``<name>.abi3.so`` for each source, built against this interpreter's headers."""
    include = Path(sysconfig.get_paths()["include"])
    if shutil.which("gcc") is None or shutil.which("readelf") is None:
        pytest.skip("needs gcc and readelf")
    if not (include / "Python.h").is_file():
        pytest.skip(f"no Python.h in {include}")
    out = tmp_path_factory.mktemp("abi3")
    built = {}
    for name in MODULES:
        target = out / f"{name}.abi3.so"
        flags = ["-shared", "-fPIC", "-O1", "-Wall", "-Werror", "-Wno-unused-parameter", f"-I{include}"]
        subprocess.run(["gcc", *flags, "-o", str(target), str(SOURCES / f"{name}.c")], check=True)
        built[name] = target
    return built


# --- the table ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "since"),
    [
        ("Py_Initialize", PyVersion(3, 2)),
        ("PyType_FromSpec", PyVersion(3, 2)),
        ("_Py_Dealloc", PyVersion(3, 2)),  # abi_only: called by the Py_DECREF macro
        ("_PyArg_ParseTuple_SizeT", PyVersion(3, 3)),
        ("PyOS_AfterFork_Child", PyVersion(3, 7)),  # ifdef HAVE_FORK: Linux has it
        ("PyThread_get_thread_native_id", PyVersion(3, 2)),  # ifdef PY_HAVE_THREAD_NATIVE_ID
        ("PyUnicode_AsUTF8AndSize", PyVersion(3, 10)),
        ("Py_TYPE", PyVersion(3, 14)),  # a macro until 3.14
        ("PyLong_Export", PyVersion(3, 15)),  # PEP 757, the newest block in this toml
        ("PyFunction_GetCode", None),  # CPython API, never Stable ABI
        ("PyErr_SetFromWindowsErr", None),  # ifdef MS_WINDOWS
        ("PyOS_CheckStack", None),  # ifdef USE_STACKCHECK: 32-bit MSVC only
        ("_Py_RefTotal", None),  # ifdef Py_REF_DEBUG: debug interpreters only
        ("Py_BEGIN_ALLOW_THREADS", None),  # a macro: nothing to bind
        ("PyModuleDef", None),  # a struct
    ],
)
def test_since(name: str, since: PyVersion | None) -> None:
    assert stable_abi().since(name) == since


def test_entries_keep_what_since_hides() -> None:
    abi = stable_abi()
    windows = abi.entry("PyErr_SetFromWindowsErr")
    assert windows is not None
    assert (windows.kind, windows.added, windows.ifdef, windows.on_linux) == ("function", (3, 7), "MS_WINDOWS", False)
    pyobject = abi.entry("PyObject")
    assert pyobject is not None
    assert (pyobject.kind, pyobject.layout) == ("struct", "members")
    dealloc = abi.entry("_Py_Dealloc")
    assert dealloc is not None
    assert dealloc.abi_only
    assert abi.entry("PyFunction_GetCode") is None


def test_kinds() -> None:
    abi = stable_abi()
    assert abi.is_data("PyExc_TypeError")
    assert abi.is_data("_Py_NoneStruct")
    assert not abi.is_data("PyLong_FromLong")
    assert abi.is_function("PyLong_FromLong")
    assert not abi.is_function("Py_TPFLAGS_DEFAULT")
    kinds = {entry.kind for entry in abi.entries.values()}
    assert kinds == {"function", "data", "const", "macro", "struct", "typedef"}
    assert sum(entry.is_symbol for entry in abi.entries.values()) == 945


def test_table_is_cached_and_names_its_source() -> None:
    assert stable_abi() is stable_abi()
    assert stable_abi().source_sha256 == "1ddc396018dbf5bd6d2b2dbdf18dc2ce838a3ffdbfc361e07d270275e7ec1751"


def test_running_interpreter_exports_the_table() -> None:
    """Every Linux Stable ABI symbol up to this CPython is exported by it, and no excluded one is."""
    if sysconfig.get_config_var("Py_ENABLE_SHARED"):
        exporter = Path(sysconfig.get_config_var("LIBDIR"), sysconfig.get_config_var("LDLIBRARY"))
    else:
        exporter = Path(sys.executable).resolve()
    if shutil.which("readelf") is None or not exporter.is_file():
        pytest.skip("needs readelf and the interpreter's ELF file")
    exported = dynamic_symbols(exporter).defined
    here = PyVersion(*sys.version_info[:2])
    entries = [entry for entry in stable_abi().entries.values() if entry.is_symbol and entry.added <= here]
    assert [e.name for e in entries if e.on_linux and e.name not in exported] == []
    assert [e.name for e in entries if not e.on_linux and e.name in exported] == []


def test_parse_names_the_bad_line() -> None:
    good = "# source sha256 abc\nPy_X\tfunction\t3.2\tabi_only,ifdef=HAVE_FORK,abi3t_opaque\n"
    abi = StableABI.parse(good)
    entry = abi.entry("Py_X")
    assert entry is not None
    assert (entry.abi_only, entry.ifdef, entry.markers) == (True, "HAVE_FORK", frozenset({"abi3t_opaque"}))
    assert abi.source_sha256 == "abc"
    with pytest.raises(ValueError, match=r"line 3: .*'Py_Y\\tfunction\\t3\\t-'"):
        StableABI.parse(good + "Py_Y\tfunction\t3\t-\n")


def _load_generator() -> ModuleType:
    pytest.importorskip("tomllib")  # the generator is a maintainer tool and needs Python >= 3.11
    spec = importlib.util.spec_from_file_location("make_stable_abi", REPO / "scripts" / "make_stable_abi.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_committed_table_is_what_the_vendored_toml_generates() -> None:
    toml = DATA / "stable_abi.toml"
    if not toml.is_file():
        pytest.skip("the vendored toml is not in this tree (an sdist, say)")
    generator = _load_generator()
    assert generator.generate(toml.read_bytes()) == (DATA / "stable_abi.txt").read_text(encoding="utf-8")


def test_generator_refuses_keys_it_does_not_know(tmp_path: Path) -> None:
    generator = _load_generator()
    toml = tmp_path / "stable_abi.toml"
    toml.write_text("[function.Py_X]\n    added = '3.15'\n    abi3t = 'opaque'\n", encoding="utf-8")
    with pytest.raises(ValueError, match="unknown key 'abi3t'"):
        generator.main([str(toml), "--output", str(tmp_path / "t.txt")])
    toml.write_text("[function.Py_X]\n    added = '3.15'\n    abi3t_opaque = true\n", encoding="utf-8")
    assert generator.main([str(toml), "--output", str(tmp_path / "t.txt")]) == 0
    assert (tmp_path / "t.txt").read_text(encoding="utf-8").endswith("Py_X\tfunction\t3.15\tabi3t_opaque\n")
    assert generator.main([str(toml), "--output", str(tmp_path / "t.txt"), "--check"]) == 0
    (tmp_path / "t.txt").write_text("stale\n", encoding="utf-8")
    assert generator.main([str(toml), "--output", str(tmp_path / "t.txt"), "--check"]) == 1


# --- the judgement on names -----------------------------------------------------------------


def test_judge_imports_names_offenders_once_sorted() -> None:
    names = ["memcpy", "PyUnicode_AsUTF8AndSize", "PyFunction_GetCode", "PyLong_FromLong", "PyFunction_GetCode"]
    assert judge_imports(names, (3, 6)) == (
        Offender("PyFunction_GetCode", None),
        Offender("PyUnicode_AsUTF8AndSize", PyVersion(3, 10)),
    )
    assert judge_imports(names, (3, 10)) == (Offender("PyFunction_GetCode", None),)


def test_offender_says_why() -> None:
    assert str(Offender("PyFunction_GetCode", None)) == "PyFunction_GetCode (not in the stable ABI)"
    assert str(Offender("PyUnicode_AsUTF8AndSize", PyVersion(3, 10))) == "PyUnicode_AsUTF8AndSize (stable since 3.10)"


def test_module_hooks_and_foreign_names_are_never_offenders() -> None:
    assert judge_imports(["PyInit_other", "PyModExport_other", "memcpy", "sqrt"], PY36) == ()


def test_windows_only_import_is_not_stable_on_linux() -> None:
    assert judge_imports(["PyErr_SetFromWindowsErr", "PyOS_AfterFork_Child"], (3, 7)) == (
        Offender("PyErr_SetFromWindowsErr", None),
    )


def test_free_threaded_judges_from_3_15() -> None:
    names = ["PyUnicode_AsUTF8AndSize", "PyModule_Exec", "PyFunction_GetCode"]
    assert judge_imports(names, PY36) == (
        Offender("PyFunction_GetCode", None),
        Offender("PyModule_Exec", PyVersion(3, 15)),
        Offender("PyUnicode_AsUTF8AndSize", PyVersion(3, 10)),
    )
    assert ABI3T_MINIMUM == (3, 15)
    assert judge_imports(names, PY36, free_threaded=True) == (Offender("PyFunction_GetCode", None),)


def test_abi3t_hazards() -> None:
    assert abi3t_hazards(["PyModule_Create2", "PyLong_FromLong"], ["PyInit_m"]) == ("PyInit_m", "PyModule_Create2")
    assert abi3t_hazards(["PyModule_FromSlotsAndSpec"], ["PyInit_m", "PyModExport_m"]) == ()


def test_reserved_exports_skip_module_hooks() -> None:
    defined = ["PyInit_x", "PyModExport_x", "_PyFoo", "PyErr_SetFromOSErrnoWithSyscall", "helper", "_PyFoo"]
    assert reserved_exports(defined) == ("PyErr_SetFromOSErrnoWithSyscall", "_PyFoo")


@pytest.mark.parametrize(
    ("python_tags", "abi_tags", "expected"),
    [
        (["cp36"], ["abi3"], PyVersion(3, 6)),
        (["cp38", "cp311"], ["abi3"], PyVersion(3, 11)),
        (["cp39", "cp310"], ["abi3"], PyVersion(3, 10)),  # numeric, not string, order
        (["cp315"], ["abi3", "abi3t"], PyVersion(3, 15)),
        (["cp315"], ["abi3t"], PyVersion(3, 15)),
        (["cp311"], ["cp311"], None),  # version-specific ABI
        (["py3"], ["abi3"], None),  # no CPython version to hold it to
        (["cp3"], ["abi3"], None),
    ],
    ids=["cp36", "highest", "numeric", "abi3.abi3t", "abi3t", "not-abi3", "py3", "cp3"],
)
def test_minimum_abi3(python_tags: list[str], abi_tags: list[str], expected: PyVersion | None) -> None:
    assert minimum_abi3(python_tags, abi_tags) == expected


# --- real extensions --------------------------------------------------------------------------


def test_clean_extension(extensions: dict[str, Path]) -> None:
    symbols = dynamic_symbols(extensions["clean"])
    assert "PyModule_Create2" in symbols.undefined
    assert judge_imports(symbols.undefined, PY36) == ()
    assert reserved_exports(symbols.defined) == ()
    assert "PyInit_clean" in symbols.defined


def test_clean_extension_imports(extensions: dict[str, Path]) -> None:
    code = "import clean; assert clean.add(2, 3) == 5; assert clean.greet('abi3') == 'hello, abi3'"
    subprocess.run([sys.executable, "-c", code], cwd=extensions["clean"].parent, check=True)


def test_unstable_extension(extensions: dict[str, Path]) -> None:
    symbols = dynamic_symbols(extensions["unstable"])
    assert judge_imports(symbols.undefined, PY36) == (
        Offender("PyFunction_GetCode", None),
        Offender("PyUnicode_AsUTF8AndSize", PyVersion(3, 10)),
    )
    assert reserved_exports(symbols.defined) == ()


def test_reserved_export_is_a_warning_not_an_offender(extensions: dict[str, Path]) -> None:
    symbols = dynamic_symbols(extensions["reserved"])
    assert "PyErr_SetFromOSErrnoWithSyscall" in symbols.defined
    assert judge_imports(symbols.undefined, PY36) == ()
    assert reserved_exports(symbols.defined) == ("PyErr_SetFromOSErrnoWithSyscall",)


def _abi3audit(path: Path) -> dict[str, object]:
    pytest.importorskip("abi3audit")
    run = subprocess.run(
        [sys.executable, "-m", "abi3audit", "--assume-minimum-abi3", "3.6", "--report", str(path)],
        capture_output=True,
        text=True,
        check=False,
    )
    result: dict[str, object] = json.loads(run.stdout)["specs"][str(path)]["object"]["result"]
    return result


@pytest.mark.parametrize("name", ["clean", "unstable"])
def test_agrees_with_abi3audit(extensions: dict[str, Path], name: str) -> None:
    ours = judge_imports(dynamic_symbols(extensions[name]).undefined, PY36)
    theirs = _abi3audit(extensions[name])
    assert sorted(o.name for o in ours if o.since is None) == sorted(theirs["non_abi3_symbols"])  # type: ignore[call-overload]
    assert {o.name: str(o.since) for o in ours if o.since is not None} == theirs["future_abi3_objects"]


def test_abi3audit_fails_the_defined_export_we_only_warn_about(extensions: dict[str, Path]) -> None:
    symbols = dynamic_symbols(extensions["reserved"])
    assert _abi3audit(extensions["reserved"])["non_abi3_symbols"] == ["PyErr_SetFromOSErrnoWithSyscall"]
    assert judge_imports(symbols.undefined, PY36) == ()


def test_agrees_with_abi3info() -> None:
    """abi3audit's own data (generated from a later CPython main) agrees on every symbol both know."""
    abi3info = pytest.importorskip("abi3info")
    theirs = {}
    for table in (abi3info.FUNCTIONS, abi3info.DATAS):
        for symbol, item in table.items():
            theirs[symbol.name] = (PyVersion(item.added.major, item.added.minor), item.ifdef and item.ifdef.name)
    ours = {e.name: (e.added, e.ifdef) for e in stable_abi().entries.values() if e.is_symbol}
    assert {name: value for name, value in ours.items() if theirs.get(name) != value} == {}
