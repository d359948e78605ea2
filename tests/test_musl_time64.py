"""musl 1.2's 64-bit time_t symbols tell musllinux_1_2 from musllinux_1_1 on 32-bit arches (#9).

The symbol list is generated from musl's headers by ``scripts/make_musl_time64.py``;
the headers are not vendored, so the tests check the list's shape and the
script's parser on header text written here, and the rule on real 32-bit
binaries built with gcc against a stub ``libc.musl-x86.so.1``.
"""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from builders import _ext, _stub, can_compile_m32
from pypi_cache import CORPUS, WheelUnavailable, fetch
from test_vs_auditwheel import auditwheel_show

from pytest_manylinux._audit import audit
from pytest_manylinux._checks import REGISTRY
from pytest_manylinux._model import Check
from pytest_manylinux._policy import musl_time64_symbols
from pytest_manylinux._render import render_block

if TYPE_CHECKING:
    from collections.abc import Callable
    from types import ModuleType

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "pytest_manylinux" / "policies" / "musl-time64.json"
SCRIPT = ROOT / "scripts" / "make_musl_time64.py"

MUSL32 = "libc.musl-x86.so.1"
SUFFIX_I686 = ".cpython-311-i386-linux-musl.so"
SUFFIX_X86_64 = ".cpython-311-x86_64-linux-musl.so"
TAG_1_2 = "cp311-cp311-musllinux_1_2_i686"
TAG_1_1 = "cp311-cp311-musllinux_1_1_i686"


def _script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("make_musl_time64", SCRIPT)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# -- the vendored list --------------------------------------------------------------------


def test_the_list_is_the_generators_output_sorted_with_known_names() -> None:
    document = json.loads(DATA.read_text())
    symbols: dict[str, str] = document["symbols"]
    assert list(symbols) == sorted(symbols)
    # Byte for byte what the script writes for this content: nobody edited it by hand.
    assert _script().render(symbols, document["source"]) == DATA.read_text()
    assert document["source"].startswith("musl 1.2")
    assert {
        "__clock_gettime64": "clock_gettime",
        "__stat_time64": "stat",
        "__gettimeofday_time64": "gettimeofday",
        "__time64": "time",
        "__pthread_cond_timedwait_time64": "pthread_cond_timedwait",
        "__dlsym_time64": "dlsym",
    }.items() <= symbols.items()
    for target, name in symbols.items():
        assert target.startswith("__"), target
        assert "64" in target, target
        assert name.isidentifier(), name
        assert not name.startswith("__"), name
    assert len(symbols) >= 60  # musl 1.2.3 has 63; a release only ever adds some
    assert musl_time64_symbols() == frozenset(symbols)


HEADER = """\
#ifndef _TIME_H
#define _TIME_H
#define __REDIR(x,y) __typeof__(x) x __asm__(#y)
__REDIR(outside, __outside64);
int clock_gettime (clockid_t, struct timespec *);
#if _REDIR_TIME64
__REDIR(time, __time64);
#if defined(_GNU_SOURCE) || defined(_BSD_SOURCE)
__REDIR(stime, __stime64);
#endif
  __REDIR( clock_gettime ,  __clock_gettime64 ) ;
#else
__REDIR(old, __old64);
#endif
#ifdef _GNU_SOURCE
__REDIR(gnu_only, __gnu_only64);
#elif _REDIR_TIME64
__REDIR(elif_branch, __elif_branch_time64);
#endif
#endif
"""


def test_the_parser_takes_only_redirects_under_redir_time64() -> None:
    assert list(_script().parse_header(HEADER)) == [
        ("time", "__time64"),
        ("stime", "__stime64"),
        ("clock_gettime", "__clock_gettime64"),
        ("elif_branch", "__elif_branch_time64"),
    ]


