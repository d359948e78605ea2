"""A remedy for every failure, specific to the case, on real binaries; and what pytest shows of it (#15).

Every check is either in :data:`SPECIFIC` (a real failing fixture whose ``fix:``
line names the case: the image, the entry, the library) or in
:data:`GENERAL_ONLY` (its general remedy is the whole advice): a new check in
neither fails :func:`test_every_check_is_classified`.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, TypeAlias

import pytest
from builders import ABS_RUNPATH, C_DIR, EXT_SUFFIX, _ext, _stub, can_compile_m32

from pytest_manylinux._audit import audit
from pytest_manylinux._checks import REGISTRY
from pytest_manylinux._model import Audit, Check, Violation
from pytest_manylinux._policy import IMAGES, RETIRED_IMAGES, load_policies
from pytest_manylinux._render import MAX_REMEDIES, audit_document, render_block

if TYPE_CHECKING:
    from collections.abc import Callable

    from builders import Fixtures

    Wheel: TypeAlias = Callable[..., Path]

SO = EXT_SUFFIX
ROOT = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class Case:
    """A real failing input for one check and what its fix line must say."""

    build: Callable[[Fixtures, Wheel, Path], Path]
    policy: str | None
    says: tuple[str, ...]


def _found(result: Audit, check: Check) -> list[Violation]:
    if check is Check.TAGS:
        return list(result.tags)
    found = [v for verdict in result.verdicts for f in verdict.files for v in f.of(check)]
    return found + [v for verdict in result.verdicts for v in verdict.violations if v.check is check]


def _gcc(out: Path, source: Path, *flags: str) -> Path:
    subprocess.run(["gcc", "-shared", "-fPIC", "-o", str(out), str(source), *flags], check=True, capture_output=True)
    return out


def _libpython(fx: Fixtures, wheel: Wheel, tmp: Path) -> Path:
    stub = _gcc(tmp / "libpython3.11.so.1.0", C_DIR / "importable/stub_libpython.c", "-Wl,-soname,libpython3.11.so.1.0")
    del fx
    linked = _gcc(tmp / f"mod{SO}", C_DIR / "ext_plain.c", "-DMODULE=mod", "-Wl,--no-as-needed", str(stub))
    return wheel({f"pkg/mod{SO}": linked})


def _pyfpe(fx: Fixtures, wheel: Wheel, tmp: Path) -> Path:
    del fx
    so = _gcc(tmp / f"ext_pyfpe{SO}", C_DIR / "ext_pyfpe.c", "-nostdlib", "-fno-builtin")
    return wheel({f"pkg/ext_pyfpe{SO}": so}, tags="cp311-cp311-manylinux1_x86_64")


def _time64(fx: Fixtures, wheel: Wheel, tmp: Path) -> Path:
    del fx
    if not can_compile_m32(tmp):
        pytest.skip("gcc cannot emit -m32 code here")
    _stub(tmp / "libc.musl-x86.so.1", "stub_musl32.c", None, "-m32")
    m32 = ("-m32", "-march=i686", f"-L{tmp}", "-l:libc.musl-x86.so.1")
    so = _ext(tmp, "ext_time64", "ext_musl_time.c", "-DTIME64", *m32, suffix=".cpython-311-i386-linux-musl.so")
    return wheel({f"pkg/{so.name}": so}, tags="cp311-cp311-musllinux_1_2_i686")


def _unstable_abi3(fx: Fixtures, wheel: Wheel, tmp: Path) -> Path:
    del fx
    include = Path(sysconfig.get_paths()["include"])
    if not (include / "Python.h").is_file():
        pytest.skip("needs Python.h")
    so = _gcc(tmp / "unstable.abi3.so", C_DIR / "abi3/unstable.c", f"-I{include}")
    return wheel({"pkg/unstable.abi3.so": so}, tags="cp36-abi3-manylinux_2_17_x86_64.manylinux2014_x86_64")


SPECIFIC: dict[Check, Case] = {
    Check.LIBRARIES: Case(
        lambda fx, wheel, _: wheel({f"pkg/ext_unallowed{SO}": fx.ext_unallowed}),
        "manylinux2014",
        (
            (
                "graft libssl.so.3 into the wheel with `auditwheel repair --plat manylinux_2_17_x86_64` "
                "inside quay.io/pypa/manylinux2014_x86_64, with it installed there"
            ),
        ),
    ),
    Check.SYMBOL_VERSIONS: Case(
        lambda fx, wheel, _: wheel({f"pkg/ext_2_17{SO}": fx.ext_2_17}),
        "manylinux2010",
        ("manylinux2010 has no build image for x86_64 (retired)", "quay.io/pypa/manylinux2014_x86_64"),
    ),
    Check.BLACKLIST: Case(
        lambda fx, wheel, _: wheel({f"pkg/ext_blacklisted{SO}": fx.ext_blacklisted}),
        "manylinux2014",
        ("stop calling pthread_getattr_default_np from libc.so.6 (refused by manylinux2014)",),
    ),
    Check.INTERPRETER: Case(
        lambda fx, wheel, _: wheel({"pkg/bin/tool": fx.exe_nix}),
        "manylinux2014",
        ("(a /nix/store toolchain sets it)", "`patchelf --set-interpreter /lib64/ld-linux-x86-64.so.2 tool`"),
    ),
    Check.ARCH: Case(
        lambda fx, wheel, _: wheel({f"pkg/ext_2_5{SO}": fx.ext_2_5}, tags="cp311-cp311-manylinux_2_17_aarch64"),
        "manylinux2014",
        ("this file is x86_64; the wheel is aarch64", "quay.io/pypa/manylinux2014_aarch64"),
    ),
    Check.LIBC: Case(
        lambda fx, wheel, _: wheel({f"pkg/ext_2_5{SO}": fx.ext_2_5}, tags="cp311-cp311-musllinux_1_2_x86_64"),
        "musllinux_1_2",
        ("this is a glibc build; judge it with a manylinux policy",),
    ),
    Check.ISA: Case(
        lambda fx, wheel, _: wheel({f"pkg/ext_isa_v3{SO}": fx.ext_isa_v3}),
        "manylinux2014",
        ("this file is marked x86-64-v3", "no -march=x86-64-v3, no -Wl,-z,x86-64-v3"),
    ),
    Check.PYTHON_ABI: Case(_pyfpe, "manylinux1", ("--with-fpectl",)),
    Check.MUSL_TIME64: Case(
        _time64, "musllinux_1_1", ("tag it musllinux_1_2 (built in quay.io/pypa/musllinux_1_2_i686)",)
    ),
    Check.EXECSTACK: Case(
        lambda fx, wheel, _: wheel({f"pkg/ext_execstack{SO}": fx.ext_execstack}),
        "manylinux2014",
        (f"relink ext_execstack{SO} with -Wl,-z,noexecstack",),
    ),
    Check.RPATH: Case(
        lambda fx, wheel, _: wheel({f"pkg/ext_abs_rpath{SO}": fx.ext_abs_rpath}),
        "manylinux2014",
        (f"DT_RUNPATH {ABS_RUNPATH}", "LDSHARED", "-Wl,-rpath", "patchelf --remove-rpath", "stale build/"),
    ),
    Check.LIBPYTHON: Case(
        _libpython,
        "manylinux2014",
        ("do not link libpython; auditwheel repair removes the link", "drop -lpython3.11"),
    ),
    Check.MODULE_INIT: Case(
        lambda fx, wheel, _: wheel({f"pkg/renamed{SO}": fx.ext_2_5}),
        "manylinux2014",
        ("define PyMODINIT_FUNC PyInit_renamed(void)",),
    ),
    Check.STABLE_ABI: Case(
        _unstable_abi3,
        "manylinux2014",
        ("stop calling PyFunction_GetCode", "raise the wheel's abi3 tag to cp310"),
    ),
    Check.UPLOAD: Case(
        lambda fx, wheel, _: wheel(
            {
                f"pkg/ext_2_5{SO}": fx.ext_2_5,
                "pkg-1.0.dist-info/entry_points.txt": b"[console_scripts]\n../pkg = pkg:main\n",
            }
        ),
        None,
        ("name each console/gui script with letters, digits",),
    ),
    Check.TAGS: Case(
        lambda fx, wheel, _: wheel({f"pkg/ext_2_5{SO}": fx.ext_2_5}, tags="cp311-cp311-linux_x86_64"),
        None,
        ("run `auditwheel repair --plat manylinux_2_5_x86_64`",),
    ),
}

#: Checks whose general remedy is the whole advice: their hints already name the case.
GENERAL_ONLY = frozenset({Check.EXTENSION_SUFFIX, Check.RECORD, Check.ARCHIVE, Check.WHEEL_METADATA, Check.SIZE})


def test_every_check_is_classified() -> None:
    """A new check must come with a specific remedy (and a case here) or be named as general-only."""
    assert set(SPECIFIC) | GENERAL_ONLY == set(Check)
    assert not set(SPECIFIC) & GENERAL_ONLY
    for definition in REGISTRY.values():
        assert len(definition.remedy) > 30, definition.check  # the fallback stays a sentence


@pytest.mark.parametrize("check", list(SPECIFIC), ids=[c.value for c in SPECIFIC])
def test_each_failure_renders_its_own_fix(check: Check, fx: Fixtures, wheel: Wheel, tmp_path: Path) -> None:
    case = SPECIFIC[check]
    result = audit(case.build(fx, wheel, tmp_path), case.policy)
    found = [v for v in _found(result, check) if v.counts]
    assert found, f"the fixture does not fail {check.value}"
    assert all(v.remedy for v in found)
    fixes = [line.strip() for line in render_block(check, found).splitlines() if line.strip().startswith("fix: ")]
    assert fixes
    assert f"fix: {REGISTRY[check].remedy}" not in fixes  # the case's own, not the fallback
    text = "\n".join(fixes)
    for words in case.says:
        assert words in text, text


def test_a_violation_without_its_own_remedy_falls_back_to_the_general_one() -> None:
    found = [Violation(Check.RECORD, "pkg/data.bin", hint="missing from RECORD")]
    assert render_block(Check.RECORD, found).splitlines()[-1] == f"  fix: {REGISTRY[Check.RECORD].remedy}"
    allowed = [Violation(Check.RPATH, "/x", remedy="drop /x", allowed_by="on purpose")]
    assert "fix:" not in render_block(Check.RPATH, allowed)  # nothing to fix


def test_fix_lines_are_deduplicated_capped_and_escaped() -> None:
    same = [Violation(Check.SYMBOL_VERSIONS, f"GLIBC_2.{i}", remedy="rebuild") for i in range(20, 30)]
    assert render_block(Check.SYMBOL_VERSIONS, same).count("fix: rebuild") == 1
    many = [Violation(Check.RPATH, f"/p{i}", remedy=f"drop /p{i}\x1b[2J\r\n") for i in range(10)]
    fixes = [line for line in render_block(Check.RPATH, many).splitlines() if "fix:" in line]
    assert len(fixes) == MAX_REMEDIES + 1
    assert fixes[-1].strip() == f"fix: ... and {10 - MAX_REMEDIES} more (one per line above)"
    assert not any(ch in "".join(fixes) for ch in "\x1b\r\n")
    long = [Violation(Check.RPATH, "/p", remedy="x" * 5000)]
    assert max(len(line) for line in render_block(Check.RPATH, long).splitlines()) < 500


def test_json_carries_each_violations_remedy(fx: Fixtures, wheel: Wheel) -> None:
    result = audit(wheel({f"pkg/ext_unallowed{SO}": fx.ext_unallowed}), "manylinux2014")
    doc = audit_document([result], tool="t", policy_data="d")
    by_check = {
        v["check"]: v["remedy"] for t in doc["wheels"][0]["targets"] for r in t["results"] for v in r["violations"]
    }
    assert by_check["libraries"].startswith("graft libssl.so.3 into the wheel with `auditwheel repair --plat")
    assert (
        by_check["tags"]
        == "rebuild to meet manylinux_2_17_x86_64: no manylinux/musllinux tag fits the content as built"
    )


def test_symbol_versions_name_the_targets_image_and_the_oldest_that_fits(fx: Fixtures, wheel: Wheel) -> None:
    mine = audit(wheel({f"pkg/ext_2_99{SO}": fx.ext_2_99}), "manylinux2014")
    [v] = [v for v in _found(mine, Check.SYMBOL_VERSIONS) if v.subject == "GLIBC_2.99"]
    assert v.remedy.startswith("rebuild in quay.io/pypa/manylinux2014_x86_64, whose toolchain")
    assert "needs more than any maintained x86_64 image's policy allows" in v.remedy
    private = audit(wheel({f"pkg/ext_private{SO}": fx.ext_private}, name="priv"), "manylinux2014")
    [p] = _found(private, Check.SYMBOL_VERSIONS)
    assert p.remedy.startswith("GLIBC_PRIVATE is glibc's internal interface")


def test_a_target_without_an_image_is_built_in_an_older_policys(fx: Fixtures, wheel: Wheel) -> None:
    """manylinux_2_36 has no image on x86_64; manylinux_2_34's builds meet it (policies only grow)."""
    result = audit(wheel({f"pkg/ext_2_99{SO}": fx.ext_2_99}), "manylinux_2_36")
    [v] = _found(result, Check.SYMBOL_VERSIONS)
    assert v.remedy.startswith(
        "manylinux_2_36 has no build image for x86_64: rebuild in quay.io/pypa/manylinux_2_34_x86_64 "
        "(an older policy's: what it builds meets manylinux_2_36)"
    )
    retired = audit(wheel({f"pkg/ext_2_99{SO}": fx.ext_2_99}, name="old"), "manylinux1")
    [r] = _found(retired, Check.SYMBOL_VERSIONS)
    assert r.remedy.startswith("manylinux1 has no build image for x86_64 (retired)")


