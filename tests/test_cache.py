"""The facts cache: reused only for identical content, never an error source."""

from __future__ import annotations

import dataclasses
import functools
import json
import os
import shutil
import subprocess
import sys
import time
import types
import typing
import zipfile
import zlib
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from forge import forge_crc, forge_text_crc, pad

from pytest_manylinux import _cache
from pytest_manylinux.__main__ import main
from pytest_manylinux._audit import read_wheel_facts
from pytest_manylinux._checks import FILE_CHECKS, WHEEL_CHECKS
from pytest_manylinux._errors import InvalidWheelError
from pytest_manylinux._model import ElfFacts, SymbolRef, WheelFacts
from pytest_manylinux._wheel import SETTLE_NS

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

    from builders import Fixtures

SO = ".cpython-311-x86_64-linux-gnu.so"
ROOT = Path(__file__).resolve().parent.parent
ITEMS = len(WHEEL_CHECKS) + len(FILE_CHECKS)  # gate items of a wheel with one ELF file


class CountingStore(_cache.DirCache):
    def __init__(self, directory: Path) -> None:
        super().__init__(directory)
        self.hits = 0
        self.saves = 0
        self.keys: list[str] = []

    def load(self, key: str) -> dict[str, object] | None:
        self.keys.append(key)
        entry = super().load(key)
        self.hits += entry is not None
        return entry

    def save(self, key: str, data: dict[str, object]) -> None:
        self.saves += 1
        super().save(key, data)

    def entry(self) -> Path:
        """The file of the last key asked for."""
        return self.directory / self.keys[-1][:2] / f"{self.keys[-1]}.json"


def settle() -> None:
    """Wait until files written so far are old enough for their stat to identify them."""
    time.sleep(SETTLE_NS / 1e9 + 0.05)


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
    path = wheel({f"pkg/ext_2_14{SO}": fx.ext_2_14})
    store = CountingStore(tmp_path / "c")
    read_wheel_facts(path, store=store)
    for entry in (tmp_path / "c").rglob("*.json"):
        entry.write_text(json.dumps({"format": _cache.FORMAT, "elves": "nonsense"}))
    assert read_wheel_facts(path, store=store).elves[0].path == f"pkg/ext_2_14{SO}"