def test_the_script_reads_a_tree_and_writes_the_document(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "include" / "sys").mkdir(parents=True)
    (tmp_path / "include" / "time.h").write_text(HEADER)
    (tmp_path / "include" / "sys" / "stat.h").write_text("#if _REDIR_TIME64\n__REDIR(stat, __stat_time64);\n#endif\n")
    assert _script().main([str(tmp_path), "--source", "musl test"]) == 0
    document = json.loads(capsys.readouterr().out)
    assert document["source"] == "musl test"
    assert list(document["symbols"]) == sorted(document["symbols"])
    assert document["symbols"]["__stat_time64"] == "stat"
    assert document["symbols"]["__clock_gettime64"] == "clock_gettime"
    # An installed include directory works as well as a source tree.
    assert _script().redirects(tmp_path / "include") == document["symbols"]


def test_the_script_refuses_a_tree_without_time64_redirects(tmp_path: Path) -> None:
    (tmp_path / "time.h").write_text("int clock_gettime(int, void *);\n")  # musl 1.1
    with pytest.raises(SystemExit, match=r"older than 1\.2"):
        _script().redirects(tmp_path)
    argv = [sys.executable, str(SCRIPT), str(tmp_path / "nothing"), "--source", "x"]
    out = subprocess.run(argv, capture_output=True, text=True, check=False)
    assert out.returncode != 0
    assert "no headers" in out.stderr


# -- the rule, on real 32-bit binaries ----------------------------------------------------


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A time64 and a plain i686 musl extension, and a 64-bit one that imports time64 names."""
    out = tmp_path_factory.mktemp("musl-time64")
    if not can_compile_m32(out):
        pytest.skip("gcc cannot emit -m32 code here")
    stub32, stub64 = out / "stub32", out / "stub64"
    stub32.mkdir()
    stub64.mkdir()
    _stub(stub32 / MUSL32, "stub_musl32.c", None, "-m32")
    # The same exports under the x86_64 soname: no real musl has them there.
    _stub(stub64 / "libc.musl-x86_64.so.1", "stub_musl32.c", None)
    m32 = ("-m32", "-march=i686", f"-L{stub32}", f"-l:{MUSL32}")
    m64 = (f"-L{stub64}", "-l:libc.musl-x86_64.so.1")
    return {
        "time64": _ext(out, "ext_time64", "ext_musl_time.c", "-DTIME64", *m32, suffix=SUFFIX_I686),
        "time32": _ext(out, "ext_time32", "ext_musl_time.c", *m32, suffix=SUFFIX_I686),
        "x86_64": _ext(out, "ext_x86_64", "ext_musl_time.c", "-DTIME64", *m64, suffix=SUFFIX_X86_64),
    }


def _undefined(path: Path) -> set[str]:
    """Names readelf lists as undefined (UND) dynamic symbols: the oracle for the imports."""
    out = subprocess.run(["readelf", "--dyn-syms", "-W", str(path)], capture_output=True, text=True, check=True)
    return {f[7] for line in out.stdout.splitlines() if len(f := line.split()) >= 8 and f[6] == "UND"}


def test_the_fixtures_import_what_musl_1_2_headers_bind(built: dict[str, Path]) -> None:
    needed = subprocess.run(["readelf", "-d", str(built["time64"])], capture_output=True, text=True, check=True)
    assert f"[{MUSL32}]" in needed.stdout
    assert {"__clock_gettime64", "__stat_time64"} <= _undefined(built["time64"])
    assert {"clock_gettime", "stat"} <= _undefined(built["time32"])
    assert not _undefined(built["time32"]) & musl_time64_symbols()


def test_time64_imports_fail_musllinux_1_1_and_decide_the_tag(
    built: dict[str, Path], wheel: Callable[..., Path]
) -> None:
    path = wheel({f"pkg/{built['time64'].name}": built["time64"]}, tags=TAG_1_2)
    old = audit(path, "musllinux_1_1")
    assert not old.passed
    [violation] = [v for f in old.verdicts[0].files for v in f.of(Check.MUSL_TIME64)]
    assert violation.symbols == ("__clock_gettime64", "__stat_time64")
    assert violation.expected == "musl 1.2 (64-bit time_t)"
    assert REGISTRY[Check.MUSL_TIME64].decides_tag
    block = render_block(Check.MUSL_TIME64, [violation])
    assert "__clock_gettime64, __stat_time64" in block
    assert "fix: tag it musllinux_1_2 (built in quay.io/pypa/musllinux_1_2_i686), which has the 64-bit time_t" in block
    assert audit(path, "musllinux_1_2").passed
    result = audit(path)
    assert result.best == "musllinux_1_2_i686"
    assert result.sym_tag == "musllinux_1_2_i686"  # the time64 names are symbols: the symbol tag says so too
    assert result.passed  # its declared musllinux_1_2 tag is true


def test_a_twin_without_time64_imports_is_musllinux_1_1(built: dict[str, Path], wheel: Callable[..., Path]) -> None:
    path = wheel({f"pkg/{built['time32'].name}": built["time32"]}, tags=TAG_1_1)
    assert audit(path, "musllinux_1_1").passed
    assert (audit(path).best, audit(path).sym_tag) == ("musllinux_1_1_i686", "musllinux_1_1_i686")


def test_a_musllinux_1_1_tag_on_a_time64_wheel_is_false(built: dict[str, Path], wheel: Callable[..., Path]) -> None:
    result = audit(wheel({f"pkg/{built['time64'].name}": built["time64"]}, tags=TAG_1_1))
    assert not result.passed
    assert [(v.subject, v.expected) for v in result.tags] == [("musllinux_1_1_i686", "musllinux_1_2_i686")]


def test_64_bit_files_are_not_judged_by_time64_names(built: dict[str, Path], wheel: Callable[..., Path]) -> None:
    """musl's time_t was always 64-bit there: the redirects exist only on 32-bit arches."""
    so = built["x86_64"]
    assert "__clock_gettime64" in _undefined(so)
    result = audit(wheel({f"pkg/{so.name}": so}, tags="cp311-cp311-musllinux_1_1_x86_64"), "musllinux_1_1")
    assert not [v for f in result.verdicts[0].files for v in f.of(Check.MUSL_TIME64)]