def test_a_pyenv_rpath_is_traced_to_ldshared(fx: Fixtures, wheel: Wheel, tmp_path: Path) -> None:
    """A pyenv Python built --enable-shared puts -Wl,-rpath into LDSHARED; every extension then leaks it."""
    leaked = "/home/dev/.pyenv/versions/3.11.7/lib"
    so = _gcc(tmp_path / f"ext{SO}", C_DIR / "ext_plain.c", "-DMODULE=ext", f"-Wl,-rpath,{leaked}", f"-L{fx.stub_dir}")
    [v] = _found(audit(wheel({f"pkg/ext{SO}": so}), "manylinux2014"), Check.RPATH)
    assert v.subject == leaked
    assert f"drop it: DT_RUNPATH {leaked} comes from the link line (the building Python's LDSHARED adds it)" in v.remedy
    assert 'delete build/, then rebuild with LDSHARED="gcc -shared"' in v.remedy
    assert "stale build/" not in v.remedy  # the leak is the interpreter's, not an old link


def test_a_relative_rpath_is_made_origin_relative(wheel: Wheel, tmp_path: Path) -> None:
    """psycopg2-binary's bundled libs carry ``DT_RPATH psycopg2_binary.libs``, searched in the working directory."""
    so = _gcc(tmp_path / f"ext{SO}", C_DIR / "ext_plain.c", "-DMODULE=ext", "-Wl,--disable-new-dtags,-rpath,pkg.libs")
    [v] = _found(audit(wheel({f"pkg.libs/ext{SO}": so}), "manylinux2014"), Check.RPATH)
    assert v.subject == "pkg.libs"
    assert "DT_RPATH pkg.libs is searched in whatever directory the program runs from" in v.remedy
    assert f"make it `$ORIGIN` (`patchelf --set-rpath '$ORIGIN' ext{SO}`)" in v.remedy


