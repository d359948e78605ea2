"""musl 1.2's 64-bit time_t symbols, the data that tells musllinux_1_2 from musllinux_1_1 (#9).

The symbol list is generated from musl's headers by ``scripts/make_musl_time64.py``;
the headers are not vendored, so the tests check the list's shape and the
script's parser on header text written here.
"""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from pytest_manylinux._policy import musl_time64_symbols

if TYPE_CHECKING:
    from types import ModuleType

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "pytest_manylinux" / "policies" / "musl-time64.json"
SCRIPT = ROOT / "scripts" / "make_musl_time64.py"


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