def test_auditwheel_cannot_tell_the_twins_apart(built: dict[str, Path], wheel: Callable[..., Path]) -> None:
    """A deliberate difference: auditwheel judges musl against the host's musl, not the content."""
    time64 = wheel({f"pkg/{built['time64'].name}": built["time64"]}, tags=TAG_1_2)
    time32 = wheel({f"pkg/{built['time32'].name}": built["time32"]}, name="twin", tags=TAG_1_2)
    assert auditwheel_show(time64)["overall_tag"] == auditwheel_show(time32)["overall_tag"]
    assert (audit(time64).best, audit(time32).best) == ("musllinux_1_2_i686", "musllinux_1_1_i686")


@pytest.mark.pypi
def test_pyzmq_musl_i686_symbol_tag_follows_its_time64_imports() -> None:
    """pyzmq 27.0.0's musllinux_1_2_i686 wheel (#21): overall and symbol tag agree, with auditwheel's too."""
    pinned = next(w for w in CORPUS if w.filename == "pyzmq-27.0.0-cp312-abi3-musllinux_1_2_i686.whl")
    try:
        path = fetch(pinned)
    except WheelUnavailable as e:
        pytest.skip(e.reason)
    result = audit(path)
    assert any(v.symbols for f in audit(path, "musllinux_1_1").verdicts[0].files for v in f.of(Check.MUSL_TIME64))
    oracle = auditwheel_show(path)
    assert (result.best, result.sym_tag) == (oracle["overall_tag"], oracle["sym_tag"]) == ("musllinux_1_2_i686",) * 2