def test_dt_relr_names_its_linker_flag(tmp_path: Path, wheel: Wheel) -> None:
    """Linked against the host's real glibc (>= 2.36), -z pack-relative-relocs adds GLIBC_ABI_DT_RELR."""
    source = tmp_path / "relr.c"
    source.write_text(
        "#include <string.h>\nint a = 1, b = 2;\nint *p[] = {&a, &b, &a, &b};\n"
        "int **PyInit_relr(char *d, const char *s, unsigned long n) { memcpy(d, s, n); return p; }\n"
    )
    if shutil.which("gcc") is None:
        pytest.skip("needs gcc")
    so = _gcc(tmp_path / f"relr{SO}", source, "-Wl,-z,pack-relative-relocs")
    result = audit(wheel({f"pkg/relr{SO}": so}), "manylinux2014")
    relr = [v for v in _found(result, Check.SYMBOL_VERSIONS) if v.subject == "GLIBC_ABI_DT_RELR"]
    if not relr:
        pytest.skip("this toolchain's glibc does not define GLIBC_ABI_DT_RELR")
    fixes = render_block(Check.SYMBOL_VERSIONS, relr)
    assert "-z pack-relative-relocs, which needs glibc >= 2.36" in fixes
    assert "-Wl,-z,nopack-relative-relocs, or target manylinux_2_36 or later" in fixes


