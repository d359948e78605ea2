"""The facts cache: reused only for identical content, never an error source."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from pytest_manylinux import _cache
from pytest_manylinux.__main__ import main
from pytest_manylinux._audit import read_wheel_facts
from pytest_manylinux._checks import FILE_CHECKS, WHEEL_CHECKS

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

    import pytest
    from builders import Fixtures

SO = ".cpython-311-x86_64-linux-gnu.so"
ITEMS = len(WHEEL_CHECKS) + len(FILE_CHECKS)  # gate items of a wheel with one ELF file


class CountingStore(_cache.DirCache):
    def __init__(self, directory: Path) -> None:
        super().__init__(directory)
        self.hits = 0
        self.saves = 0

    def load(self, key: str) -> dict[str, object] | None:
        entry = super().load(key)
        self.hits += entry is not None
        return entry

    def save(self, key: str, data: dict[str, object]) -> None:
        self.saves += 1
        super().save(key, data)


def test_round_trip_is_lossless(fx: Fixtures, wheel: Callable[..., Path], tmp_path: Path) -> None:
    path = wheel(
        {f"pkg/ext_2_17{SO}": fx.ext_2_17, "pkg.libs/libvendored.so.1": fx.libvendored, "bin/tool": fx.exe_nix}
    )
    fresh = read_wheel_facts(path)
    store = CountingStore(tmp_path / "c")
    assert read_wheel_facts(path, store=store) == fresh
    assert (store.hits, store.saves) == (0, 1)
    again = read_wheel_facts(path, store=store)
    assert (store.hits, store.saves) == (1, 1)
    assert again.elves == fresh.elves
    assert again.record is not None
    assert set(again.record) == {e.path for e in fresh.elves}


def test_changed_member_is_a_miss(fx: Fixtures, wheel: Callable[..., Path], tmp_path: Path) -> None:
    store = CountingStore(tmp_path / "c")
    first = read_wheel_facts(wheel({f"pkg/x{SO}": fx.ext_2_5}), store=store)
    second = read_wheel_facts(wheel({f"pkg/x{SO}": fx.ext_2_17}), store=store)  # same file name
    assert store.hits == 0
    assert first.elves[0].symbols_by_version() != second.elves[0].symbols_by_version()


def test_damaged_entry_is_a_miss_not_an_error(fx: Fixtures, wheel: Callable[..., Path], tmp_path: Path) -> None:
    path = wheel({f"pkg/x{SO}": fx.ext_2_14})
    store = CountingStore(tmp_path / "c")
    read_wheel_facts(path, store=store)
    for entry in (tmp_path / "c").rglob("*.json"):
        entry.write_text(json.dumps({"format": _cache.FORMAT, "elves": "nonsense"}))
    assert read_wheel_facts(path, store=store).elves[0].path == f"pkg/x{SO}"


def test_cli_cache_dir_and_no_cache(
    fx: Fixtures, wheel: Callable[..., Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = str(wheel({f"pkg/x{SO}": fx.ext_2_14}))
    assert main([path, "--no-cache", "--cache-dir", str(tmp_path / "none")]) == 0
    assert not (tmp_path / "none").exists()
    capsys.readouterr()
    assert main([path, "--cache-dir", str(tmp_path / "c")]) == 0
    assert list((tmp_path / "c").rglob("*.json"))
    cold = capsys.readouterr().out
    assert main([path, "--cache-dir", str(tmp_path / "c")]) == 0
    assert capsys.readouterr().out == cold


def test_bad_input_writes_no_cache_entry(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad-1.0-py3-none-any.whl"
    bad.write_bytes(b"PK\x03\x04 truncated local header")
    assert main([str(bad), "--cache-dir", str(tmp_path / "c")]) == 2
    capsys.readouterr()
    assert not (tmp_path / "c").exists()


def test_plugin_uses_pytest_cache_and_can_do_without(
    pytester: pytest.Pytester, fx: Fixtures, wheel: Callable[..., Path]
) -> None:
    path = wheel({f"pkg/x{SO}": fx.ext_2_14})
    args = ["--manylinux-policy=manylinux2014", f"--manylinux-wheel={path}"]
    pytester.runpytest(*args).assert_outcomes(passed=ITEMS)
    entries = {p: p.stat().st_mtime_ns for p in (pytester.path / ".pytest_cache" / "d").rglob("*.json")}
    assert entries
    pytester.runpytest(*args).assert_outcomes(passed=ITEMS)
    # A hit: the same entry is read back and nothing is written again.
    assert {p: p.stat().st_mtime_ns for p in (pytester.path / ".pytest_cache" / "d").rglob("*.json")} == entries
    pytester.runpytest(*args, "-p", "no:cacheprovider").assert_outcomes(passed=ITEMS)
