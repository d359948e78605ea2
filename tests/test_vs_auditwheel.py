"""Our verdicts against auditwheel 6.8.2's, the oracle, on the same wheels.

auditwheel runs hermetically (``--ldpaths ""``, no LD_LIBRARY_PATH) so its
verdict depends on the wheel alone. Where we differ on purpose the README's
"Where we differ from auditwheel" section says why, and so does DIFFERENT
below: each entry asserts the difference, so a stale entry fails.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from typing import TYPE_CHECKING

import pytest
from builders import C_DIR, _stub
from pypi_cache import CORPUS, PinnedWheel, WheelUnavailable, cache_dir, fetch

from pytest_manylinux._audit import audit

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

    from builders import Fixtures

AUDITWHEEL_VERSION = "6.8.2"


def auditwheel_show(path: Path) -> dict[str, object]:
    """``auditwheel show --json``, cached by the wheel's sha256 (it is slow)."""
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    cached = cache_dir().parent / "auditwheel" / f"{AUDITWHEEL_VERSION}-{digest}.json"
    if cached.is_file():
        return dict(json.loads(cached.read_text()))
    env = {k: v for k, v in os.environ.items() if k not in ("LD_LIBRARY_PATH", "AUDITWHEEL_LD_LIBRARY_PATH")}
    argv = [
        sys.executable,
        "-m",
        "auditwheel",
        "show",
        "--json",
        "--ldpaths",
        "",
        "--allow-pure-python-wheel",
        str(path),
    ]
    out = subprocess.run(argv, capture_output=True, text=True, env=env, timeout=600, check=False)
    assert out.returncode == 0, out.stderr
    result: dict[str, object] = json.loads(out.stdout)
    cached.parent.mkdir(parents=True, exist_ok=True)
    tmp = cached.with_suffix(f".{os.getpid()}.tmp")
    tmp.write_text(json.dumps(result))
    tmp.replace(cached)
    return result


def musl_on_glibc_host(oracle: dict[str, object], path: Path) -> bool:
    """auditwheel judges musl wheels against the host's musl, else the newest policy."""
    return "musllinux" in path.name and str(oracle.get("overall_tag", "")).startswith("musllinux_1_2")


def compare(path: Path) -> None:
    oracle = auditwheel_show(path)
    ours = audit(path)
    if oracle.get("pure"):
        assert ours.facts.elves == ()
        assert ours.best is None
        return
    if musl_on_glibc_host(oracle, path):
        # Same question auditwheel answered: does the wheel satisfy musllinux_1_2?
        assert audit(path, "musllinux_1_2").verdicts[0].passed
        assert ours.best is not None
        assert ours.best.startswith("musllinux_1_")
        return
    assert (ours.best, ours.sym_tag) == (oracle["overall_tag"], oracle["sym_tag"])


# -- wheels built from compiled C ---------------------------------------------------------

SO = ".cpython-311-x86_64-linux-gnu.so"
BUILT = [
    "ext_2_5", "ext_2_14", "ext_2_17", "ext_2_99", "ext_private", "ext_weak", "ext_libm",
    "ext_zlib", "ext_unallowed", "ext_blacklisted", "ext_execstack", "ext_abs_rpath",
    "ext_old_rpath", "ext_isa_v3", "ext_stripped", "exe_glibc", "exe_static",
]  # fmt: skip


@pytest.mark.parametrize("name", BUILT)
def test_built_wheel_verdicts_match_auditwheel(fx: Fixtures, wheel: Callable[..., Path], name: str) -> None:
    path = getattr(fx, name)
    compare(wheel({f"pkg/{path.name}": path}))


def test_vendored_library_verdict_matches_auditwheel(fx: Fixtures, wheel: Callable[..., Path]) -> None:
    compare(wheel({f"pkg/{fx.ext_origin.name}": fx.ext_origin, "pkg.libs/libvendored.so.1": fx.libvendored}))
    compare(wheel({f"pkg/{fx.ext_origin.name}": fx.ext_origin}))


def test_nix_interpreter_is_a_deliberate_difference(fx: Fixtures, wheel: Callable[..., Path]) -> None:
    """auditwheel never looks at PT_INTERP; a /nix/store loader cannot run elsewhere."""
    path = wheel({"pkg/bin/tool": fx.exe_nix})
    assert auditwheel_show(path)["overall_tag"] == "manylinux_2_5_x86_64"
    assert audit(path).best == "linux_x86_64"


def test_stray_arch_is_a_deliberate_difference(fx: Fixtures, wheel: Callable[..., Path]) -> None:
    """auditwheel ignores an ELF file of another arch (a warning); it cannot load, so we fail it."""
    if fx.ext_i686 is None:
        pytest.skip("gcc cannot emit -m32 code here")
    path = wheel({f"pkg/ext_2_5{SO}": fx.ext_2_5, "pkg/_x86.so": fx.ext_i686})
    assert auditwheel_show(path)["overall_tag"] == "manylinux_2_5_x86_64"
    assert audit(path).best == "linux_x86_64"