def test_a_shipped_library_off_the_search_path_is_pointed_at(fx: Fixtures, wheel: Wheel) -> None:
    """The wheel has libvendored, but not where the extension's RUNPATH looks ($ORIGIN/../pkg.libs)."""
    result = audit(wheel({f"pkg/_origin{SO}": fx.ext_origin, "pkg/vendor/libvendored.so.1": fx.libvendored}))
    [v] = [v for v in _found(result, Check.LIBRARIES) if v.subject == "libvendored.so.1"]
    assert "the wheel ships pkg/vendor/libvendored.so.1" in v.remedy
    assert "add $ORIGIN/vendor to its RUNPATH" in v.remedy


def test_a_musl_build_judged_as_glibc_is_told_so(fx: Fixtures, wheel: Wheel) -> None:
    result = audit(wheel({"pkg/bin/tool": fx.exe_musl}), "manylinux2014")
    for check in (Check.LIBRARIES, Check.INTERPRETER, Check.LIBC):
        assert {v.remedy for v in _found(result, check)} == {"this is a musl build; judge it with a musllinux policy"}


def test_image_data_names_real_policies_and_suggests_no_retired_image() -> None:
    policies = load_policies()
    for name, arches in IMAGES.items():
        for arch in arches:
            assert policies.lookup(name, arch).arch == arch  # a policy of that name exists there
    suggested = {image.policy for p in policies for image in p.images}
    assert suggested == set(IMAGES)
    assert not suggested & RETIRED_IMAGES
    assert [i.name for i in policies.lookup("manylinux2014", "x86_64").images] == [
        "quay.io/pypa/manylinux2014_x86_64",
        "quay.io/pypa/manylinux_2_28_x86_64",
        "quay.io/pypa/manylinux_2_34_x86_64",
    ]
    armv7l = policies.lookup("manylinux_2_24", "armv7l").images
    assert armv7l[0].name == "quay.io/pypa/manylinux_2_31_armv7l"