def test_cli_cache_dir_and_no_cache(
    fx: Fixtures, wheel: Callable[..., Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = str(wheel({f"pkg/ext_2_14{SO}": fx.ext_2_14}))
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
    path = wheel({f"pkg/ext_2_14{SO}": fx.ext_2_14})
    args = ["--manylinux-policy=manylinux2014", f"--manylinux-wheel={path}"]
    pytester.runpytest(*args).assert_outcomes(passed=ITEMS)
    entries = {p: p.stat().st_mtime_ns for p in (pytester.path / ".pytest_cache" / "d").rglob("*.json")}
    assert entries
    pytester.runpytest(*args).assert_outcomes(passed=ITEMS)
    # A hit: the same entry is read back and nothing is written again.
    assert {p: p.stat().st_mtime_ns for p in (pytester.path / ".pytest_cache" / "d").rglob("*.json")} == entries
    pytester.runpytest(*args, "-p", "no:cacheprovider").assert_outcomes(passed=ITEMS)


# -- content keys (issue 14) ---------------------------------------------------

DIST_INFO = "pkg-1.0.dist-info"


def _record(rows: dict[str, bytes], pad_field: bytes) -> tuple[bytes, bytes]:
    """RECORD's rows before and after the CSV-safe padding row, as make_wheel writes them."""
    from builders import record_hash  # noqa: PLC0415 - a test helper, not the package

    rows = {**rows, **_METADATA}
    head = "".join(f"{name},{record_hash(data)},{len(data)}\n" for name, data in rows.items()).encode()
    # The padding sits in RECORD's own size field, which nothing verifies (RECORD cannot hash itself).
    return head + f"{DIST_INFO}/RECORD,,".encode() + pad_field, b"\n"


#: METADATA and WHEEL as the forged pair carries them, so RECORD can list them truly.
_METADATA = {
    f"{DIST_INFO}/METADATA": b"Metadata-Version: 2.1\nName: pkg\nVersion: 1.0\n",
    f"{DIST_INFO}/WHEEL": b"Wheel-Version: 1.0\nRoot-Is-Purelib: false\n"
    b"Tag: cp311-cp311-manylinux_2_17_x86_64\nTag: cp311-cp311-manylinux2014_x86_64\n",
}


def _forged_pair(fx: Fixtures, wheel: Callable[..., Path], tmp_path: Path, bad: Path) -> tuple[Path, Path]:
    """A compliant wheel, and one of the same name whose extension is ``bad`` with every
    member's name, CRC-32 and size forged equal, and RECORD true to the new bytes."""
    name = f"pkg/ext_2_17{SO}"
    good_so, bad_so = fx.ext_2_17.read_bytes(), bad.read_bytes()
    size = max(len(good_so), len(bad_so))
    good_so = pad(good_so, size)
    bad_so = pad(bad_so, size)
    at = bad_so.find(b"GCC: (")  # inside .comment: never loaded, never read by an auditor
    assert at > 0
    bad_so = forge_crc(bad_so, at + 6, zlib.crc32(good_so))
    assert bad_so != good_so
    assert len(bad_so) == len(good_so)

    head, tail = _record({name: good_so}, b"000AAAA")
    good_record = head + tail
    head, tail = _record({name: bad_so}, b"")
    bad_record = forge_text_crc(head, tail, zlib.crc32(good_record))
    assert len(bad_record) == len(good_record)

    good = wheel({name: good_so, **_METADATA, f"{DIST_INFO}/RECORD": good_record})
    kept = shutil.copy(good, tmp_path / "good.whl")
    forged = wheel({name: bad_so, **_METADATA, f"{DIST_INFO}/RECORD": bad_record})  # the same file name
    assert forged == good
    claims = [[(i.filename, i.CRC, i.file_size) for i in zipfile.ZipFile(w).infolist()] for w in (kept, forged)]
    assert claims[0] == claims[1], "the forgery must keep every central-directory claim"
    return Path(kept), forged


@pytest.mark.parametrize("bad", ["ext_2_99", "ext_unallowed"], ids=["GLIBC_2.99", "libssl.so.3"])
def test_forged_crc_and_size_miss_the_warm_cache(
    fx: Fixtures, wheel: Callable[..., Path], tmp_path: Path, capsys: pytest.CaptureFixture[str], bad: str
) -> None:
    kept, forged = _forged_pair(fx, wheel, tmp_path, getattr(fx, bad))
    cache = ["--cache-dir", str(tmp_path / "c")]
    forged_bytes = forged.read_bytes()
    forged.write_bytes(kept.read_bytes())
    assert main([str(forged), *cache]) == 0  # the compliant wheel, same path and name, warms the cache
    forged.write_bytes(forged_bytes)
    capsys.readouterr()
    assert main([str(forged), "--no-cache"]) == 1
    cold = capsys.readouterr().out
    assert main([str(forged), *cache]) == 1
    assert capsys.readouterr().out == cold


def _flip_a_bit_in(path: Path, member: str) -> None:
    """Flip one bit of ``member``'s compressed bytes, leaving its stale CRC-32 in place."""
    with zipfile.ZipFile(path) as zf:
        info = zf.getinfo(member)
    data = bytearray(path.read_bytes())
    name_len, extra_len = (
        int.from_bytes(data[info.header_offset + 26 : info.header_offset + 28], "little"),
        int.from_bytes(data[info.header_offset + 28 : info.header_offset + 30], "little"),
    )
    start = info.header_offset + 30 + name_len + extra_len
    data[start + info.compress_size // 2] ^= 0x10
    path.write_bytes(bytes(data))


def test_stale_crc_one_bit_flip_is_an_error_warm_as_cold(
    fx: Fixtures, wheel: Callable[..., Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = wheel({f"pkg/ext_2_17{SO}": fx.ext_2_17})
    cache = ["--cache-dir", str(tmp_path / "c")]
    assert main([str(path), *cache]) == 0
    _flip_a_bit_in(path, f"pkg/ext_2_17{SO}")
    assert main([str(path), "--no-cache"]) == 2
    assert main([str(path), *cache]) == 2
    assert f"pkg/ext_2_17{SO}" in capsys.readouterr().err


def test_gate_with_a_warm_pytest_cache_fails_a_flipped_bit(
    pytester: pytest.Pytester, fx: Fixtures, wheel: Callable[..., Path]
) -> None:
    path = wheel({f"pkg/ext_2_17{SO}": fx.ext_2_17})
    args = ["--manylinux-policy=manylinux2014", f"--manylinux-wheel={path}"]
    pytester.runpytest(*args).assert_outcomes(passed=ITEMS)
    _flip_a_bit_in(path, f"pkg/ext_2_17{SO}")
    pytester.runpytest(*args).assert_outcomes(failed=1)


def _same_size(fx: Fixtures) -> tuple[bytes, bytes]:
    good, bad = fx.ext_2_17.read_bytes(), fx.ext_2_99.read_bytes()
    size = max(len(good), len(bad))
    return pad(good, size), pad(bad, size)


def test_directory_rebuilt_with_same_size_and_mtime_misses(fx: Fixtures, tmp_path: Path) -> None:
    good, bad = _same_size(fx)
    tree = tmp_path / "tree"
    (tree / "pkg").mkdir(parents=True)
    so = tree / "pkg" / f"x{SO}"
    so.write_bytes(good)
    store = CountingStore(tmp_path / "c")
    settle()
    assert read_wheel_facts(tree, store=store).elves[0].symbols_by_version().keys() <= {"GLIBC_2.14", "GLIBC_2.17"}
    assert read_wheel_facts(tree, store=store).elves[0].symbols_by_version().keys() <= {"GLIBC_2.14", "GLIBC_2.17"}
    assert (store.hits, store.saves) == (1, 1)

    before = so.stat()
    with so.open("r+b") as f:  # same inode, same size
        f.write(bad)
    os.utime(so, ns=(before.st_atime_ns, before.st_mtime_ns))  # cp -p, SOURCE_DATE_EPOCH
    after = so.stat()
    assert (after.st_ino, after.st_size, after.st_mtime_ns) == (before.st_ino, before.st_size, before.st_mtime_ns)
    settle()  # old enough to be trusted again: only ctime tells the rebuild apart
    assert "GLIBC_2.99" in read_wheel_facts(tree, store=store).elves[0].symbols_by_version()
    assert (store.hits, store.saves) == (1, 2)


def test_freshly_changed_directory_is_not_cached(fx: Fixtures, tmp_path: Path) -> None:
    tree = tmp_path / "tree"
    tree.mkdir()
    shutil.copy(fx.ext_2_17, tree / f"x{SO}")
    store = CountingStore(tmp_path / "c")
    read_wheel_facts(tree, store=store)
    read_wheel_facts(tree, store=store)
    assert (store.keys, store.saves) == ([], 0)  # written within the clock tick margin: no identity


def test_wheel_changed_while_read_is_not_saved(fx: Fixtures, wheel: Callable[..., Path], tmp_path: Path) -> None:
    path = wheel({f"pkg/ext_2_17{SO}": fx.ext_2_17})

    class Swapping(CountingStore):
        def load(self, key: str) -> dict[str, object] | None:
            entry = super().load(key)
            wheel({f"pkg/ext_2_99{SO}": fx.ext_2_99}, version="2").replace(path)  # rebuilt under the reader
            return entry

    store = Swapping(tmp_path / "c")
    read_wheel_facts(path, store=store)
    assert store.saves == 0


def test_every_byte_of_a_large_wheel_is_hashed(fx: Fixtures, wheel: Callable[..., Path], tmp_path: Path) -> None:
    path = wheel({f"pkg/ext_2_17{SO}": fx.ext_2_17, "pkg/data.bin": os.urandom(9 << 20)})  # hashed in two halves
    store = CountingStore(tmp_path / "c")
    read_wheel_facts(path, store=store)
    read_wheel_facts(path, store=store)
    assert (store.hits, store.saves) == (1, 1)
    for where in (0.25, 0.75):  # a byte of a non-ELF member, in each half
        data = bytearray(path.read_bytes())
        data[int(len(data) * where)] ^= 1
        path.write_bytes(bytes(data))
        # A miss reads the wheel again, and RECORD verification inflates every member (#11),
        # so the flipped byte is caught by its CRC: an error, and nothing saved.
        with pytest.raises(InvalidWheelError, match="Bad CRC-32"):
            read_wheel_facts(path, store=store)
        data[int(len(data) * where)] ^= 1
        path.write_bytes(bytes(data))
    assert (store.hits, store.saves) == (1, 1)


def test_bare_elf_is_keyed_by_content(fx: Fixtures, tmp_path: Path) -> None:
    good, bad = _same_size(fx)
    so = tmp_path / f"x{SO}"
    so.write_bytes(good)
    store = CountingStore(tmp_path / "c")
    read_wheel_facts(so, store=store)
    before = so.stat()
    so.write_bytes(bad)
    os.utime(so, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert "GLIBC_2.99" in read_wheel_facts(so, store=store).elves[0].symbols_by_version()
    assert store.hits == 0


# -- hostile entries (issue 9) -------------------------------------------------


def _mutations(value: object) -> Iterator[tuple[str, Callable[[object], object]]]:
    """(description, replacement) for the node and every node below it; each breaks the schema."""
    yield "float", lambda _: 1.5
    yield "object", lambda _: {"k": []}
    if type(value) is str:
        yield "int", lambda _: 7
    elif type(value) is bool:
        yield "int", lambda v: int(typing.cast("bool", v))
    elif type(value) is int:
        yield "bool", lambda _: True
        yield "str", lambda _: "7"
    elif type(value) is list:
        yield "str", lambda _: "x"
        yield "append float", lambda v: [*typing.cast("list[object]", v), 1.5]
        yield "append nested", lambda v: [*typing.cast("list[object]", v), [[["x"]]]]
    elif type(value) is dict:
        yield "extra key", lambda v: {**typing.cast("dict[str, object]", v), "extra": None}
        for key in typing.cast("dict[str, object]", value):
            yield f"without {key}", functools.partial(_without, key=key)


def _without(value: object, key: str) -> object:
    return {n: x for n, x in typing.cast("dict[str, object]", value).items() if n != key}


def _corpus(entry: object, path: tuple[object, ...] = ()) -> Iterator[tuple[str, object]]:
    """Every single-mutation variant of ``entry``: (where and what, the new entry)."""
    node: object = entry
    for step in path:
        node = (
            typing.cast("list[object]", node)[step]
            if type(step) is int
            else typing.cast("dict[object, object]", node)[step]
        )
    for what, change in _mutations(node):
        yield f"{'/'.join(map(str, path))}: {what}", _replace(entry, path, change(node))
    if type(node) is dict:
        for key in typing.cast("dict[str, object]", node):
            if path or key != "format":
                yield from _corpus(entry, (*path, key))
    elif type(node) is list:
        for index in range(len(node)) if len(node) <= 25 else (0, len(node) - 1):  # every column, a few rows
            yield from _corpus(entry, (*path, index))


def _replace(node: object, path: tuple[object, ...], new: object) -> object:
    if not path:
        return new
    head, rest = path[0], path[1:]
    if type(node) is list:
        out = list(node)
        out[typing.cast("int", head)] = _replace(out[typing.cast("int", head)], rest, new)
        return out
    out_d = dict(typing.cast("dict[str, object]", node))
    out_d[typing.cast("str", head)] = _replace(out_d[typing.cast("str", head)], rest, new)
    return out_d


def test_malformed_entries_are_misses(fx: Fixtures, wheel: Callable[..., Path], tmp_path: Path) -> None:
    path = wheel({f"pkg/_origin{SO}": fx.ext_origin, "pkg.libs/libvendored.so.1": fx.libvendored, "bin/t": fx.exe_nix})
    fresh = read_wheel_facts(path)
    store = CountingStore(tmp_path / "c")
    read_wheel_facts(path, store=store)
    entry = json.loads(store.entry().read_text())
    hit = read_wheel_facts(path, store=store)
    assert hit.elves == fresh.elves
    assert hit != fresh  # RECORD is kept only for the ELF paths: tells a hit from a miss
    corpus = list(_corpus(entry))
    assert len(corpus) > 300
    for what, bad in corpus:
        store.entry().write_text(json.dumps(bad))
        assert _cache.decode(bad, str(path)) is None, what
        assert read_wheel_facts(path, store=store) == fresh, what  # a miss, read again, saved again
        assert json.loads(store.entry().read_text()) == entry


@pytest.mark.parametrize(
    "text",
    [
        "[" * 200_000 + "]" * 200_000,
        '{"format": "%s", "kind": ' + "[" * 200_000 + "]" * 200_000 + "}",
        '{"format": "%s", "kind": "wheel", "elves": ' + '{"a":' * 100_000 + "1" + "}" * 100_000 + "}",
        "\xff\xfe not UTF-8",
        '{"flags": 1' + "0" * 5000 + "}",
        "NaN",
        "",
    ],
    ids=["deep-list", "deep-field", "deep-object", "bytes", "huge-int", "nan", "empty"],
)
def test_unparsable_entries_are_misses(
    fx: Fixtures, wheel: Callable[..., Path], tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str
) -> None:
    path = wheel({f"pkg/ext_2_14{SO}": fx.ext_2_14})
    store = CountingStore(tmp_path / "c")
    read_wheel_facts(path, store=store)
    store.entry().write_bytes(text.replace("%s", _cache.FORMAT).encode("latin-1"))
    capsys.readouterr()
    assert main([str(path), "--cache-dir", str(tmp_path / "c")]) == 0
    assert capsys.readouterr().err == ""


def test_entries_over_the_cap_are_neither_read_nor_written(
    fx: Fixtures, wheel: Callable[..., Path], tmp_path: Path
) -> None:
    path = wheel({f"pkg/ext_2_14{SO}": fx.ext_2_14})
    store = CountingStore(tmp_path / "c")
    read_wheel_facts(path, store=store)
    with store.entry().open("ab") as f:  # still valid JSON: trailing whitespace
        f.write(b" " * _cache.MAX_ENTRY_BYTES)
    read_wheel_facts(path, store=store)
    assert store.hits == 0
    big = tmp_path / "big"
    _cache.DirCache(big).save("ab" * 32, {"x": "y" * _cache.MAX_ENTRY_BYTES})
    assert not list(big.rglob("*"))


def test_writes_never_follow_a_planted_symlink(fx: Fixtures, wheel: Callable[..., Path], tmp_path: Path) -> None:
    path = wheel({f"pkg/ext_2_14{SO}": fx.ext_2_14})
    outside = tmp_path / "outside"
    outside.mkdir()
    victim = outside / "victim.txt"
    victim.write_text("precious")
    probe = CountingStore(tmp_path / "probe")
    read_wheel_facts(path, store=probe)
    key = probe.keys[-1]

    # The subdirectory is a symlink out of the cache: nothing is written there.
    linked = tmp_path / "c1"
    linked.mkdir()
    (linked / key[:2]).symlink_to(outside)
    (outside / f"{key}.json").symlink_to(victim)
    store = CountingStore(linked)
    read_wheel_facts(path, store=store)
    read_wheel_facts(path, store=store)
    assert (store.hits, victim.read_text()) == (0, "precious")
    assert sorted(p.name for p in outside.iterdir()) == [f"{key}.json", "victim.txt"]

    # The entry is a symlink: neither read through nor written through; the link itself is replaced.
    direct = tmp_path / "c2"
    (direct / key[:2]).mkdir(parents=True)
    shutil.copy(probe.entry(), outside / "valid.json")
    (direct / key[:2] / f"{key}.json").symlink_to(outside / "valid.json")
    store = CountingStore(direct)
    read_wheel_facts(path, store=store)
    assert store.hits == 0
    assert not (direct / key[:2] / f"{key}.json").is_symlink()
    read_wheel_facts(path, store=store)
    assert store.hits == 1
    assert victim.read_text() == "precious"

    # A FIFO or a directory at the entry path: a miss at once, no hang, no error.
    odd = tmp_path / "c3"
    (odd / key[:2]).mkdir(parents=True)
    os.mkfifo(odd / key[:2] / f"{key}.json")
    assert _cache.DirCache(odd).load(key) is None
    read_wheel_facts(path, store=CountingStore(odd))
    assert [p.name for p in (odd / key[:2]).iterdir()] == [f"{key}.json"]


def test_keys_that_are_not_digests_are_ignored(tmp_path: Path) -> None:
    store = _cache.DirCache(tmp_path / "c")
    for key in ("../../escape", "ab/../../x", "", "ABCDEF0123456789"):
        store.save(key, {"x": 1})
        assert store.load(key) is None
    assert not (tmp_path / "c").exists()
    assert not (tmp_path / "escape.json").exists()


_FSIZE_CHILD = """
import resource, sys
resource.setrlimit(resource.RLIMIT_FSIZE, (64, 64))
from pytest_manylinux.__main__ import main
sys.exit(main(sys.argv[1:]))
"""


def test_file_too_large_on_a_cache_write_is_silent(fx: Fixtures, wheel: Callable[..., Path], tmp_path: Path) -> None:
    path = wheel({f"pkg/ext_2_14{SO}": fx.ext_2_14})
    cache = tmp_path / "c"
    result = subprocess.run(
        [sys.executable, "-c", _FSIZE_CHILD, str(path), "--cache-dir", str(cache)],
        capture_output=True,
        text=True,
        check=False,
        cwd=ROOT,
    )
    assert (result.returncode, result.stderr) == (0, "")
    assert [p for p in cache.rglob("*") if p.is_file()] == []  # no entry, no temporary file left


# -- the format follows the facts (issue 13) -----------------------------------


def _variant(cls: type, **extra: object) -> type:
    """``cls`` rebuilt with extra fields (name -> type), as a change to _model would make it."""
    hints = typing.get_type_hints(cls)
    fields: list[tuple[str, object, object]] = [
        (f.name, hints[f.name], dataclasses.field(default=f.default)) for f in dataclasses.fields(cls)
    ]
    fields += [(name, tp, dataclasses.field(default=())) for name, tp in extra.items()]
    return dataclasses.make_dataclass(cls.__name__, fields, frozen=True, slots=True)


def test_format_is_derived_from_the_fields() -> None:
    assert _cache.format_of(WheelFacts, omit=("path",)) == _cache.FORMAT
    assert _cache.format_of(ElfFacts) == _cache.format_of(_variant(ElfFacts))
    assert _cache.format_of(ElfFacts) != _cache.format_of(_variant(ElfFacts, added_texts=tuple[str, ...]))
    assert _cache.format_of(SymbolRef) != _cache.format_of(_variant(SymbolRef, aliases=tuple[str, ...]))


def test_new_fields_of_supported_types_round_trip() -> None:
    elf_type = _variant(ElfFacts, added_texts=tuple[str, ...], added_symbols=tuple[SymbolRef, ...])
    codec = _cache._codec(types.GenericAlias(tuple, (elf_type, ...)))
    elf = elf_type(
        path="a.so",
        elf_class=64,
        little_endian=True,
        machine="EM_X86_64",
        osabi="ELFOSABI_SYSV",
        elf_type="ET_DYN",
        flags=0,
        arch="x86_64",
        added_texts=("odd", "odder"),
        added_symbols=(SymbolRef("f", "V_1", None, weak=True, function=False),),
    )
    encoded = json.loads(json.dumps(codec.encode((elf,))))
    assert codec.decode(encoded) == (elf,)


@pytest.mark.parametrize("tp", [dict[str, int], list[str], float, tuple[str, int], "set[str]"])
def test_unsupported_field_types_fail_loudly(tp: object) -> None:
    with pytest.raises(TypeError, match="cannot store a field of type"):
        _cache.format_of(_variant(ElfFacts, extra=tp))