# -- real wheels from PyPI ------------------------------------------------------------------

#: Wheels on which we differ from auditwheel on purpose: filename -> (our tag, reason).
DIFFERENT: dict[str, tuple[str, str]] = {
    "ptvsd-4.3.2-py2.py3-none-any.whl": (
        "linux_x86_64",
        "ships i686 ELF files beside x86_64 ones; auditwheel ignores the stray arch",
    ),
}


def _fetch(pinned: PinnedWheel) -> Path:
    try:
        return fetch(pinned)
    except WheelUnavailable as e:
        pytest.skip(f"PyPI unreachable: {e}")


@pytest.mark.pypi
@pytest.mark.parametrize("pinned", CORPUS, ids=[w.filename for w in CORPUS])
def test_pypi_wheel_verdicts_match_auditwheel(pinned: PinnedWheel) -> None:
    path = _fetch(pinned)
    if pinned.filename in DIFFERENT:
        ours, reason = DIFFERENT[pinned.filename]
        assert audit(path).best == ours, reason
        assert auditwheel_show(path)["overall_tag"] != ours, f"no longer different: {reason}"
        return
    compare(path)


def test_corpus_is_broad_enough() -> None:
    categories = {w.category for w in CORPUS}
    assert len(CORPUS) >= 25
    assert {"manylinux1", "manylinux2010", "manylinux2014", "manylinux_2_28", "i686", "aarch64",
            "musllinux_1_1", "musllinux_1_2", "executable", "static-executable", "vendored-libs",
            "pure"} <= categories  # fmt: skip


def _gcc(out: Path, source: str, *flags: str) -> Path:
    src = out.with_suffix(".c")
    src.write_text(source)
    argv = ["gcc", "-shared", "-fPIC", "-nostdlib", "-o", str(out), str(src), *flags]
    subprocess.run(argv, check=True, cwd=out.parent)
    return out


def test_runpath_does_not_reach_grandchildren_a_deliberate_difference(
    wheel: Callable[..., Path], tmp_path: Path
) -> None:
    """b.so finds libX.so through its DT_RUNPATH, but ld.so applies DT_RUNPATH to direct
    dependencies only (ld.so(8)), so libX.so, which has no search path of its own, cannot
    find libY.so when b is imported first. auditwheel's lddtree hands the root's RUNPATH down
    the whole tree and passes the wheel; we fail it.
    """
    libs = tmp_path / "pkg.libs"
    libs.mkdir()
    y = _gcc(libs / "libY.so", "int y(void) { return 1; }\n", "-Wl,-soname,libY.so")
    x = _gcc(libs / "libX.so", "int y(void); int x(void) { return y(); }\n", "-Wl,-soname,libX.so", f"-L{libs}", "-lY")
    a = _gcc(
        tmp_path / "a.so",
        "int x(void); int a(void) { return x(); }\n",
        f"-L{libs}",
        "-lX",
        "-Wl,--disable-new-dtags,-rpath,$ORIGIN/../pkg.libs",
    )
    b = _gcc(
        tmp_path / "b.so",
        "int x(void); int b(void) { return x(); }\n",
        f"-L{libs}",
        "-lX",
        "-Wl,--enable-new-dtags,-rpath,$ORIGIN/../../pkg.libs",
    )
    both = wheel({"pkg/a.so": a, "pkg/sub/b.so": b, "pkg.libs/libX.so": x, "pkg.libs/libY.so": y})
    assert auditwheel_show(both)["overall_tag"] == "manylinux_2_5_x86_64"
    result = audit(both)
    assert result.best == "linux_x86_64"
    # DT_RPATH, unlike DT_RUNPATH, is inherited: through a.so alone everything loads.
    only_a = wheel({"pkg/a.so": a, "pkg.libs/libX.so": x, "pkg.libs/libY.so": y}, name="only_a")
    compare(only_a)
    assert audit(only_a).best == "manylinux_2_5_x86_64"


def test_needed_path_with_a_slash_is_never_shipped(wheel: Callable[..., Path], tmp_path: Path) -> None:
    """With no soname, ld records the path it was given; the loader opens it as is."""
    libs = tmp_path / "libs"
    libs.mkdir()
    plain = _gcc(libs / "libplain.so", "int p(void) { return 1; }\n")  # no -soname
    ext = _gcc(tmp_path / "ext.so", "int p(void); int e(void) { return p(); }\n", "libs/libplain.so")
    readelf = subprocess.run(["readelf", "-d", str(ext)], capture_output=True, text=True, check=True)
    assert "[libs/libplain.so]" in readelf.stdout
    path = wheel({"ext.so": ext, "libs/libplain.so": plain})
    result = audit(path, "manylinux2014")
    assert [v.subject for f in result.verdicts[0].files for v in f.violations] == ["libs/libplain.so"]