# -- a linux_* wheel that fits no manylinux tag: the way there, in full (#19) --------------------


def _tags_fixes(result: Audit) -> list[str]:
    found = [v for v in result.tags if v.counts]
    return [line.strip() for line in render_block(Check.TAGS, found).splitlines()]


def test_a_linux_wheel_linking_a_system_library_names_the_library(fx: Fixtures, wheel: Wheel) -> None:
    """psycopg2 built locally links libpq: the tags block is all the report prints, so it must name libpq.

    It said "see the note on the architecture" and "fix the failures above", where
    there was no such note and no failure above (the linux policy fails nothing).
    """
    result = audit(wheel({f"pkg/ext_unallowed{SO}": fx.ext_unallowed}, tags="cp311-cp311-linux_x86_64"))
    assert not [v for verdict in result.verdicts for f in verdict.files for v in f.violations if v.counts]
    lines = _tags_fixes(result)
    text = "\n".join(lines)
    assert "note" not in text
    assert "above" not in text
    assert fnmatch_lines(
        lines,
        [
            (
                "+ linux_x86_64 *not uploadable: PyPI refuses linux_* wheels; no manylinux/musllinux tag fits the "
                "content as built (libraries: libssl.so.3)"
            ),
            (
                "fix: graft libssl.so.3 into the wheel with `auditwheel repair --plat manylinux_2_17_x86_64` inside "
                "quay.io/pypa/manylinux2014_x86_64, with it installed there (cibuildwheel: *"
            ),
        ],
    )


def test_a_linux_wheel_needing_a_rebuild_names_what_and_where(fx: Fixtures, wheel: Wheel) -> None:
    both = {f"pkg/ext_2_99{SO}": fx.ext_2_99, f"pkg/ext_unallowed{SO}": fx.ext_unallowed}
    lines = _tags_fixes(audit(wheel(both, tags="cp311-cp311-linux_x86_64")))
    assert fnmatch_lines(
        lines,
        [
            "*as built (symbol versions: GLIBC_2.99; libraries: libssl.so.3)",
            (
                "fix: rebuild in quay.io/pypa/manylinux2014_x86_64, whose toolchain links only what manylinux2014 "
                "allows; * then graft libssl.so.3 with `auditwheel repair` in the image you rebuild in"
            ),
        ],
    )


def fnmatch_lines(lines: list[str], patterns: list[str]) -> bool:
    """Each pattern matches a line, in order (pytest's fnmatch_lines, for plain strings)."""
    from fnmatch import fnmatch  # noqa: PLC0415

    rest = iter(lines)
    return all(any(fnmatch(line, pattern) for line in rest) for pattern in patterns)


def test_graft_advice_names_the_image_auditwheel_refuses_to_graft_outside(tmp_path: Path, wheel: Wheel) -> None:
    """auditwheel 6.8.2 grafts this machine's copy and counts its symbol versions; a newer glibc's is refused.

    ``main_repair.execute``: 'cannot repair "X.whl" to "manylinux_2_17_x86_64" ABI because of
    the presence of too-recent versioned symbols. You'll need to compile the wheel on an older
    toolchain.' A library built here against the host's glibc (getrandom: GLIBC_2.25) is such
    a copy, so the fix line says where to run the repair: inside the target's image.
    """
    source = tmp_path / "foo.c"
    source.write_text("#include <sys/random.h>\nlong foo(void *b, unsigned long n) { return getrandom(b, n, 0); }\n")
    lib = _gcc(tmp_path / "libfoo.so.1", source, "-Wl,-soname,libfoo.so.1")
    ext = tmp_path / f"ext{SO}"
    ext.with_suffix(".c").write_text(
        "long foo(void *, unsigned long);\nvoid *PyInit_ext(void) { return (void *)foo; }\n"
    )
    _gcc(ext, ext.with_suffix(".c"), f"-L{tmp_path}", "-l:libfoo.so.1")
    versions = subprocess.run(["readelf", "-V", str(lib)], capture_output=True, text=True, check=True).stdout
    if "GLIBC_2.25" not in versions:
        pytest.skip("this glibc has no getrandom@GLIBC_2.25")
    linux = wheel({f"pkg/ext{SO}": ext}, tags="cp311-cp311-linux_x86_64")
    fixes = _tags_fixes(audit(linux))
    assert fnmatch_lines(
        fixes,
        [
            (
                "fix: graft libfoo.so.1 into the wheel with `auditwheel repair --plat manylinux_2_17_x86_64` inside "
                "quay.io/pypa/manylinux2014_x86_64, with it installed there *; elsewhere auditwheel grafts that "
                "machine's copy and refuses the tag if the copy needs a newer glibc"
            ),
        ],
    )
    argv = [sys.executable, "-m", "auditwheel", "repair", "--plat", "manylinux_2_17_x86_64"]
    argv += ["--ldpaths", str(tmp_path), "-w", str(tmp_path / "out"), str(linux)]
    env = {k: v for k, v in os.environ.items() if k not in ("LD_LIBRARY_PATH", "AUDITWHEEL_LD_LIBRARY_PATH")}
    refused = subprocess.run(argv, capture_output=True, text=True, env=env, timeout=600, check=False)
    assert refused.returncode == 2, refused.stderr
    assert "ABI because of the presence of too-recent versioned symbols" in refused.stderr