def test_musl_extension_suffix_decides_the_family(wheel: Callable[..., Path], tmp_path: Path) -> None:
    """No interpreter, no libc needed: the ``-linux-musl`` suffix alone makes it a musl build (#9)."""
    so = _gcc(tmp_path / "ext_nolibc.cpython-311-x86_64-linux-musl.so", "void *PyInit_ext_nolibc(void) { return 0; }\n")
    local = wheel({f"pkg/{so.name}": so}, tags="cp311-cp311-linux_x86_64")
    oracle = auditwheel_show(local)
    assert str(oracle["overall_tag"]).startswith("musllinux_1_")
    assert audit(local).best == "musllinux_1_1_x86_64"  # host-independent: the oldest musl policy fits
    tagged = audit(wheel({f"pkg/{so.name}": so}, name="lie", tags="cp311-cp311-manylinux2014_x86_64"))
    [libc] = [v for f in tagged.verdicts[0].files for v in f.violations if v.check.value == "libc"]
    assert (libc.subject, libc.expected) == ("musl", "glibc")


@pytest.mark.parametrize("abi", ["none", "cp27mu"])
def test_ucs2_imports_under_an_abi_tag_that_admits_wide_builds(
    abi: str, wheel: Callable[..., Path], tmp_path: Path
) -> None:
    """``cp27-none`` installs into wide (UCS4) Python 2 builds too (#21): its UCS2 imports are
    auditwheel's ``ucs2`` and keep every manylinux tag away. cp27mu is the control."""
    libc = _stub(tmp_path / "libc.so.6", "stub_libc.c", "stub_libc.map")  # auditwheel reads the libc from it
    link = ("-fno-builtin", "-Wl,--no-as-needed", f"-L{tmp_path}", f"-l:{libc.name}")
    so = _gcc(tmp_path / "ext_py2.so", (C_DIR / "ext_py2.c").read_text(), *link)
    path = wheel({"pkg/ext_py2.so": so}, name=f"py2_{abi}", tags=f"cp27-{abi}-linux_x86_64")
    oracle = auditwheel_show(path)
    assert oracle["ucs2"] is True
    ours = audit(path)
    assert ours.flags.ucs2 is True
    compare(path)
    assert ours.best == "linux_x86_64"


MUSL_GCC_SO = C_DIR.parent / "cross" / "crossmod-musl-x86_64.so"  # Debian 12's musl-gcc (upstream musl 1.2.3)


def test_upstream_musl_libc_name_is_never_to_be_grafted(wheel: Callable[..., Path]) -> None:
    """musl-gcc links upstream musl's libc.so, which has no soname, so ld records ``libc.so`` (#21).

    auditwheel allows only Alpine's soname (libc.musl-x86_64.so.1) and lists libc.so as an
    external library, as we do; but grafting it would copy musl itself, the loader, into the
    wheel. The fix names the loader and the rename, never ``auditwheel repair``.
    """
    readelf = subprocess.run(["readelf", "-d", str(MUSL_GCC_SO)], capture_output=True, text=True, check=True)
    assert "Shared library: [libc.so]" in readelf.stdout
    path = wheel(
        {"pkg/crossmod.cpython-311-x86_64-linux-musl.so": MUSL_GCC_SO}, tags="cp311-cp311-musllinux_1_1_x86_64"
    )
    oracle = auditwheel_show(path)
    ours = audit(path)
    external = oracle["external_libs"]
    assert isinstance(external, dict)
    assert (ours.best, ours.flags.external_libs) == (oracle["overall_tag"], tuple(external))
    [libc] = [v for f in ours.verdicts[0].files for v in f.violations if v.subject == "libc.so"]
    assert "graft libc.so into" not in libc.remedy
    assert "auditwheel repair" not in libc.remedy + libc.hint
    assert libc.remedy.startswith(
        "never graft libc.so: on musl it is the C library itself, the loader /lib/ld-musl-x86_64.so.1"
    )
    assert (
        "`patchelf --replace-needed libc.so libc.musl-x86_64.so.1 crossmod.cpython-311-x86_64-linux-musl.so`"
        in libc.remedy
    )
    glibc = audit(wheel({"pkg/crossmod.so": MUSL_GCC_SO}, name="asglibc", tags="cp311-cp311-manylinux2014_x86_64"))
    [libc] = [v for f in glibc.verdicts[0].files for v in f.violations if v.subject == "libc.so"]
    assert "this file was built against musl" in libc.remedy
    assert "auditwheel repair" not in libc.remedy + libc.hint