# -- a pyenv Python's RPATH, followed for real (#19) ---------------------------------------------

SETUP = """from setuptools import Extension, setup
setup(name="clock", version="1.0", ext_modules=[Extension("clock._c", ["c.c"])], packages=["clock"])
"""


def _build(project: Path, env: dict[str, str]) -> Path:
    dist = project / "dist"
    shutil.rmtree(dist, ignore_errors=True)
    argv = [sys.executable, "-m", "build", "--wheel", "--no-isolation", "-o", str(dist), str(project)]
    subprocess.run(argv, cwd=project, env=env, capture_output=True, check=True, timeout=600)
    [built] = dist.glob("*.whl")
    return built


def _runpath(built: Path, tmp: Path) -> str:
    with zipfile.ZipFile(built) as archive:
        [member] = [n for n in archive.namelist() if n.endswith(".so")]
        so = Path(archive.extract(member, tmp / "x"))
    dynamic = subprocess.run(["readelf", "-d", str(so)], capture_output=True, text=True, check=True).stdout
    return "\n".join(line for line in dynamic.splitlines() if "RPATH" in line or "RUNPATH" in line)


def test_the_ldshared_remedy_works_only_once_build_is_deleted(tmp_path: Path) -> None:
    """Follow the pyenv fix line: LDSHARED="gcc -shared" relinks nothing while build/ holds the old link.

    setuptools' build_ext skips an extension newer than its sources ("skipping '...' extension
    (up-to-date)", ``distutils.command.build_ext.build_extension``), so the wheel keeps the RPATH.
    """
    libdir = sysconfig.get_config_var("LIBDIR")
    if "-Wl,-rpath" not in (sysconfig.get_config_var("LDSHARED") or ""):
        pytest.skip("this Python's LDSHARED adds no RPATH (not a pyenv-style build)")
    if shutil.which("gcc") is None or shutil.which("readelf") is None:
        pytest.skip("needs gcc and readelf")
    project = tmp_path / "clock"
    (project / "clock").mkdir(parents=True)
    (project / "clock" / "__init__.py").write_text("")
    (project / "setup.py").write_text(SETUP)
    shutil.copy(ROOT / "examples/c-extension/src/sample/_clock.c", project / "c.c")
    (project / "c.c").write_text((project / "c.c").read_text().replace("_clock", "_c"))
    env = {k: v for k, v in os.environ.items() if k != "LDSHARED"}

    leaky = _build(project, env)
    assert libdir in _runpath(leaky, tmp_path / "1")
    [v] = _found(audit(leaky, "manylinux2014"), Check.RPATH)
    fix = render_block(Check.RPATH, [v]).splitlines()[-1]
    assert fnmatch_lines(
        [fix], [f'*fix: drop it: DT_RUNPATH {libdir} *: delete build/, then rebuild with LDSHARED="gcc -shared" *']
    )

    fixed_env = {**env, "LDSHARED": "gcc -shared"}
    kept = _build(project, fixed_env)  # the remedy without its first words
    assert libdir in _runpath(kept, tmp_path / "2")
    assert _found(audit(kept, "manylinux2014"), Check.RPATH)

    shutil.rmtree(project / "build")  # the remedy, as written
    clean = _build(project, fixed_env)
    assert _runpath(clean, tmp_path / "3") == ""
    assert not _found(audit(clean, "manylinux2014"), Check.RPATH)


# -- what pytest shows: the short summary line and -v's fact view --------------------------------

MARKED = """
import pytest

@pytest.mark.manylinux2014
def test_compliant():
    pass
"""


@pytest.fixture
def too_new(fx: Fixtures, wheel: Wheel) -> Path:
    return wheel({f"pkg/ext_2_99{SO}": fx.ext_2_99})


def test_short_summary_names_the_violation_of_a_marked_test(
    pytester: pytest.Pytester, too_new: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "200")
    pytester.makepyfile(test_x=MARKED)
    result = pytester.runpytest(f"--manylinux-wheel={too_new}", "-rf", "-p", "no:randomly")
    result.assert_outcomes(failed=1)
    summary = [line for line in result.outlines if line.startswith("FAILED test_x.py::test_compliant")]
    assert summary == ["FAILED test_x.py::test_compliant - Failed: manylinux2014: GLIBC_2.99 (future_fn)"]
    assert "to reach" not in result.stdout.str()  # the fact view is -v's


def test_short_summary_of_a_gate_item_names_policy_and_version(
    pytester: pytest.Pytester, too_new: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "300")
    dist = pytester.path / "dist"
    dist.mkdir()
    shutil.copy(too_new, dist)
    result = pytester.runpytest("--manylinux-policy=manylinux2014", "--manylinux-wheel=dist", "-rf")
    item = f"dist/{too_new.name}::pkg/ext_2_99{SO}::symbol-versions"
    result.stdout.fnmatch_lines([f"FAILED {item} - manylinux_2_17_x86_64: GLIBC_2.99 (future_fn)"])
    assert "to reach" not in result.stdout.str()


def test_verbose_adds_the_fact_view_of_the_failing_file(
    pytester: pytest.Pytester, too_new: Path, fx: Fixtures, wheel: Wheel
) -> None:
    pytester.makepyfile(test_x=MARKED)
    marked = pytester.runpytest(f"--manylinux-wheel={too_new}", "-v", "-p", "no:randomly")
    marked.stdout.fnmatch_lines(
        [
            f"  pkg/ext_2_99{SO}  [[]x86_64]",
            "    needs libc.so.6 *ok",
            "    GLIBC    up to GLIBC_2.99 *future_fn",
            "  to reach manylinux_2_17_x86_64: rebuild without GLIBC_2.99",
        ]
    )
    both = wheel({f"pkg/ext_2_99{SO}": fx.ext_2_99, f"pkg/ext_2_5{SO}": fx.ext_2_5}, name="both")
    dist = pytester.path / "dist"
    dist.mkdir()
    shutil.copy(both, dist)
    gate = pytester.runpytest("--manylinux-policy=manylinux2014", "--manylinux-wheel=dist", "-v")
    text = gate.stdout.str()
    gate.stdout.fnmatch_lines([f"  pkg/ext_2_99{SO}  [[]x86_64]", "  to reach manylinux_2_17_x86_64: rebuild*"])
    assert f"  pkg/ext_2_5{SO}  [x86_64]" not in text  # only the failing file's facts
